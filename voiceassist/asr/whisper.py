"""Whisper (faster-whisper, CTranslate2 int8 on the CPU): a loaded model that decodes one
utterance at a time. When each speaker's audio is decoded is ``asr.whisper_stream``'s job.

faster-whisper always encodes a 30 s window (1.1-1.6 s on two cores, whatever the utterance's
length). Here the encoder runs over the utterance and ``window_pad_s`` of silence only, with the
output capped near what that much speech can hold; an output that looks degenerate is decoded
again over the full window.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from voiceassist.asr.whisper_stream import CallLanguage, WhisperRecognizer
from voiceassist.errors import ModelError
from voiceassist.frames import SAMPLE_RATE, Speaker
from voiceassist.languages import AUTO, LANGUAGES
from voiceassist.transcripts import Word

__all__ = ["WhisperEngine", "load_whisper_model"]

log = logging.getLogger(__name__)

# Whisper's own "this was silence" rule (openai/whisper transcribe.py, also faster-whisper's
# defaults): a segment is dropped when no_speech_prob > 0.6 AND avg_logprob < -1.0, i.e. the
# model thinks there is no speech and is unsure of the text it made up.
_NO_SPEECH_THRESHOLD = 0.6
_LOG_PROB_THRESHOLD = -1.0
# ... and a decode whose text gzips smaller than this ratio repeats itself (the same rule).
_MAX_COMPRESSION_RATIO = 2.4
# A phrase of up to this many words said three times running is a decode looping.
_REPEAT_MAX_N = 4
# Interim decodes pad the utterance with this much silence (finals: asr.whisper.window_pad_s).
_INTERIM_PAD_S = 2.0
# Short-window decoding: the output is capped at this many tokens, plus this many per second
# of audio (fast English is ~4 tokens/s, Russian and Arabic up to ~9: Whisper's tokenizer cuts
# them finer; the cap stops a loop long before Whisper's 448).
_CAP_TOKENS = 10
_CAP_TOKENS_PER_S = 12.0
# Whisper's encoder window: 30 s of 10 ms log-mel frames.
_WINDOW_S = 30
_FRAMES_PER_S = 100
_WINDOW_FRAMES = _WINDOW_S * _FRAMES_PER_S
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


_Decoded = tuple[list[Word], str, "np.ndarray | None"]  # words, text, language probabilities


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
        self._call: CallLanguage | None = None
        # Words to bias recognition toward (faster-whisper's hotwords), measured by
        # benchmarks/bias.py; none by default (see the README).
        self.hotwords = ""

    def recognizer(self, speaker: Speaker) -> WhisperRecognizer:
        """A speaker's recogniser. A call's recognisers share what is found of its language:
        a caller's recogniser begins a new call."""
        if self._call is None or speaker == "caller" or self._call.has_agent:
            self._call = CallLanguage(None if self.language == AUTO else self.language)
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
        # Audio longer than the window is left to faster-whisper, which seeks through it.
        short = pad_s > 0 and len(audio) <= _WINDOW_S * SAMPLE_RATE
        language, probabilities = self._asked(language), None
        if short or language is None:
            encoded, content = self._encode(audio[: _WINDOW_S * SAMPLE_RATE], pad_s if short else _INTERIM_PAD_S)
            language, probabilities = self._language(encoded, language)
            if short and (decoded := self._short_window(encoded, content, audio, offset, language)) is not None:
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

    def _asked(self, language: str | None) -> str | None:
        """The language asked for, else the engine's; None: the one Whisper hears."""
        return language or (None if self.language == AUTO else self.language)

    def _language(self, encoded, language: str | None) -> tuple[str, "np.ndarray | None"]:
        """The language to decode in (the one asked for, else the engine's, else the one Whisper
        hears), and Whisper's probabilities when it was identified."""
        language = self._asked(language)
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
