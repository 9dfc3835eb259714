"""Privacy redaction: card numbers, phone numbers and e-mail addresses in what is saved.

``redact(text, language)`` replaces them with ``[card]``, ``[phone]`` and ``[email]``;
``redact_event`` does it to the parts of an event that quote what was said (transcript text
and words, a prompt's reason, a promise's text, the end summary's promises). It runs where
events are saved (``Redacting`` wraps a sink, ``[privacy]`` in the config), never before the
rules: they must still hear the real words during the call.

Phone numbers are found by Google's libphonenumber (the ``phonenumbers`` port) in the regions
where each language's callers live; cards and e-mails by the patterns below.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from phonenumbers import Leniency, PhoneNumberMatcher

from voiceassist.events import Event

__all__ = ["redact", "redact_words", "redact_event", "redact_events", "Redacting", "REGIONS"]

# Where a call in each language is most likely to come from: national numbers ("0532 …",
# "8 916 …") are read with these regions' rules; "+…" and "00…" numbers parse from any region.
REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("GB", "US"),
    "tr": ("TR",),
    "ru": ("RU",),
    "ar": ("SA", "AE", "EG"),
    "hr": ("HR",),
}
# National trunk prefixes: a number that starts with neither "+", "00" nor its region's prefix
# is taken only where people give their number without it ("(415) 555-2671", "532 123 45 67",
# "916 123-45-67"), and only when it is grouped: elsewhere "2026-000123" is an invoice, and a
# bare run of digits ("order 4155552671") is an order or account number far more often.
_TRUNK = {"GB": "0", "US": "1", "TR": "0", "RU": "8", "SA": "0", "AE": "0", "EG": "0", "HR": "0"}
_WITHOUT_TRUNK = ("US", "TR", "RU")

# Arabic-Indic (٠-٩) and Persian (۰-۹) digits, Arabic decimal and thousands separators: mapped
# one character to one, so spans found in the mapped text are spans of the original.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")

# A card number: 13 to 19 digits, grouped by single spaces or dashes as it is read out. No Luhn
# check: a recogniser that mishears one digit of a card read out on a call breaks its check
# digit, and a Luhn filter would then save the other 15 in the clear. Order numbers (6-10
# digits), prices, dates and times never run to 13 digits; a phone number with its country
# code starts with "+" or "00" and is left to the phone matcher (cards never start with 0).
_CARD = re.compile(r"(?<![\d+])[1-9](?:[ -]?\d){12,18}(?!\d)")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Spoken e-mail addresses as a recogniser writes them: "ivan dot petrov at gmail dot com".
# Each language's words for "@" and "."; English ones are said in every language.
_AT_WORDS = {
    "en": ("at",),
    "tr": ("et",),
    "ru": ("собака", "собачка", "эт"),
    "ar": ("آت", "أت", "ات"),
    "hr": ("et", "majmunčić"),
}
_DOT_WORDS = {
    "en": ("dot",),
    "tr": ("nokta",),
    "ru": ("точка",),
    "ar": ("دوت", "نقطة", "نقطه"),
    "hr": ("točka", "tocka"),
}
# A spoken address must end in one of these top-level domains (written or said): without it,
# "I'll be at home" would read as half an address.
_TLDS = ("com", "net", "org", "info", "biz", "io", "edu", "gov", "co", "uk", "us", "ru", "tr", "hr", "ae",
         "sa", "eg", "de", "me", "ком", "ру", "كوم", "kom")
_TOKEN = r"\w+(?:[-_]\w+)*"


def _spoken(language: str) -> re.Pattern[str]:
    ats = "|".join(map(re.escape, sorted({*_AT_WORDS["en"], *_AT_WORDS.get(language, ())})))
    dots = "|".join(map(re.escape, sorted({*_DOT_WORDS["en"], *_DOT_WORDS.get(language, ())})))
    dot = rf"(?:\s*\.\s*|\s+(?:{dots})\s+)"
    at = rf"(?:\s*@\s*|\s+(?:{ats})\s+)"
    tld = "|".join(map(re.escape, _TLDS))
    # The domain's first label may be two words ("g mail"), the rest one word each.
    return re.compile(
        rf"(?<!\w){_TOKEN}(?:{dot}{_TOKEN})*{at}{_TOKEN}(?:\s+{_TOKEN})?(?:{dot}{_TOKEN})*{dot}(?:{tld})(?!\w)",
        re.IGNORECASE,
    )


_SPOKEN = {language: _spoken(language) for language in REGIONS}


def _phones(text: str, language: str) -> Iterable[tuple[int, int]]:
    for region in REGIONS.get(language, ("GB", "US")):
        grouped: set[int] | None = None
        for m in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            raw = m.raw_string
            digits = "".join(c for c in raw if c.isdigit())
            if raw.startswith("+") or digits.startswith(("00", _TRUNK[region])):
                yield m.start, m.end
            elif region in _WITHOUT_TRUNK and not raw.isdigit():
                if grouped is None:  # grouped as the region writes its numbers: 415-555-2671, not 2026-000123
                    grouped = {g.start for g in PhoneNumberMatcher(text, region, leniency=Leniency.STRICT_GROUPING)}
                if m.start in grouped:
                    yield m.start, m.end


def _spans(text: str, language: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, label) spans to replace, in order."""
    plain = text.translate(_DIGITS)
    found = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(plain)]
    found += [(m.start(), m.end(), "email") for m in _SPOKEN.get(language, _SPOKEN["en"]).finditer(plain)]
    digits = sum(c.isdigit() for c in plain)
    if digits >= 13:
        found += [(m.start(), m.end(), "card") for m in _CARD.finditer(plain)]
    if digits >= 7:  # the shortest phone numbers of these regions, without their trunk prefix
        found += [(s, e, "phone") for s, e in _phones(plain, language)]
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(found, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:  # overlaps the span before: one redaction
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
        else:
            merged.append((start, end, label))
    return merged


def _replace(text: str, spans: list[tuple[int, int, str]], offset: int = 0) -> str:
    out, at = [], 0
    for start, end, label in spans:
        out += [text[at : start - offset], f"[{label}]"]
        at = end - offset
    return "".join(out) + text[at:]


def redact(text: str, language: str) -> str:
    """``text`` with card numbers, phone numbers and e-mail addresses replaced by ``[card]``,
    ``[phone]`` and ``[email]``; ``language`` picks the phone regions and spoken e-mail words."""
    return _replace(text, _spans(text, language)) if text else text


def redact_words(words: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """A transcript's ``words`` redacted as its text is: the words a redaction covers become
    one word (``[phone]``, or e.g. ``[email],`` when it was part of a word) spanning their
    times, so the text and the words still agree."""
    joined = " ".join(w["w"] for w in words)
    spans = _spans(joined, language)
    if not spans:
        return words
    starts, at = [], 0
    for w in words:
        starts.append(at)
        at += len(w["w"]) + 1
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(words):
        end_char = starts[i] + len(words[i]["w"])
        hit = [s for s in spans if s[0] < end_char and s[1] > starts[i]]
        if not hit:
            out.append(words[i])
            i += 1
            continue
        j = i  # the last word of this group: grow while a span in the group reaches further
        while j + 1 < len(words) and any(s[1] > starts[j + 1] for s in hit):
            j += 1
            last = starts[j] + len(words[j]["w"])
            hit = [s for s in spans if s[0] < last and s[1] > starts[i]]
        text = joined[starts[i] : starts[j] + len(words[j]["w"])]
        group = words[i : j + 1]
        out.append({
            **words[i], "w": _replace(text, hit, offset=starts[i]),
            "end": words[j]["end"], "conf": min(w.get("conf", 1.0) for w in group),
        })
        i = j + 1
    return out


def redact_event(event: Event, language: str) -> Event:
    """A copy of ``event`` with what was said redacted; events that quote nothing are
    returned as they are (they are never modified in place: other sinks share them)."""
    kind = event["type"]
    if kind in ("transcript.partial", "transcript.final"):
        return {**event, "text": redact(event["text"], language), "words": redact_words(event["words"], language)}
    if kind in ("prompt.shown", "prompt.updated"):
        return {**event, "reason": redact(event["reason"], language)}
    if kind == "callback.promised":
        return {**event, "text": redact(event["text"], language)}
    if kind == "call.ended" and event.get("summary", {}).get("promises"):
        promises = [{**p, "text": redact(p["text"], language)} if isinstance(p.get("text"), str) else p
                    for p in event["summary"]["promises"]]
        return {**event, "summary": {**event["summary"], "promises": promises}}
    return event


def redact_events(evs: Iterable[Event], language: str = "en") -> list[Event]:
    """A call's events redacted, in the language its ``call.started`` names."""
    out = []
    for e in evs:
        if e["type"] in ("call.started", "language.detected"):
            language = e.get("language") or language
        out.append(redact_event(e, language))
    return out


class Redacting:
    """Wraps a sink so it saves redacted copies (``[privacy] redact_events``): the rules and
    the agent's view still get the real words."""

    def __init__(self, sink: Any, language: str):
        self._sink = sink
        self._language = language

    def handle(self, event: Event) -> None:
        if event["type"] in ("call.started", "language.detected"):
            self._language = event.get("language") or self._language
        self._sink.handle(redact_event(event, self._language))

    def close(self) -> None:
        self._sink.close()

