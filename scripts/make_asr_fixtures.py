#!/usr/bin/env python3
"""Rebuild tests/fixtures/asr/ from the Debian packages it was made from.

Needs: asterisk-core-sounds-en-wav, asterisk-core-sounds-en, asterisk-core-sounds-ru-wav,
asterisk-core-sounds-ru (8 kHz prompts and their transcripts) and espeak-ng (a Korean clip for
the Vosk contract test). The selection is deterministic: prompts of 4 to 14 words without digits
or bracketed notes (digits and "[beep]" would test number formatting, not recognition), sorted by
name and taken at an even stride, so rerunning this gives the same set.

    .venv/bin/python scripts/make_asr_fixtures.py
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "asr"
SOUNDS = Path("/usr/share/asterisk/sounds")
TRANSCRIPTS = Path("/usr/share/doc")
PER_LANGUAGE = 22
MAX_SECONDS = 8.0  # keeps the fixtures small and each prompt one Whisper window
KOREAN_TEXT = "안녕하세요 고객님 무엇을 도와드릴까요 주문하신 상품이 아직 도착하지 않았습니다"


def transcripts(language: str) -> dict[str, str]:
    path = TRANSCRIPTS / f"asterisk-core-sounds-{language}" / f"core-sounds-{language}.txt.gz"
    out = {}
    for line in gzip.open(path, "rt", encoding="utf-8"):
        if line.startswith(";") or ":" not in line:
            continue
        name, text = line.split(":", 1)
        out[name.strip()] = " ".join(text.split())
    return out


def usable(text: str) -> bool:
    words = text.split()
    return 4 <= len(words) <= 14 and not re.search(r"[\d\[\]]|\.\.\.", text)


def select(language: str) -> list[tuple[str, str]]:
    candidates = []
    for name, text in sorted(transcripts(language).items()):
        wav = SOUNDS / language / f"{name}.wav"
        if "/" in name or not wav.is_file() or not usable(text):
            continue
        info = sf.info(str(wav))
        if info.samplerate == 8000 and info.channels == 1 and info.duration <= MAX_SECONDS:
            candidates.append((name, text))
    if len(candidates) < PER_LANGUAGE:
        sys.exit(f"only {len(candidates)} usable {language} prompts; is asterisk-core-sounds-{language}-wav installed?")
    stride = len(candidates) / PER_LANGUAGE
    return [candidates[int(i * stride)] for i in range(PER_LANGUAGE)]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for language in ("en", "ru"):
        folder = OUT / language
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.flac"):
            old.unlink()
        manifest = []
        for name, text in select(language):
            audio, rate = sf.read(str(SOUNDS / language / f"{name}.wav"), dtype="int16")
            # FLAC is lossless: the same 8 kHz samples as the Debian WAV, at about half the size.
            sf.write(str(folder / f"{name}.flac"), audio, rate, subtype="PCM_16")
            manifest.append({"file": f"{language}/{name}.flac", "text": text})
        (folder / "transcripts.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{language}: {len(manifest)} prompts")
    ko = OUT / "ko_espeak.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(ko), KOREAN_TEXT], check=True)
    (OUT / "ko_espeak.txt").write_text(KOREAN_TEXT + "\n", encoding="utf-8")
    print(f"ko: {ko.name}")


if __name__ == "__main__":
    main()
