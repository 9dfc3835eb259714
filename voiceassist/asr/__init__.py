"""Speech recognition: engines behind one interface (``asr.base``), and their models."""

from __future__ import annotations

from pathlib import Path

from voiceassist.asr.base import Engine, Recognizer, Transcript, Word
from voiceassist.asr.models import VOSK_HINT, WHISPER_HINT, ModelInfo, find_model, models_dir, verify_files
from voiceassist.errors import ModelError

__all__ = ["Engine", "Recognizer", "Transcript", "Word", "load_engine", "open_model", "models_dir"]


def open_model(info: ModelInfo, asr_cfg=None):
    """Load an installed model (checking its files first); raises ModelError if it is broken."""
    verify_files(info)
    if info.engine == "vosk":
        from voiceassist.asr.vosk import load_vosk_model

        return load_vosk_model(info)
    from voiceassist.asr.whisper import load_whisper_model

    return load_whisper_model(info) if asr_cfg is None else load_whisper_model(
        info, asr_cfg.whisper.compute_type, asr_cfg.whisper.cpu_threads
    )


def load_engine(asr_cfg, language: str, root: Path, vad_aggressiveness: int = 2) -> Engine:
    """The engine ``asr_cfg.engine`` asks for; ``auto`` is Vosk when a Vosk model for the
    language is installed, else Whisper."""
    if asr_cfg.engine in ("auto", "vosk"):
        vosk_model = find_model(root, "vosk", language, asr_cfg.vosk.model)
        if vosk_model is not None:
            from voiceassist.asr.vosk import VoskEngine

            verify_files(vosk_model)
            return VoskEngine(vosk_model, language)
        if asr_cfg.engine == "vosk":
            wanted = f"'{asr_cfg.vosk.model}'" if asr_cfg.vosk.model else f"for '{language}'"
            raise ModelError(f"no Vosk model {wanted} in {root}; install one with: {VOSK_HINT}")
    whisper_model = find_model(root, "whisper", None, asr_cfg.whisper.model)
    if whisper_model is None:
        wanted = f"'{asr_cfg.whisper.model}' " if asr_cfg.whisper.model else ""
        raise ModelError(f"no Whisper model {wanted}in {root}; install one with: {WHISPER_HINT}")
    from voiceassist.asr.whisper import WhisperEngine

    verify_files(whisper_model)
    return WhisperEngine(whisper_model, language, asr_cfg, vad_aggressiveness)
