"""Shell commands: parse with tree-sitter-bash, walk every command-like node, expand words, unwrap runners.

The walker understands a command line the way bash would run it, as far as that can be known before it
runs: quotes removed, variables from the action's env and from earlier assignments expanded (an unset one is
empty, as in bash), `cd` followed, command substitutions analysed and their text used where it is known,
heredocs and pipes carried into the next command's stdin. Each simple command goes to its family
(`commands/`), which may hand a payload back (sudo, ssh, bash -c, xargs, find -exec ...).

Anything that cannot be parsed or is too big, too deep or too slow becomes a `not-understood` effect, which
the policy turns into ask or deny: the walker never raises to its caller and never guesses "harmless".
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import time
from typing import Any

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Placement, is_within
from changegate.model import Effect, looks_secret
from changegate.understand.base import (
    DYNAMIC_WORD,
    GLOB_CHARS,
    UNKNOWN_PART,
    Context,
    Invocation,
    NotUnderstood,
    Stream,
    Word,
    absent_before,
    basename,
    is_block_device,
    not_understood,
    nothing_outside_the_shell,
    redact_effects,
)
from changegate.understand.commands import family_for, loaded_family
from changegate.understand.execve import first_line, run_file
from changegate.understand.expansion import (
    ASSIGNING_BUILTINS,
    MAX_ARRAY,
    VARIABLE_NAME,
    apply_operator,
    array_items,
    assign_from_builtin,
    cdpath_directory,
    expand_braces,
    has_glob,
    positional_keys,
    set_array,
    set_positionals,
    split_fields,
)
from changegate.understand.facts import read_config
from changegate.understand.lex.bash import (
    UNPARSABLE_CHARS,
    calls_itself,
    first_error,
    has_command_name,
    parse,
    substitutions,
)
from changegate.understand.lex.encodings import decode_ansi_c
from changegate.understand.planting import code_in, place_of
from changegate.understand.selfguard import GATE_SETTING_PREFIX, gate_settings_changed, settings_tampering

MAX_COMMAND_BYTES = 64 * 1024
# what makes a word more than its own text: escapes, globs, braces, the dynamic stand-in
PLAIN_WORD_SPECIAL = re.compile(rb"[\\*?\[{]|" + re.escape(DYNAMIC_WORD.encode()))
MAX_NESTING = 48  # nested statements, substitutions and unwrapped payloads together
MAX_SCRIPT_BYTES = 256 * 1024  # scripts read from disk to see what `bash script.sh` would do
TIME_BUDGET_S = 0.05  # CPU time of this thread: a loaded machine must not turn a slow host into denials
WALL_BUDGET_S = 1.0  # and a wall-clock backstop, whatever the load
CLOCK_EVERY = 8  # read the clocks every few steps: a step is microseconds, a clock read is not free
MAX_LOOP_VALUES = 16
PROCESS_PIPE = "/dev/fd/63"  # where bash puts the first `<(…)` of a command

_parser: Any = None

STATEMENT_LISTS = frozenset({
    "program", "list", "compound_statement", "do_group", "else_clause", "elif_clause", "if_statement",
    "while_statement", "case_statement", "case_item", "negated_command", "ERROR", "c_style_for_statement",
})
WORD_NODES = frozenset({
    "word", "string", "raw_string", "ansi_c_string", "concatenation", "simple_expansion", "expansion",
    "command_substitution", "process_substitution", "number", "translated_string", "arithmetic_expansion",
    "brace_expression",
})
SILENT_PATHS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})
POSITIONAL_LISTS = frozenset({"@", "*", "#"})
# variables that load a library into every program they start
PRELOAD_VARIABLES = ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH")
SPECIAL_UNKNOWN = frozenset({"RANDOM", "SRANDOM", "?", "$", "!", "#", "@", "*", "-", "_", "LINENO",
                             "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME", "BASHPID", "PPID", "REPLY"})
DQ_ESCAPE = re.compile(r'\\([$`"\\\n])')
WORD_ESCAPE = re.compile(r"\\(.)", re.S)
BACKTICK_INSIDE = re.compile(r"(?<!\\)`")
BACKTICK_GROUP = re.compile(r"`((?:\\.|[^`\\])*)`", re.S)


class Walker:
    """Walks one action's command lines. One per action: it carries the deadline and nesting depth."""

    def __init__(self, deadline: float | None = None) -> None:
        # `deadline` is on the thread's CPU clock (time.thread_time); families may extend it by the time a
        # lazily imported parser took to load, which is not the action's fault
        self.deadline = deadline if deadline is not None else time.thread_time() + TIME_BUDGET_S
        self.wall_deadline = time.perf_counter() + WALL_BUDGET_S
        self.effects: list[Effect] = []
        self.nesting = 0
        self.steps = 0
        self.active_functions: set[str] = set()
        self.scripts_running: set[str] = set()
        self.scripts = 0  # scripts being walked (the outermost one redacts the effects when it ends)
        # `>(CMD)` pipes this line opened: what is written to one (tee, a redirect) is CMD's stdin
        self.sinks: dict[str, tuple[Any, Context]] = {}

    # --- entry points --------------------------------------------------------------------------------
    def run_script(self, script: str, ctx: Context, origin: str = "") -> list[Effect]:
        """Parse and walk a script; record its effects. Returns the effects it added."""
        start = len(self.effects)
        script = script.replace(UNKNOWN_PART, DYNAMIC_WORD)
        if not script.isascii() and UNPARSABLE_CHARS.search(script):
            self.effects.append(not_understood("the command contains unassigned, private-use or invisible tag "
                                               "characters", "parse-error", script))
        if len(script.encode("utf-8", "surrogatepass")) > MAX_COMMAND_BYTES:
            self.effects.append(not_understood(
                f"the command is larger than {MAX_COMMAND_BYTES // 1024} KiB", "too-large", script[:80]))
            return self.effects[start:]
        tree = parse(script)
        root = tree.root_node
        bad = first_error(root) if root.has_error else None
        if bad is not None:
            snippet = bad.text.decode("utf-8", "replace") if bad is not None and bad.text else script
            where = f" near {snippet[:60]!r}" if snippet else ""
            what = f"{origin} " if origin else ""
            self.effects.append(not_understood(f"the {what}shell syntax does not parse{where}", "parse-error",
                                               script))
        self.scripts += 1
        try:
            self.guarded(root, ctx, None)
        finally:
            self.scripts -= 1
        if self.scripts and len(self.effects) == start:
            # a script another command runs (`bash -c 'cd x'`, `ssh host ''`) that was read and does nothing:
            # said so, as the whole line's is (an empty result would read as "not understood")
            self.effects.append(nothing_outside_the_shell(origin or "the script"))
        if not self.scripts:
            # the whole line is walked: the secrets its words carry leave only as keyed digests
            redact_effects(self.effects, ctx.secrets())
        return self.effects[start:]

    def run_argv(self, words: list[Word], ctx: Context, *, stdin: Stream | None = None,
                 args_unknown: bool = False, text: str = "", functions: bool = False) -> list[Effect]:
        """Run a command another one runs. It execs a program (sudo, env, xargs, nohup, `command`): the
        shell's functions are not there; `functions` where the shell itself runs it (the `time` keyword)."""
        start = len(self.effects)
        self.enter()
        try:
            self.dispatch(words, ctx, stdin, args_unknown=args_unknown, text=text, functions=functions)
        finally:
            self.nesting -= 1
        return self.effects[start:]

    def guarded(self, node: Any, ctx: Context, stdin: Stream | None) -> Stream:
        """Walk a node; turn failures into not-understood effects instead of exceptions."""
        try:
            return self.statement(node, ctx, stdin)
        except NotUnderstood as exc:
            self.effects.append(not_understood(exc.reason, exc.tag, node.text.decode("utf-8", "replace")))
        except RecursionError:
            self.effects.append(not_understood("the command nests too deeply to follow", "too-deep",
                                               node.text.decode("utf-8", "replace")))
        return Stream()

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise NotUnderstood(f"the command nests more than {MAX_NESTING} levels deep", "too-deep")
        self.steps += 1
        if self.steps % CLOCK_EVERY == 0 and (time.thread_time() > self.deadline
                                             or time.perf_counter() > self.wall_deadline):
            raise NotUnderstood(f"understanding took longer than {int(TIME_BUDGET_S * 1000)} ms", "timeout")

    # --- statements ----------------------------------------------------------------------------------
    def statement(self, node: Any, ctx: Context, stdin: Stream | None) -> Stream:
        self.enter()
        try:
            return self._statement(node, ctx, stdin)
        finally:
            self.nesting -= 1

    def _statement(self, node: Any, ctx: Context, stdin: Stream | None) -> Stream:
        kind = node.type
        if kind == "command":
            return self.command(node, ctx, stdin, [])
        if kind == "pipeline":
            return self.pipeline(node.named_children, ctx, stdin)
        if kind == "redirected_statement":
            return self.redirected(node, ctx, stdin)
        if kind == "list" or kind in STATEMENT_LISTS:
            out = Stream()
            for child in node.named_children:
                if child.type in WORD_NODES:
                    self.expand(child, ctx)
                else:
                    out = self.statement(child, ctx, stdin)
            return out
        if kind == "subshell":
            out = Stream()
            inner = ctx.clone()
            for child in node.named_children:
                out = self.statement(child, inner, stdin)
            return out
        if kind == "variable_assignment":
            self.assign(node, ctx)
            return Stream(text="")
        if kind == "variable_assignments":
            for child in node.named_children:
                self.assign(child, ctx)
            return Stream(text="")
        if kind == "declaration_command":
            return self.declaration(node, ctx)
        if kind == "unset_command":
            for child in node.named_children:
                # `unset NAME` names the variable (its text), `unset $VAR` the name VAR holds
                names = [child.text.decode("utf-8", "replace")] if child.type == "variable_name" else [
                    word.value for word in self.expand(child, ctx)]
                for name in names:
                    if ctx.env.pop(name, None) is not None and gate_settings_changed({name: ""}, {}):
                        self.effects.append(settings_tampering([name], node.text.decode("utf-8", "replace")))
            return Stream(text="")
        if kind == "for_statement":
            return self.for_loop(node, ctx, stdin)
        if kind == "function_definition":
            return self.function(node, ctx)
        if kind in ("comment", "heredoc_body", "heredoc_start", "heredoc_end"):
            return Stream(text="")
        if kind in WORD_NODES:
            words = self.expand(node, ctx)
            return Stream(text=" ".join(w.value for w in words))
        # test_command, arithmetic, ternaries and whatever else: substitutions inside still run
        for child in node.named_children:
            if child.type in WORD_NODES:
                self.expand(child, ctx)
            else:
                self.statement(child, ctx, stdin)
        return Stream()

    def assign(self, node: Any, ctx: Context) -> None:
        name_node = node.child_by_field_name("name") or (node.named_children[0] if node.named_children else None)
        if name_node is None:
            return
        name = name_node.text.decode("utf-8", "replace")
        value_node = node.child_by_field_name("value")
        if value_node is None:
            ctx.env[name] = ""
            return
        if value_node.type == "array":
            items = [w.value for c in value_node.named_children for w in self.expand(c, ctx)]
            set_array(ctx, name, items)
            return
        words = self.expand(value_node, ctx, split=False)
        before = ctx.env.get(name)
        ctx.env[name] = " ".join(w.value for w in words)
        if looks_secret(name):
            ctx.mark_secret(ctx.env[name])  # `PGPASSWORD=… psql`, `export TOKEN=…`: written in the command
        if name.startswith(GATE_SETTING_PREFIX) and gate_settings_changed({name: before} if before is not None
                                                                          else {}, {name: ctx.env[name]}):
            self.effects.append(settings_tampering([name], node.text.decode("utf-8", "replace")))

    def declaration(self, node: Any, ctx: Context) -> Stream:
        nameref = any(c.type == "word" and c.text.startswith(b"-") and b"n" in c.text for c in node.named_children)
        for child in node.named_children:
            if child.type == "variable_assignment" and nameref:
                # `declare -n r=HOME`: r is HOME from now on (kept as a copy: enough to see where it points)
                self.assign(child, ctx)
                name = child.named_children[0].text.decode("utf-8", "replace") if child.named_children else ""
                target = ctx.env.get(name, "")
                if name and VARIABLE_NAME.fullmatch(target):
                    ctx.env[name] = self.variable(target, ctx)
            elif child.type == "variable_assignment":
                self.assign(child, ctx)
            elif child.type in WORD_NODES:
                self.expand(child, ctx)
        return Stream(text="")

    def for_loop(self, node: Any, ctx: Context, stdin: Stream | None) -> Stream:
        var_node = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values: list[Word] = []
        for child in node.children_by_field_name("value"):
            values.extend(self.expand(child, ctx))
        if var_node is None or body is None:
            for child in node.named_children:
                if child.type not in WORD_NODES and child.type != "variable_name":
                    self.statement(child, ctx, stdin)
            return Stream()
        name = var_node.text.decode("utf-8", "replace")
        known = [w.value for w in values if w.known]
        if values and len(known) == len(values) and len(known) <= MAX_LOOP_VALUES:
            candidates = known
        else:
            candidates = [UNKNOWN_PART]
        out = Stream()
        for value in candidates:
            ctx.env[name] = value
            out = self.statement(body, ctx, stdin)
        return out

    def function(self, node: Any, ctx: Context) -> Stream:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
        ctx.functions[name] = body
        if body is not None and calls_itself(body, name):
            self.effects.append(Effect(
                operation="host_control",
                resource="host:processes",
                environment="unknown",
                why_environment="a fork bomb exhausts the machine it runs on",
                scope="all",
                reversible="no",
                kind="fork-bomb",
                family="shell",
                evidence=node.text.decode("utf-8", "replace")[:120],
                tags=("fork-bomb",),
                summary=f"defines {name!r} to call itself in the background: a fork bomb",
            ))
        return Stream(text="")

    def pipeline(self, stages: list[Any], ctx: Context, stdin: Stream | None) -> Stream:
        stream = stdin
        previous_start = previous_end = len(self.effects)
        for stage in stages:
            listed = stream.lists if stream is not None else ""
            start = len(self.effects)
            stream = self.statement(stage, ctx.clone(), stream)
            if listed and stream is not None and not stream.lists and reshapes_only(stage):
                # `aws s3 ls | awk '{print $3}' | sort`: still every bucket, in another shape
                stream = msgspec.structs.replace(stream, lists=listed)
            if keys_only(stage):
                self.only_names_reach_the_agent(previous_start, previous_end)
            previous_start, previous_end = start, len(self.effects)
        return stream or Stream()

    def only_names_reach_the_agent(self, start: int, end: int) -> None:
        """`kubectl get secret s -o jsonpath='{.data}' | jq keys`: the previous stage's secrets reach only
        `jq keys`, which prints their names — a read, not a secret read."""
        for index in range(start, min(end, len(self.effects))):
            effect = self.effects[index]
            if effect.operation == "secret_read":
                self.effects[index] = msgspec.structs.replace(effect, operation="read", tags=(*effect.tags, "names-only"),
                                                     summary=effect.summary + " (only the keys reach the agent)")

    def redirected(self, node: Any, ctx: Context, stdin: Stream | None) -> Stream:
        body = node.child_by_field_name("body")
        redirects = [c for c in node.named_children if c is not body]
        if body is None:
            for r in redirects:
                self.redirect_effects(r, ctx, None)
            return Stream()
        if body.type == "command":
            return self.command(body, ctx, stdin, redirects, lost_words(node, body, redirects))
        if body.type == "list" and not any(r.type == "heredoc_redirect" for r in redirects):
            return self.redirected_list(body, redirects, ctx, stdin)
        stdin = self.input_of(redirects, ctx, stdin)
        out = self.statement(body, ctx, stdin)
        for r in redirects:
            self.redirect_effects(r, ctx, out)
        return self.continuations(redirects, ctx, out)

    def redirected_list(self, body: Any, redirects: list[Any], ctx: Context, stdin: Stream | None) -> Stream:
        """`a && b < f`: tree-sitter-bash hangs the redirect on the whole list; bash gives it to the last
        command only, after the earlier ones ran (`echo SQL > f && mysql < f` reads what echo wrote)."""
        statements = [c for c in body.named_children if c.type not in WORD_NODES]
        for statement in statements[:-1]:
            self.statement(statement, ctx, stdin)
        last = statements[-1] if statements else None
        if last is not None and last.type == "command":
            return self.command(last, ctx, stdin, redirects)
        stdin = self.input_of(redirects, ctx, stdin)
        out = self.statement(last, ctx, stdin) if last is not None else Stream()
        for r in redirects:
            self.redirect_effects(r, ctx, out)
        return out

    # --- simple commands ------------------------------------------------------------------------------
    def command(self, node: Any, ctx: Context, stdin: Stream | None, redirects: list[Any],
                lost: list[str] | None = None) -> Stream:
        assignments: list[Any] = []
        words: list[Word] = []
        inline_redirects: list[Any] = []
        for child in node.named_children:
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(child)
            elif kind == "command_name":
                for inner in child.named_children:
                    words.extend(self.expand(inner, ctx))
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                inline_redirects.append(child)
            elif kind in WORD_NODES:
                words.extend(self.expand(child, ctx))
        if lost:
            words.extend(Word(w, text=w) for w in lost)
        all_redirects = redirects + inline_redirects
        for r in all_redirects:
            # tree-sitter attaches the words after `2>/dev/null` to the redirect; bash gives them to the command
            for extra in r.children_by_field_name("destination")[1:]:
                words.extend(self.expand(extra, ctx))
        if assignments and not has_command_name(node):
            return self.assignments_with_redirects(assignments, all_redirects, ctx, stdin)
        run_ctx = ctx
        if assignments:
            run_ctx = ctx.clone()
            for a in assignments:
                self.assign(a, run_ctx)
            self.preloaded(run_ctx, node.text.decode("utf-8", "replace"))
        text = node.text.decode("utf-8", "replace")
        stdin = self.input_of(all_redirects, ctx, stdin)
        out = self.dispatch(words, run_ctx, stdin, text=text, parent_ctx=ctx)
        for r in all_redirects:
            self.redirect_effects(r, ctx, out)
        return self.continuations(all_redirects, ctx, out)

    def assignments_with_redirects(self, assignments: list[Any], redirects: list[Any], ctx: Context,
                                   stdin: Stream | None) -> Stream:
        """`a=$(cmd) > f`: the variables are set in this shell; the redirects open (create, truncate) their files."""
        for a in assignments:
            self.assign(a, ctx)
        self.input_of(redirects, ctx, stdin)
        out = Stream(text="")
        for r in redirects:
            self.redirect_effects(r, ctx, out)
        return self.continuations(redirects, ctx, out)

    def preloaded(self, ctx: Context, text: str, *, inherited: bool = False) -> None:
        """`LD_PRELOAD=LIB cmd` (and LD_LIBRARY_PATH, DYLD_INSERT_LIBRARIES): code from LIB runs inside the
        program. A library of the project's own, in the workspace, is ordinary; one from anywhere else —
        /tmp included, where anyone can put one — is code that cannot be read. For the environment the
        agent runs with (`inherited`), only a library where an agent could have put it counts (its home,
        /tmp): the machine's own (/usr/lib/…/libjemalloc.so) is the operator's choice."""
        for name in PRELOAD_VARIABLES:
            value = ctx.env.get(name)
            if not value:
                continue
            for raw in [v for v in re.split(r"[:\s]+", value) if v][:8]:
                path = ctx.resolve(raw)
                if path is not None and ctx.workspace and is_within(path, ctx.workspace):
                    continue
                if inherited and (path is None or not ctx.may_hold_planted_links(path)):
                    continue
                self.effects.append(Effect(
                    operation="execute_opaque", resource=f"code:{path or raw}", environment=UNKNOWN,
                    why_environment=f"{name} loads it into the program from outside the workspace",
                    reversible="unknown", kind="code", family="shell", evidence=text[:200], tags=("preload",),
                    summary=f"{name}={raw} loads code changegate cannot read into the program"))

    def dispatch(self, words: list[Word], ctx: Context, stdin: Stream | None, *, args_unknown: bool = False,
                 text: str = "", parent_ctx: Context | None = None, functions: bool = True) -> Stream:
        if not words:
            return Stream(text="")
        head = words[0]
        if not head.known:
            inv = Invocation(name="?", words=words[1:], ctx=ctx, walker=self, stdin=stdin, text=text)
            effect = inv.unknown("its name is only known when it runs")
            self.effects.append(Effect(**{**_fields(effect), "operation": "execute_opaque",
                                          "resource": "cmd:?", "tags": ("dynamic-command",),
                                          "environment": UNKNOWN,
                                          "why_environment": "the command to run is computed at run time",
                                          "summary": f"runs a command computed at run time: {head.shown()}"}))
            return Stream()
        name = basename(head.value)
        if name == ":":
            return Stream(text="")  # the null command: does nothing, its redirects still apply
        if name == "pwd" and len(words) == 1 and ctx.cwd:
            self.effects.append(Effect(operation="read", resource="cmd:pwd", environment=LOCAL,
                                       why_environment="it prints the working directory", reversible="yes",
                                       family="shell", evidence=text[:200], summary="pwd"))
            return Stream(text=ctx.cwd + "\n")
        if name in ("cd", "pushd", "popd", "chdir"):
            self.change_directory(words[1:], parent_ctx or ctx, cdpath=ctx.env.get("CDPATH"))
            return Stream(text="")
        if functions and name in ctx.functions and "/" not in head.value:  # `/bin/rm` is the program
            return self.call_function(name, words[1:], ctx, stdin)
        if name in ASSIGNING_BUILTINS:
            assign_from_builtin(name, words[1:], parent_ctx or ctx, stdin)
        if "/" in head.value:
            written = self.written_program(head.value, words[1:], ctx, stdin, text)
            if written is not None:
                return written
        family = loaded_family(name)
        if family is None:
            loading = time.thread_time()
            family = family_for(name)
            # importing a family module (compiling it, without cached bytecode) is not the action's doing
            self.deadline += time.thread_time() - loading
        inv = Invocation(name=name, words=words[1:], ctx=ctx, walker=self, stdin=stdin, text=text or
                         " ".join(w.value for w in words), args_unknown=args_unknown)
        if family.FAMILY == "unknown":
            understood = self.unknown_program(head.value, inv)
            if understood is not None:
                return understood
        if head.value != name and "/" in head.value and (family is None or family.FAMILY == "unknown"):
            inv.name = head.value  # ./deploy.sh, /opt/tool/bin/x: a program at a path
        family.bind(inv)
        before = len(self.effects)
        try:
            produced = family.analyze(inv) if family is not None else [inv.unknown("not a known command")]
        except NotUnderstood as exc:
            produced = [not_understood(exc.reason, exc.tag, inv.text)]
        except RecursionError:
            raise
        except Exception as exc:  # an analyzer bug must not become an allow or a traceback
            produced = [not_understood(f"the {name} analyzer failed ({type(exc).__name__}: {exc})",
                                       "analyzer-error", inv.text)]
        self.effects.extend(produced)
        if len(self.effects) == before:
            # a family that says nothing about a command it was given is no evidence the command is harmless
            # (an allow needs positive understanding): it is a command changegate could not read
            self.effects.append(inv.unknown(f"changegate's reading of {name} found nothing it does"))
        return inv.stdout

    def written_program(self, program: str, args: list[Word], ctx: Context, stdin: Stream | None,
                        text: str) -> Stream | None:
        """`./x.sh` where this command line wrote x.sh: run what was written (or say it cannot be seen)."""
        path = ctx.resolve(program)
        if path is None or path not in ctx.files:
            return None
        from changegate.understand.commands.shell.common import opaque

        inv = Invocation(name=program, words=args, ctx=ctx, walker=self, stdin=stdin, text=text)
        content = ctx.files[path]
        if content == UNKNOWN_PART:
            self.effects.append(opaque(inv, f"{path}, written earlier in this command with content that cannot "
                                            "be seen (downloaded or decoded)"))
        else:
            self.run_script(content, ctx.clone(), origin=f"the program {path}")
        return Stream()

    def unknown_program(self, program: str, inv: Invocation) -> Stream | None:
        """A program no family declares is not understood, except where the gate can say what running it
        does: a person trusted it (`changegate trust`), or it does not exist and so runs nothing."""
        vouched = trusted_entry(program, inv.words, inv.ctx)
        if vouched is not None:
            self.effects.append(inv.effect("modify", f"cmd:{program}", inv.arguments_placement(),
                                           reversible="unknown", kind="trusted-tool", tags=("trusted",),
                                           summary=f"runs {program}, a tool a person trusted ({vouched})"))
            return inv.stdout
        absent = self.absent_program(program, inv.ctx)
        if absent is not None:
            self.effects.append(inv.effect("read", f"cmd:{program}", Placement(LOCAL, absent), reversible="yes",
                                           tags=("absent-program",), summary=f"runs nothing: {absent}"))
            return Stream(text="")
        if self.is_script(program, inv.ctx):
            # `./deploy.sh`, `bin/x.py`: a script runs through the interpreter its first line names, whose
            # family reads it; a binary stays unknown
            run_file(inv, program, inv.words)
            return inv.stdout
        return None

    def is_script(self, program: str, ctx: Context) -> bool:
        if "/" not in program or ctx.remote is not None:
            return False
        path = ctx.resolve(program)
        if path is None or UNKNOWN_PART in path or path in self.scripts_running:
            return False  # a script that runs itself is judged once
        if first_line(ctx, path) is None:
            return False
        self.scripts_running.add(path)
        return True

    def absent_program(self, program: str, ctx: Context) -> str | None:
        """Why running the program at this path can only fail (bash answers "No such file"), or None when
        it may exist: on this machine only, and not when this command line installs or writes programs first
        (`pip install x && ./venv/bin/x`, `curl -o bin/x … && bin/x`). A bare name is not judged absent: the
        agent's shell may have it as a function or alias (Claude Code snapshots the user's), on a PATH its rc
        files extend, or in a tool's bin directory."""
        if "/" not in program or any(c.isspace() or c in ";|&$`<>(){}*?[" for c in program):
            return None  # a name, or a command line handed on as one word (`parallel ::: 'rm -rf /'`)
        path = ctx.resolve(program)
        if path is None or not absent_before(ctx, self.effects, path):
            return None  # it exists, or an earlier step (a clone, an extraction, a copy) may have made it
        return f"{path} does not exist, and nothing in this command creates it"

    def call_function(self, name: str, args: list[Word], ctx: Context, stdin: Stream | None) -> Stream:
        """A function runs its body when called (in the current shell, with its arguments as $1, $2, …);
        a recursive call adds nothing."""
        body = ctx.functions[name]
        if name in self.active_functions or body is None:
            return Stream()
        self.active_functions.add(name)
        saved = {key: ctx.env.get(key) for key in positional_keys(ctx, len(args))}
        set_positionals(ctx, [w.value for w in args])
        try:
            return self.statement(body, ctx, stdin)
        finally:
            self.active_functions.discard(name)
            for key, value in saved.items():
                if value is None:
                    ctx.env.pop(key, None)
                else:
                    ctx.env[key] = value

    def change_directory(self, args: list[Word], ctx: Context, cdpath: str | None = None) -> None:
        target = next((w.value for w in args if not w.value.startswith("-")), None)
        if target is None:
            ctx.cwd = ctx.home
            return
        if target == "-" or not Word(target).known:
            ctx.cwd = None
            return
        if cdpath and not target.startswith(("/", "./", "../", "~")) and target not in (".", ".."):
            ctx.cwd = cdpath_directory(ctx, cdpath, target)
            return
        ctx.cwd = ctx.resolve(target)

    # --- redirections ---------------------------------------------------------------------------------
    def input_of(self, redirects: list[Any], ctx: Context, stdin: Stream | None) -> Stream | None:
        for r in redirects:
            if r.type == "herestring_redirect":
                words = [w for c in r.named_children for w in self.expand(c, ctx, split=False)]
                value = " ".join(w.value for w in words)
                stdin = Stream(text=value + "\n") if UNKNOWN_PART not in value else Stream(origin="a here-string")
            elif r.type == "heredoc_redirect":
                stdin = self.heredoc_text(r, ctx)
            elif r.type == "file_redirect":
                op, target = self.redirect_target(r, ctx)
                if op in ("<", "<>") and target is not None:
                    stdin = self.file_stream(target, ctx)
        return stdin

    def heredoc_text(self, node: Any, ctx: Context) -> Stream:
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        body = next((c for c in node.children if c.type == "heredoc_body"), None)
        if body is None:
            return Stream(text="")
        quoted = start is not None and any(q in start.text.decode("utf-8", "replace") for q in "'\"\\")
        if quoted or not body.named_children:
            return Stream(text=body.text.decode("utf-8", "replace"))
        value = self.fill(body, ctx, body.start_byte, body.end_byte, DQ_ESCAPE)
        return Stream(text=value) if UNKNOWN_PART not in value else Stream(origin="a heredoc with run-time values")

    def continuations(self, redirects: list[Any], ctx: Context, out: Stream) -> Stream:
        """Statements that tree-sitter attaches to a heredoc (`cat <<EOF | sh`, `<<EOF && next`)."""
        for r in redirects:
            if r.type != "heredoc_redirect":
                continue
            piped = False
            for child in r.children:
                if child.type == "|":
                    piped = True
                elif child.type in ("&&", "||", ";"):
                    piped = False
                elif child.is_named and child.type not in ("heredoc_start", "heredoc_body", "heredoc_end"):
                    if child.type == "pipeline" and child.children and child.children[0].type == "|":
                        out = self.pipeline(child.named_children, ctx, out)
                    elif piped:
                        out = self.statement(child, ctx.clone(), out)
                    else:
                        out = self.statement(child, ctx, None)
        return out

    def redirect_target(self, node: Any, ctx: Context) -> tuple[str, str | None]:
        op = ""
        target: str | None = None
        for child in node.children:
            if not child.is_named:
                op = child.type
            elif child.type != "file_descriptor" and target is None:
                words = self.expand(child, ctx, split=False)
                target = words[0].value if words else ""
        return op, target

    def redirect_effects(self, node: Any, ctx: Context, out: Stream | None) -> None:
        if node.type != "file_redirect":
            return
        op, target = self.redirect_target(node, ctx)
        if target is None or op in ("<", "<&", ">&-", "<&-"):
            return
        if op in (">&", "&>") and (target.isdigit() or target == "-"):
            return
        path = ctx.resolve(target)
        if path in SILENT_PATHS or (path or "").startswith("/dev/fd/"):
            if path is not None and path in self.sinks and out is not None and out.text is not None:
                self.wrote(path, out.text, ctx)  # `… > >(sh)`: the text is that command's input
            return
        inv = Invocation(name="redirect", words=[], ctx=ctx, walker=self, text=node.text.decode("utf-8", "replace"))
        appending = op in (">>", "&>>")
        if path is not None and out is not None and path not in ctx.files:
            if out.text is not None:
                ctx.files[path] = out.text
                self.wrote(path, out.text, ctx)
            elif out.opaque:
                ctx.files[path] = UNKNOWN_PART  # `curl … > x.sh`: what runs from it later cannot be seen
        if path is not None and is_block_device(path):
            self.effects.append(inv.disk(path, "writes straight over the disk"))
            return
        if path is not None and path.startswith("/dev/") and not path.startswith(("/dev/shm", "/dev/mqueue")):
            self.effects.append(inv.fs("modify", target, kind="device", tags=("device-write",),
                                       summary=f"writes straight to the device {path}"))
            return
        if appending:
            self.effects.append(inv.fs("modify", target, reversible="unknown", summary=f"appends to {path or target}"))
        else:
            self.effects.append(inv.fs("modify", target, tags=("overwrite",),
                                       summary=f"overwrites {path or target}"))

    def wrote(self, path: str, content: str, ctx: Context) -> None:
        """Known text written to `path`: fed to the command reading it (`>(sh)`), or judged as the code it
        becomes where something runs it later (`planted`)."""
        sink = self.sinks.pop(path, None)
        if sink is not None:
            node, inner = sink
            start = len(self.effects)
            for child in node.named_children:
                self.statement(child, inner.clone(), Stream(text=content, origin=f"written to {path}"))
            # walked once already (without its input): only what the input adds counts
            earlier = self.effects[:start]
            self.effects[start:] = [e for e in self.effects[start:] if e not in earlier]
            return
        self.planted(path, content, ctx)

    def planted(self, path: str, content: str, ctx: Context) -> list[Effect]:
        """A file written where it runs later (planting.PLACES: hooks, a `.pth`, package scripts, a crontab,
        a unit, a shell rc file, CI steps): its code is judged now, as what it is. The effects it adds."""
        start = len(self.effects)
        for language, code in code_in(path, content, ctx.home):
            if language == "shell":
                self.run_script(code, ctx.clone(), origin=f"the code {path} will run")
            else:
                program = "python3" if language == "python" else "node"
                self.run_argv([Word(program), Word("-c" if language == "python" else "-e"), Word(code)], ctx.clone())
        place = place_of(path, ctx.home)
        if place is not None and place.asks != "always" and ctx.workspace and is_within(path, ctx.workspace):
            # the project's own scripts (package.json, a Makefile, CI steps, husky): what the gate cannot
            # read in them (`make test`, a project script) is the project's business, like running its
            # tests; only what is dangerous as written counts
            self.effects[start:] = [e for e in self.effects[start:] if e.operation != "unknown"]
        return self.effects[start:]

    def file_stream(self, raw: str, ctx: Context) -> Stream:
        path = ctx.resolve(raw)
        if path == "/dev/null":
            return Stream(text="", origin="/dev/null")
        if path is None or UNKNOWN_PART in path:
            return Stream(origin="a file only known at run time")
        if path in ctx.files:
            if ctx.files[path] == UNKNOWN_PART:
                return Stream(origin=f"the file {path}, written earlier with content that cannot be seen "
                                     "(downloaded or decoded)", opaque=True)
            return Stream(text=ctx.files[path], origin=f"the file {path}")
        text = read_small_file(path)
        return Stream(text=text, origin=f"the file {path}")

    # --- words ------------------------------------------------------------------------------------------
    def expand(self, node: Any, ctx: Context, *, split: bool = True) -> list[Word]:
        kind = node.type
        data = node.text
        if kind == "word" and b"\n" in data:
            # an unquoted word cannot hold a line break: the parser joined two commands
            raise NotUnderstood("a line break inside a word: the command's lines could not be told apart",
                                "parse-error")
        if kind == "word" and not data.startswith(b"~") and not PLAIN_WORD_SPECIAL.search(data):
            text = data.decode("utf-8", "replace")  # the common case: a plain word is its own value
            return [Word(text, text=text)]
        raw = data.decode("utf-8", "replace")
        if kind == "word" and "{" in raw and "," in raw:
            return [self.plain_word(part, ctx, raw) for part in expand_braces(raw)]
        if kind == "concatenation" and "{" in raw and "," in raw and all(
                c.type == "word" for c in node.named_children):
            return [self.plain_word(part, ctx, raw) for part in expand_braces(raw)]
        if split:
            elements = self.quoted_elements(node, ctx)
            if elements is not None:
                return [Word(item, text=raw) for item in elements]
        value, glob = self.value(node, ctx)
        if split and kind in ("simple_expansion", "expansion"):
            if value == "":
                return []  # an unquoted empty expansion is no word at all
            separators = ctx.env.get("IFS", " \t\n")
            if any(c in value for c in separators):
                return [Word(part, glob=any(g in part for g in GLOB_CHARS), text=raw)
                        for part in split_fields(value, separators)]
            glob = any(g in value for g in GLOB_CHARS)
        if split and kind == "command_substitution" and value == "":
            return []
        return [Word(value, glob=glob, text=raw)]

    def quoted_elements(self, node: Any, ctx: Context) -> list[str] | None:
        """`"${a[@]}"` and `"$@"` are one word per element, not one word: their elements, or None."""
        inner = node.named_children[0] if node.type == "string" and len(node.named_children) == 1 else node
        if inner.type == "simple_expansion" and inner.text in (b"$@",):
            name, whole = "", True
        elif inner.type == "expansion":
            subscript = next((c for c in inner.children if c.type == "subscript"), None)
            parts = subscript.named_children if subscript is not None else []
            whole = len(parts) > 1 and parts[1].text == b"@"
            name = parts[0].text.decode("utf-8", "replace") if whole else ""
        else:
            return None
        if not whole:
            return None
        if not name:
            return [ctx.env[str(i)] for i in range(1, MAX_ARRAY + 1) if str(i) in ctx.env] if "@" in ctx.env else None
        return array_items(ctx, name)

    def plain_word(self, text: str, ctx: Context, raw: str) -> Word:
        value = self.tilde(WORD_ESCAPE.sub(r"\1", text), ctx)
        return Word(value, glob=has_glob(text), text=raw)

    def tilde(self, value: str, ctx: Context) -> str:
        if value == "~" or value.startswith("~/"):
            home = ctx.getenv("HOME") or ctx.home
            if home:
                return home + value[1:]
        return value

    def value(self, node: Any, ctx: Context) -> tuple[str, bool]:
        """The expanded text of a word node, and whether it carries an unquoted glob."""
        kind = node.type
        if kind == "word":
            raw = node.text.decode("utf-8", "replace")
            value = self.tilde(WORD_ESCAPE.sub(r"\1", raw), ctx)
            if DYNAMIC_WORD in value:
                value = value.replace(DYNAMIC_WORD, UNKNOWN_PART)
            return value, has_glob(raw)
        if kind == "number":
            return node.text.decode("utf-8", "replace"), False
        if kind == "raw_string":
            return node.text.decode("utf-8", "replace")[1:-1].replace(DYNAMIC_WORD, UNKNOWN_PART), False
        if kind == "ansi_c_string":
            return decode_ansi_c(node.text.decode("utf-8", "replace")[2:-1]), False
        if kind in ("string", "translated_string"):
            start = node.start_byte + (2 if kind == "translated_string" else 1)
            return self.fill(node, ctx, start, node.end_byte - 1, DQ_ESCAPE), False
        if kind == "concatenation":
            parts: list[str] = []
            glob = False
            for child in node.named_children:
                v, g = self.value(child, ctx)
                parts.append(v)
                glob = glob or g
            text = "".join(parts)
            first = node.named_children[0] if node.named_children else None
            if first is not None and first.type == "word":
                text = self.tilde(text, ctx)
            return text, glob
        if kind == "simple_expansion":
            # tree-sitter-bash can start the node at the blank before `$` inside a string ("$c $t"): keep it
            text = node.text.decode("utf-8", "replace")
            name = text.lstrip()
            return text[:len(text) - len(name)] + self.variable(name[1:], ctx), False
        if kind == "expansion":
            return self.parameter(node, ctx), False
        if kind == "command_substitution":
            raw = node.text.decode("utf-8", "replace")
            if raw.startswith("`") and BACKTICK_INSIDE.search(raw[1:-1]):
                # tree-sitter-bash reads "`a` `b`" as one substitution running "a` `b": run each one
                for segment in BACKTICK_GROUP.findall(raw):
                    self.run_script(segment, ctx.clone(), origin="command substitution")
                return UNKNOWN_PART, False
            inner = ctx.clone()
            out = Stream()
            for child in node.named_children:
                out = self.statement(child, inner, None)
            if out.text is not None and UNKNOWN_PART not in out.text:
                return out.text.rstrip("\n"), False
            if len(out.path_roots) == 1:
                # `chmod 640 $(find ./src -type f)`: paths under that directory, known at run time
                return posixpath.join(out.path_roots[0], UNKNOWN_PART), False
            return UNKNOWN_PART, False
        if kind == "process_substitution":
            inner = ctx.clone()
            out = Stream()
            for child in node.named_children:
                out = self.statement(child, inner, None)
            if node.text.startswith(b"<("):
                # `bash <(curl …)`, `source <(…)`: what the command reads from the pipe is that output
                ctx.files[PROCESS_PIPE] = out.text if out.text is not None and not out.opaque else UNKNOWN_PART
            else:
                # `tee >(sh)`, `echo … > >(bash)`: what is written to the pipe is the command's stdin
                self.sinks[PROCESS_PIPE] = (node, inner)
            return PROCESS_PIPE, False
        # arithmetic, brace ranges and the rest: run the substitutions inside, however deep; value unknown
        for inner in substitutions(node):
            self.value(inner, ctx)
        if kind == "brace_expression":
            return node.text.decode("utf-8", "replace"), False
        return UNKNOWN_PART, False

    def fill(self, node: Any, ctx: Context, start: int, end: int, escapes: re.Pattern[str]) -> str:
        """Text of a double-quoted string or heredoc body: literal gaps unescaped, expansions expanded."""
        source = node.text
        base = node.start_byte
        parts: list[str] = []
        pos = start
        for child in node.named_children:
            if child.start_byte > pos:
                parts.append(escapes.sub(r"\1", source[pos - base: child.start_byte - base].decode("utf-8", "replace")))
            if child.type == "string_content" or child.type == "heredoc_content":
                parts.append(escapes.sub(r"\1", child.text.decode("utf-8", "replace")).replace(
                    DYNAMIC_WORD, UNKNOWN_PART))
            else:
                parts.append(self.value(child, ctx)[0])
            pos = max(pos, child.end_byte)
        if end > pos:
            parts.append(escapes.sub(r"\1", source[pos - base: end - base].decode("utf-8", "replace")))
        return "".join(parts)

    def variable(self, name: str, ctx: Context) -> str:
        if name.startswith("{") and name.endswith("}"):
            name = name[1:-1]
        if name.isdigit():
            # positional parameters of `sh -c SCRIPT ARG0 ARG1`; past the last one given, unset
            given = ctx.env.get("#", "")
            if name != "0" and given.isdigit() and int(name) > int(given):
                return ""
            return ctx.env.get(name, UNKNOWN_PART)
        if name in POSITIONAL_LISTS:
            # no positional parameters unless `set --`, a function call or `sh -c … ARGS` set them
            return ctx.env.get(name, "0" if name == "#" else "")
        if name in SPECIAL_UNKNOWN:
            return UNKNOWN_PART
        if name == "PWD":
            return ctx.cwd or UNKNOWN_PART
        if name == "HOME":
            return ctx.getenv("HOME") or ctx.home or UNKNOWN_PART
        value = ctx.getenv(name)
        if value is None:
            ctx.consulted.setdefault(f"env:{name}", "")
            return ""
        return value

    def parameter(self, node: Any, ctx: Context) -> str:
        """${NAME} and the operators bash evaluates without running anything: defaults (`:-`, `-`, `:=`,
        `:+`, `:?`), pattern removal (`#`, `##`, `%`, `%%`), substitution (`/`, `//`), case (`^^`, `,,`),
        substrings and array elements. A value the gate cannot compute is unknown, never empty."""
        children = node.children
        subscript = next((c for c in children if c.type == "subscript"), None)
        if subscript is not None:
            return self.element(subscript, ctx)
        names = [c for c in children if c.type in ("variable_name", "special_variable_name")]
        if len(children) >= 2 and children[1].type in ("#", "!"):
            if not names:
                return UNKNOWN_PART
            value = self.variable(names[0].text.decode("utf-8", "replace"), ctx)
            if children[1].type == "#":
                return UNKNOWN_PART if UNKNOWN_PART in value else str(len(value))
            # `${!v}`: the variable whose name v holds
            return self.variable(value, ctx) if VARIABLE_NAME.fullmatch(value) else UNKNOWN_PART
        if not names:
            return UNKNOWN_PART
        name = names[0].text.decode("utf-8", "replace")
        value = self.variable(name, ctx)
        ops = [c.type for c in children if not c.is_named and c.type not in ("${", "}")]
        if not ops:
            return value
        op = ops[0]
        operand_nodes = [c for c in children if c.is_named and c is not names[0]]
        operands = [self.operand(c, ctx) for c in operand_nodes]
        operand = "".join(operands)
        if op in (":-", ":="):
            return value if value else operand
        if op in ("-", "="):
            return value if name in ctx.env else operand
        if op == ":+":
            return operand if value else ""
        if op == "+":
            return operand if name in ctx.env else ""
        if op in (":?", "?"):
            return value if value else UNKNOWN_PART  # bash stops the command when it is unset
        if UNKNOWN_PART in value or UNKNOWN_PART in operand:
            return UNKNOWN_PART
        return apply_operator(op, value, operands)

    def operand(self, node: Any, ctx: Context) -> str:
        """An operand as written: a pattern keeps its glob characters (they are matched, not expanded)."""
        if node.type == "regex":
            pattern: str = node.text.decode("utf-8", "replace")
            return pattern
        return self.value(node, ctx)[0]

    def element(self, subscript: Any, ctx: Context) -> str:
        """${NAME[i]}, ${NAME[@]}, ${NAME[*]}: arrays are kept as NAME[0], NAME[1], … in the context."""
        parts = subscript.named_children
        if not parts:
            return UNKNOWN_PART
        name = parts[0].text.decode("utf-8", "replace")
        index = parts[1].text.decode("utf-8", "replace") if len(parts) > 1 else "0"
        if index in ("@", "*"):
            items = array_items(ctx, name)
            return " ".join(items) if items is not None else UNKNOWN_PART
        if not index.isdigit():
            return UNKNOWN_PART
        value = ctx.env.get(f"{name}[{index}]")
        if value is None and index == "0":
            value = ctx.env.get(name)
        return value if value is not None else UNKNOWN_PART


