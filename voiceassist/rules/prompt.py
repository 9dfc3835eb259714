"""A prompt's life on screen: stable ids, minimum display time, cool-down."""

from __future__ import annotations

import math

from voiceassist import events
from voiceassist.events import Event
from voiceassist.rules.phrasebook import Phrasebook

__all__ = ["Prompt"]


class Prompt:
    """Show/clear bookkeeping for one kind: stable ids, minimum display, cool-down."""

    def __init__(self, kind: str, book: Phrasebook, min_show_s: float, cooldown_s: float):
        self.kind = kind
        self.configure(book, min_show_s, cooldown_s)
        self._shown = 0
        self.shown_at: float | None = None
        self._cooldown_until = -math.inf
        self._clear_requested = False
        self._said: tuple[list[str], dict] = ([], {})  # what the shown prompt added: suggestions, reason fields

    def configure(self, book: Phrasebook, min_show_s: float, cooldown_s: float) -> None:
        """Texts and timings (a reload mid-call: what is on screen stays, the next show uses them)."""
        self._text = book.prompts[self.kind]
        self._language = book.language
        self._min_show_s = min_show_s
        self._cooldown_s = cooldown_s

    @property
    def active(self) -> bool:
        return self.shown_at is not None

    def show(self, t: float, suggestions: list[str] | None = None, **reason) -> list[Event]:
        """Shows the prompt unless it is up or cooling down; ``suggestions`` add to the fixed ones."""
        self._clear_requested = False
        if self.active or t < self._cooldown_until:
            return []
        self._shown += 1
        self.shown_at = t
        self._said = (list(suggestions or []), reason)
        return [self._event(events.prompt_shown, t)]

    def update(self, t: float, suggestions: list[str] | None = None, **reason) -> list[Event]:
        """The prompt on screen said again with corrected ``suggestions`` and/or reason fields
        (``prompt.updated``, same id); nothing when it is not up or nothing changed."""
        said = (self._said[0] if suggestions is None else list(suggestions), reason or self._said[1])
        if not self.active or said == self._said:
            return []
        self._said = said
        return [self._event(events.prompt_updated, t)]

    @property
    def suggested(self) -> list[str]:
        """The suggestions the prompt on screen added to its fixed ones."""
        return list(self._said[0])

    def _event(self, make, t: float) -> Event:
        suggestions, reason = self._said
        return make(t, id=self.id, kind=self.kind, text=self._text.text, suggestions=[*self._text.suggestions, *suggestions],
                    reason=self._text.reason.format(**reason), language=self._language)

    @property
    def id(self) -> str:
        return f"{self.kind}-{self._shown}"

    def withdraw(self, t: float) -> list[Event]:
        """Cleared at once and without a cool-down: what showed it was misheard."""
        if not self.active:
            return []
        self.shown_at = None
        self._clear_requested = False
        return [events.prompt_cleared(t, id=self.id, kind=self.kind)]

    def request_clear(self) -> None:
        self._clear_requested = self.active

    def tick(self, t: float, force: bool = False) -> list[Event]:
        """Clears a requested prompt once it has been up ``min_show_s`` (at once if forced)."""
        if not self.active or not (force or (self._clear_requested and t - self.shown_at >= self._min_show_s)):
            return []
        self.shown_at = None
        self._clear_requested = False
        self._cooldown_until = t + self._cooldown_s
        return [events.prompt_cleared(t, id=self.id, kind=self.kind)]
