#!/usr/bin/env python3
"""Write the golden calls' events for the QA scorecard tests (``tests/fixtures/scorecard``):
each distinct golden call (not the headset variants, which say the same words) through
``voiceassist analyze --engine whisper --levels``, as a user runs it.

The scorecard is scored from events, so its tests read these instead of decoding ten minutes
of audio each run; the demo call is decoded by the report tests themselves. Run again after a
change to recognition or the rules (a cached analysis makes it fast):

    .venv/bin/python scripts/make_scorecard_events.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
OUT = ROOT / "tests" / "fixtures" / "scorecard"


def main() -> None:
    manifest = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        if "variant_of" in entry:
            continue
        wav = GOLDEN / entry["file"]
        out = OUT / f"{wav.stem}.events.jsonl"
        subprocess.run(
            [sys.executable, "-m", "voiceassist", "analyze", str(wav), "--engine", "whisper",
             "--levels", "--call-start", "2026-11-23T14:05", "--events", str(out)],
            check=True, stdout=subprocess.DEVNULL,
        )
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
