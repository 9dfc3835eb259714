"""Whisper (faster-whisper, CTranslate2 int8 on the CPU) on VAD-endpointed utterances.

Whisper is not a streaming model, so each speaker's audio is cut into utterances by the
endpointer (``analysis.vad``) and each utterance is decoded when it ends. A long utterance is
also re-decoded every ``interim_s`` seconds of speech while it runs, so a long caller turn
shows text before it ends; those interim decodes are partials.

One decode costs 1.1–1.6 s on two cores whatever the utterance's length (the encoder always
runs a 30 s window), so decodes happen only at those moments, never per frame. Decoding is
synchronous inside ``accept``: offline analysis is then deterministic, and a live caller runs
recognition off the audio thread.
"""

from __future__ import annotations

import logging

import numpy as np

from voiceassist.analysis.vad import Endpointer
from voiceassist.asr.base import Transcript, Word
from voiceassist.asr.models import ModelInfo
from voiceassist.errors import ModelError
from voiceassist.frames import HOP_MS, SAMPLE_RATE, Frame, Speaker

__all__ = ["WhisperEngine", "load_whisper_model"]

log = logging.getLogger(__name__)

_PAD_S = 0.2  # audio kept before the first voiced frame and after the last: Whisper needs the onsets
# Whisper's own "this was silence" rule (openai/whisper transcribe.py): skip a segment whose
# no-speech probability is high and whose text is improbable.
_NO_SPEECH_PROB = 0.6
_LOGPROB_FLOOR = -1.0


def load_whisper_model(info: ModelInfo, compute_type: str = "int8", cpu_threads: int = 2):
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise ModelError("the Whisper engine needs faster-whisper: pip install 'voiceassist[whisper]'") from None
    try:
        return WhisperModel(str(info.path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"model '{info.name}' in {info.path} failed to load ({reason}); install it again") from None


class WhisperRecognizer:
    def __init__(self, engine: "WhisperEngine", speaker: Speaker):
        self._engine = engine
        self._speaker = speaker
        cfg = engine.asr_cfg
        self._endpointer = Endpointer(engine.vad_aggressiveness, endpoint_silence_ms=cfg.endpoint_silence_ms)
        self._pad_frames = int(_PAD_S * 1000) // HOP_MS
        self._preroll: list[Frame] = []
        self._utterance: list[Frame] = []
        self._speech_since_decode = 0.0
        self._min_speech_s = cfg.min_speech_ms / 1000
        self._interim_s = cfg.whisper.interim_s
        self._max_frames = int(cfg.whisper.max_utterance_s * 1000) // HOP_MS

    def accept(self, frame: Frame) -> list[Transcript]:
        voiced, boundaries = self._endpointer.push(frame)
        out: list[Transcript] = []
        for b in boundaries:
            if b.kind == "start":
                self._utterance = [f for f in self._preroll if f.end > b.t - _PAD_S]
                self._speech_since_decode = 0.0
            else:
                out += self._end_utterance(b.voiced_s, frame.end, until=b.t + _PAD_S)
        if self._endpointer.in_speech:
            self._utterance.append(frame)
            if voiced:
                self._speech_since_decode += HOP_MS / 1000
            if len(self._utterance) >= self._max_frames:
                out += self._end_utterance(self._min_speech_s, frame.end, until=frame.end)
                self._utterance = []
            elif self._interim_s and self._speech_since_decode >= self._interim_s:
                self._speech_since_decode = 0.0
                out += self._decode(self._utterance, final=False, t=frame.end)
        else:
            self._preroll = (self._preroll + [frame])[-(self._pad_frames + 1):]
        return out

    def finish(self) -> list[Transcript]:
        out = []
        for b in self._endpointer.finish():
            end = self._utterance[-1].end if self._utterance else b.t
            out += self._end_utterance(b.voiced_s, end, until=end)
        return out

    def _end_utterance(self, voiced_s: float, t: float, until: float) -> list[Transcript]:
        frames = [f for f in self._utterance if f.t < until]
        self._utterance = []
        self._preroll = []
        if voiced_s < self._min_speech_s or not frames:
            return []
        return self._decode(frames, final=True, t=t)

    def _decode(self, frames: list[Frame], final: bool, t: float) -> list[Transcript]:
        offset = frames[0].t
        audio = np.concatenate([f.samples for f in frames]).astype(np.float32) / 32768.0
        words, texts = self._engine.transcribe(audio, offset)
        if not texts:
            return []
        text = " ".join(texts)
        start = words[0].start if words else offset
        end = words[-1].end if words else frames[-1].end
        return [Transcript(self._speaker, text, start, end, tuple(words), final=final, t=t)]


class WhisperEngine:
    name = "whisper"

    def __init__(self, info: ModelInfo, language: str, asr_cfg, vad_aggressiveness: int = 2):
        self.model = info.name
        self.language = language
        self.asr_cfg = asr_cfg
        self.vad_aggressiveness = vad_aggressiveness
        w = asr_cfg.whisper
        self._model = load_whisper_model(info, w.compute_type, w.cpu_threads)

    def recognizer(self, speaker: Speaker) -> WhisperRecognizer:
        return WhisperRecognizer(self, speaker)

    def transcribe(self, audio: np.ndarray, offset: float) -> tuple[list[Word], list[str]]:
        """Words (call times) and segment texts of one utterance; nothing for silence."""
        segments, _ = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=self.asr_cfg.whisper.beam_size,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,  # already endpointed
        )
        words: list[Word] = []
        texts: list[str] = []
        for seg in segments:
            if seg.no_speech_prob > _NO_SPEECH_PROB and seg.avg_logprob < _LOGPROB_FLOOR:
                continue
            if seg.text.strip():
                texts.append(seg.text.strip())
            for w in seg.words or []:
                if w.word.strip():
                    words.append(Word(w.word.strip(), offset + w.start, offset + w.end, w.probability))
        return words, texts
