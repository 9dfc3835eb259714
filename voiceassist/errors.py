"""One exception tree: user errors (exit 2, one line) are separate from bugs (exit 1).

    VoiceAssistError          a problem the user can fix
    ├── UsageError            a flag or argument that cannot work (--speed 0, promises done without ID)
    ├── ConfigError           a config or phrasebook file
    ├── InputError            a file to read: events, a promises file, the analysis cache
    │   └── AudioInputError   a recording or an input device
    ├── OutputError           a file or folder to write: events, a report, the promises file
    └── ModelError            a speech model, its extra or its installation
"""

__all__ = ["VoiceAssistError", "UsageError", "ConfigError", "InputError", "AudioInputError", "OutputError", "ModelError"]


class VoiceAssistError(Exception):
    """A problem the user can fix: a bad file, flag, config, model or device.

    The message is one line that names the file, key or device and says what would be valid.
    """


class UsageError(VoiceAssistError):
    """Flags or arguments that cannot work together, or a value no option takes."""


class ConfigError(VoiceAssistError):
    """A config or phrasebook file is missing, malformed, or has a bad key or value."""


class InputError(VoiceAssistError):
    """A file to be read is missing, unreadable, or not what it should be."""


class AudioInputError(InputError):
    """An audio file or device cannot be read as asked."""


class OutputError(VoiceAssistError):
    """A file or folder cannot be written."""


class ModelError(VoiceAssistError):
    """A speech model is missing, broken, or cannot be installed from the given source."""
