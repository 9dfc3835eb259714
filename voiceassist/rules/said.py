"""Whether a sentence says one of the phrasebook's intents: the same phrases and the same
tolerant matching as the triggers (``rules.matching``), for the few readers that only ask
"was this said, and in which words": the voice monitor's end of call (``agent_closing``) and
the QA scorecard (greeting, apology, ownership, solution, closing).
"""

from __future__ import annotations

from voiceassist.rules.matching import Match, Negation, Tokens, compile_phrase, expand, find, tokens
from voiceassist.rules.phrasebook import Phrasebook

__all__ = ["Said"]


class Said:
    def __init__(self, book: Phrasebook, fuzzy_min: float = 85.0):
        self.language = book.language
        neg = book.intents.get("negation")
        self._negation = Negation.of(book.language, neg.words, neg.after, neg.affixes) if neg else Negation()
        self._fuzzy_min = fuzzy_min
        self._book = book
        self._compiled: dict[str, tuple[list, list]] = {}  # intent: its phrases and unless, compiled when first asked

    def _intent(self, name: str) -> tuple[list, list]:
        if name not in self._compiled:
            intent = self._book.intents.get(name)
            self._compiled[name] = ([], []) if intent is None else tuple(
                [compile_phrase(x, self.language, self._negation) for p in phrases for x in expand(p)]
                for phrases in (intent.phrases, intent.unless)
            )
        return self._compiled[name]

    def match(self, intent: str, text: str) -> tuple[Match, Tokens] | None:
        """The best match of ``intent`` in ``text`` (with the text's tokens), or None: none of its
        phrases said, or only where one of its ``unless`` phrases is said too; an intent the
        phrasebook does not have is never said."""
        phrases, unless = self._intent(intent)
        t = tokens(text, self.language)
        if any(find(p, t, self._fuzzy_min, self._negation) for p in unless):
            return None
        best = None
        for phrase in phrases:
            m = find(phrase, t, self._fuzzy_min, self._negation)
            if m is not None and (best is None or m.score > best.score):
                best = m
        return None if best is None else (best, t)

    def heard(self, intent: str, text: str) -> str | None:
        """The words of ``text`` that say ``intent``, or None."""
        found = self.match(intent, text)
        return None if found is None else found[0].heard(found[1])
