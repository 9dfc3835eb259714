"""The config's sections as frozen, validated models: every key, its type and its valid range.

The defaults and the reasons for them are in ``config/default.toml``; a model's default here
is the same value, for a key missing from a file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from voiceassist.languages import Language

__all__ = ["AudioConfig", "WhisperConfig", "VoskConfig", "AsrConfig", "LoudnessMonitorConfig", "RateMonitorConfig", "OvertalkConfig", "AcknowledgeConfig", "DeadAirConfig", "CheckInConfig", "MonitorConfig", "TriggersConfig", "EscalationConfig", "UiConfig", "CacheConfig", "PrivacyConfig", "ReportConfig", "StoreConfig", "FloorConfig", "Config"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class AudioConfig(_Section):
    caller_channel: int = Field(0, ge=0, le=1)
    vad_aggressiveness: int = Field(2, ge=0, le=3)
    device_wait_s: float = Field(300.0, ge=0.0, le=86400.0)


class WhisperConfig(_Section):
    model: str = ""
    compute_type: Literal["int8", "int8_float32", "float32"] = "int8"
    cpu_threads: int = Field(2, ge=1, le=64)
    beam_size: int = Field(1, ge=1, le=10)
    interim_s: float = Field(0.6, ge=0.0, le=30.0)
    max_utterance_s: float = Field(20.0, ge=2.0, le=29.0)
    window_pad_s: float = Field(4.0, ge=0.0, le=28.0)


class VoskConfig(_Section):
    model: str = ""


class AsrConfig(_Section):
    engine: Literal["auto", "vosk", "whisper"] = "auto"
    language: Literal[Language, "auto"] = "auto"
    models_dir: str = ""
    endpoint_silence_ms: int = Field(500, ge=100, le=3000)
    min_speech_ms: int = Field(200, ge=20, le=2000)
    whisper: WhisperConfig = WhisperConfig()
    vosk: VoskConfig = VoskConfig()


class LoudnessMonitorConfig(_Section):
    window_s: float = Field(1.5, ge=0.4, le=3.0)
    raise_db: float = Field(6.0, ge=1.0, le=20.0)
    hysteresis_db: float = Field(3.0, ge=0.5, le=10.0)
    hold_s: float = Field(0.5, ge=0.0, le=10.0)
    clear_hold_s: float = Field(1.0, ge=0.0, le=30.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(20.0, ge=0.0, le=600.0)
    baseline_s: float = Field(20.0, ge=3.0, le=300.0)
    baseline_lufs: float | None = Field(None, ge=-70.0, le=0.0)
    caller_rise_db: float = Field(3.0, ge=0.5, le=20.0)
    mirror_db: float = Field(3.0, ge=0.0, le=10.0)


class RateMonitorConfig(_Section):
    window_s: float = Field(5.0, ge=2.0, le=30.0)
    max_sps: float = Field(5.5, ge=2.0, le=9.0)
    max_sps_by_language: dict[Language, Annotated[float, Field(ge=2.0, le=9.0)]] = {}
    relative_max: float = Field(1.4, ge=1.1, le=3.0)
    min_sps: float = Field(4.5, ge=2.0, le=9.0)
    hysteresis_sps: float = Field(0.5, ge=0.1, le=3.0)
    hold_s: float = Field(1.0, ge=0.0, le=10.0)
    clear_hold_s: float = Field(2.0, ge=0.0, le=30.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(20.0, ge=0.0, le=600.0)
    mirror_sps: float = Field(0.5, ge=0.0, le=3.0)


class OvertalkConfig(_Section):
    min_caller_speech_s: float = Field(1.0, ge=0.0, le=10.0)
    backchannel_max_s: float = Field(0.8, ge=0.2, le=3.0)
    count: int = Field(3, ge=1, le=20)
    window_s: float = Field(60.0, ge=5.0, le=600.0)
    min_show_s: float = Field(6.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(60.0, ge=0.0, le=600.0)


class AcknowledgeConfig(_Section):
    monologue_s: float = Field(30.0, ge=5.0, le=300.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(30.0, ge=0.0, le=600.0)


class DeadAirConfig(_Section):
    silence_s: float = Field(8.0, ge=2.0, le=120.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(30.0, ge=0.0, le=600.0)


class CheckInConfig(_Section):
    monologue_s: float = Field(45.0, ge=10.0, le=600.0)
    min_show_s: float = Field(6.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(60.0, ge=0.0, le=600.0)


class MonitorConfig(_Section):
    loudness: LoudnessMonitorConfig = LoudnessMonitorConfig()
    rate: RateMonitorConfig = RateMonitorConfig()
    overtalk: OvertalkConfig = OvertalkConfig()
    acknowledge: AcknowledgeConfig = AcknowledgeConfig()
    dead_air: DeadAirConfig = DeadAirConfig()
    check_in: CheckInConfig = CheckInConfig()


class TriggersConfig(_Section):
    fuzzy_min: float = Field(85.0, ge=50.0, le=100.0)
    min_show_s: float = Field(8.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(30.0, ge=0.0, le=600.0)
    bare_sorry_count: int = Field(2, ge=1, le=10)
    bare_sorry_window_s: float = Field(120.0, ge=10.0, le=1800.0)
    bare_sorry_max_words: int = Field(6, ge=1, le=20)
    agitation_for_questions: int = Field(2, ge=1, le=10)
    learned: bool = True
    phrasebooks_dir: str = ""


class EscalationConfig(_Section):
    loud_db: float = Field(6.0, ge=1.0, le=20.0)
    voice: float = Field(0.5, ge=0.0, le=1.0)
    insult: float = Field(0.5, ge=0.0, le=1.0)
    anger: float = Field(0.3, ge=0.0, le=1.0)
    complaint: float = Field(0.15, ge=0.0, le=1.0)
    half_life_s: float = Field(30.0, ge=5.0, le=600.0)
    high: float = Field(0.6, ge=0.1, le=1.0)
    pause_after_s: float = Field(45.0, ge=5.0, le=1800.0)
    supervisor_after_s: float = Field(90.0, ge=5.0, le=3600.0)
    goodwill_after_s: float = Field(600.0, ge=60.0, le=7200.0)
    reminder_after_s: float = Field(20.0, ge=0.0, le=600.0)


class UiConfig(_Section):
    port: int = Field(8765, ge=0, le=65535)
    refresh_per_second: float = Field(10.0, ge=1.0, le=30.0)
    cue: bool = False
    cue_volume: float = Field(0.3, ge=0.05, le=1.0)
    cue_interval_s: float = Field(20.0, ge=2.0, le=600.0)
    cue_device: str = ""


class CacheConfig(_Section):
    enabled: bool = True
    dir: str = ""


class PrivacyConfig(_Section):
    redact_events: bool = False
    redact_reports: bool = True
    redact_floor: bool = True


class ReportConfig(_Section):
    scorecard: str = ""


class StoreConfig(_Section):
    promises_file: str = ""


class FloorConfig(_Section):
    url: str = ""
    agent: str = ""
    team: str = "floor"
    token: str = ""
    user: str = ""
    password: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    buffer_events: int = Field(20000, ge=100, le=10_000_000)
    retention_days: float = Field(7.0, ge=0.01, le=3650.0)
    broker_port: int = Field(4222, ge=0, le=65535)
    store_dir: str = ""
    board_port: int = Field(8780, ge=0, le=65535)
    board_refresh_per_second: float = Field(4.0, ge=1.0, le=30.0)


class Config(_Section):
    audio: AudioConfig = AudioConfig()
    asr: AsrConfig = AsrConfig()
    monitor: MonitorConfig = MonitorConfig()
    triggers: TriggersConfig = TriggersConfig()
    escalation: EscalationConfig = EscalationConfig()
    ui: UiConfig = UiConfig()
    cache: CacheConfig = CacheConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    report: ReportConfig = ReportConfig()
    store: StoreConfig = StoreConfig()
    floor: FloorConfig = FloorConfig()
