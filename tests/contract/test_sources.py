"""WAV and replay sources honour the Source contract on real speech in every WAV flavour.

One real recording is committed (tests/fixtures/sources/speech_16k.wav, 16-bit 16 kHz mono);
every other variant is written at test time with soundfile (resampled with soxr), decoded by
``WavSource`` and compared with the original at 16 kHz by signal-to-noise ratio:

    SNR = 10 log10(sum(ref^2) / sum((ref - decoded)^2))

Tolerances, with what was measured on this fixture when they were set:
- 16 kHz PCM_16/24/32, FLOAT, DOUBLE: bit-exact (int16 k is k/32768 in every one of them).
- 22.05/44.1/48 kHz PCM_16: >= 50 dB (measured 67 dB; the 16-bit requantisation at the other
  rate is most of the error).
- μ-law, A-law (16 kHz): >= 30 dB (measured 37 dB: companding keeps ~38 dB SNR on speech).
- PCM_U8: >= 15 dB (measured 24 dB: this speech averages -23 dBFS, and 8 bits leave ~48 dB
  below full scale).
- 8 kHz: the file has nothing above 4 kHz, and this speech has a lot there (full-band SNR is
  19 dB), so both signals are compared below 3.6 kHz (FFT brick-wall): >= 50 dB for PCM_16
  (measured 71 dB), >= 30 dB for 8 kHz μ-law/A-law (measured 38 dB); and what decodes above
  4.2 kHz must be <= -60 dB relative to the speech (measured -78 dB).
- 11.025 kHz: compared below 5 kHz, >= 50 dB (measured 71 dB).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.errors import AudioInputError
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

ORIGINAL = Path(__file__).parents[1] / "fixtures" / "sources" / "speech_16k.wav"


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    samples, rate = sf.read(ORIGINAL, dtype="int16")
    assert rate == SAMPLE_RATE and samples.ndim == 1
    return samples


def snr_db(reference: np.ndarray, x: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    noise = reference - x.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(noise**2), 1e-12)))


def band(x: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    """The part of a 16 kHz signal between two frequencies (FFT brick-wall)."""
    spectrum = np.fft.rfft(x.astype(np.float64))
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0
    return np.fft.irfft(spectrum, len(x))


def write_variant(path: Path, speech: np.ndarray, rate: int, subtype: str) -> Path:
    x = speech / 32768.0
    if rate != SAMPLE_RATE:
        x = soxr.resample(x, SAMPLE_RATE, rate, quality="VHQ")
    sf.write(path, x, rate, subtype=subtype)
    return path


def decode(path: Path, caller_channel: int = 0) -> dict[str, np.ndarray]:
    """Each speaker's samples, checking the frame contract on the way."""
    with WavSource(path, caller_channel=caller_channel) as src:
        frames = list(src.frames())
        speakers = src.info.speakers
    out = {}
    for speaker in speakers:
        mine = [f for f in frames if f.speaker == speaker]
        assert [f.t for f in mine] == [i * HOP_SAMPLES / SAMPLE_RATE for i in range(len(mine))]
        assert all(f.samples.dtype == np.int16 and f.samples.shape == (HOP_SAMPLES,) for f in mine)
        out[speaker] = np.concatenate([f.samples for f in mine])
    # at each hop, the caller's frame then the agent's
    expected_order = [(i * HOP_SAMPLES / SAMPLE_RATE, s) for i in range(len(frames) // len(speakers)) for s in speakers]
    assert [(f.t, f.speaker) for f in frames] == expected_order
    return out


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_lossless_16k_formats_decode_bit_exact(tmp_path, speech, subtype):
    path = write_variant(tmp_path / f"{subtype}.wav", speech, SAMPLE_RATE, subtype)
    caller = decode(path)["caller"]
    assert len(caller) == -(-len(speech) // HOP_SAMPLES) * HOP_SAMPLES  # whole hops, last one padded
    assert np.array_equal(caller[: len(speech)], speech)
    assert not caller[len(speech) :].any()


@pytest.mark.parametrize(
    "subtype, min_snr_db", [("ULAW", 30), ("ALAW", 30), ("PCM_U8", 15)]
)
def test_lossy_16k_formats_decode_within_their_quantisation(tmp_path, speech, subtype, min_snr_db):
    caller = decode(write_variant(tmp_path / f"{subtype}.wav", speech, SAMPLE_RATE, subtype))["caller"]
    assert snr_db(speech, caller[: len(speech)]) >= min_snr_db


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_higher_rates_resample_back_to_the_original(tmp_path, speech, rate):
    caller = decode(write_variant(tmp_path / f"{rate}.wav", speech, rate, "PCM_16"))["caller"]
    assert abs(len(caller) - len(speech)) < HOP_SAMPLES  # no delay added, nothing lost
    assert snr_db(speech, caller[: len(speech)]) >= 50


@pytest.mark.parametrize(
    "rate, subtype, below_hz, min_snr_db",
    [(8000, "PCM_16", 3600, 50), (8000, "ULAW", 3600, 30), (8000, "ALAW", 3600, 30), (11025, "PCM_16", 5000, 50)],
)
def test_lower_rates_keep_the_band_they_carry(tmp_path, speech, rate, subtype, below_hz, min_snr_db):
    caller = decode(write_variant(tmp_path / f"{rate}{subtype}.wav", speech, rate, subtype))["caller"][: len(speech)]
    assert len(caller) == len(speech)
    assert snr_db(band(speech, 0, below_hz), band(caller, 0, below_hz)) >= min_snr_db
    nyquist = rate / 2
    # nothing invented above the file's Nyquist frequency
    above = band(caller, nyquist * 1.05, SAMPLE_RATE / 2)
    assert 10 * np.log10(np.sum(above**2) / np.sum(speech.astype(float) ** 2)) <= -60


def test_source_info_comes_from_the_header(tmp_path, speech):
    path = write_variant(tmp_path / "call.wav", speech, 8000, "ULAW")
    with WavSource(path) as src:
        assert src.info.sample_rate_in == 8000
        assert src.info.channels == 1
        assert src.info.speakers == ("caller",)
        assert src.info.duration_s == pytest.approx(len(speech) / SAMPLE_RATE, abs=1 / 8000)
        assert src.info.name == str(path)


def stereo_call(tmp_path: Path, speech: np.ndarray, rate: int, subtype: str) -> tuple[Path, np.ndarray]:
    """Speech on channel 0, a 1 kHz tone on channel 1."""
    t = np.arange(len(speech)) / SAMPLE_RATE
    tone = (0.1 * np.sin(2 * np.pi * 1000 * t) * 32768).astype(np.int16)
    x = np.stack([speech, tone], axis=1) / 32768.0
    if rate != SAMPLE_RATE:
        x = soxr.resample(x, SAMPLE_RATE, rate, quality="VHQ")
    path = tmp_path / f"stereo_{rate}_{subtype}.wav"
    sf.write(path, x, rate, subtype=subtype)
    return path, tone


@pytest.mark.parametrize("rate, subtype, min_snr_db", [(16000, "PCM_16", 200), (8000, "ULAW", 30), (48000, "FLOAT", 50)])
@pytest.mark.parametrize("caller_channel", [0, 1])
def test_stereo_sides_land_on_the_right_speaker(tmp_path, speech, rate, subtype, min_snr_db, caller_channel):
    path, tone = stereo_call(tmp_path, speech, rate, subtype)
    sides = decode(path, caller_channel=caller_channel)
    speech_side, tone_side = ("caller", "agent") if caller_channel == 0 else ("agent", "caller")
    got_speech, got_tone = sides[speech_side][: len(speech)], sides[tone_side][: len(speech)]
    if rate == 8000:  # compare in the telephone band (see the module docstring)
        speech, got_speech = band(speech, 0, 3600), band(got_speech, 0, 3600)
    assert snr_db(speech, got_speech) >= min_snr_db
    assert snr_db(tone, got_tone) >= min(min_snr_db, 30)
    # and not the other way round
    assert snr_db(tone, got_speech[: len(tone)]) < 1


def test_a_long_file_is_streamed_not_loaded(tmp_path, speech):
    path = tmp_path / "long.wav"
    sf.write(path, np.tile(speech, 40), SAMPLE_RATE, subtype="PCM_16")  # 2 minutes
    with WavSource(path) as src:
        first = next(src.frames())
        # the reader has consumed one block (0.5 s), not the 2 minutes
        read = src._file.tell()  # noqa: SLF001 — the file position is the honest measure here
    assert first.t == 0.0 and np.array_equal(first.samples, speech[:HOP_SAMPLES])
    assert read <= SAMPLE_RATE


def test_zero_length_audio_yields_no_frames(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros((0, 2)), 8000, subtype="PCM_16")
    with WavSource(path) as src:
        assert src.info.duration_s == 0.0 and src.info.speakers == ("caller", "agent")
        assert list(src.frames()) == []


def test_truncated_wav_is_read_as_far_as_it_goes_with_a_warning(tmp_path, speech, caplog):
    data = ORIGINAL.read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: 44 + 2 * 16000])  # header says 3.29 s, 1 s present
    with caplog.at_level(logging.WARNING, logger="voiceassist.sources.wav"):
        caller = decode(path)["caller"]
    assert np.array_equal(caller, speech[:16000])
    assert "cut.wav" in caplog.text and "truncated" in caplog.text


def check_error(path: Path, *fragments: str, caller_channel: int = 0) -> str:
    with pytest.raises(AudioInputError) as err:
        WavSource(path, caller_channel=caller_channel)
    message = str(err.value)
    assert "\n" not in message and path.name in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_missing_file(tmp_path):
    check_error(tmp_path / "nowhere.wav", "no such file")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    check_error(tmp_path / "empty.wav", "empty")


def test_text_file_named_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("call notes: customer wants a refund\n")
    check_error(tmp_path / "notes.wav", "not a readable audio file", "WAV")


def test_header_cut_before_the_data_chunk(tmp_path):
    (tmp_path / "stub.wav").write_bytes(ORIGINAL.read_bytes()[:30])
    check_error(tmp_path / "stub.wav", "not a readable audio file")


def test_directory(tmp_path):
    (tmp_path / "calls.wav").mkdir()
    check_error(tmp_path / "calls.wav", "directory")


def test_six_channels(tmp_path):
    sf.write(tmp_path / "surround.wav", np.zeros((1600, 6)), 48000)
    check_error(tmp_path / "surround.wav", "6 channels", "mono", "stereo")


@pytest.mark.parametrize("channels, caller_channel, valid", [(1, 1, "valid: 0"), (2, 2, "valid: 0, 1"), (2, -1, "valid: 0, 1")])
def test_caller_channel_out_of_range(tmp_path, channels, caller_channel, valid):
    sf.write(tmp_path / "call.wav", np.zeros((1600, channels)), 8000)
    check_error(tmp_path / "call.wav", f"--caller-channel {caller_channel}", valid, caller_channel=caller_channel)


def test_permission_denied(tmp_path, speech):
    """Root reads any file, so as root the check runs in a child without the capabilities that
    let it (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    path = write_variant(tmp_path / "private.wav", speech, SAMPLE_RATE, "PCM_16")
    path.chmod(0o000)
    if os.geteuid() != 0:
        check_error(path, "permission denied")
        return
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    code = (
        "import sys\nfrom voiceassist.errors import AudioInputError\nfrom voiceassist.sources.wav import WavSource\n"
        "try:\n    WavSource(sys.argv[1])\nexcept AudioInputError as e:\n    print(e)\n"
    )
    result = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-c", code, str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: permission denied"


class FakeClock:
    """Time that passes only when someone sleeps: replay can be checked without waiting."""

    def __init__(self, start: float = 1000.0):
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(seconds, 0.0)


@pytest.mark.parametrize("speed", [1.0, 2.5])
def test_replay_releases_each_frame_when_it_has_been_heard(tmp_path, speech, speed):
    path, _ = stereo_call(tmp_path, speech, 8000, "ULAW")
    clock = FakeClock()
    with WavSource(path) as direct:
        expected = list(direct.frames())
    with ReplaySource(WavSource(path), clock=clock, speed=speed) as replay:
        assert replay.info.speakers == ("caller", "agent")
        released = [(frame, clock.now()) for frame in replay.frames()]
    assert [(f.speaker, f.t) for f, _ in released] == [(f.speaker, f.t) for f in expected]
    assert all(np.array_equal(f.samples, e.samples) for (f, _), e in zip(released, expected))
    for frame, at in released:
        assert at >= 1000.0 + frame.end / speed - 1e-9  # never before it could have been heard
        assert at <= 1000.0 + frame.end / speed + 1e-6  # and no later
    assert clock.t == pytest.approx(1000.0 + expected[-1].end / speed)


def test_replay_does_not_sleep_when_behind(tmp_path, speech):
    """A slow consumer is not slowed further: frames already due come out at once."""
    clock = FakeClock()
    with ReplaySource(WavSource(ORIGINAL), clock=clock) as replay:
        frames = replay.frames()
        next(frames)
        clock.t += 1.0  # the consumer took a second over the first frame
        burst = [next(frames) for _ in range(40)]
    assert all(s <= 0 for s in clock.sleeps[1:41])
    assert burst[-1].end <= 1.02 + 1e-9
