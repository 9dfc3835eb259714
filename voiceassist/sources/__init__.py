"""Audio sources: a WAV file, paced replay of any source, live input devices.

All of them yield ``Frame``s (int16 mono 16 kHz, 20 ms hops) of the caller and the agent in
time order; ``convert`` is the one place audio is converted to that format.
"""

from voiceassist.sources.base import Clock, Source, SourceInfo, SystemClock
from voiceassist.sources.device import DeviceSource
from voiceassist.sources.portaudio import default_devices, list_input_devices
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

__all__ = [
    "Clock", "Source", "SourceInfo", "SystemClock",
    "DeviceSource", "default_devices", "list_input_devices",
    "ReplaySource", "WavSource",
]
