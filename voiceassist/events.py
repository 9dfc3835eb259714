"""The event contract (see README, "Events"): one JSON object per line, UTF-8, audio times.

Events are plain dicts so they can be shipped as they are; this module builds them and writes
them the same way every time, so a recorded call replays to the same bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, get_args

from voiceassist.errors import InputError
from voiceassist.frames import SPEAKERS
from voiceassist.transcripts import LanguageFound, Transcript

__all__ = [
    "Event", "EVENT_TYPES", "Kind", "KINDS", "MONITOR_KINDS", "read_events", "call_started", "transcript", "level", "prompt_shown", "prompt_updated", "prompt_cleared",
    "prompt_action", "device_lost", "device_restored", "language_detected", "call_ended", "dumps", "problem", "summary", "Summary", "heard_phrase", "clock",
]

Event = dict[str, Any]

EVENT_TYPES = (
    "call.started",
    "transcript.partial",
    "transcript.final",
    "level",
    "prompt.shown",
    "prompt.cleared",
    "callback.promised",
    "call.ended",
    "prompt.action",
    "device.lost",
    "device.restored",
    "language.detected",
    "prompt.updated",
)


# What a prompt is about (`prompt.shown`'s `kind`): each maps to a row of the playbook.
Kind = Literal[
    "lower_voice", "slow_down", "let_them_finish", "dont_take_personally", "acknowledge", "empathy",
    "specific_apology", "use_name", "no_blame", "ask_questions", "offer_solution", "commit_action",
    "pause_callback", "offer_supervisor", "goodwill", "callback_reminder", "dead_air", "check_in",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
# The kinds the voice monitor shows (from the audio); the others come from what is said.
MONITOR_KINDS: tuple[Kind, ...] = ("lower_voice", "slow_down", "let_them_finish", "acknowledge", "dead_air", "check_in")

_NUMBER = (int, float)
_MEASURED = (int, float, type(None))  # null: not measured yet (too little speech so far)
# Fields an event read from a file must have, with their types (the contract; more may follow).
REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "call.started": {"language": str, "engine": str, "model": str, "sample_rate_in": int, "channels": int},
    "transcript.partial": {"speaker": str, "text": str, "start": _NUMBER, "end": _NUMBER, "words": list},
    "transcript.final": {"speaker": str, "text": str, "start": _NUMBER, "end": _NUMBER, "words": list},
    "level": {"speaker": str, "loudness_lufs": _MEASURED, "baseline_lufs": _MEASURED, "rate_sps": _MEASURED, "speaking": bool},
    "prompt.shown": {"id": str, "kind": str, "text": str, "suggestions": list, "reason": str, "language": str},
    "prompt.cleared": {"id": str, "kind": str},
    "callback.promised": {"text": str, "said_at": _NUMBER},
    "call.ended": {"duration": _NUMBER, "summary": dict},
    "prompt.action": {"id": str, "kind": str, "action": str},
    "device.lost": {"device": str, "speakers": list},
    "device.restored": {"device": str, "speakers": list, "lost_s": _NUMBER},
    "language.detected": {"language": str, "probability": _NUMBER},
    "prompt.updated": {"id": str, "kind": str, "text": str, "suggestions": list, "reason": str, "language": str},
}


def problem(event: Any) -> str | None:
    """What is wrong with an event read from outside, or None if it honours the contract."""
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        return f"expected an event object with a 'type' in {', '.join(EVENT_TYPES)}"
    if not isinstance(event.get("t"), _NUMBER) or isinstance(event.get("t"), bool):
        return "event has no numeric 't' (seconds of call audio)"
    for field, kind in REQUIRED[event["type"]].items():
        if not isinstance(event.get(field), kind):
            return f"{event['type']} event needs '{field}' of type {getattr(kind, '__name__', 'number')}"
    if "speaker" in REQUIRED[event["type"]] and event["speaker"] not in SPEAKERS:
        return f"'speaker' must be 'caller' or 'agent', not {event['speaker']!r}"
    return None


def _time(x: float) -> float:
    return round(float(x), 3)


def call_started(
    *, language: str, engine: str, model: str, sample_rate_in: int, channels: int, started_at: str | None = None,
    agent: str | None = None,
) -> Event:
    """``started_at``: ISO 8601 local time the call started, or None when unknown; ``agent``: the
    agent's name when one was given (``--agent``, ``floor.agent``), for the team page."""
    return {
        "t": 0.0,
        "type": "call.started",
        "language": language,
        "engine": engine,
        "model": model,
        "sample_rate_in": int(sample_rate_in),
        "channels": int(channels),
        "started_at": started_at,
        **({"agent": agent} if agent else {}),
    }


def transcript(tr: Transcript) -> Event:
    return {
        "t": _time(tr.t),
        "type": "transcript.final" if tr.final else "transcript.partial",
        "speaker": tr.speaker,
        "text": tr.text,
        "start": _time(tr.start),
        "end": _time(tr.end),
        "words": [
            {"w": w.w, "start": _time(w.start), "end": _time(w.end), "conf": round(float(w.conf), 3)}
            for w in tr.words
        ],
    }


