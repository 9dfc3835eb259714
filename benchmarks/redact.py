"""Redaction benchmark: time per transcript line of ``voiceassist.redact.redact``.

Lines are the golden trigger sets' utterances (tests/fixtures/triggers, all five languages):
as they are (most lines hold no number) and with a phone number, a card number and an e-mail
put in (the lines that cost most: the phone matcher runs only on lines with 7 digits or more).
Reported per language: median, p95 and max per line, and the ratio to tokenising the same line
for the trigger matcher (``rules.matching.tokens``, the reference, same process).

    .venv/bin/python benchmarks/redact.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist.redact import redact  # noqa: E402
from voiceassist.rules.matching import tokens  # noqa: E402

LANGUAGES = ("en", "tr", "ru", "ar", "hr")
PII = {
    "en": "my number is 07911 123456 card 4111 1111 1111 1111 mail ivan dot petrov at gmail dot com",
    "tr": "numaram 0532 123 45 67 kart 4111-1111-1111-1111 e-posta ali nokta veli et gmail nokta com",
    "ru": "мой номер +7 (916) 123-45-67 карта 4111 1111 1111 1111 почта иван собака яндекс точка ру",
    "ar": "رقمي ٠٥٠١٢٣٤٥٦٧ البطاقة ٤١١١ ١١١١ ١١١١ ١١١١ البريد ahmed at gmail dot com",
    "hr": "moj broj je 091 234 5678 kartica 4111 1111 1111 1111 mail ivan točka horvat et gmail točka com",
}


def lines(language: str) -> list[str]:
    data = tomllib.loads((ROOT / "tests/fixtures/triggers" / f"{language}.toml").read_text(encoding="utf-8"))
    out = []
    for section in data.values():
        if isinstance(section, dict):
            for key in ("positives", "negatives"):
                out += [x if isinstance(x, str) else x.get("text", "") for x in section.get(key, [])]
    return [x for x in out if x]


def per_line(fn, texts: list[str], language: str, repeat: int) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        for _ in range(repeat):
            fn(text, language)
        times.append((time.perf_counter() - start) / repeat)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each line (default 5)")
    args = parser.parse_args()
    redact("warm up 07911 123456", "en")  # phonenumbers loads its region metadata on first use
    print(f"{'language':8} {'lines':>6} {'kind':>9} {'median µs':>10} {'p95 µs':>8} {'max µs':>8} {'× tokens':>9}")
    for language in LANGUAGES:
        plain = lines(language)
        tokens(plain[0], language)
        for kind, texts in (("plain", plain), ("with PII", [f"{t} {PII[language]}" for t in plain])):
            took = per_line(redact, texts, language, args.repeat)
            ref = per_line(tokens, texts, language, args.repeat)
            med, ref_med = statistics.median(took), statistics.median(ref)
            p95 = statistics.quantiles(took, n=20)[-1]
            print(f"{language:8} {len(texts):>6} {kind:>9} {med * 1e6:>10.0f} {p95 * 1e6:>8.0f} {max(took) * 1e6:>8.0f} "
                  f"{med / ref_med:>9.2f}")


if __name__ == "__main__":
    main()
