"""voiceassist: an offline assistant beside a call-center agent on a live call."""

from voiceassist.config import Config, load_config
from voiceassist.errors import (
    AudioInputError, ConfigError, InputError, ModelError, OutputError, UsageError, VoiceAssistError,
)
from voiceassist.frames import Frame

__all__ = [
    "Config",
    "load_config",
    "Frame",
    "VoiceAssistError",
    "UsageError",
    "ConfigError",
    "InputError",
    "AudioInputError",
    "OutputError",
    "ModelError",
]
__version__ = "0.1.0"
