#!/usr/bin/env python3
"""Build ``tests/fixtures/dead_air/dead_air.wav``: the golden ``calm.wav`` call (real speech:
Allison Smith's Asterisk prompts for the agent, espeak-ng and a pocketsphinx recording for the
caller) with silence where a call has it:

- ``LEAD_S`` of line noise before anyone speaks (the line ringing, the agent not there yet):
  not dead air;
- a scripted ``GAP_S`` of silence mid-call, between the agent's "The number you have dialed…"
  and the caller's "Thanks. I also want to…": dead air;
- ``TAIL_S`` of line noise after the agent's "Goodbye!": the call ending, not dead air.

Silence is the golden calls' own line noise (−70 dBFS, seeded), on both channels. Writes the
WAV (8 kHz μ-law stereo, caller on channel 0, as the golden calls) and ``manifest.json``: the
turns with their new times, the gap, and the expected prompt.

    .venv/bin/python scripts/build_dead_air_call.py [--out DIR]

Deterministic: the same bytes on every build.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
OUT_DIR = ROOT / "tests" / "fixtures" / "dead_air"
RATE = 8000
LEAD_S, GAP_S, TAIL_S = 10.0, 10.0, 12.0
NOISE_DBFS = -70.0
# The gap goes after this turn of calm.wav (its index in the manifest): the agent's third turn.
GAP_AFTER_TURN = 4


def _noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    n = round(seconds * RATE)
    return rng.normal(0.0, 10 ** (NOISE_DBFS / 20), size=(n, 2))


def build(out: Path) -> dict:
    manifest = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
    calm = next(f for f in manifest["files"] if f["file"] == "calm.wav")
    audio, rate = sf.read(GOLDEN / "calm.wav", dtype="float64", always_2d=True)
    assert rate == RATE
    turns = calm["turns"]
    before, after = turns[GAP_AFTER_TURN], turns[GAP_AFTER_TURN + 1]
    pause = after["start"] - before["end"]  # the call's own pause there, part of the gap
    cut = round((before["end"] + pause / 2) * RATE)
    rng = np.random.default_rng(20)
    mix = np.concatenate([_noise(LEAD_S, rng), audio[:cut], _noise(GAP_S - pause, rng), audio[cut:], _noise(TAIL_S, rng)])
    out.mkdir(parents=True, exist_ok=True)
    sf.write(out / "dead_air.wav", mix, RATE, subtype="ULAW", format="WAV")

    def moved(t: float) -> float:
        return round(t + LEAD_S + (GAP_S - pause if t * RATE >= cut else 0.0), 3)

    new_turns = [{"speaker": t["speaker"], "start": moved(t["start"]), "end": moved(t["end"]), "text": t["text"]} for t in turns]
    gap = {"start": moved(before["end"]), "end": moved(after["start"])}
    result = {
        "about": "calm.wav with silence at the start, a scripted gap mid-call and silence after the goodbye; see README.md",
        "file": "dead_air.wav",
        "duration_s": round(len(mix) / RATE, 3),
        "channels": {"caller": 0, "agent": 1},
        "lead": {"start": 0.0, "end": LEAD_S},
        "gap": gap,
        "tail": {"start": new_turns[-1]["end"], "end": round(len(mix) / RATE, 3)},
        "turns": new_turns,
        "expected_prompts": [{"kind": "dead_air", "earliest_t": gap["start"] + 8.0, "latest_t": gap["end"]}],
    }
    (out / "manifest.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    made = build(parser.parse_args().out)
    print(f"wrote {made['file']}: {made['duration_s']} s, gap {made['gap']['start']}–{made['gap']['end']} s")


if __name__ == "__main__":
    main()