# Filters that change the shape of a listing but keep every line of it (no selection).
RESHAPING_FILTERS = frozenset({"cut", "tr", "sort", "uniq", "column", "rev", "tac", "cat", "xargs"})
SELECTING_AWK = re.compile(r"^\s*\{[^}]*\}\s*$")  # `{print $3}` with no pattern in front selects nothing


KEYS_FILTERS = frozenset({"keys", "keys[]", ".|keys", "keys_unsorted", "keys_unsorted[]", ". | keys"})


def keys_only(stage: Any) -> bool:
    """A pipeline stage that prints only the keys of the JSON it reads: `jq keys`, `jq -r 'keys[]'`."""
    children = stage.named_children if stage.type == "command" else []
    if not children or posixpath.basename(children[0].text.decode("utf-8", "replace")) not in ("jq", "gojq"):
        return False  # (most stages: decided by the first word, without decoding the rest)
    words = [c.text.decode("utf-8", "replace").strip("'\"") for c in children]
    filters = [w for w in words[1:] if not w.startswith("-")]
    flags = [w for w in words[1:] if w.startswith("-")]
    return len(filters) == 1 and filters[0].replace(" ", "") in {f.replace(" ", "") for f in KEYS_FILTERS} and all(
        f in ("-r", "-c", "-M", "-C", "--raw-output", "--compact-output", "-S", "--sort-keys") for f in flags)


