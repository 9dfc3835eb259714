"""Vosk (Kaldi) streaming recognition: partials as words come, finals at Vosk's own endpoints.

Kaldi adds random dither (N(0, 1) in int16 units) to every sample before its features, from
one process-wide random generator: two recognisers then disturb each other, and the same call
decodes differently the second time in a process (vosk-api issues #868, #895). Models are
installed with ``--dither=0.0`` in ``conf/mfcc.conf`` (see ``asr.models``) and each recogniser
adds the same dither itself from its own seeded generator: results are reproducible and a
speaker's words never depend on the other speaker's audio.

A recogniser counts time from the first sample fed to it. Every frame of the call is fed from
t = 0, so the word times Vosk reports are call times as they are (checked: 3 s of leading
silence shifts every word by 3 s); a recogniser started later is offset by its first frame's t.
"""

from __future__ import annotations

import ctypes
import json
import logging
import sys
from pathlib import Path

import numpy as np
import vosk

from voiceassist.transcripts import Transcript, Word
from voiceassist.errors import ModelError
from voiceassist.frames import SAMPLE_RATE, Frame, Speaker

__all__ = ["VoskEngine", "VoskRecognizer", "load_vosk_model"]

log = logging.getLogger(__name__)

vosk.SetLogLevel(-2)  # Kaldi logs every model load and decode to stderr otherwise, and warnings (-1) mid-call

# Asking for the partial result (with word times) after every 20 ms frame cost ~30 % more CPU
# than decoding alone (measured: real-time factor 0.91 vs 0.69 on the Korean model); every
# 100 ms is as fast as a reader can follow and keeps the cost small.
_PARTIAL_EVERY_FRAMES = 5
# A Kaldi recogniser's native memory grows with the audio it has decoded (the soak benchmark:
# +5 MB per 10 minutes after the first hour on a shift-long call). A fresh one is made at the
# first endpoint after this much audio: nothing is lost there (the utterance has been
# finalised), and the time is audio time, so a recording still decodes the same every time.
_RENEW_AFTER_S = 600.0
# glibc keeps what a freed recogniser held in the malloc arena of the thread that decoded it
# (one per speaker's thread), so RSS kept creeping (+2.8 MB/h over an 8-hour soak with a thread
# per speaker). malloc_trim(0) returns the free pages of every arena to the system: measured on
# the soak's second hour, a mean RSS of 1192 MB against 1236 MB without it, at the same speed.
_malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform.startswith("linux") else None


def load_vosk_model(path: Path, name: str) -> vosk.Model:
    """Load a model folder. Never ``Model(lang=...)``: that downloads from the internet."""
    mfcc = Path(path) / "conf" / "mfcc.conf"
    if mfcc.is_file() and "--dither=0" not in mfcc.read_text(encoding="utf-8", errors="replace"):
        log.warning("model '%s' was not installed by voiceassist (Kaldi dither on): results vary run to run", name)
    try:
        return vosk.Model(str(path))
    except Exception as e:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"model '{name}' in {path} failed to load ({e}); install it again") from None


class VoskRecognizer:
    # Kaldi's partials come with every hop at no extra cost, so a runner that has fallen behind
    # gains nothing by turning them off (``Recognizer.interim_enabled``).
    interim_enabled = True
    ahead = False  # decoding a frame is cheap: nothing to gain from decoding ahead

    def __init__(self, model: vosk.Model, speaker: Speaker):
        self._model = model
        self._rec = self._new()
        self._speaker = speaker
        self._partial = ""
        self._offset: float | None = None
        self._t = 0.0
        self._since_partial = 0
        self._dither = np.random.default_rng(0)

    def _new(self) -> vosk.KaldiRecognizer:
        rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        rec.SetPartialWords(True)
        return rec

    def accept(self, frame: Frame) -> list[Transcript]:
        if self._offset is None:
            self._offset = frame.t
        elif frame.t > self._t + 0.001:  # audio skipped (a live runner behind): word times stay call times
            self._offset += frame.t - self._t
        self._t = round(frame.end, 3)
        noise = np.rint(self._dither.standard_normal(len(frame.samples)))  # Kaldi's dither = 1.0
        pcm = np.clip(frame.samples + noise, -32768, 32767).astype(np.int16)
        if self._rec.AcceptWaveform(pcm.tobytes()):
            final = self._final(json.loads(self._rec.Result()))
            if self._t - self._offset >= _RENEW_AFTER_S:
                self._rec, self._offset = self._new(), None  # counts from the next frame's time
                if _malloc_trim is not None:  # the old recogniser has just been freed
                    _malloc_trim(0)
            return final
        self._since_partial += 1
        if self._since_partial < _PARTIAL_EVERY_FRAMES:
            return []
        self._since_partial = 0
        result = json.loads(self._rec.PartialResult())
        text = result.get("partial", "")
        if not text or text == self._partial:
            return []
        self._partial = text
        words = self._words(result.get("partial_result", []))
        start, end = (words[0].start, words[-1].end) if words else (frame.t, frame.end)
        return [Transcript(self._speaker, text, start, end, words, final=False, t=self._t)]

    def finish(self) -> list[Transcript]:
        return self._final(json.loads(self._rec.FinalResult()))

    def _words(self, items: list[dict]) -> tuple[Word, ...]:
        off = self._offset or 0.0
        return tuple(
            Word(i["word"], round(off + float(i["start"]), 3), round(off + float(i["end"]), 3), float(i.get("conf", 1.0)))
            for i in items
        )

    def _final(self, result: dict) -> list[Transcript]:
        self._partial = ""
        self._since_partial = 0
        words = self._words(result.get("result", []))
        text = result.get("text", "")
        if not text or not words:
            return []
        return [Transcript(self._speaker, text, words[0].start, words[-1].end, words, final=True, t=self._t)]


class VoskEngine:
    """A loaded Vosk model; its recognisers (one per speaker) share it."""

    name = "vosk"
    parallel = True  # a Kaldi decode is single-threaded, and vosk's cffi calls release the GIL

    def __init__(self, model_dir: Path, language: str, name: str = ""):
        self.model = name or Path(model_dir).name
        self.language = language
        self._model = load_vosk_model(Path(model_dir), self.model)

    def recognizer(self, speaker: Speaker) -> VoskRecognizer:
        return VoskRecognizer(self._model, speaker)
