"""The post-call report lists a prompt corrected by its final once, in the final's words."""

from voiceassist import events
from voiceassist.report.call import build_call


def test_a_corrected_prompt_is_listed_once_in_its_final_words():
    common = {"id": "use_name-1", "kind": "use_name", "text": "Use their name", "language": "en"}
    evs = [
        {"t": 0.0, "type": "call.started", "language": "en", "engine": "whisper", "model": "base", "sample_rate_in": 8000, "channels": 2},
        {"t": 3.4, "type": "transcript.final", "speaker": "caller", "text": "Hi, my name is Sarah Johnson.", "start": 0.5, "end": 3.2, "words": []},
        events.prompt_shown(2.1, suggestions=["Aaron"], reason='the caller said "my name is aaron and"', **common),
        events.prompt_updated(3.4, suggestions=["Ms Johnson"], reason='the caller said "my name is sarah johnson"', **common),
    ]
    call = build_call(evs, "call")
    assert [(p.id, p.t, p.suggestions, p.heard) for p in call.prompts] == [("use_name-1", 2.1, ["Ms Johnson"], "my name is sarah johnson")]
    assert events.summary(evs)["prompts"] == {"use_name": 1}
