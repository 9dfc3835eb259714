"""One exception tree: user errors (exit 2, one line) are separate from bugs (exit 1)."""

__all__ = ["VoiceAssistError", "ConfigError", "AudioInputError", "ModelError"]


class VoiceAssistError(Exception):
    """A problem the user can fix: a bad file, flag, config, model or device.

    The message is one line that names the file, key or device and says what would be valid.
    """


class ConfigError(VoiceAssistError):
    """A config or phrasebook file is missing, malformed, or has a bad key or value."""


class AudioInputError(VoiceAssistError):
    """An audio file or device cannot be read as asked."""


class ModelError(VoiceAssistError):
    """A speech model is missing, broken, or cannot be installed from the given source."""
