"""What code does, said the way changegate says it for commands.

An interpreter's analyzer (Python's `ast` walk, the token walk of JavaScript, Ruby, Perl, PHP, Lua, R)
finds the calls a program makes and hands each one it understands to `Actions`: a file deleted, moved,
written or read, a process started, a request sent, SQL run against a database, a fork in a loop. Where a
command does the same (`shutil.rmtree(p)` is `rm -rf p`, `os.rename(a, b)` is `mv a b`,
`requests.delete(url)` is `curl -X DELETE url`), the call is handed to the walker as that command, so the
two are judged alike. A call nobody understands is `unknown`, with the call named in the summary: code is
allowed only when every call in it is understood.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import (
    UNKNOWN_PART,
    Context,
    Invocation,
    NotUnderstood,
    Word,
    is_block_device,
    lit,
)
from changegate.understand.commands.interpreters.values import Val
from changegate.understand.commands.shell.common import opaque
from changegate.understand.sensitive import secret_kind

MAX_UNKNOWN = 4  # distinct calls not understood named in a verdict; one is enough to ask
MAX_EFFECTS = 64  # effects of one program; more are not more informative
CLOCK_EVERY = 64  # steps between looks at the walker's clock
# CPU time granted for reading code, per byte and per program, and at most for one action
CODE_SECONDS_PER_BYTE = 4e-6
CODE_SECONDS_BASE = 0.01
MAX_CODE_SECONDS = 0.6


class Actions:
    """The effects of one program's code, collected as its calls are read. `ctx` is the program's own
    context: its `os.environ[...] = …` and `os.chdir` change it for the commands it starts later."""

    def __init__(self, inv: Invocation, language: str) -> None:
        self.inv = inv
        self.allowed = 0.0  # reading time granted so far (see `allow_time`)
        self.language = language
        self.ctx: Context = inv.ctx.clone(env=dict(inv.ctx.env))
        self.effects: list[Effect] = []
        self.unknown_calls: list[str] = []
        self.facts: dict[str, Val] = {}  # what the program set up for later calls (`load_kube_config(context=…)`)
        self.program_argv: list[str] | None = None  # the program's own argv (`sys.argv`), where the command line says it
        self.started = len(inv.walker.effects)
        self.steps = 0

    # --- bookkeeping -------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Stay inside the walker's time budget (a program can be long)."""
        self.steps += 1
        if self.steps % CLOCK_EVERY == 0:
            walker = self.inv.walker
            if time.thread_time() > walker.deadline or time.perf_counter() > walker.wall_deadline:
                raise NotUnderstood(f"reading the {self.language} code took longer than the gate allows", "timeout")

    def allow_time(self, code: str) -> None:
        """Reading a program is the action's own work, in proportion to its size: the walker's budget grows by
        that much (bounded), as it does for a family's first import."""
        grant = min(CODE_SECONDS_PER_BYTE * len(code) + CODE_SECONDS_BASE, MAX_CODE_SECONDS - self.allowed)
        if grant > 0:
            self.allowed += grant
            self.inv.walker.deadline += grant
            self.inv.walker.wall_deadline += 2 * grant

    def add(self, effect: Effect) -> None:
        if len(self.effects) < MAX_EFFECTS:
            self.effects.append(effect)

    def did_something(self) -> bool:
        return bool(self.effects) or len(self.inv.walker.effects) > self.started

    def finish(self, quiet: str) -> list[Effect]:
        """The effects found, or a read saying the code only computes and prints (`quiet`)."""
        if self.did_something():
            return self.effects
        return [self.inv.effect("read", f"cmd:{self.inv.name}", Placement(LOCAL, quiet), reversible="yes",
                                summary=f"{self.inv.name}: {quiet}")]

    # --- what cannot be judged ---------------------------------------------------------------------------
    def unknown(self, what: str) -> None:
        """A call (or construct) changegate does not understand: the program cannot be allowed."""
        if what in self.unknown_calls:
            return
        self.unknown_calls.append(what)
        if len(self.unknown_calls) > MAX_UNKNOWN:
            return
        self.add(self.inv.effect("unknown", f"code:{self.language}", self.inv.arguments_placement(),
                                 scope="one", kind="code", tags=("not-understood",),
                                 summary=f"runs {self.language} code that {what}, which changegate does not "
                                         "understand"))

    def opaque(self, why: str) -> None:
        self.add(opaque(self.inv, why))

    # --- processes ---------------------------------------------------------------------------------------
    def shell(self, command: Val, origin: str) -> None:
        """A string run by a shell (`os.system`, `execSync`, backticks)."""
        text = command.as_text()
        if text is None or text == UNKNOWN_PART:
            self.opaque(f"{origin} of a command only known at run time")
            return
        self.inv.run_script(text, ctx=self.ctx.clone(), origin=origin)

    def argv(self, argv: Sequence[Val], origin: str) -> None:
        """A program started with its arguments (`subprocess.run([...])`, `spawn(cmd, args)`)."""
        words = [v.word() for v in argv]
        if not words or (not words[0].known and len(words) == 1):
            self.opaque(f"{origin} of a program only known at run time")
            return
        self.inv.run_argv(words, ctx=self.ctx.clone())

    def command(self, *words: str | Val) -> None:
        """The command a call amounts to (`rm -rf PATH` for `shutil.rmtree(PATH)`), judged as that."""
        self.inv.run_argv([lit(w) if isinstance(w, str) else w.word() for w in words], ctx=self.ctx.clone())

    def fork(self, *, in_loop: bool, evidence: str, looped: bool = False) -> None:
        """A fork: in a loop that never ends it is a fork bomb; in another loop every child runs the rest of
        the loop again, so the processes multiply (not allowed without a person)."""
        if in_loop:
            self.add(Effect(operation="host_control", resource="host:processes", environment=UNKNOWN,
                            why_environment="a fork bomb exhausts the machine it runs on", scope="all",
                            reversible="no", kind="fork-bomb", family=self.inv.name, evidence=evidence[:120],
                            tags=("fork-bomb",),
                            summary=f"{self.language} code forks in a loop that never ends: a fork bomb"))
        elif looped:
            self.add(Effect(operation="host_control", resource="host:processes", environment=UNKNOWN,
                            why_environment="each child runs the rest of the loop again: the processes multiply",
                            scope="many", reversible="no", kind="process", family=self.inv.name,
                            evidence=evidence[:120], summary=f"{self.language} code forks in a loop"))

    # --- files -------------------------------------------------------------------------------------------
    def delete(self, path: Val, *, recursive: bool = False) -> None:
        # every file under a directory, one by one (os.walk, rglob): the same as removing the tree's contents
        flags = ["-r"] if recursive or path.tree else []
        self.command("rm", *flags, "--", path)

    def remove_directory(self, path: Val) -> None:
        self.command("rmdir", "--", path)

    def move(self, source: Val, target: Val) -> None:
        self.command("mv", "--", source, target)

    def copy(self, source: Val, target: Val, *, recursive: bool = False) -> None:
        self.command("cp", *(["-r"] if recursive else []), "--", source, target)

    def make_directory(self, path: Val) -> None:
        self.command("mkdir", "-p", "--", path)

    def link(self, target: Val, link: Val) -> None:
        self.command("ln", "-s", "--", target, link)

    def chmod(self, path: Val, mode: Val, *, recursive: bool = False) -> None:
        self.command("chmod", *(["-R"] if recursive else []), mode_text(mode), "--", path)

    def chown(self, path: Val, owner: Val, *, recursive: bool = False) -> None:
        self.command("chown", *(["-R"] if recursive else []), owner.text_or_unknown(), "--", path)

    def touch(self, path: Val) -> None:
        self.command("touch", "--", path)

    def write(self, path: Val, *, append: bool = False, content: Val | None = None) -> None:
        """A file opened for writing: a disk when it is a block device, a device, or an (over)write."""
        raw = path.text_or_unknown()
        resolved = self.ctx.resolve(raw)
        if resolved is not None and UNKNOWN_PART not in resolved:
            if content is not None and resolved not in self.ctx.files:
                text = content.literal()
                self.ctx.files[resolved] = text if text is not None else UNKNOWN_PART
                if text is not None:
                    # `fs.writeFileSync('.git/hooks/pre-commit', …)`: code where it runs later is judged now
                    self.inv.walker.planted(resolved, text, self.ctx)
            if is_block_device(resolved):
                self.add(self.inv.disk(resolved, "writes straight over the disk"))
                return
            if resolved.startswith("/dev/") and not resolved.startswith(("/dev/shm", "/dev/mqueue")):
                if resolved in ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"):
                    return
                self.add(self.inv.fs("modify", raw, kind="device", tags=("device-write",),
                                     summary=f"writes straight to the device {resolved}"))
                return
        summary = f"{'appends to' if append else 'writes'} {(resolved or raw).replace(UNKNOWN_PART, '…')}"
        self.add(self.inv.fs("modify", raw, glob=path.glob, reversible="unknown" if append else "no",
                             tags=() if append else ("overwrite",), summary=summary))

    def read(self, path: Val) -> None:
        """A file read: only credentials are worth an effect (reading is allowed anywhere)."""
        text = path.literal()
        resolved = self.ctx.resolve(text) if text else None
        if resolved and secret_kind(resolved, self.ctx.home):
            self.add(self.inv.fs("secret_read", text or "", kind="secret", reversible="yes"))

    # --- network -----------------------------------------------------------------------------------------
    def http(self, method: str, url: Val, *, files: Sequence[Val] = (), data: Val | None = None) -> None:
        """A request, judged as the `curl` that sends it (files attached are files leaving the machine)."""
        words: list[str | Val] = ["curl", "-X", method.upper()]
        for attached in files:
            words += ["-F", Val("str", text="file=@" + attached.text_or_unknown())]
        if data is not None:
            text = data.literal()
            words += ["--data", Val.string(text if text is not None else UNKNOWN_PART)]
        words.append(url)
        self.command(*words)

    # --- databases ---------------------------------------------------------------------------------------
    def sql(self, url: Val, statement: Val, *, driver: str) -> None:
        """SQL sent through a driver: judged against the database its connection names."""
        from changegate.understand.sql import POSTGRES, load_parser, sql_effects, target_from_url

        text = statement.literal()
        where = url.literal()
        if where is None:
            placement = self.ctx.environment_from_variables() or Placement(
                UNKNOWN, f"the {driver} connection is only known at run time")
            if text is None:
                self.add(self.inv.effect("unknown", f"sql:{driver}", placement, kind="database",
                                         summary=f"runs SQL only known at run time through {driver}"))
                return
            target = None
        else:
            target = target_from_url(where, self.ctx.environments, f"the {driver} connection",
                                     self.ctx.workspace, self.ctx.cwd)
            placement = target.placement
        if text is None:
            self.add(self.inv.effect("unknown", target.prefix if target else f"sql:{driver}", placement,
                                     kind="database", summary=f"runs SQL only known at run time through {driver}"))
            return
        dialect = (target.dialect if target is not None else None) or POSTGRES
        self.inv.walker.deadline += load_parser(dialect)
        prefix = target.prefix if target is not None else "sql:?/?"
        server = target.server if target is not None else "sql:?"
        for effect in sql_effects(text, dialect, placement, prefix, self.inv.name,
                                  environments=self.ctx.environments, server=server, evidence=self.inv.text):
            self.add(effect)


def mode_text(mode: Val) -> str:
    """A mode as chmod takes it: 0o755 (a number in code) is 755; a string stays as written."""
    if mode.kind == "num" and mode.text is not None and mode.text.isdigit():
        return format(int(mode.text), "o")
    return mode.text_or_unknown()


def json_text(value: Val) -> str:
    """A dict or list literal as JSON text for a command's argument; a run-time part where unknown."""
    def plain(v: Val) -> object:
        if v.kind == "dict":
            return {k: plain(x) for k, x in v.fields.items()}
        if v.kind == "list" and v.items is not None:
            return [plain(x) for x in v.items]
        if v.kind == "num" and v.text is not None:
            return int(v.text) if v.text.isdigit() else v.text
        if v.kind == "bool":
            return v.text == "true"
        if v.kind == "none":
            return None
        return v.text_or_unknown()

    return json.dumps(plain(value))


def words(*values: str | Val) -> list[Word]:
    return [lit(v) if isinstance(v, str) else v.word() for v in values]
