"""Whisper (faster-whisper, CTranslate2 int8 on the CPU) on VAD-endpointed utterances.

Whisper is not a streaming model, so each speaker's audio is cut into utterances by the
endpointer (``analysis.vad``) and each utterance is decoded when it ends. A long utterance is
also re-decoded every ``interim_s`` seconds of its speech while it runs, so a long caller turn
shows text before it ends; those interim decodes are partials. An utterance is cut (decoded as
final, and a new one begun) at ``max_utterance_s``, inside Whisper's 30 s window.

One decode costs 1.1–1.6 s on two cores whatever the utterance's length (the encoder always
runs a 30 s window), so decodes happen only at those moments, never per frame. Decoding is
synchronous inside ``accept``: offline analysis is then deterministic (the same audio gives
the same transcripts, whatever the machine's speed). A live caller must not call ``accept``
on the audio thread; it runs recognition in its own worker and lets frames queue while a
decode runs (the interim schedule bounds how often that happens).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from voiceassist.analysis.vad import Endpointer
from voiceassist.transcripts import Transcript, Word
from voiceassist.errors import ModelError
from voiceassist.frames import HOP_MS, Frame, Speaker

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


def load_whisper_model(path: Path, name: str, compute_type: str = "int8", cpu_threads: int = 2):
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise ModelError("the Whisper engine needs faster-whisper: pip install 'voiceassist[whisper]'") from None
    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"model '{name}' in {path} failed to load ({reason}); install it again") from None


class WhisperRecognizer:
    """One speaker's recogniser; see the module docstring for when it decodes."""

    def __init__(self, engine: "WhisperEngine", speaker: Speaker):
        self._engine = engine
        self._speaker = speaker
        cfg = engine.asr_cfg
        self._endpointer = Endpointer(
            engine.vad_aggressiveness, endpoint_silence_ms=cfg.endpoint_silence_ms, min_speech_ms=cfg.min_speech_ms
        )
        # The onset window is back-dated up to 100 ms, so keep that much more than the pad.
        self._preroll_frames = int((_PAD_S + 0.1) * 1000) // HOP_MS
        self._preroll: list[Frame] = []
        self._utterance: list[Frame] = []
        self._speech_since_decode = 0.0
        self._interim_s = cfg.whisper.interim_s
        # Cleared by a live runner that has fallen behind: then only finals are decoded.
        self.interim_enabled = True
        self._max_frames = int(cfg.whisper.max_utterance_s * 1000) // HOP_MS
        self._t = 0.0

    def accept(self, frame: Frame) -> list[Transcript]:
        self._t = round(frame.end, 3)
        voiced, boundaries = self._endpointer.push(frame)
        out: list[Transcript] = []
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
            if len(self._utterance) >= self._max_frames:
                out += self._end_utterance(decode=True, until=frame.end)
            elif self._interim_s and self.interim_enabled and self._speech_since_decode >= self._interim_s:
                self._speech_since_decode = 0.0
                out += self._decode(self._utterance, final=False)
        elif not boundaries:
            self._preroll = (self._preroll + [frame])[-self._preroll_frames:]
        return out

    def finish(self) -> list[Transcript]:
        out: list[Transcript] = []
        for b in self._endpointer.finish():
            out += self._end_utterance(decode=b.kind == "end", until=b.t + _PAD_S)
        return out

    def _end_utterance(self, decode: bool, until: float) -> list[Transcript]:
        frames = [f for f in self._utterance if f.t < until]
        self._utterance = []
        self._speech_since_decode = 0.0
        return self._decode(frames, final=True) if decode and frames else []

    def _decode(self, frames: list[Frame], final: bool) -> list[Transcript]:
        start, end = frames[0].t, frames[-1].end
        audio = np.concatenate([f.samples for f in frames]).astype(np.float32) / 32768.0
        words, text = self._engine.transcribe(audio, start)
        if not text:
            return []
        if words:
            start, end = words[0].start, words[-1].end
        return [Transcript(self._speaker, text, start, end, tuple(words), final=final, t=self._t)]


class WhisperEngine:
    """A loaded Whisper model; its recognisers (one per speaker) share it."""

    name = "whisper"
    parallel = False  # one decode already runs on cpu_threads cores

    def __init__(self, model_dir: Path, language: str, asr_cfg, name: str = "", vad_aggressiveness: int = 2):
        self.model = name or Path(model_dir).name
        self.language = language
        self.asr_cfg = asr_cfg
        self.vad_aggressiveness = vad_aggressiveness
        w = asr_cfg.whisper
        self._model = load_whisper_model(Path(model_dir), self.model, w.compute_type, w.cpu_threads)

    def recognizer(self, speaker: Speaker) -> WhisperRecognizer:
        return WhisperRecognizer(self, speaker)

    def transcribe(self, audio: np.ndarray, offset: float) -> tuple[list[Word], str]:
        """Words (in call time: ``offset`` is the call time of ``audio[0]``) and text of one
        utterance of 16 kHz float32 audio; ``([], "")`` when Whisper hears no speech."""
        segments, _ = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=self.asr_cfg.whisper.beam_size,
            # No sampling fallback: the same audio must give the same text (offline analysis
            # and the golden tests replay calls byte for byte).
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,  # each utterance stands alone; no runaway repeats
            vad_filter=False,  # already endpointed by analysis.vad
            no_speech_threshold=_NO_SPEECH_THRESHOLD,
            log_prob_threshold=_LOG_PROB_THRESHOLD,
        )
        duration = len(audio) / 16_000
        words: list[Word] = []
        texts: list[str] = []
        for seg in segments:
            if seg.text.strip():
                texts.append(seg.text.strip())
            for w in seg.words or []:
                if w.word.strip():
                    # Whisper's word times come from cross-attention and can overshoot the
                    # audio by a few tens of ms; the utterance's own span is the truth.
                    s = offset + min(max(w.start, 0.0), duration)
                    e = offset + min(max(w.end, w.start, 0.0), duration)
                    words.append(Word(w.word.strip(), round(s, 3), round(e, 3), round(w.probability, 3)))
        return words, " ".join(texts)
