"""Printing verdicts for people: colour and tables on a terminal, plain lines in a pipe."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from changegate.model import Verdict

COLOUR = {"allow": "green", "ask": "yellow", "deny": "bold red"}
ENV_COLOUR = {"prod": "bold red", "unknown": "red", "staging": "yellow", "dev": "cyan", "local": "green"}


class Plain:
    """Rich's Console interface, for pipes: no colour, no import of Rich (it costs start-up time)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def print(self, text: Any, markup: bool = True) -> None:
        if not isinstance(text, str):
            text = plain_table(text)
        elif markup:
            text = MARKUP.sub("", text)
        self.stream.write(text + "\n")


MARKUP = re.compile(r"\[/?[a-z ]*\]")


def plain_table(table: Any) -> str:
    """A Rich table as plain text: columns padded to line up (two spaces apart), no colour, the last column
    unpadded; what `grep` and `awk '{print $2}'` read in a pipe."""
    headers = [str(c.header) for c in table.columns]
    cells = [[MARKUP.sub("", str(cell)) for cell in column._cells] for column in table.columns]
    rows = [headers] + [[column[i] for column in cells] for i in range(len(cells[0]) if cells else 0)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1], strict=True))
                     + ("  " if len(row) > 1 else "") + row[-1] for row in rows)


class Output:
    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        tty = self.stream.isatty() and not os.environ.get("NO_COLOR")
        self.console: Any
        if tty:
            from rich.console import Console

            self.console = Console(file=self.stream, highlight=False)
        else:
            self.console = Plain(self.stream)

    def headline(self, verdict: Verdict) -> None:
        decision = verdict.decision
        approvals = f" ({verdict.approvals_required} approvals)" if verdict.approvals_required > 1 else ""
        self.console.print(f"[{COLOUR[decision]}]{decision.upper()}[/]{approvals}  risk {verdict.risk}"
                           f"{'  ' + verdict.summary if verdict.summary else ''}", markup=True)

    def verdict(self, verdict: Verdict, action: dict[str, Any] | None = None) -> None:
        self.headline(verdict)
        for reason in verdict.reasons:
            self.console.print(f"  why: {reason}", markup=False)
        for suggestion in verdict.suggestions:
            self.console.print(f"  instead: {suggestion}", markup=False)
        if verdict.error:
            self.console.print(f"  error: {verdict.error}", markup=False)

    def explain(self, verdict: Verdict, action: dict[str, Any] | None = None) -> None:
        from rich.table import Table

        self.headline(verdict)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("operation", "resource", "environment", "scope", "reversible", "why there"):
            table.add_column(column, overflow="fold")
        for e in verdict.effects:
            scope = e.scope + (f" ({e.count})" if e.count else "")
            table.add_row(e.operation, e.resource, f"[{ENV_COLOUR.get(e.environment, 'white')}]{e.environment}[/]",
                          scope, e.reversible, e.why_environment)
        self.console.print(table)
        for part in not_understood_parts(verdict):
            self.console.print(f"  not understood: {part}", markup=False)
        if verdict.rules:
            self.console.print(f"decided by: {', '.join(verdict.rules)}", markup=False)
        for reason in verdict.reasons:
            self.console.print(f"  why: {reason}", markup=False)
        for suggestion in verdict.suggestions:
            self.console.print(f"  instead: {suggestion}", markup=False)
        self.console.print(f"action hash: {verdict.action_hash}", markup=False)


def not_understood_parts(verdict: Verdict) -> list[str]:
    """Every part of the action changegate could not understand, and why (what an allow would have needed)."""
    parts = []
    for e in verdict.effects:
        if e.operation == "unknown" or "not-understood" in e.tags:
            where = f" — in {e.evidence[:80]!r}" if e.evidence and e.evidence not in e.summary else ""
            parts.append(f"{e.summary or e.resource}{where}")
    return list(dict.fromkeys(parts))
