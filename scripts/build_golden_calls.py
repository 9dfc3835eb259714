#!/usr/bin/env python3
"""Build the golden stereo calls for the voice monitor (loudness, speech rate, over-talk,
back-channels) in ``tests/fixtures/golden``, with ``manifest.json`` (ground truth, measured
values, expected prompts).

The agent is always Allison Smith's Asterisk prompts (a real, consistent voice: the monitor's
loudness baseline is the agent's own), the caller espeak-ng (plus one pocketsphinx recording).
Each turn is set to a loudness target measured with BS.1770 (``integrated_loudness``), so a
"+8 dB" stretch is the same kind of speech scaled by exactly 8 dB, not an espeak amplitude.
The fast stretch is Asterisk prompts time-compressed by ``sox tempo -s 1.5`` (WSOLA: the pitch
and voice stay the agent's).

Files are 8 kHz μ-law stereo WAV (caller channel 0, agent channel 1), as on a phone line:
16 kHz 16-bit PCM would be 64 kB/s, ≈ 50 MB for these ten calls, against a 12 MB fixture
budget; μ-law at 8 kHz is 16 kB/s and ``voiceassist.sources`` converts it at the edge. The
measured values in the manifest are taken from the written files as the product reads them
(``WavSource`` frames: 16 kHz int16), so tests compare like with like.

    .venv/bin/python scripts/build_golden_calls.py            # writes tests/fixtures/golden
    .venv/bin/python scripts/build_golden_calls.py --out DIR

Deterministic: espeak-ng, sox (``-R``, no dither), soxr and a seeded noise generator give the
same bytes on every build.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_demo_call import Asterisk, Espeak, Sphinx, Voices, render_part  # noqa: E402

from voiceassist.analysis.loudness import LoudnessMeter, integrated_loudness  # noqa: E402
from voiceassist.analysis.rate import SpeechRate, speech_rate  # noqa: E402
from voiceassist.analysis.vad import VoiceActivity  # noqa: E402
from voiceassist.events import MONITOR_KINDS  # noqa: E402
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE as FRAME_RATE  # noqa: E402
from voiceassist.sources.wav import WavSource  # noqa: E402

log = logging.getLogger(__name__)

RATE = 8000
OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "golden"
CHANNELS = {"caller": 0, "agent": 1}
# Calm levels (BS.1770 integrated, per turn). The agent sits low so that the loud-headset
# variant (+12 dB) of the raised stretch (+8 dB) still peaks below 0 dBFS: Asterisk prompts peak
# 15-19.5 dB above their loudness, so -38 + 20 + 19.5 = -0.5 dBFS at worst.
CALM_LUFS = {"caller": -30.0, "agent": -38.0}
NOISE_DBFS = -70.0  # line noise on both channels, so no channel is digital silence
HEADSET_DB = {"quiet_headset": -12.0, "loud_headset": +12.0}
SLOW_DOWN_SPS = 5.5  # the monitor's default "slow down" threshold, for the measured crossing
LOUD_OVER_BASELINE_DB = 6.0  # the monitor's default "lower your voice" threshold


@dataclass(frozen=True)
class Tempo:
    """Asterisk prompts joined and time-compressed by sox ``tempo -s`` (WSOLA keeps pitch)."""

    names: tuple[str, ...]
    factor: float
    text: str


Part = Union[Asterisk, Espeak, Sphinx, Tempo]


@dataclass(frozen=True)
class Turn:
    speaker: str  # "caller" | "agent"
    parts: tuple[Part, ...]
    gap_s: float = 0.6  # after the latest end of the turns before
    # Or start inside the other speaker's latest turn: (part index, offset from that part's start).
    anchor: tuple[int, float] | None = None
    gain_db: float = 0.0  # over the speaker's calm loudness
    tags: tuple[str, ...] = ()
    pause_s: float = 0.35  # between parts; > 0.3 s so the rate meter counts it as a pause


@dataclass(frozen=True)
class Call:
    name: str
    description: str
    turns: tuple[Turn, ...]


A = Asterisk
CALLER_WPM = 165  # a brisk but clear caller: at espeak's default 140 the calls ran 15 % longer


def S(text: str) -> Espeak:
    return Espeak(text, rate_wpm=CALLER_WPM)


# --------------------------------------------------------------------------- rendering
def _sox_tempo(x: np.ndarray, factor: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "in.wav", Path(d) / "out.wav"
        sf.write(src, x, RATE, subtype="FLOAT")
        # -R: repeatable; -D: no dither (float output), so the bytes never change between builds.
        subprocess.run(["sox", "-R", "-D", str(src), "-e", "floating-point", "-b", "32", str(dst),
                        "tempo", "-s", str(factor)], check=True, capture_output=True)
        y, _ = sf.read(dst, dtype="float32")
    return y


def render(part: Part, speaker: str) -> tuple[np.ndarray, str, str]:
    """(8 kHz float mono audio trimmed to its speech, text, source description)."""
    if isinstance(part, Tempo):
        clips = [render_part(Asterisk(n), speaker, Voices())[0] for n in part.names]
        y = _sox_tempo(np.concatenate(clips), part.factor)
        return y, part.text, f"asterisk:{'+'.join(part.names)} (sox tempo -s {part.factor})"
    return render_part(part, speaker, Voices())


def _to_lufs(x: np.ndarray, target: float) -> np.ndarray:
    return x * 10 ** ((target - integrated_loudness(x, RATE)) / 20)


def mix(call: Call, seed: int) -> tuple[np.ndarray, list[dict]]:
    """Render the turns into a (n, 2) float32 array and the per-turn ground truth."""
    placed: list[dict] = []
    latest_end = 0.0
    for i, turn in enumerate(call.turns):
        clips = [render(p, turn.speaker) for p in turn.parts]
        if turn.anchor is None:
            start = 0.5 if i == 0 else latest_end + turn.gap_s
        else:
            other = next(t for t in reversed(placed) if t["speaker"] != turn.speaker)
            part_i, offset = turn.anchor
            start = other["parts"][part_i]["start"] + offset
        start = round(start * RATE) / RATE
        chunks, parts, pos = [], [], start
        for j, (x, text, src) in enumerate(clips):
            if j:
                chunks.append(np.zeros(round(turn.pause_s * RATE), np.float32))
                pos += turn.pause_s
            parts.append({"start": round(pos, 3), "end": round(pos + len(x) / RATE, 3), "text": text, "source": src})
            chunks.append(x)
            pos += len(x) / RATE
        audio = _to_lufs(np.concatenate(chunks), CALM_LUFS[turn.speaker] + turn.gain_db).astype(np.float32)
        end = start + len(audio) / RATE
        placed.append({"index": i, "speaker": turn.speaker, "start": round(start, 3), "end": round(end, 3),
                       "text": " ".join(p["text"] for p in parts), "tags": list(turn.tags),
                       "gain_db": turn.gain_db, "parts": parts, "_audio": audio})
        latest_end = max(latest_end, end)

    n = round((latest_end + 1.0) * RATE)
    rng = np.random.default_rng(seed)
    out = (rng.standard_normal((n, 2)) * 10 ** (NOISE_DBFS / 20)).astype(np.float32)
    for t in placed:
        s = round(t["start"] * RATE)
        audio = t.pop("_audio")
        out[s : s + len(audio), CHANNELS[t["speaker"]]] += audio
    return out, placed


# --------------------------------------------------------------------------- the calls
CALM_OPENING = (
    Turn("agent", (A("hello"), A("queue-thankyou"), A("vm-newuser")), tags=("greeting",)),
    Turn("caller", (S("Hi. We just installed the new phone system, and I am not sure what to do next."),)),
    Turn("agent", (A("demo-abouttotry"),)),
)

LOUD = Call(
    "loud_agent",
    "After a calm start the agent raises their voice by +8 dB (the same Asterisk speech scaled by "
    "exactly 8 dB) for one 10 s turn, then speaks normally again for the rest of the call.",
    CALM_OPENING + (
        Turn("caller", (S("But I tried to call the demo server, and nothing happened at all."),), gap_s=0.5),
        Turn("agent", (A("demo-nogo"),), gain_db=8.0, tags=("loud",)),
        Turn("caller", (S("All right. I will look at the console, then."),)),
        Turn("agent", (A("demo-moreinfo"), A("goodbye"))),
    ),
)

# sox tempo 1.5 made the speech 1.5x shorter but read only 1.32x faster on the syllable-nucleus
# meter (demo-echotest 4.07 -> 5.39 sps: at speed, adjacent vowels merge and nuclei are lost), under
# the 1.4x / 5.5 sps the fixture needs; 1.7 reads 5.87 sps (x1.44) and stays intelligible.
FAST_TEMPO = 1.7
ECHOTEST = ("You are about to enter an echo test. In this mode everything you say will be repeated back to you "
            "just as soon as it is received. The purpose of this test is to give you an audible sense of the "
            "latency between you and the machine that is running the echo test application. You may end the "
            "test by hanging up or by pressing the pound key.")

FAST = Call(
    "fast_agent",
    "After a calm start the agent speaks faster (an Asterisk prompt through sox tempo -s 1.7, same "
    "voice and pitch; it reads about 1.45x the calm syllable rate) for one ~13 s turn, then at the "
    "normal rate for the rest of the call.",
    CALM_OPENING + (
        Turn("caller", (S("Can I test the line in the meantime?"),), gap_s=0.5),
        Turn("agent", (Tempo(("demo-echotest",), FAST_TEMPO, ECHOTEST),), tags=("fast",)),
        Turn("caller", (S("Wait, that was very fast. Is the demo server working at all?"),)),
        Turn("agent", (A("demo-nogo"),)),
    ),
)

OKAY = Tempo(("letters/o", "letters/k"), 1.45, "Okay.")
I_SEE = Tempo(("letters/i", "letters/c"), 1.5, "I see.")
THANK_YOU = A("auth-thankyou")

OVERTALK = Call(
    "overtalk",
    "The agent starts talking three times while the caller is mid-sentence (each at least 1 s "
    "into the caller's sentence, which goes on for at least 1.5 s more), within 30 s; two short "
    "back-channels (< 0.8 s) during caller speech must not count as over-talk.",
    CALM_OPENING + (
        Turn("caller", (S("I have a question about the voice mail. When somebody leaves me a message in the "
                          "evening, I never see the light on my phone the next morning."),), gap_s=0.5),
        Turn("agent", (A("vm-sorry"),), anchor=(0, 1.6), tags=("overlap",)),
        Turn("caller", (S("Let me finish, please. The message is there, because I can hear it when I call in "
                          "from home, but the phone itself never shows it."),)),
        Turn("agent", (OKAY,), anchor=(0, 3.2), tags=("backchannel",)),
        Turn("agent", (A("followme/pls-hold-while-try"),), anchor=(0, 8.0), tags=("overlap",)),
        Turn("caller", (S("No, I do not need another person. I need the light on my desk phone to work when I "
                          "come in, like it did with the old system."),)),
        Turn("agent", (I_SEE,), anchor=(0, 2.2), tags=("backchannel",)),
        Turn("agent", (A("transfer"),), anchor=(0, 5.4), tags=("overlap",)),
        Turn("caller", (S("Fine. I will hold."),)),
        Turn("agent", (A("one-moment-please"),)),
    ),
)

CALM = Call(
    "calm",
    "A calm call (about 85 s): the agent at a steady level and rate throughout, normal gaps, caller "
    "turns under 20 s, one short back-channel; no monitor prompt should appear.",
    CALM_OPENING + (
        Turn("caller", (S("One more thing. When I call the office from my mobile, what does it say?"),), gap_s=0.5),
        Turn("agent", (A("ss-noservice"),)),
        Turn("caller", (S("Thanks. I also want to set up the company directory for our staff."),
                        S("We have about twenty people, and most of them only know the first names of the others.")),
             pause_s=0.5),
        Turn("agent", (THANK_YOU,), anchor=(1, 2.0), tags=("backchannel",)),
        Turn("agent", (A("dir-intro"),)),
        Turn("caller", (S("That is easy enough. My extension number is"), Sphinx("numbers.raw", "three three four six nine two")),
             pause_s=0.3),
        Turn("agent", (A("one-moment-please"),)),
        Turn("caller", (S("Perfect. Thank you for your help today."),)),
        Turn("agent", (A("goodbye"),)),
    ),
)

MONOLOGUE_SENTENCES = (
    "Let me explain the whole situation from the beginning, because it has been going on for a while.",
    "Last month we moved our office to a new building on the other side of the town.",
    "The movers packed all the desk phones and the small server in the same truck as the furniture.",
    "When we set everything up again, most of the phones worked, but six of them did not ring at all.",
    "Our technician checked the cables twice and replaced two of the network switches.",
    "After that the phones rang again, but now the voice mail light never turns on.",
    "And yesterday two customers told me that their calls were cut off after a few seconds.",
)
MONOLOGUE = Turn("caller", tuple(S(s) for s in MONOLOGUE_SENTENCES), gap_s=0.5, pause_s=0.45,
                 tags=("monologue",))
MONOLOGUE_REPLY = (Turn("agent", (A("sorry-youre-having-problems"),)),)

MONOLOGUE_CALL = Call(
    "monologue",
    "After a calm start the caller talks for about 45 s (seven sentences, 0.45 s pauses) with no "
    "back-channel from the agent: the agent should be prompted to acknowledge.",
    CALM_OPENING + (MONOLOGUE,) + MONOLOGUE_REPLY,
)

# Nods every 10 s of the monologue, wherever the caller is (anchors count from its first sentence).
MONOLOGUE_ACK_CALL = Call(
    "monologue_ack",
    "The same caller monologue, but the agent gives a short back-channel (< 0.8 s) about every "
    "10 s: no acknowledge prompt should appear.",
    CALM_OPENING + (
        MONOLOGUE,
        Turn("agent", (I_SEE,), anchor=(0, 10.0), tags=("backchannel",)),
        Turn("agent", (OKAY,), anchor=(0, 20.0), tags=("backchannel",)),
        Turn("agent", (I_SEE,), anchor=(0, 30.0), tags=("backchannel",)),
        Turn("agent", (OKAY,), anchor=(0, 40.0), tags=("backchannel",)),
    ) + MONOLOGUE_REPLY,
)

CALLS = (LOUD, FAST, OVERTALK, CALM, MONOLOGUE_CALL, MONOLOGUE_ACK_CALL)
VARIANTS = {"loud_agent": LOUD, "calm": CALM}


# --------------------------------------------------------------------------- measuring
def _read(path: Path) -> dict[str, np.ndarray]:
    """Each speaker's 16 kHz int16 signal exactly as the product sees it (WavSource frames)."""
    per: dict[str, list[np.ndarray]] = {"caller": [], "agent": []}
    with WavSource(path) as src:
        for f in src.frames():
            per[f.speaker].append(f.samples)
    return {k: np.concatenate(v) for k, v in per.items()}


