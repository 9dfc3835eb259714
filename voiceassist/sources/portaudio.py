"""PortAudio's input devices (through sounddevice) and the sound server's output monitors
(``monitor``): which there are, which one a name or index means, and how a call's sides are
laid over them."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from voiceassist.errors import AudioInputError
from voiceassist.frames import SAMPLE_RATE, SPEAKERS, Speaker
from voiceassist.sources.monitor import MonitorStream, list_monitors

__all__ = ["portaudio", "list_input_devices", "find_input", "default_devices", "Input", "plan_inputs", "open_input"]


def portaudio() -> ModuleType:
    """sounddevice, imported when a device is first needed: it loads the PortAudio library,
    which a machine that only analyses files may not have."""
    try:
        import sounddevice
    except OSError as e:  # sounddevice raises OSError when libportaudio is missing
        raise AudioInputError(f"cannot use sound devices: {e} (install PortAudio: apt install libportaudio2)") from None
    return sounddevice


def list_input_devices() -> list[dict]:
    """Input devices as PortAudio sees them: index, name, channels, samplerate, is_default."""
    sd = portaudio()
    default_in = sd.default.device[0]
    return [
        {
            "index": d["index"],
            "name": d["name"],
            "channels": d["max_input_channels"],
            "samplerate": d["default_samplerate"],
            "is_default": d["index"] == default_in,
        }
        for d in sd.query_devices()
        if d["max_input_channels"] > 0
    ]


def find_input(spec: str | int) -> dict:
    """The input device or output monitor ``spec`` names: a PortAudio index, or a name or
    monitor description, whole or in part (case ignored). A monitor's dict has ``monitor_of``."""
    devices = list_input_devices()
    monitors = list_monitors()
    text = str(spec).strip()
    if text.isdigit():
        found = [d for d in devices if d["index"] == int(text)]
    else:
        everything = devices + monitors
        found = [d for d in everything if text in (d["name"], d.get("description"))] or [
            d for d in everything if text.lower() in f"{d['name']}\n{d.get('description', '')}".lower()
        ]
    if len(found) == 1:
        return found[0]
    available = ", ".join(f"{d['index']} '{d['name']}'" for d in devices) or "none"
    if monitors:
        available += "; output monitors: " + ", ".join(f"'{m['name']}' ({m['description']})" for m in monitors)
    if found:
        names = ", ".join(_label(d) for d in found)
        raise AudioInputError(f"input device '{spec}' is ambiguous: {names}; give its index or whole name")
    raise AudioInputError(f"unknown input device '{spec}'; input devices: {available}")


def _label(device: dict) -> str:
    return f"'{device['name']}'" if "monitor_of" in device else f"{device['index']} '{device['name']}'"


def default_devices() -> dict[str, int]:
    """What ``live`` uses with no device flags: the default input, as the agent's headset.
    Maps a role to a device index."""
    default = next((d for d in list_input_devices() if d["is_default"]), None)
    return {} if default is None else {"agent": default["index"]}


@dataclass
class Input:
    device: dict
    speakers: tuple[Speaker, ...]  # one per channel read
    channels: list[int]  # which device channels, in the order of speakers
    rate: int
    generation: int = 0  # of the PortAudio device list ``device`` comes from


def plan_inputs(caller_device, agent_device, caller_channel: int, samplerate: int | None) -> list[Input]:
    """Which devices and channels carry which side (see ``DeviceSource``), and the rate each
    opens at: ``samplerate`` if given, else 16 kHz if the device accepts it, else its own."""
    sd = portaudio()

    def rate_of(device: dict, channels: int) -> int:
        if samplerate is not None:
            return samplerate
        if "monitor_of" in device:  # the sound server converts a monitor to any rate
            return SAMPLE_RATE
        try:
            sd.check_input_settings(
                device=device["index"], channels=channels, samplerate=SAMPLE_RATE, dtype="int16"
            )
            return SAMPLE_RATE
        except sd.PortAudioError:  # the device does not do 16 kHz; soxr converts from its own rate
            return int(device["samplerate"])

    if caller_device is None and agent_device is None:
        default = default_devices()
        if not default:
            raise AudioInputError("no input device found; connect one, or list them with: voiceassist devices")
        agent_device = default["agent"]
    caller = None if caller_device is None else find_input(caller_device)
    agent = None if agent_device is None else find_input(agent_device)
    if caller is not None and agent is not None and (caller["index"], caller["name"]) == (agent["index"], agent["name"]):
        if "monitor_of" in caller:
            raise AudioInputError(
                f"output monitor '{caller['name']}' carries what the headset plays, the caller; give the agent's "
                "microphone as --agent-device"
            )
        if caller["channels"] < 2:
            raise AudioInputError(
                f"input device '{caller['name']}' has one channel; it cannot carry both caller and agent"
            )
        channels = [caller_channel, 1 - caller_channel]
        return [Input(caller, SPEAKERS, channels, rate_of(caller, 2))]
    inputs = []
    if caller is not None:
        inputs.append(Input(caller, ("caller",), [0], rate_of(caller, 1)))
    if agent is not None:
        inputs.append(Input(agent, ("agent",), [0], rate_of(agent, 1)))
    return inputs


def open_input(inp: Input, blocksize: int, callback: Callable) -> Any:
    """``inp``'s stream, open but not started: PortAudio's, or parec's for an output monitor
    (the same interface: ``start()``, ``active``, ``close()``, the callback per block)."""
    args = dict(channels=max(inp.channels) + 1, samplerate=inp.rate, blocksize=blocksize, callback=callback)
    if "monitor_of" in inp.device:
        return MonitorStream(inp.device["name"], **args)
    return portaudio().InputStream(device=inp.device["index"], dtype="int16", **args)
