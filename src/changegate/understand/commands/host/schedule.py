"""Scheduled jobs: crontab, at and batch, atrm. A job runs later, outside this task; what it will run is
understood like any command."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.host.common import HostTool, control, read

MAX_JOB_LINES = 64  # lines of a crontab or at script read
CRON_FIELDS = 5  # the schedule before a crontab line's command


def scheduled_commands(inv: Invocation, text: str, *, cron: bool) -> None:
    """What a schedule will run, handed to the walker (which records its effects)."""
    for line in text.splitlines()[:MAX_JOB_LINES]:
        line = line.strip()
        if not line or line.startswith("#") or (cron and "=" in line.split()[0]):
            continue
        command = line
        if cron:
            # `@daily CMD` has one schedule word, `m h dom mon dow CMD` five
            command = " ".join(line.split()[1 if line.startswith("@") else CRON_FIELDS:])
        if command:
            inv.run_script(command, origin="a scheduled job")


class Crontab(HostTool):
    NAMES = ("crontab",)
    VALUE_OPTIONS = frozenset({"-u", "-c"})
    ENV_VARIABLES = ("EDITOR", "VISUAL")

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        user = opts.value("-u")
        who = user or "the user"
        table = f"cron/{user or 'current-user'}"
        if opts.has("-l") and not opts.has("-r", "-e"):
            return [read(inv, f"lists {who}'s scheduled jobs")]
        if opts.has("-r"):
            return [control(inv, table, f"crontab -r deletes every scheduled job of {who}", operation="delete",
                            kind="schedule", reversible="no",
                            suggestions=("save it first: crontab -l > crontab.backup; then edit the line you "
                                         "mean",))]
        source = opts.positionals[0] if opts.positionals else ("-" if inv.stdin is not None else "")
        what = "opens the crontab for editing" if opts.has("-e") or not source else \
            f"replaces {who}'s crontab with {'its input' if source == '-' else source}"
        effects = [control(inv, table, f"crontab {what}: jobs that run later, outside this task",
                           operation="modify", tags=("persistence",), kind="schedule")]
        text = inv.stdin.text if source == "-" and inv.stdin is not None else None
        if source and source != "-":
            text = inv.walker.file_stream(source, inv.ctx).text
        if text:
            scheduled_commands(inv, text, cron=True)
        return effects


class At(HostTool):
    NAMES = ("at", "batch")
    VALUE_OPTIONS = frozenset({"-f", "-q", "-t"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-l", "-c") and not opts.positionals[1:]:
            return [read(inv, "lists scheduled jobs")]
        if opts.has("-r", "-d"):
            return removed_jobs(inv)
        effects = [control(inv, "at", f"{inv.name} schedules a job that runs later, outside this task",
                           operation="create", tags=("persistence",), kind="schedule")]
        script = opts.value("-f")
        text = inv.walker.file_stream(script, inv.ctx).text if script else (
            inv.stdin.text if inv.stdin is not None else None)
        if text:
            scheduled_commands(inv, text, cron=False)
        return effects


def removed_jobs(inv: Invocation) -> list[Effect]:
    return [control(inv, "at", f"{inv.name} removes scheduled jobs", operation="delete", kind="schedule",
                    reversible="no")]


class Atrm(HostTool):
    NAMES = ("atrm",)

    def effects(self, inv: Invocation) -> list[Effect]:
        return removed_jobs(inv)