def level(m, agitation: float | None = None, talk_share: dict[str, float] | None = None) -> Event:
    """A speaker's voice measurements (``analysis.monitor.Measurement``); the caller's carry
    their ``agitation`` (0 to 1, ``rules.escalation``); ``talk_share``: the call so far, as
    fractions of its time the agent and the caller talked and both were silent."""
    def db(x):
        return None if x is None else round(float(x), 2)

    extra = {} if agitation is None else {"agitation": round(agitation, 2)}
    if talk_share is not None:
        extra["talk_share"] = {k: round(v, 3) for k, v in talk_share.items()}
    return {
        "t": _time(m.t),
        "type": "level",
        "speaker": m.speaker,
        "loudness_lufs": db(m.loudness_lufs),
        "baseline_lufs": db(m.baseline_lufs),
        "rate_sps": db(m.rate_sps),
        "baseline_sps": db(m.baseline_sps),
        "wpm": None if m.wpm is None else round(m.wpm, 1),
        "speaking": m.speaking,
        **extra,
    }


def prompt_shown(t: float, *, id: str, kind: str, text: str, suggestions: list[str], reason: str, language: str) -> Event:
    return {
        "t": _time(t),
        "type": "prompt.shown",
        "id": id,
        "kind": kind,
        "text": text,
        "suggestions": list(suggestions),
        "reason": reason,
        "language": language,
    }


def prompt_updated(t: float, *, id: str, kind: str, text: str, suggestions: list[str], reason: str, language: str) -> Event:
    """The prompt on screen (``id``) with corrected words: the utterance's final transcript heard
    what a partial heard differently (a name, the quoted phrase). Replaces what ``prompt.shown``
    (or an earlier ``prompt.updated``) of that id said; it is not a new prompt."""
    return {**prompt_shown(t, id=id, kind=kind, text=text, suggestions=suggestions, reason=reason, language=language),
            "type": "prompt.updated"}


def prompt_cleared(t: float, *, id: str, kind: str) -> Event:
    return {"t": _time(t), "type": "prompt.cleared", "id": id, "kind": kind}


def prompt_action(t: float, *, id: str, kind: str, action: str, line: str | None = None) -> Event:
    """What the agent did with a prompt in a view: ``dismissed`` it, or ``used`` a suggested
    ``line`` (the line's text). ``t`` is the call-audio time the view had reached."""
    event: Event = {"t": _time(t), "type": "prompt.action", "id": id, "kind": kind, "action": action}
    if line is not None:
        event["line"] = line
    return event


def device_lost(t: float, *, device: str, speakers: list[str]) -> Event:
    """An input device of a live call stopped (unplugged, its sound server gone): the
    ``speakers`` it carried are heard as silence until ``device.restored`` or the end."""
    return {"t": _time(t), "type": "device.lost", "device": device, "speakers": list(speakers)}


def device_restored(t: float, *, device: str, speakers: list[str], lost_s: float) -> Event:
    """The lost device is back; ``lost_s`` seconds of the call were not heard from it."""
    return {"t": _time(t), "type": "device.restored", "device": device, "speakers": list(speakers), "lost_s": _time(lost_s)}


def language_detected(found: LanguageFound) -> Event:
    return {"t": _time(found.t), "type": "language.detected", "language": found.language,
            "probability": round(float(found.probability), 3)}


def call_ended(*, duration: float, summary: dict[str, Any]) -> Event:
    return {"t": _time(duration), "type": "call.ended", "duration": _time(duration), "summary": summary}


# The phrasebooks quote what was heard as the first quoted span of a prompt's `reason`, with the
# language's own quote marks: "…" (en, tr), «…» (ru, ar), „…” (hr).
_QUOTED = re.compile(r'"([^"]+)"|«([^»]+)»|„([^”“]+)[”“]|“([^”]+)”')


def heard_phrase(reason: str) -> str | None:
    """The words a prompt quotes as heard, or None (voice-monitor prompts quote nothing)."""
    m = _QUOTED.search(reason)
    return next(g for g in m.groups() if g) if m else None


def clock(seconds: float) -> str:
    """An audio time as people read it on a call's timeline: ``01:05.3``."""
    m, s = divmod(max(0.0, float(seconds)), 60)
    return f"{int(m):02d}:{s:04.1f}"


def dumps(event: Event) -> str:
    """One line of JSON, UTF-8 text kept as is (Arabic and Cyrillic stay readable)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class Summary:
    """What ``call.ended`` sums up, counted as the events go by (a long call keeps counts, not
    its events): utterances and words per speaker, prompts per kind."""

    def __init__(self) -> None:
        self._finals: dict[str, int] = {}
        self._words: dict[str, int] = {}
        self._prompts: dict[str, int] = {}

    def add(self, e: Event) -> None:
        if e["type"] == "transcript.final":
            self._finals[e["speaker"]] = self._finals.get(e["speaker"], 0) + 1
            self._words[e["speaker"]] = self._words.get(e["speaker"], 0) + len(e["text"].split())
        elif e["type"] == "prompt.shown":
            self._prompts[e["kind"]] = self._prompts.get(e["kind"], 0) + 1

    def result(self) -> dict[str, Any]:
        return {"utterances": dict(self._finals), "words": dict(self._words), "prompts": dict(self._prompts)}


def summary(events: Iterable[Event]) -> dict[str, Any]:
    """What ``call.ended`` sums up for ``events`` (see ``Summary``)."""
    counts = Summary()
    for e in events:
        counts.add(e)
    return counts.result()


def read_events(path: str | Path) -> Iterator[Event]:
    """Events from a JSON-lines file in the contract format, checked line by line."""
    path = Path(path)
    try:
        f = path.open("rb")  # bytes: json.loads decodes each line, so bad UTF-8 is named by line
    except OSError as e:
        raise InputError(f"{path}: cannot read events: {e.strerror}") from None
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise InputError(f"{path}:{number}: not a JSON event line: {e}") from None
            wrong = problem(event)
            if wrong:
                raise InputError(f"{path}:{number}: {wrong}")
            yield event