def _vad(x: np.ndarray) -> np.ndarray:
    from voiceassist.frames import Frame

    vad = VoiceActivity()
    n = len(x) // HOP_SAMPLES
    return np.array([vad.push(Frame("agent", i * 0.02, x[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]))
                     for i in range(n)], dtype=bool)


def _span(x: np.ndarray, flags: np.ndarray, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    hop_s = HOP_SAMPLES / FRAME_RATE
    a, b = int(start / hop_s), int(np.ceil(end / hop_s)) + 1
    return x[a * HOP_SAMPLES : b * HOP_SAMPLES], flags[a:b]


def _r(v: float | None, nd: int = 2) -> float | None:
    return None if v is None else round(float(v), nd)


def measure(path: Path, turns: list[dict]) -> dict:
    """Per-turn loudness (BS.1770 integrated) and syllable rate, read back from the file."""
    x = _read(path)
    flags = {k: _vad(v) for k, v in x.items()}
    out = []
    for t in turns:
        seg, fl = _span(x[t["speaker"]], flags[t["speaker"]], t["start"], t["end"])
        r = speech_rate(seg, fl)
        out.append({"index": t["index"], "lufs": _r(integrated_loudness(seg, FRAME_RATE)),
                    "rate_sps": _r(r.rate_sps), "syllables": r.syllables, "phonation_s": _r(r.phonation_s)})
    return {"x": x, "flags": flags, "turns": out}


def _pooled_rate(m: dict, turns: list[dict], idx: list[int]) -> float | None:
    syl = sum(m["turns"][i]["syllables"] for i in idx)
    ph = sum(m["turns"][i]["phonation_s"] for i in idx)
    return _r(syl / ph) if ph else None


def _agent_lufs(m: dict, turns: list[dict], idx: list[int]) -> float:
    seg = np.concatenate([_span(m["x"]["agent"], m["flags"]["agent"], turns[i]["start"], turns[i]["end"])[0]
                          for i in idx])
    return _r(integrated_loudness(seg, FRAME_RATE))


def _short_term_above(x: np.ndarray, threshold: float) -> list[list[float]]:
    """Intervals (s) in which the 3 s short-term loudness, read every 100 ms, is > threshold."""
    meter, step = LoudnessMeter(FRAME_RATE), FRAME_RATE // 10
    spans: list[list[float]] = []
    above = False
    for i in range(0, len(x) - step + 1, step):
        meter.push(x[i : i + step])
        t = round((i + step) / FRAME_RATE, 2)
        now = meter.short_term_lufs > threshold
        if now and not above:
            spans.append([t, t])
        elif now:
            spans[-1][1] = t
        above = now
    return spans


def _rate_above(x: np.ndarray, flags: np.ndarray, threshold: float) -> tuple[list[float], float]:
    """Times at which ``SpeechRate`` (10 s of phonation) first goes above / falls back below
    ``threshold``, and its maximum."""
    from voiceassist.frames import Frame

    meter, above, changes, peak = SpeechRate(), False, [], 0.0
    for i, v in enumerate(flags):
        sps = meter.push(Frame("agent", i * 0.02, x[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]), bool(v))
        if sps is not None:
            peak = max(peak, sps)
            if (sps > threshold) != above:
                above = not above
                changes.append(round((i + 1) * 0.02, 2))
    return changes, _r(peak)


# --------------------------------------------------------------------------- ground truth
def _tagged(turns: list[dict], tag: str) -> list[dict]:
    return [t for t in turns if tag in t["tags"]]


def _events(turns: list[dict]) -> dict:
    ev: dict = {}
    for tag, key in (("loud", "rise"), ("fast", "fast")):
        hits = _tagged(turns, tag)
        if hits:
            ev[key] = {"start": hits[0]["start"], "end": hits[-1]["end"]}
    callers = [t for t in turns if t["speaker"] == "caller"]
    for tag, key in (("overlap", "overlaps"), ("backchannel", "backchannels")):
        rows = []
        for t in _tagged(turns, tag):
            # The caller sentence (part) being talked over, and how far into it the agent starts.
            part = next((p for c in callers for p in c["parts"] if p["start"] <= t["start"] < p["end"]), None)
            row = {"t": t["start"], "end": t["end"], "duration_s": round(t["end"] - t["start"], 3), "text": t["text"]}
            if part:
                row.update(caller_sentence_start=part["start"], caller_sentence_end=part["end"],
                           into_sentence_s=round(t["start"] - part["start"], 3),
                           caller_continues_s=round(part["end"] - t["start"], 3))
            rows.append(row)
        if rows:
            ev[key] = rows
    mono = _tagged(turns, "monologue")
    if mono:
        m = mono[0]
        ev["monologue"] = {"start": m["start"], "end": m["end"], "duration_s": round(m["end"] - m["start"], 3),
                           "sentences": len(m["parts"])}
    return ev


def _check(call: Call, ev: dict, turns: list[dict]) -> None:
    """The scenario's promises, asserted on the rendered timeline."""
    for o in ev.get("overlaps", []):
        assert o.get("into_sentence_s", 0) >= 1.0 and o["caller_continues_s"] >= 1.5, (call.name, o)
        assert o["duration_s"] >= 1.5, (call.name, o)
    for b in ev.get("backchannels", []):
        assert b["duration_s"] < 0.8, (call.name, b)
    if "overlaps" in ev:
        assert ev["overlaps"][-1]["t"] - ev["overlaps"][0]["t"] <= 60, call.name
    first_event = min([ev[k]["start"] for k in ("rise", "fast", "monologue") if k in ev]
                      + [o["t"] for o in ev.get("overlaps", [])] + [1e9])
    assert first_event >= 25.0, (call.name, first_event)
    gaps = sorted(turns, key=lambda t: t["start"])
    for a, b in zip(gaps, gaps[1:]):
        if not ({"overlap", "backchannel"} & set(a["tags"] + b["tags"])) and b["start"] >= a["end"]:
            assert 0.4 <= b["start"] - a["end"] <= 0.8 + 1e-6, (call.name, a["index"], b["start"] - a["end"])
    if call is CALM:
        assert all(t["end"] - t["start"] <= 20 for t in turns if t["speaker"] == "caller")


def _expected(name: str, ev: dict, measured: dict) -> tuple[list[dict], list[dict]]:
    shown, cleared = [], []
    if "rise" in ev:
        spans = measured.get("short_term_above_baseline_6db") or [[ev["rise"]["start"]]]
        cross = spans[0][0]
        shown.append({"kind": "lower_voice", "earliest_t": ev["rise"]["start"],
                      "latest_t": round(max(ev["rise"]["start"] + 2.0, cross + 2.0), 2), "max_count": 1})
        cleared.append({"kind": "lower_voice", "earliest_t": ev["rise"]["end"],
                        "latest_t": round(ev["rise"]["end"] + 10.0, 2)})
    if "fast" in ev:
        changes = measured.get("rate_window_crossings", [])
        cross = changes[0] if changes else ev["fast"]["start"]
        shown.append({"kind": "slow_down", "earliest_t": ev["fast"]["start"],
                      "latest_t": round(max(ev["fast"]["start"] + 6.0, cross + 2.0), 2), "max_count": 1})
    if "overlaps" in ev:
        o = ev["overlaps"]
        shown.append({"kind": "let_them_finish", "earliest_t": o[1]["t"], "latest_t": round(o[2]["t"] + 3.0, 2),
                      "max_count": 1})
    if "monologue" in ev and name.startswith("monologue") and "backchannels" not in ev:
        m = ev["monologue"]
        shown.append({"kind": "acknowledge", "earliest_t": round(m["start"] + 20.0, 2),
                      "latest_t": round(m["end"] + 1.0, 2), "max_count": 1})
    return shown, cleared


# --------------------------------------------------------------------------- writing
def write(audio: np.ndarray, path: Path) -> None:
    peak = float(np.abs(audio).max())
    if peak > 0.97:
        raise ValueError(f"{path.name} would clip (peak {peak:.3f}): lower CALM_LUFS")
    sf.write(path, audio, RATE, subtype="ULAW", format="WAV")


def build_one(call: Call, audio: np.ndarray, turns: list[dict], path: Path, agent_gain_db: float = 0.0) -> dict:
    a = audio.copy()
    a[:, CHANNELS["agent"]] *= 10 ** (agent_gain_db / 20)
    write(a, path)
    m = measure(path, turns)
    ev = _events(turns)
    agent = [t["index"] for t in turns if t["speaker"] == "agent"]
    first = min([ev[k]["start"] for k in ("rise", "fast", "monologue") if k in ev]
                + [o["t"] for o in ev.get("overlaps", [])] + [turns[-1]["end"] + 1])
    calm_idx = [i for i in agent if turns[i]["end"] <= first and not {"backchannel"} & set(turns[i]["tags"])]
    baseline = _agent_lufs(m, turns, calm_idx)
    ax, af = m["x"]["agent"], m["flags"]["agent"]
    measured: dict = {
        "agent_peak_dbfs": _r(20 * np.log10(np.abs(a[:, 1]).max())),
        "caller_peak_dbfs": _r(20 * np.log10(np.abs(a[:, 0]).max())),
        "agent_baseline_lufs": baseline,
        "agent_calm_turns_before_first_event": calm_idx,
        "agent_speech_before_first_event_s": _r(float(af[: int(first / 0.02)].sum()) * 0.02, 1),
        "agent_calm_rate_sps": _pooled_rate(m, turns, [i for i in agent if not set(turns[i]["tags"]) & {"fast", "backchannel"}]),
    }
    if "rise" in ev:
        loud = [t["index"] for t in _tagged(turns, "loud")]
        measured["agent_loud_lufs"] = _agent_lufs(m, turns, loud)
        measured["agent_loud_over_baseline_db"] = _r(measured["agent_loud_lufs"] - baseline)
        after = [i for i in agent if turns[i]["start"] >= ev["rise"]["end"]]
        measured["agent_after_rise_lufs"] = _agent_lufs(m, turns, after)
    if "fast" in ev:
        fast = [t["index"] for t in _tagged(turns, "fast")]
        measured["agent_fast_rate_sps"] = _pooled_rate(m, turns, fast)
        measured["fast_over_calm_ratio"] = _r(measured["agent_fast_rate_sps"] / measured["agent_calm_rate_sps"])
    # Whole-call traces of what the monitor thresholds on, for every file (calm ones must stay
    # below both): 3 s short-term loudness over baseline + 6 dB, and the 10 s rate window over 5.5.
    measured["short_term_above_baseline_6db"] = _short_term_above(ax, baseline + LOUD_OVER_BASELINE_DB)
    measured["rate_window_crossings"], measured["rate_window_max_sps"] = _rate_above(ax, af, SLOW_DOWN_SPS)
    shown, cleared = _expected(call.name, ev, measured)
    expected_kinds = {e["kind"] for e in shown}
    return {
        "file": path.name,
        "duration_s": round(len(audio) / RATE, 3),
        "sample_rate": RATE, "encoding": "WAV mu-law 8-bit (G.711)", "channels": CHANNELS,
        "description": call.description + (f" Agent channel scaled by {agent_gain_db:+.0f} dB overall "
                                           "(headset gain); the monitor is relative to the agent's own "
                                           "baseline, so the expected prompts are the same."
                                           if agent_gain_db else ""),
        "agent_gain_db": agent_gain_db,
        "turns": [{k: v for k, v in t.items()} | {"measured": mt} for t, mt in zip(turns, m["turns"])],
        "events": ev,
        "measured": measured,
        "expected_prompts": shown,
        "expected_cleared": cleared,
        "forbidden_kinds": [k for k in MONITOR_KINDS if k not in expected_kinds],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    files = []
    for seed, call in enumerate(CALLS):
        audio, turns = mix(call, seed)
        entry = build_one(call, audio, turns, args.out / f"{call.name}.wav")
        _check(call, entry["events"], turns)
        files.append(entry)
        log.info("%s: %.1f s %s", call.name, entry["duration_s"], json.dumps(entry["measured"]))
        if call.name in VARIANTS:
            for suffix, gain in HEADSET_DB.items():
                v = build_one(call, audio, turns, args.out / f"{call.name}_{suffix}.wav", gain)
                v["variant_of"] = f"{call.name}.wav"
                files.append(v)
                log.info("  %s: %s", v["file"], json.dumps(v["measured"]))
    manifest = {
        "about": "Golden calls for the voice monitor; see README.md. Times are seconds of call audio; "
                 "turn start/end are speech (trimmed), not silence.",
        "monitor_kinds": list(MONITOR_KINDS),
        "calm_lufs": CALM_LUFS, "noise_dbfs": NOISE_DBFS,
        "voices": {"agent": "Asterisk core sounds en (Allison Smith)", "caller": f"espeak-ng -v {Voices().caller} -s {CALLER_WPM} -g {Voices().word_gap}"},
        "files": files,
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum((args.out / f["file"]).stat().st_size for f in files)
    log.info("%d files, %.2f MB", len(files), total / 1e6)


if __name__ == "__main__":
    main()
