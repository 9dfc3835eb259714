"""Per-speaker voice measurements: voice activity, loudness over speech, and speech rate.

``VoiceMonitor.push(frame)`` returns one ``Measurement`` per frame; ``finish()`` the last one, if
the end of the audio changed it. Loudness is measured over
speech only (VAD-voiced frames), so pauses and line noise never pull it down, and it is
compared with the speaker's own baseline: the gated loudness of their first ``baseline_s`` of
speech (or a calibrated value), which then follows slow drifts (a headset moved) but not
shouting. So a quiet headset and a loud one behave the same. The speaker's calm rate is taken
over the same first stretch of speech.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

from voiceassist.analysis.loudness import SILENCE_LUFS, LoudnessMeter
from voiceassist.analysis.rate import SpeechRate
from voiceassist.analysis.vad import Endpointer
from voiceassist.transcripts import Transcript
from voiceassist.frames import HOP_MS, SAMPLE_RATE, Frame, Speaker

__all__ = ["Measurement", "VoiceMonitor"]

_HOP_S = HOP_MS / 1000
# The baseline follows the speaker only while they are within this many dB of it (drift, not
# emphasis), with a time constant of this many seconds of speech.
_ADAPT_BAND_DB = 3.0
_ADAPT_TAU_S = 300.0
# Words per minute are counted over the speaker's utterances of the last minute of the call.
_WPM_WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class Measurement:
    speaker: Speaker
    t: float  # end of the frame measured
    voiced: bool  # this frame is speech
    speaking: bool  # inside an utterance (voiced, or in a pause shorter than the endpoint)
    loudness_lufs: float | None  # over the last ``window_s`` of speech; None before that much
    baseline_lufs: float | None  # the speaker's own calm level; None until learned
    rate_sps: float | None  # syllables per second of phonation; None before enough speech
    baseline_sps: float | None  # the speaker's own calm rate; None until learned
    wpm: float | None = None  # words per minute of speech, from final transcripts; None without


class VoiceMonitor:
    def __init__(self, speaker: Speaker, cfg, vad_aggressiveness: int = 2, endpoint_silence_ms: int = 500):
        self.speaker = speaker
        self._window_s = cfg.loudness.window_s
        self._endpointer = Endpointer(vad_aggressiveness, endpoint_silence_ms=endpoint_silence_ms)
        self._meter = LoudnessMeter(SAMPLE_RATE, integrate=False)  # runs all call: short windows only
        self._rate = SpeechRate(window_s=cfg.rate.window_s, min_speech_s=min(2.0, cfg.rate.window_s))
        self._baseline_s = cfg.loudness.baseline_s
        self._baseline = cfg.loudness.baseline_lufs
        self._learning = LoudnessMeter(SAMPLE_RATE) if self._baseline is None else None
        self._baseline_sps: float | None = None
        self._speech_s = 0.0
        self._utterances: deque[tuple[float, float, int]] = deque()  # start, end, words
        self._wpm: float | None = None
        self._last: Measurement | None = None

    def hear(self, transcript: Transcript) -> None:
        """A final transcript of this speaker: words per minute over their recent utterances."""
        if not transcript.final or not transcript.words or transcript.end <= transcript.start:
            return
        self._utterances.append((transcript.start, transcript.end, len(transcript.words)))
        while self._utterances[0][1] < transcript.end - _WPM_WINDOW_S:
            self._utterances.popleft()
        spoken_s = sum(end - start for start, end, _ in self._utterances)
        self._wpm = 60.0 * sum(n for _, _, n in self._utterances) / spoken_s

    def push(self, frame: Frame) -> Measurement:
        voiced, _ = self._endpointer.push(frame)
        rate = self._rate.push(frame, voiced)
        if voiced:
            self._meter.push(frame.samples)
            self._speech_s += _HOP_S
            if self._speech_s < self._baseline_s:
                if self._learning is not None:
                    self._learning.push(frame.samples)
            elif self._baseline_sps is None:  # the first baseline_s of speech are done
                if self._learning is not None:
                    self._baseline = self._learning.integrated_lufs
                    self._learning = None
                phonation = self._rate.phonation_s
                self._baseline_sps = self._rate.syllables / phonation if phonation > 0 else None
        loudness = None
        if self._speech_s >= self._window_s:
            loudness = self._meter.loudness_over(self._window_s)
            if voiced and self._learning is None and abs(loudness - self._baseline) < _ADAPT_BAND_DB:
                self._baseline += (loudness - self._baseline) * _HOP_S / _ADAPT_TAU_S
        self._last = Measurement(
            self.speaker, frame.end, voiced, self._endpointer.in_speech,
            None if loudness is None or loudness <= SILENCE_LUFS else loudness, self._baseline, rate,
            self._baseline_sps, self._wpm,
        )
        return self._last

    def finish(self) -> Measurement | None:
        """The end of the speaker's audio: the rate counts a syllable still waiting for its
        envelope to fall. A last measurement, at the last frame's time, when that changed the
        rate; else None."""
        rate = self._rate.finish()
        if self._last is None or rate == self._last.rate_sps:
            return None
        self._last = replace(self._last, rate_sps=rate)
        return self._last
