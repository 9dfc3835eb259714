"""Data bundled with the package: the demo call (see demo/README.md)."""

from pathlib import Path

__all__ = ["demo_call_path"]


def demo_call_path() -> Path:
    """The bundled stereo demo call: 8 kHz mu-law, caller on channel 0, agent on channel 1."""
    return Path(__file__).parent / "demo" / "call.wav"
