"""Generate the speech-rate fixtures: espeak-ng sentences with known syllable counts.

    .venv/bin/python scripts/make_rate_fixtures.py [--out tests/fixtures/rate]

Needs the espeak-ng binary (Debian package espeak-ng 1.51 was used). For each language
(en, tr, ru, ar, hr), two call-centre sentences are spoken at 110, 140, 170, 200, 230 and 260
words/min, resampled from espeak's 22.05 kHz to 16 kHz with soxr, and saved as 16-bit FLAC
(lossless, about half the size of WAV). ``manifest.json`` records per file the text, the
syllable count and the phonation time.

Syllable counts: English counted by hand (written out below); Turkish, Russian and Croatian are
vowel counts of the orthography (these sentences have no syllabic r); the Arabic sentences are
fully vocalised and counted by hand from the transliteration. As a cross-check the script also
counts vowel groups in espeak-ng's own IPA (``--ipa``) and refuses to write a fixture when the
two disagree, so the audio really contains the counted syllables.

Phonation time is measured exactly as the analyser measures it: webrtcvad (aggressiveness 2,
the product default) on 20 ms frames, voiced frames plus pauses ≤ 300 ms between them
(``voiceassist.analysis.rate.phonation_seconds``). The truth rate is syllables / phonation time,
so the test of the rate really tests the analyser's syllable count.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import webrtcvad

from voiceassist.analysis.rate import phonation_seconds
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE

RATES_WPM = (110, 140, 170, 200, 230, 260)
VOICES = {"en": "en-us", "tr": "tr", "ru": "ru", "ar": "ar", "hr": "hr"}

# (text, syllables, how counted)
SENTENCES: dict[str, list[tuple[str, int, str]]] = {
    "en": [
        (
            "Thank you for calling, my name is Peter and I will help you today.",
            17,
            "thank/you/for/cal-ling/my/name/is/Pe-ter/and/I/will/help/you/to-day",
        ),
        (
            "Please hold on a moment while I check the details of your account.",
            16,
            "please/hold/on/a/mo-ment/while/I/check/the/de-tails/of/your/ac-count",
        ),
    ],
    "tr": [
        ("Bugün size nasıl yardımcı olabilirim?", 14, "vowels aeıioöuü"),
        ("Siparişiniz yarın sabah adresinize teslim edilecek.", 20, "vowels aeıioöuü"),
    ],
    "ru": [
        ("Спасибо за ваш звонок, чем я могу вам помочь?", 14, "vowels аеёиоуыэюя"),
        ("Мы отправим документы завтра утром по почте.", 15, "vowels аеёиоуыэюя"),
    ],
    "ar": [
        (
            "شُكْرًا لَكَ، كَيْفَ يُمْكِنُنِي مُسَاعَدَتُكَ؟",
            16,
            "shuk-ran / la-ka / kay-fa / yum-ki-nu-nii / mu-saa-3a-da-tu-ka",
        ),
        (
            "سَنُرْسِلُ طَلَبَكَ غَدًا صَبَاحًا",
            13,
            "sa-nur-si-lu / Ta-la-ba-ka / gha-dan / Sa-baa-Han",
        ),
    ],
    "hr": [
        ("Hvala vam na pozivu, kako vam mogu pomoći?", 15, "vowels aeiou"),
        ("Vaša narudžba stiže sutra ujutro na adresu.", 16, "vowels aeiou"),
    ],
}

_ORTHO_VOWELS = {"tr": "aeıioöuü", "ru": "аеёиоуыэюя", "hr": "aeiou"}
# IPA vowel letters espeak-ng uses for these voices; a run of them (a diphthong) is one nucleus.
_IPA_VOWELS = "aeiouyæøœɐɑɒɔəɘɚɛɜɞɤɨɪɯɵʉʊʌʏ"


def ipa_nuclei(voice: str, text: str) -> int:
    ipa = subprocess.run(
        ["espeak-ng", "-q", "-v", voice, "--ipa", text], capture_output=True, text=True, check=True
    ).stdout
    ipa = re.sub(r"[ˈˌː.]", "", ipa)
    return len(re.findall(f"[{_IPA_VOWELS}]+", ipa))


def speak(voice: str, wpm: int, text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text], check=True)
        x, rate = sf.read(wav, dtype="float32")
    y = soxr.resample(x, rate, SAMPLE_RATE)
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def vad_flags(x: np.ndarray, aggressiveness: int = 2) -> list[bool]:
    vad = webrtcvad.Vad(aggressiveness)
    n = len(x) // HOP_SAMPLES
    return [vad.is_speech(x[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES].tobytes(), SAMPLE_RATE) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "tests/fixtures/rate")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for lang, sentences in SENTENCES.items():
        voice = VOICES[lang]
        for n, (text, syllables, how) in enumerate(sentences, 1):
            if lang in _ORTHO_VOWELS:
                counted = sum(ch in _ORTHO_VOWELS[lang] for ch in text.lower())
                assert counted == syllables, (lang, text, counted)
            from_ipa = ipa_nuclei(voice, text)
            assert from_ipa == syllables, f"espeak-ng says {from_ipa} nuclei for {text!r}, we count {syllables}"
            for wpm in RATES_WPM:
                x = speak(voice, wpm, text)
                name = f"{lang}-{n}-{wpm}.flac"
                sf.write(out / name, x, SAMPLE_RATE, subtype="PCM_16")
                phonation = phonation_seconds(vad_flags(x))
                manifest.append(
                    {
                        "file": name,
                        "language": lang,
                        "voice": voice,
                        "sentence": n,
                        "espeak_wpm": wpm,
                        "text": text,
                        "syllables": syllables,
                        "syllables_counted": how,
                        "duration_s": round(len(x) / SAMPLE_RATE, 3),
                        "phonation_s": round(phonation, 3),
                        "phonation_measured": "webrtcvad(2) 20 ms frames; voiced + pauses <= 300 ms",
                    }
                )
                print(f"{name}: {syllables} syl / {phonation:.2f} s = {syllables / phonation:.2f} sps")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
