"""Vosk (Kaldi) streaming recognition: partials as words come, finals at Vosk's own endpoints.

A recogniser counts time from the first sample fed to it. Every frame of the call is fed from
t = 0, so the word times Vosk reports are call times as they are (checked: 3 s of leading
silence shifts every word by 3 s); a recogniser started later is offset by its first frame's t.
"""

from __future__ import annotations

import json
from pathlib import Path

import vosk

from voiceassist.asr.base import Transcript, Word
from voiceassist.errors import ModelError
from voiceassist.frames import SAMPLE_RATE, Frame, Speaker

__all__ = ["VoskEngine", "VoskRecognizer", "load_vosk_model"]

vosk.SetLogLevel(-1)  # Kaldi logs every model load and decode to stderr otherwise


def load_vosk_model(path: Path, name: str) -> vosk.Model:
    """Load a model folder. Never ``Model(lang=...)``: that downloads from the internet."""
    try:
        return vosk.Model(str(path))
    except Exception as e:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"model '{name}' in {path} failed to load ({e}); install it again") from None


class VoskRecognizer:
    def __init__(self, model: vosk.Model, speaker: Speaker):
        self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        self._rec.SetWords(True)
        self._rec.SetPartialWords(True)
        self._speaker = speaker
        self._partial = ""
        self._offset: float | None = None
        self._t = 0.0

    def accept(self, frame: Frame) -> list[Transcript]:
        if self._offset is None:
            self._offset = frame.t
        self._t = frame.end
        if self._rec.AcceptWaveform(frame.samples.tobytes()):
            return self._final(json.loads(self._rec.Result()))
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
        words = self._words(result.get("result", []))
        text = result.get("text", "")
        if not text or not words:
            return []
        return [Transcript(self._speaker, text, words[0].start, words[-1].end, words, final=True, t=self._t)]


class VoskEngine:
    """A loaded Vosk model; its recognisers (one per speaker) share it."""

    name = "vosk"

    def __init__(self, model_dir: Path, language: str, name: str = ""):
        self.model = name or Path(model_dir).name
        self.language = language
        self._model = load_vosk_model(Path(model_dir), self.model)

    def recognizer(self, speaker: Speaker) -> VoskRecognizer:
        return VoskRecognizer(self._model, speaker)
