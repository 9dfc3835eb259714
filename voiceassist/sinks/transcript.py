"""A readable transcript of final utterances, with the prompts the agent would have seen,
for `demo` and `analyze` without --events."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from voiceassist.events import Event, clock

__all__ = ["TranscriptPrinter"]

_STYLE = {"caller": "bold cyan", "agent": "bold green"}


class TranscriptPrinter:
    def __init__(self, console: Console | None = None):
        self._console = console or Console(highlight=False)

    def handle(self, event: Event) -> None:
        kind = event["type"]
        if kind == "call.started":
            self._console.print(
                f"[dim]call: language {event['language']}, engine {event['engine']} "
                f"({event['model']}), {event['channels']} channel(s) at {event['sample_rate_in']} Hz[/dim]"
            )
        elif kind == "transcript.final":
            speaker = event["speaker"]
            self._console.print(
                f"[dim]{clock(event['start'])}[/dim] [{_STYLE[speaker]}]{speaker:>6}[/]  {escape(event['text'])}",
                soft_wrap=True,
            )
        elif kind in ("prompt.shown", "prompt.updated"):
            mark = "▶" if kind == "prompt.shown" else "↻"  # ↻: the same prompt, corrected by the final
            line = f"[dim]{clock(event['t'])}[/dim]   [bold yellow]{mark} {escape(event['text'])}[/]  [dim]({escape(event['reason'])})[/dim]"
            for suggestion in event["suggestions"][:2]:
                line += f"\n{'':14}[yellow]“{escape(suggestion)}”[/]"
            self._console.print(line, soft_wrap=True)
        elif kind == "callback.promised":
            said = event.get("due_said")
            due = "no time agreed" if said == "vague" else " = ".join(x for x in (said, event["due"]) if x) or "no time agreed"
            self._console.print(f"[dim]{clock(event['t'])}[/dim]   [bold magenta]⏰ call-back promised[/] [dim]({due})[/dim]")
        elif kind == "call.ended":
            self._console.print(f"[dim]call ended at {clock(event['duration'])}[/dim]")

    def close(self) -> None:
        pass
