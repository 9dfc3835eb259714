"""Speech recognition: engines behind one interface (``asr.base``), and their models.

``load_engine`` is the one way the pipeline gets an engine; it never downloads anything.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from voiceassist.asr.base import Engine, Recognizer
from voiceassist.asr.models import VOSK_HINT, WHISPER_HINT, ModelInfo, find_model, models_dir, verify_files
from voiceassist.errors import ModelError, UsageError
from voiceassist.languages import AUTO, LANGUAGES

__all__ = ["Engine", "Recognizer", "choose_model", "load_engine", "open_model", "models_dir"]

log = logging.getLogger(__name__)


def _quiet_native_stderr(load):
    """Run ``load()`` with file descriptor 2 captured: Kaldi and OpenFst print their own error
    lines for a damaged model even at log level -1, and ours is the one line the user needs."""
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            return load()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace").strip()
            if text:
                log.debug("model loader said: %s", text)


def open_model(info: ModelInfo, asr_cfg=None):
    """Load an installed model's weights (after checking its files); ModelError if broken."""
    verify_files(info)
    if info.engine == "vosk":
        from voiceassist.asr.vosk import load_vosk_model

        return _quiet_native_stderr(lambda: load_vosk_model(info.path, info.name))
    from voiceassist.asr.whisper import load_whisper_model

    w = asr_cfg.whisper if asr_cfg is not None else None
    return load_whisper_model(info.path, info.name, *((w.compute_type, w.cpu_threads) if w else ()))


def choose_model(asr_cfg, language: str, root: Path) -> ModelInfo:
    """The installed model ``asr_cfg.engine`` asks for, for a call in ``language``, from ``root``
    (nothing is loaded: a cached analysis needs only its name).

    ``vosk``: the model named ``asr.vosk.model``, else the one for ``language``. ``whisper``:
    the model named ``asr.whisper.model``, else the first installed. ``auto``: Vosk when a Vosk
    model for the language is installed, else Whisper. A missing model is a ModelError saying
    how to install one.
    """
    if language == AUTO and asr_cfg.engine == "vosk" and not asr_cfg.vosk.model:
        raise UsageError(f"engine vosk needs the call's language (--language {', '.join(LANGUAGES)}) or a model "
                         "(asr.vosk.model); the language is found ('auto') with Whisper")
    if asr_cfg.engine in ("auto", "vosk") and (language != AUTO or asr_cfg.vosk.model):
        info = find_model(root, "vosk", None if language == AUTO else language, asr_cfg.vosk.model)
        if info is not None:
            return info
        if asr_cfg.engine == "vosk" or asr_cfg.vosk.model:
            wanted = f"named '{asr_cfg.vosk.model}'" if asr_cfg.vosk.model else f"for '{language}'"
            raise ModelError(f"no Vosk model {wanted} in {root}; install one with: {VOSK_HINT}")
    info = find_model(root, "whisper", None, asr_cfg.whisper.model)
    if info is None:
        wanted = f"named '{asr_cfg.whisper.model}' " if asr_cfg.whisper.model else ""
        raise ModelError(f"no Whisper model {wanted}in {root}; install one with: {WHISPER_HINT}")
    return info


def load_engine(asr_cfg, language: str, root: Path, vad_aggressiveness: int = 2, info: ModelInfo | None = None) -> Engine:
    """The engine for a call in ``language``: the model ``choose_model`` picks (or ``info``),
    loaded. A damaged model is a ModelError naming its folder."""
    info = info or choose_model(asr_cfg, language, root)
    verify_files(info)
    if info.engine == "vosk":
        from voiceassist.asr.vosk import VoskEngine

        return _quiet_native_stderr(lambda: VoskEngine(info.path, language, info.name))
    from voiceassist.asr.whisper import WhisperEngine

    return WhisperEngine(info.path, language, asr_cfg, info.name, vad_aggressiveness)
