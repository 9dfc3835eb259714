"""Vosk (Kaldi) streaming recognition: partials as words come, finals at Vosk's own endpoints.

Every frame of the call is fed from t = 0, so the word times Vosk reports (seconds of audio
fed to that recogniser) are call times as they are.
"""

from __future__ import annotations

import json

import vosk

from voiceassist.asr.base import Transcript, Word
from voiceassist.asr.models import ModelInfo
from voiceassist.frames import SAMPLE_RATE, Frame, Speaker

__all__ = ["VoskEngine", "load_vosk_model"]

vosk.SetLogLevel(-1)


def load_vosk_model(info: ModelInfo) -> vosk.Model:
    from voiceassist.errors import ModelError

    try:
        return vosk.Model(str(info.path))  # never Model(lang=...): that downloads
    except Exception as e:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"model '{info.name}' in {info.path} failed to load ({e}); install it again") from None


def _words(items: list[dict]) -> tuple[Word, ...]:
    return tuple(Word(i["word"], float(i["start"]), float(i["end"]), float(i.get("conf", 1.0))) for i in items)


class VoskRecognizer:
    def __init__(self, model: vosk.Model, speaker: Speaker):
        self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        self._rec.SetWords(True)
        self._rec.SetPartialWords(True)
        self._speaker = speaker
        self._partial = ""
        self._t = 0.0

    def accept(self, frame: Frame) -> list[Transcript]:
        self._t = frame.end
        if self._rec.AcceptWaveform(frame.samples.tobytes()):
            return self._final(json.loads(self._rec.Result()))
        result = json.loads(self._rec.PartialResult())
        text = result.get("partial", "")
        if not text or text == self._partial:
            return []
        self._partial = text
        words = _words(result.get("partial_result", []))
        start, end = (words[0].start, words[-1].end) if words else (frame.t, frame.end)
        return [Transcript(self._speaker, text, start, end, words, final=False, t=self._t)]

    def finish(self) -> list[Transcript]:
        return self._final(json.loads(self._rec.FinalResult()))

    def _final(self, result: dict) -> list[Transcript]:
        self._partial = ""
        words = _words(result.get("result", []))
        text = result.get("text", "")
        if not text or not words:
            return []
        return [Transcript(self._speaker, text, words[0].start, words[-1].end, words, final=True, t=self._t)]


class VoskEngine:
    name = "vosk"

    def __init__(self, info: ModelInfo, language: str):
        self.model = info.name
        self.language = language
        self._model = load_vosk_model(info)

    def recognizer(self, speaker: Speaker) -> VoskRecognizer:
        return VoskRecognizer(self._model, speaker)
