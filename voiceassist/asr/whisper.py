"""Whisper (faster-whisper, CTranslate2 int8 on the CPU) on VAD-endpointed utterances.

Whisper is not a streaming model, so each speaker's audio is cut into utterances by the
endpointer (``analysis.vad``) and each utterance is decoded when it ends (a final). While it
runs it is also decoded every ``interim_s`` seconds of its speech and at each short pause
inside it (where a phrase has just ended); those interim decodes are partials. An interim
decodes only the last few seconds: the words of earlier interims, up to a phrase's end, are
kept. An utterance is cut (decoded as final, and a new one begun) at ``max_utterance_s``,
inside Whisper's 30 s window.

faster-whisper always encodes a 30 s window (1.1-1.6 s on two cores, whatever the utterance's
length). Here the encoder runs over the utterance and ``window_pad_s`` of silence only, with the
output capped near what that much speech can hold; an output that looks degenerate is decoded
again over the full window. Decoding is synchronous inside ``accept``, or, for a runner that
reads ahead of the call (``ahead``, offline), on the engine's pool: an utterance's decodes in
order, different utterances' side by side, each returned as a future. Either way offline
analysis is deterministic (the same audio gives the same transcripts, whatever the machine's
speed). A live caller must not call ``accept`` on the audio thread; it runs recognition in its
own worker (``asr.runners``), which turns interims off while it is behind.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from voiceassist.analysis.vad import Endpointer
from voiceassist.languages import AUTO, LANGUAGES
from voiceassist.transcripts import Heard, LanguageFound, Transcript, Word
from voiceassist.errors import ModelError
from voiceassist.frames import HOP_MS, SAMPLE_RATE, Frame, Speaker

__all__ = ["WhisperEngine", "WhisperRecognizer", "load_whisper_model"]

log = logging.getLogger(__name__)

# Audio kept before the first voiced frame and after the last: webrtcvad misses soft onsets
# and final consonants, and Whisper drops words cut at the edge.
_PAD_S = 0.2
# Whisper's own "this was silence" rule (openai/whisper transcribe.py, also faster-whisper's
# defaults): a segment is dropped when no_speech_prob > 0.6 AND avg_logprob < -1.0, i.e. the
# model thinks there is no speech and is unsure of the text it made up.
_NO_SPEECH_THRESHOLD = 0.6
_LOG_PROB_THRESHOLD = -1.0
# ... and a decode whose text gzips smaller than this ratio repeats itself (the same rule).
_MAX_COMPRESSION_RATIO = 2.4
# A phrase of up to this many words said three times running is a decode looping.
_REPEAT_MAX_N = 4
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
# Interim decodes pad the utterance with this much silence (finals: asr.whisper.window_pad_s).
_INTERIM_PAD_S = 2.0
# Short-window decoding: the output is capped at this many tokens, plus this many per second
# of audio (fast English is ~4 tokens/s, Russian and Arabic up to ~9: Whisper's tokenizer cuts
# them finer; the cap stops a loop long before Whisper's 448).
_CAP_TOKENS = 10
_CAP_TOKENS_PER_S = 12.0
# Language identification ("auto"): see _CallLanguage.
_FOUND_P = 0.8
_FOUND_MIN_S = 3.0
_FOUND_MAX_S = 8.0
# The agent's recognition waits at most this long for the caller's to catch up (it never
# should: the two run side by side).
_WAIT_S = 30.0
# Whisper's encoder window: 30 s of 10 ms log-mel frames.
_FRAMES_PER_S = 100
_WINDOW_FRAMES = 30 * _FRAMES_PER_S
# faster-whisper's defaults for which punctuation joins the word before or after it.
_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"


def load_whisper_model(path: Path, name: str, compute_type: str = "int8", cpu_threads: int = 2, workers: int = 1):
    """The model; ``workers`` decodes may run at once (from as many threads), each on
    ``cpu_threads`` cores."""
    try:
        from faster_whisper import WhisperModel
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ModelError("the Whisper engine needs faster-whisper: pip install 'voiceassist[whisper]'") from None
    # numpy's BLAS threads (OpenBLAS) spin between calls, on the cores the decodes need, for
    # the log-mel's small matrix products. One is enough: the demo's analyze took 15 % less CPU.
    threadpool_limits(1, user_api="blas")
    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads,
                            num_workers=workers)
    except (RuntimeError, ValueError, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"model '{name}' in {path} failed to load ({reason}); install it again") from None


class WhisperRecognizer:
    """One speaker's recogniser; see the module docstring for when it decodes."""

    def __init__(self, engine: "WhisperEngine", speaker: Speaker, call: "_CallLanguage"):
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
            if tail[-1].end - tail[0].t > _TAIL_MAX_S and not (self._votes and self._call.language is None):
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
        return self._engine.pool if self.ahead and not (self._votes and self._call.language is None) else None

    def _at(self) -> tuple[float, float]:
        """When a decode asked for now is heard: the call time, and the latest a word may end."""
        return self._t, round(self._voiced_end + _OVERHANG_S, 3)

    def _language(self) -> str | None:
        """The language to decode in; None: Whisper identifies it for this decode."""
        if self._votes:
            return self._call.language  # found so far by this very recogniser
        return self._call.known_at(self._t)

    def _heard(self, decoded: "_Decoded", frames: list[Frame], final: bool, at: tuple[float, float]) -> list[Heard]:
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

        start = lambda _=None: pool.submit(job)
        start() if self._last is None else self._last.add_done_callback(start)
        self._last = out
        return [out]


