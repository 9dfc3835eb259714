"""Whether a sentence says one of the phrasebook's intents: the same phrases and the same
tolerant matching as the triggers (``rules.matching``), for the few readers that only ask
"was this said, and in which words": the voice monitor's end of call (``agent_closing``) and
the QA scorecard (greeting, apology, ownership, solution, closing).
"""

from __future__ import annotations

from voiceassist.rules.matching import Negation, compile_phrase, expand, find, tokens
from voiceassist.rules.phrasebook import Phrasebook

__all__ = ["Said"]


class Said:
    def __init__(self, book: Phrasebook, fuzzy_min: float = 85.0):
        self.language = book.language
        neg = book.intents.get("negation")
        self._negation = Negation.of(book.language, neg.words, neg.after, neg.affixes) if neg else Negation()
        self._fuzzy_min = fuzzy_min
        self._phrases = {
            name: [compile_phrase(x, book.language, self._negation) for p in intent.phrases for x in expand(p)]
            for name, intent in book.intents.items()
        }

    def heard(self, intent: str, text: str) -> str | None:
        """The words of ``text`` that say ``intent`` (its best match), or None; an intent the
        phrasebook does not have is never said."""
        t = tokens(text, self.language)
        best = None
        for phrase in self._phrases.get(intent, ()):
            m = find(phrase, t, self._fuzzy_min, self._negation)
            if m is not None and (best is None or m.score > best.score):
                best = m
        return None if best is None else best.heard(t)