def reshapes_only(stage: Any) -> bool:
    """Whether a pipeline stage passes every line of its input on (reshaped), selecting none away."""
    if stage.type != "command":
        return False
    name_node = stage.child_by_field_name("name")
    name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
    if name in RESHAPING_FILTERS:
        return name != "uniq" or (b"-d" not in stage.text and b"-u" not in stage.text)
    if name in ("awk", "gawk", "mawk"):
        program = next((c for c in stage.named_children[1:] if c.type in ("raw_string", "string", "word")), None)
        body = program.text.decode("utf-8", "replace").strip("'\"") if program is not None else ""
        return bool(SELECTING_AWK.match(body))
    return False


def trusted_entry(program: str, args: list[Word], ctx: Context) -> str | None:
    """The trust entry (`changegate trust`) that vouches for this program with these arguments, shown as
    written; None when none does. A path matches by where it resolves, a name by itself."""
    if not ctx.environments.trusted:
        return None
    resolved = ctx.resolve(program) if "/" in program else None
    joined = " ".join(w.value for w in args)
    if UNKNOWN_PART in joined:
        return None  # arguments only known at run time cannot be checked against the pattern
    for name, pattern in ctx.environments.trusted:
        if "/" in name:
            base = ctx.workspace or ctx.cwd
            wanted = posixpath.normpath(posixpath.join(base, name)) if base and not name.startswith("/") else name
            if resolved != wanted:
                continue
        elif name != program:
            continue
        if pattern is None or fnmatch.fnmatchcase(joined, pattern):
            return f"{name} {pattern}" if pattern else name
    return None


def _fields(effect: Effect) -> dict[str, Any]:
    return {f: getattr(effect, f) for f in effect.__struct_fields__}


def lost_words(statement: Any, body: Any, redirects: list[Any]) -> list[str]:
    """Text tree-sitter-bash leaves out of every node: `cat - <<EOF` parses as `cat <<EOF`, the `-` in no node.
    What sits between the command and its first redirect is given back to the command as plain words."""
    if not redirects:
        return []
    source: bytes = statement.text
    gap = source[body.end_byte - statement.start_byte: redirects[0].start_byte - statement.start_byte]
    text = gap.decode("utf-8", "replace").strip()
    if not text:
        return []
    return text.split()


def read_small_file(path: str) -> str | None:
    """A script's text, if it is a small regular file (never a device, pipe or /dev/stdin)."""
    return read_config(path, limit=MAX_SCRIPT_BYTES, encoding="utf-8")


