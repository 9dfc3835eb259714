"""A speaker's Whisper recogniser: when to decode the speaker's audio, and the call's language.

Whisper is not a streaming model, so each speaker's audio is cut into utterances by the
endpointer (``analysis.vad``) and each utterance is decoded when it ends (a final). While it
runs it is also decoded every ``interim_s`` seconds of its speech and at each short pause
inside it (where a phrase has just ended); those interim decodes are partials. An interim
decodes only the last few seconds: the words of earlier interims, up to a phrase's end, are
kept. An utterance is cut (decoded as final, and a new one begun) at ``max_utterance_s``,
inside Whisper's 30 s window.

Decoding (``asr.whisper``) is synchronous inside ``accept``, or, for a runner that reads ahead
of the call (``ahead``, offline), on the engine's pool: an utterance's decodes in order,
different utterances' side by side, each returned as a future. Either way offline analysis is
deterministic (the same audio gives the same transcripts, whatever the machine's speed). A live
caller must not call ``accept`` on the audio thread; it runs recognition in its own worker
(``asr.runners``), which turns interims off while it is behind.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

import numpy as np

from voiceassist.analysis.vad import Endpointer
from voiceassist.frames import HOP_MS, Frame, Speaker
from voiceassist.languages import LANGUAGES
from voiceassist.transcripts import Heard, LanguageFound, Transcript, Word

if TYPE_CHECKING:
    from voiceassist.asr.whisper import WhisperEngine

__all__ = ["WhisperRecognizer", "CallLanguage"]

log = logging.getLogger(__name__)

# Audio kept before the first voiced frame and after the last: webrtcvad misses soft onsets
# and final consonants, and Whisper drops words cut at the edge.
_PAD_S = 0.2
# A word ends at most this long after the last voiced frame (webrtcvad's frames miss the tail
# of a soft final consonant by about this much).
_OVERHANG_S = 0.1
# An interim decode also runs when the speaker pauses this long inside an utterance (before
# the endpoint's 0.5 s: a phrase has just ended), if this much speech is new since the last.
_PAUSE_DECODE_MS = 200
_PAUSE_MIN_SPEECH_S = 0.1
# An interim decodes the utterance since the words kept from earlier interims; when that is
# longer than _TAIL_MAX_S, its words up to a phrase's end (punctuation, or a gap of _TAIL_GAP_S
# before the next word) that ended _TAIL_KEEP_S before its end are kept (benchmarks/asr.py:
# analyze 1.5x faster, the same finals; a tail of 2 s went astray mid-phrase).
_TAIL_MAX_S = 4.0
_TAIL_KEEP_S = 1.5
_TAIL_GAP_S = 0.2
# Language identification ("auto"): see CallLanguage.
_FOUND_P = 0.8
_FOUND_MIN_S = 3.0
_FOUND_MAX_S = 8.0
# The agent's recognition waits at most this long for the caller's to catch up (it never
# should: the two run side by side).
_WAIT_S = 30.0


class WhisperRecognizer:
    """One speaker's recogniser; see the module docstring for when it decodes."""

    def __init__(self, engine: "WhisperEngine", speaker: Speaker, call: "CallLanguage"):
        self._engine = engine
        self._speaker = speaker
        self._call = call
        self._votes = speaker == "caller" and call.language is None  # the caller's speech finds it
        cfg = engine.asr_cfg
        self._endpointer = Endpointer(
            engine.vad_aggressiveness, endpoint_silence_ms=cfg.endpoint_silence_ms, min_speech_ms=cfg.min_speech_ms
        )
        # The onset window is back-dated up to 100 ms, so keep that much more than the pad.
        self._preroll_frames = int((_PAD_S + 0.1) * 1000) // HOP_MS
        self._preroll: list[Frame] = []
        self._utterance: list[Frame] = []
        self._speech_since_decode = 0.0
        self._pause_hops = 0  # unvoiced frames since the last voiced one of the utterance
        self._voiced_end = 0.0  # call time the last voiced frame ended
        self._interim_s = cfg.whisper.interim_s
        # Cleared by a live runner that has fallen behind: then only finals are decoded.
        self.interim_enabled = True
        self._max_frames = int(cfg.whisper.max_utterance_s * 1000) // HOP_MS
        self._t = 0.0
        # Set by a runner that reads ahead of the call (``AheadRunner``): decodes then run on
        # the engine's pool, and ``accept`` returns a future for each, resolved by the runner.
        self.ahead = False
        self._decodes = _Decodes()  # the running utterance's

    def accept(self, frame: Frame) -> list[Heard]:
        out = self._accept(frame)
        if self._votes:
            self._call.heard(self._t)
        return out

    def _accept(self, frame: Frame) -> list[Heard]:
        self._t = round(frame.end, 3)
        voiced, boundaries = self._endpointer.push(frame)
        out: list[Heard] = []
        for b in boundaries:
            if b.kind == "start":
                self._utterance = [f for f in self._preroll if f.end > b.t - _PAD_S]
                self._preroll = []
                self._speech_since_decode = 0.0
            else:
                out += self._end_utterance(decode=b.kind == "end", until=b.t + _PAD_S)
        if self._endpointer.in_speech:
            self._utterance.append(frame)
            if voiced:
                self._speech_since_decode += HOP_MS / 1000
                self._pause_hops = 0
                self._voiced_end = frame.end
            else:
                self._pause_hops += 1
            # An interim decode every interim_s of speech, and at a pause inside the utterance
            # (where a phrase has just ended) once some speech is new since the last one.
            due = self._speech_since_decode >= self._interim_s or (
                self._pause_hops == _PAUSE_DECODE_MS // HOP_MS and self._speech_since_decode >= _PAUSE_MIN_SPEECH_S)
            if len(self._utterance) >= self._max_frames:
                out += self._end_utterance(decode=True, until=frame.end)
            elif self._interim_s and self.interim_enabled and due:
                self._speech_since_decode = 0.0
                out += self._interim()
        elif not boundaries:
            self._preroll = (self._preroll + [frame])[-self._preroll_frames:]
        return out

    def finish(self) -> list[Heard]:
        out: list[Heard] = []
        for b in self._endpointer.finish():
            out += self._end_utterance(decode=b.kind == "end", until=b.t + _PAD_S)
        if self._votes:
            self._call.heard(float("inf"))
        return out

    def _end_utterance(self, decode: bool, until: float) -> list[Heard]:
        frames = [f for f in self._utterance if f.t < until]
        self._utterance = []
        self._speech_since_decode = 0.0
        self._decodes = _Decodes()
        if not (decode and frames):
            return []
        language, at = self._language(), self._at()
        # Not after the utterance's interims: a final decodes it all.
        return _Decodes().run(lambda: self._heard(self._engine.transcribe(_audio(frames), frames[0].t, language),
                                               frames, True, at), self._pool())

    def _interim(self) -> list[Heard]:
        """A partial: the words kept from earlier interims, then a decode of the rest of the
        utterance. Once that rest is longer than ``_TAIL_MAX_S``, the words of this decode up to
        a phrase's end ``_TAIL_KEEP_S`` before its end are kept, so an interim decodes a few
        seconds whatever the utterance's length (a decode's cost grows faster than its audio's).
        While the caller's speech is still voting for the call's language, the whole utterance
        is decoded: its language is judged on all of it."""
        frames, language, at, decodes = list(self._utterance), self._language(), self._at(), self._decodes

        def interim() -> list[Heard]:
            kept = decodes.kept
            # From the last kept word's end, not later: Whisper's word starts come late, and a
            # tail that cuts into a word mishears it ("This is useless" as "Nisten's useless").
            tail = [f for f in frames if not kept or f.t >= kept[-1].end]
            decoded, probabilities = self._engine.interim(_audio(tail), tail[0].t, language)
            if decoded is None:  # degenerate: the last partial stands (the final decodes it all)
                return self._vote(probabilities, frames, False, at)
            words, text = decoded
            heard = self._heard(([*kept, *words], " ".join(filter(None, [*(w.w for w in kept), text])), probabilities),
                                frames, False, at)
            if tail[-1].end - tail[0].t > _TAIL_MAX_S and not self._voting():
                # Up to a phrase's end (punctuation or a pause) that ended _TAIL_KEEP_S ago: a
                # decode that starts mid-phrase goes astray.
                ends = [i for i, (w, after) in enumerate(zip(words, [*words[1:], None]))
                        if w.end <= tail[-1].end - _TAIL_KEEP_S
                        and (w.w.endswith((".", ",", "?", "!", ";", ":")) or after is None or after.start - w.end >= _TAIL_GAP_S)]
                if ends:
                    decodes.kept = [*kept, *words[: ends[-1] + 1]]
            return heard

        return decodes.run(interim, self._pool())

    def _pool(self) -> "ThreadPoolExecutor | None":
        """Where to decode: inline, or (reading ahead) on the engine's pool. The caller's
        decodes stay inline while they vote for the call's language: each vote counts before
        the next decode chooses its language."""
        return self._engine.pool if self.ahead and not self._voting() else None

    def _voting(self) -> bool:
        """The caller's speech is still looking for the call's language."""
        return self._votes and self._call.language is None

    def _at(self) -> tuple[float, float]:
        """When a decode asked for now is heard: the call time, and the latest a word may end."""
        return self._t, round(self._voiced_end + _OVERHANG_S, 3)

    def _language(self) -> str | None:
        """The language to decode in; None: Whisper identifies it for this decode."""
        if self._votes:
            return self._call.language  # found so far by this very recogniser
        return self._call.known_at(self._t)

    def _heard(self, decoded: tuple[list[Word], str, "np.ndarray | None"], frames: list[Frame], final: bool,
               at: tuple[float, float]) -> list[Heard]:
        words, text, probabilities = decoded
        return self._transcript(words, text, frames, final, at) + (self._vote(probabilities, frames, final, at) if text else [])

    def _vote(self, probabilities: "np.ndarray | None", frames: list[Frame], final: bool, at: tuple[float, float]) -> list[Heard]:
        """The caller's speech, while the call's language is looked for."""
        if not self._votes or probabilities is None:
            return []
        found = self._call.vote(probabilities, len(frames) * HOP_MS / 1000, final, at[0])
        return [found] if found is not None else []

    def _transcript(self, words: list[Word], text: str, frames: list[Frame], final: bool,
                    at: tuple[float, float]) -> list[Transcript]:
        if not text:
            return []
        # Cross-attention can stretch the last word over the silence after it; where the
        # speech ended is what voice activity says.
        t, limit = at
        words = [w if w.end <= limit else replace(w, start=min(w.start, limit), end=limit) for w in words]
        start, end = (words[0].start, words[-1].end) if words else (frames[0].t, frames[-1].end)
        return [Transcript(self._speaker, text, start, end, tuple(words), final=final, t=t)]


class _Decodes:
    """One utterance's decodes, in order: inline, or on a pool, each queued once the one
    before it is done (an interim tail starts where the last one's kept words end). The
    decodes of different utterances are independent, so a runner reading ahead has the next
    utterances' decoded beside this one's."""

    def __init__(self):
        self.kept: list[Word] = []  # the words kept from the utterance's interims
        self._last: Future | None = None

    def run(self, decode: Callable[[], list[Heard]], pool: "ThreadPoolExecutor | None") -> list:
        """``decode()``'s output; or on ``pool``, a future of it (the runner resolves it)."""
        if pool is None:
            return decode()
        out: Future = Future()

        def job() -> None:
            if out.set_running_or_notify_cancel():  # not cancelled: a stopped runner drops its futures
                try:
                    out.set_result(decode())
                except BaseException as e:
                    out.set_exception(e)

        def submit(_: Future | None = None) -> None:
            if out.cancelled():  # a stopped runner dropped it
                return
            try:
                pool.submit(job)
            except RuntimeError:  # the pool is shut down, the process ending (SIGTERM): never decoded
                out.cancel()

        if self._last is None:
            submit()
        else:
            self._last.add_done_callback(submit)
        self._last = out
        return [out]


class CallLanguage:
    """What is known of one call's language, shared by its recognisers (``asr.language =
    "auto"``). Only the caller's speech votes: Whisper's probabilities among the phrasebooks'
    languages, weighted by each utterance's length (the running one counts as far as its last
    interim). It is found at the end of an utterance once one has ``_FOUND_P`` over at least
    ``_FOUND_MIN_S`` of speech (Whisper leans to English on a part of a word, so a part is not
    enough to be sure), or whichever leads at ``_FOUND_MAX_S``; then it holds (a call that mixes
    languages keeps the first).

    The agent's decodes ask for the language as found by their own audio time, waiting for the
    caller's recognition to get that far (it runs in another thread), so which language a
    decode uses never depends on thread timing: a recording gives the same events every time.
    """

    def __init__(self, language: str | None):
        self.language = language  # None until found
        self._found_at = 0.0 if language else float("inf")
        self.has_caller = self.has_agent = False
        self._heard_to = 0.0  # the caller's audio time recognised so far
        self._votes = np.zeros(len(LANGUAGES))
        self._speech_s = 0.0
        self._changed = threading.Condition()

    def heard(self, t: float) -> None:
        with self._changed:
            self._heard_to = t
            self._changed.notify_all()

    def known_at(self, t: float) -> str | None:
        if not self.has_caller or self._found_at <= t:
            return self.language if self._found_at <= t else None
        with self._changed:
            if not self._changed.wait_for(lambda: self._found_at <= t or self._heard_to >= t, timeout=_WAIT_S):
                log.warning("language identification: the caller's recognition is %.0f s behind; decoding on without it", _WAIT_S)
        return self.language if self._found_at <= t else None

    def vote(self, probabilities: np.ndarray, speech_s: float, final: bool, t: float) -> LanguageFound | None:
        if self.language is not None:
            return None
        votes, total = self._votes + probabilities * speech_s, self._speech_s + speech_s
        if final:
            self._votes, self._speech_s = votes, total
        shares = votes / total
        best = int(np.argmax(shares))
        if not (final and total >= _FOUND_MIN_S and shares[best] >= _FOUND_P or total >= _FOUND_MAX_S):
            return None
        with self._changed:
            self.language, self._found_at = LANGUAGES[best], t
            self._changed.notify_all()
        return LanguageFound(LANGUAGES[best], float(shares[best]), t)


def _audio(frames: list[Frame]) -> np.ndarray:
    return np.concatenate([f.samples for f in frames]).astype(np.float32) / 32768.0