class _CallLanguage:
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


_Decoded = tuple[list[Word], str, "np.ndarray | None"]  # words, text, language probabilities


def _audio(frames: list[Frame]) -> np.ndarray:
    return np.concatenate([f.samples for f in frames]).astype(np.float32) / 32768.0


class WhisperEngine:
    """A loaded Whisper model; its recognisers (one per speaker) share it."""

    name = "whisper"

    def __init__(self, model_dir: Path, language: str, asr_cfg, name: str = "", vad_aggressiveness: int = 2):
        self.model = name or Path(model_dir).name
        self.language = language
        self.asr_cfg = asr_cfg
        self.vad_aggressiveness = vad_aggressiveness
        w = asr_cfg.whisper
        # Each speaker decodes on half the cores, side by side: a decode is mostly the decoder's
        # token-by-token steps, which a second core hardly speeds up (measured: two speakers on
        # one core each take 1.7x less time and 0.7x the CPU of taking turns on two cores).
        workers = 2 if w.cpu_threads >= 2 else 1
        self.parallel = workers > 1
        self._model = load_whisper_model(Path(model_dir), self.model, w.compute_type, w.cpu_threads // workers, workers)
        # Decodes of recognisers run ahead of the call (offline), as many at once as the model has workers.
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="whisper")
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self._tokenizers = {lang: Tokenizer(self._model.hf_tokenizer, True, task="transcribe", language=lang)
                            for lang in (LANGUAGES if language == AUTO else (language,))}
        self._suppressed = get_suppressed_tokens(next(iter(self._tokenizers.values())), [-1])
        self._call: _CallLanguage | None = None
        # Words to bias recognition toward (faster-whisper's hotwords), measured by
        # benchmarks/bias.py; none by default (see the README).
        self.hotwords = ""

    def recognizer(self, speaker: Speaker) -> WhisperRecognizer:
        """A speaker's recogniser. A call's recognisers share what is found of its language:
        a caller's recogniser begins a new call."""
        if self._call is None or speaker == "caller" or self._call.has_agent:
            self._call = _CallLanguage(None if self.language == AUTO else self.language)
        if speaker == "caller":
            self._call.has_caller = True
        else:
            self._call.has_agent = True
        return WhisperRecognizer(self, speaker, self._call)

    def transcribe(self, audio: np.ndarray, offset: float, language: str | None = None) -> _Decoded:
        """Words (in call time: ``offset`` is the call time of ``audio[0]``) and text of one
        utterance of 16 kHz float32 audio (``[]``, ``""`` when Whisper hears no speech), in
        ``language`` (default: the engine's); None with an "auto" engine: in the one Whisper
        hears, among the phrasebooks' (its probabilities are the third item, else None).

        The encoder runs over the utterance and ``window_pad_s`` of silence, not over Whisper's
        30 s window, with the output capped near the words that much audio can hold; an output
        that looks degenerate (repetitive, improbable, cut at the cap) is decoded again over
        the full window."""
        pad_s = self.asr_cfg.whisper.window_pad_s
        encoded, content = self._encode(audio, pad_s or _INTERIM_PAD_S)
        language, probabilities = self._language(encoded, language)
        if pad_s > 0:
            decoded = self._short_window(encoded, content, audio, offset, language)
            if decoded is not None:
                return *decoded, probabilities
        return *self._full_window(audio, offset, language), probabilities

    def interim(self, audio: np.ndarray, offset: float, language: str | None = None
                ) -> tuple[tuple[list[Word], str] | None, "np.ndarray | None"]:
        """As ``transcribe`` for a still-running utterance: its words and text, None when the
        output looks degenerate (an interim is not worth a full-window decode: the final comes
        soon); and the language probabilities when ``language`` is None. With ``window_pad_s =
        0`` it is decoded over the full window, as a final is."""
        if self.asr_cfg.whisper.window_pad_s == 0:
            words, text, probabilities = self.transcribe(audio, offset, language)
            return (words, text), probabilities
        encoded, content = self._encode(audio, _INTERIM_PAD_S)
        language, probabilities = self._language(encoded, language)
        return self._short_window(encoded, content, audio, offset, language), probabilities

    def _encode(self, audio: np.ndarray, pad_s: float):
        """Whisper's encoder over ``audio`` and ``pad_s`` of silence; and the content's frames."""
        features = self._model.feature_extractor(audio)
        content = features.shape[-1] - 1
        # The padding is the log-mel of silence as faster-whisper pads its 30 s window (zeros).
        frames = min(_WINDOW_FRAMES, content + round(pad_s * _FRAMES_PER_S))
        return self._model.encode(np.pad(features[:, :content], ((0, 0), (0, frames - content)))), content

    def _language(self, encoded, language: str | None) -> tuple[str, "np.ndarray | None"]:
        """The language to decode in (the one asked for, else the engine's, else the one Whisper
        hears), and Whisper's probabilities when it was identified."""
        language = language or (None if self.language == AUTO else self.language)
        if language is not None:
            return language, None
        probabilities = self._identify(encoded)
        return LANGUAGES[int(np.argmax(probabilities))], probabilities

    def _identify(self, encoded) -> np.ndarray:
        """Whisper's language probabilities, among the phrasebooks' languages only."""
        scores = dict(self._model.model.detect_language(encoded)[0])
        p = np.array([scores.get(f"<|{lang}|>", 0.0) for lang in LANGUAGES])
        return p / p.sum() if p.sum() > 0 else np.full(len(LANGUAGES), 1 / len(LANGUAGES))

    def _short_window(self, encoded, content: int, audio: np.ndarray, offset: float,
                      language: str) -> tuple[list[Word], str] | None:
        model, tokenizer = self._model, self._tokenizers[language]
        prompt = model.get_prompt(tokenizer, [], without_timestamps=True, hotwords=self.hotwords or None)
        cap = round(_CAP_TOKENS + _CAP_TOKENS_PER_S * len(audio) / SAMPLE_RATE)
        result = model.model.generate(
            encoded, [prompt], beam_size=self.asr_cfg.whisper.beam_size,
            max_length=len(prompt) + cap, return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self._suppressed,
        )[0]
        ids = result.sequences_ids[0]
        tokens = [t for t in ids if t < tokenizer.eot]
        avg_logprob = result.scores[0] * len(ids) / (len(ids) + 1)  # as faster-whisper recovers it
        if result.no_speech_prob > _NO_SPEECH_THRESHOLD and avg_logprob < _LOG_PROB_THRESHOLD:
            return [], ""
        text = tokenizer.decode(tokens).strip()
        if _degenerate(text, avg_logprob) or len(ids) >= cap - 1:  # cut at the cap (its last place is the end token's)
            log.debug("short-window decode degenerate (%r, avg log-prob %.2f)", text, avg_logprob)
            return None
        duration = len(audio) / SAMPLE_RATE
        # faster-whisper's own word timing (cross-attention alignment, then its rules for words
        # stretched over a pause), on the window this decode encoded.
        segment = {"seek": 0, "start": 0.0, "end": duration, "tokens": tokens}
        if tokens:
            model.add_word_timestamps([[segment]], tokenizer, encoded, content, _PREPEND, _APPEND, 0.0)
        words = [self._word(w["word"], w["start"], w["end"], w["probability"], offset, duration)
                 for w in segment.get("words", []) if w["word"].strip()]
        return words, text

    def _full_window(self, audio: np.ndarray, offset: float, language: str) -> tuple[list[Word], str]:
        segments, _ = self._model.transcribe(
            audio,
            language=language,
            beam_size=self.asr_cfg.whisper.beam_size,
            hotwords=self.hotwords or None,
            # No sampling fallback: the same audio must give the same text (offline analysis
            # and the golden tests replay calls byte for byte).
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,  # each utterance stands alone; no runaway repeats
            vad_filter=False,  # already endpointed by analysis.vad
            no_speech_threshold=_NO_SPEECH_THRESHOLD,
            log_prob_threshold=_LOG_PROB_THRESHOLD,
        )
        duration = len(audio) / SAMPLE_RATE
        words: list[Word] = []
        texts: list[str] = []
        for seg in segments:
            if seg.text.strip():
                texts.append(seg.text.strip())
            for w in seg.words or []:
                if w.word.strip():
                    words.append(self._word(w.word, w.start, w.end, w.probability, offset, duration))
        return words, " ".join(texts)

    @staticmethod
    def _word(text: str, start: float, end: float, probability: float, offset: float, duration: float) -> Word:
        # Whisper's word times come from cross-attention and can overshoot the audio by a few
        # tens of ms; the utterance's own span is the truth.
        s = offset + min(max(start, 0.0), duration)
        e = offset + min(max(end, start, 0.0), duration)
        return Word(text.strip(), round(s, 3), round(e, 3), round(probability, 3))


def _degenerate(text: str, avg_logprob: float) -> bool:
    """Output of a decode gone wrong: improbable, or repeating itself (Whisper's own
    compression-ratio rule, or a short phrase said three times running: "I'm sorry" x25)."""
    from faster_whisper.transcribe import get_compression_ratio

    if avg_logprob < _LOG_PROB_THRESHOLD or get_compression_ratio(text) > _MAX_COMPRESSION_RATIO:
        return True
    words = re.findall(r"\w+", text.lower())
    return any(
        words[i : i + n] == words[i + n : i + 2 * n] == words[i + 2 * n : i + 3 * n]
        for n in range(1, _REPEAT_MAX_N + 1) for i in range(len(words) - 3 * n + 1)
    )
