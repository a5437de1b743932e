"""git: local work that exists nowhere else, the remote that everyone else builds on, and the commands git
is told to run.

Locally, committing, branching, fetching and rebasing are ordinary; what destroys work that exists nowhere
else is not (reset --hard, clean -f, checkout/restore of paths, stash drop/clear, branch -D, reflog expire,
filter-branch). On the remote, pushing commits to a feature branch is ordinary; force pushes, deletions,
mirror pushes and pushes to the default or release branches are changes to prod, and pushing the
repository somewhere that is not one of its own remotes sends it away.

git runs other programs: settings given on the line (`-c core.pager=…`, `GIT_SSH_COMMAND`, `alias.x=!…`,
see `git_config.py`), `rebase --exec`, `bisect run`, `submodule foreach`, `filter-branch` filters,
`difftool -x`, `--upload-pack`, `ext::` URLs, hooks from a directory the line names. Each such command is
handed back to the walker, so its effects are judged as if it were written out. An alias is expanded; a verb
that is neither a git command, an alias nor a `git-VERB` program makes git refuse, and runs nothing.

`read_line()` is git's one reading of its words, shared with the undo planner (`broker/undo/git.py`), so
git's options have one table.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import DEV, LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand import facts
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Stream, Word, lit
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.vcs.common import find_git_dir, find_toplevel
from changegate.understand.commands.vcs.git_config import (
    CREDENTIAL_HELPERS,
    SWITCHED_PREFIX,
    Setting,
    file_settings,
    given_settings,
    how_it_runs,
    is_boolean,
    is_installed_program,
    last,
    normal_key,
    ssh_payloads,
    todo_commands,
    with_includes,
)
from changegate.understand.execve import program_exists, run_file, which
from changegate.understand.facts import is_dir, is_file, read_config
from changegate.understand.placement import place_host, place_url

PROTECTED_BRANCH = re.compile(
    r"(?i)^(refs/heads/)?(main|master|trunk|default|production|prod|live|stable|gh-pages|"
    r"release([-/_.].*)?|releases/.*|hotfix/.*|v?\d+(\.\d+)+)$")
STASH_SAFE = frozenset({"list", "show", "push", "save", "apply", "pop", "branch", "create", "store", ""})
UNRECOVERABLE = "unrecoverable"
MAX_GIT_FILE_BYTES = 4096  # a `.git` file or HEAD is one line
MAX_ALIAS_DEPTH = 8
MAX_PATCH_PATHS = 64
PATCH_BYTES = 4 * 1024 * 1024
HOOK_NAMES = ("applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
              "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout", "post-merge",
              "pre-push", "pre-receive", "update", "proc-receive", "post-receive", "post-update",
              "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite", "sendemail-validate",
              "fsmonitor-watchman", "post-index-change")
# where git keeps its own programs (`git-VERB`); a verb found there is a git command changegate does not know
EXEC_DIRS = ("/usr/lib/git-core", "/usr/libexec/git-core", "/usr/local/libexec/git-core",
             "/opt/homebrew/libexec/git-core", "/Library/Developer/CommandLineTools/usr/libexec/git-core",
             "/Applications/Xcode.app/Contents/Developer/usr/libexec/git-core")
# verbs that talk to a remote (and so run the ssh command, askpass, proxy)
REMOTE_VERBS = frozenset({"fetch", "pull", "push", "clone", "ls-remote", "remote", "submodule", "archive",
                          "send-pack", "fetch-pack"})
DIFF_VERBS = frozenset({"diff", "log", "show", "stash", "whatchanged"})
MESSAGE_FLAGS = ("-m", "--message", "-F", "--file", "-C", "--reuse-message", "--no-edit", "--fixup")
# the file git hands its editor, by verb (under the git directory)
EDITED_FILES: Mapping[str, str] = {
    "commit": "COMMIT_EDITMSG", "revert": "COMMIT_EDITMSG", "cherry-pick": "COMMIT_EDITMSG", "merge": "MERGE_MSG",
    "pull": "MERGE_MSG", "tag": "TAG_EDITMSG", "rebase": "rebase-merge/git-rebase-todo", "notes": "NOTES_EDITMSG",
    "config": "config", "add": "ADD_EDIT.patch", "branch": "EDIT_DESCRIPTION", "replace": "REPLACE_EDITOBJ",
    "send-email": "COMMIT_EDITMSG",
}
TRANSPORT_OPTIONS = ("-u", "--upload-pack", "--receive-pack", "--exec")
FILTER_OPTIONS = ("--setup", "--env-filter", "--tree-filter", "--index-filter", "--parent-filter", "--msg-filter",
                  "--commit-filter", "--tag-name-filter")
TRUSTED_REMOTES = ("origin", "upstream")
# names a branch pattern is tried against: one of them matching makes the pattern a protected push
PROTECTED_EXAMPLES = ("main", "master", "trunk", "default", "production", "prod", "live", "stable", "gh-pages",
                      "release", "release/1.0", "release-1.0", "releases/1.0", "hotfix/x", "1.0", "v1.0")
SCP_LIKE = re.compile(r"^(?:[\w.+-]+@)?([\w.-]+):(?!//)(.+)$")


@dataclass
class GitLine:
    """git's words as git reads them: `git [GLOBAL OPTIONS] VERB [ARGS]`."""

    globals: Options
    verb: str  # lower-cased; "" when there is none
    rest: list[Word]
    opts: Options  # the verb's words, walked with the verb's own options
    prefix: list[Word] = field(default_factory=list)  # the words before the verb

    def directories(self) -> list[tuple[str, str]]:
        """Where git moves before it runs: `-C DIR` (git takes it only as a word of its own: `-CDIR` is an
        unknown option) and `--work-tree[=]DIR`, in order."""
        return [(item.option, item.value) for item in self.globals.items
                if item.option is not None and item.value is not None
                and (item.option == "--work-tree" or item.word.value == "-C")]


def current_branch(git_dir: str) -> str | None:
    head = (read_config(os.path.join(git_dir, "HEAD"), limit=MAX_GIT_FILE_BYTES) or "").strip()
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: refs/heads/") else None


def patch_paths(text: str) -> list[str]:
    """The files a patch or mailbox changes: `+++ b/PATH` (and `--- a/PATH` for deletions)."""
    paths: list[str] = []
    for line in text.splitlines():
        if line.startswith(("+++ ", "--- ")):
            name = line[4:].split("\t", 1)[0].strip()
            if name != "/dev/null":
                paths.append(name.split("/", 1)[1] if name.startswith(("a/", "b/")) else name)
    return list(dict.fromkeys(paths))[:MAX_PATCH_PATHS]


def ext_command(url: str) -> list[str]:
    """`ext::sh -c touch% /tmp/x` runs `sh -c 'touch /tmp/x'`: words split at spaces, `% ` a space, `%%` a %."""
    out: list[str] = []
    word: list[str] = []
    text = url.removeprefix("ext::")
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%" and i + 1 < len(text):
            i += 1
            word.append({"s": "git-upload-pack", "S": "git-upload-pack", "G": ""}.get(text[i], text[i]))
        elif c == " ":
            if word:
                out.append("".join(word))
            word = []
        else:
            word.append(c)
        i += 1
    if word:
        out.append("".join(word))
    return out


def remote_owner(url: str) -> tuple[str, str] | None:
    """(host, owner) of a network remote URL (`git@github.com:acme/shop.git` -> github.com, acme); None for a
    local path."""
    if "://" in url:
        scheme, _, rest = url.partition("://")
        if scheme == "file":
            return None
        host_part, _, path = rest.partition("/")
        host = host_part.rsplit("@", 1)[-1].split(":", 1)[0]
    else:
        match = SCP_LIKE.match(url)
        if not match or url.startswith(("/", ".", "~")):
            return None
        host, path = match.group(1), match.group(2)
    owner = path.strip("/").split("/", 1)[0]
    return host.lower(), owner.lower()


@dataclass(kw_only=True)
class GitCall(Call):
    """One git call: its line as read, the settings the line gives git, and the invocation before `-C`
    moved it (an alias is read again from there)."""

    line: GitLine
    settings: list[Setting]
    outer: Invocation


def on_git(call: Call) -> GitCall:
    """The call `analyze` built (the base's hooks are typed on the base `Call`)."""
    assert isinstance(call, GitCall)
    return call


class Git(Cli):
    NAMES = ("git",)
    FAMILY = "git"
    GLOBAL_OPTIONS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path",
                                "--config-env", "--super-prefix", "--list-cmds"})
    # git's verbs disagree on their short options (`-c` is `git -c k=v`, `switch -c NEW`, and a flag of
    # `branch`; `-u` takes a value in `branch` and none in `push`), so each verb has its own table and
    # VALUE_OPTIONS holds only the global ones
    VALUE_OPTIONS = GLOBAL_OPTIONS
    VERB_OPTIONS: ClassVar[Mapping[str, frozenset[str]]] = {
        "reset": frozenset({"--pathspec-from-file"}),
        "clean": frozenset({"-e", "--exclude"}),
        "checkout": frozenset({"-b", "-B", "--orphan", "--conflict", "--unified", "-U", "--inter-hunk-context",
                               "--pathspec-from-file"}),
        "switch": frozenset({"-c", "-C", "--orphan", "--conflict"}),
        "restore": frozenset({"-s", "--source", "--pathspec-from-file", "--conflict"}),
        "branch": frozenset({"-u", "--set-upstream-to", "--contains", "--merged", "--no-merged", "--sort",
                             "--format", "--points-at", "--color", "--column"}),
        "worktree": frozenset({"--reason", "--expire", "-b", "-B"}),
        "rm": frozenset({"--pathspec-from-file"}),
        "config": frozenset({"-f", "--file", "--blob", "--type", "--default", "--comment"}),
        "push": frozenset({"-o", "--push-option", "--repo", "--receive-pack", "--exec", "--signed"}),
        "rebase": frozenset({"-x", "--exec", "--onto", "-s", "--strategy", "-X", "--strategy-option", "-C",
                             "--whitespace"}),
        "difftool": frozenset({"-x", "--extcmd", "-t", "--tool"}),
        "mergetool": frozenset({"-t", "--tool", "-O"}),
        "filter-branch": frozenset({*FILTER_OPTIONS, "--subdirectory-filter", "-d", "--original", "--state-branch"}),
        "clone": frozenset({"-u", "--upload-pack", "--template", "-c", "--config", "-o", "--origin", "-b",
                            "--branch", "--depth", "--reference", "--reference-if-able", "--separate-git-dir", "-j",
                            "--jobs", "--filter", "--shallow-since", "--shallow-exclude", "--bundle-uri",
                            "--server-option", "--ref-format"}),
        "fetch": frozenset({"--upload-pack", "--depth", "--deepen", "--shallow-since", "--shallow-exclude", "-j",
                            "--jobs", "--refmap", "-o", "--server-option", "--filter", "--negotiation-tip"}),
        "pull": frozenset({"--upload-pack", "--depth", "-s", "--strategy", "-X", "--strategy-option",
                           "--shallow-since", "--shallow-exclude", "-j", "--jobs"}),
        "ls-remote": frozenset({"-u", "--upload-pack", "--exec", "--sort", "-o", "--server-option"}),
        "init": frozenset({"--template", "--separate-git-dir", "-b", "--initial-branch", "--object-format",
                           "--ref-format"}),
        "apply": frozenset({"--directory", "-p", "--exclude", "--include", "-C", "--whitespace",
                            "--build-fake-ancestor"}),
        "am": frozenset({"--directory", "-p", "--exclude", "--include", "-C", "--whitespace", "--patch-format",
                         "--resolvemsg"}),
        "rev-parse": frozenset({"--abbrev-ref", "--prefix", "--default"}),
    }
    # options whose value is optional: they take the next word only when it is one of these
    OPTIONAL_VALUES = {"--recurse-submodules": frozenset({"checkout", "on-demand", "yes", "no", "true", "false"}),
                       "--track": frozenset({"direct", "inherit"}), "-t": frozenset({"direct", "inherit"})}
    DRY_RUN_FLAGS = frozenset({"-n", "--dry-run"})  # of clean, prune and push
    ENV_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM",
                     "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_NAMESPACE",
                     "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_EXEC_PATH", "GIT_PAGER", "GIT_EDITOR",
                     "GIT_SEQUENCE_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "GIT_PROXY_COMMAND",
                     "GIT_TEMPLATE_DIR", "PAGER", "EDITOR", "VISUAL", "GIT_CONFIG", "GIT_CONFIG_KEY_*",
                     "GIT_CONFIG_VALUE_*", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
                     "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS",
                     "GIT_ALLOW_PROTOCOL", "GIT_TERMINAL_PROMPT", "GIT_HTTP_EXTRA_HEADER", "GIT_SSL_NO_VERIFY",
                     "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "HOME",
                     "XDG_CONFIG_HOME")

    # --- reading the line ----------------------------------------------------------------------------
    def read_line(self, words: Sequence[Word]) -> GitLine:
        """git's reading of its words: what `analyze` decides from, and what undo pins by."""
        globals_, verb_word, rest = self.split_verb(words)
        if globals_.dashdash:
            # git refuses a `--` before the verb (an unknown option); what follows is judged as if it were
            # not there, so that `git -- reset --hard` still counts as the reset it looks like
            dashdash = len(words) - len(globals_.rest) - 1
            return self.read_line([*words[:dashdash], *words[dashdash + 1:]])
        verb = verb_word.value.lower() if verb_word is not None else ""
        prefix = list(words[:len(words) - len(rest) - 1]) if verb_word is not None else list(words)
        return GitLine(globals_, verb, rest, self.walk(rest, takes_value=self.VERB_OPTIONS.get(verb, frozenset())),
                       prefix)

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.run_line(inv, inv.words, ())

    def run_line(self, outer: Invocation, words: Sequence[Word], expanding: tuple[str, ...]) -> list[Effect]:
        """One git line; `expanding` names the aliases it was expanded from."""
        line = self.read_line(words)
        if not line.verb:
            return [self.read(outer)]
        inv = self.moved(outer, line)
        settings = given_settings(line.globals, inv.ctx)
        if line.verb == "clone":
            settings += [Setting(normal_key(v.partition("=")[0]), v.partition("=")[2], "clone --config")
                         for v in line.opts.values("-c", "--config")]
        call = GitCall(inv, line.opts, line.verb, [w.value for w in line.rest], line.rest, line=line,
                       settings=settings, outer=outer)
        if line.verb not in self.VERBS:
            return self.not_a_command(call, expanding)
        self.run_configured(call)
        effects = self.dispatch(call)
        outer.stdout = inv.stdout  # `$(git -C sub rev-parse --show-toplevel)`
        return effects

    @staticmethod
    def moved(inv: Invocation, line: GitLine) -> Invocation:
        """The invocation where `-C DIR` and `--work-tree DIR` move git."""
        ctx = inv.ctx
        for _, directory in line.directories():
            ctx = ctx.clone(cwd=ctx.resolve(directory))
        if ctx is inv.ctx:
            return inv
        return Invocation(name=inv.name, words=inv.words, ctx=ctx, walker=inv.walker, stdin=inv.stdin, text=inv.text,
                          args_unknown=inv.args_unknown)

    def simple(self, call: Call, operation: str) -> Effect:
        """A verb whose entry is an operation only reads the repository or changes the local clone."""
        return self.read(call.inv, call.verb) if operation == "read" else self.local(call.inv, call.verb)

    def unknown_verb(self, call: Call) -> list[Effect]:
        return [call.inv.unknown(f"git {call.verb}")]

    # --- building blocks -----------------------------------------------------------------------------
    @staticmethod
    def repo(inv: Invocation) -> str:
        return f"git:{inv.ctx.cwd or '?'}"

    def read(self, inv: Invocation, verb: str = "") -> Effect:
        return inv.effect("read", self.repo(inv), Placement(LOCAL, "git reads the repository"), reversible="yes",
                          kind="repository", summary=f"git {verb} (reads)".replace("  ", " "))

    def local(self, inv: Invocation, verb: str) -> Effect:
        placement = inv.ctx.place_path(inv.ctx.cwd)
        if placement.environment not in (LOCAL, DEV):
            placement = Placement(LOCAL, "git changes the local clone; the remote is untouched")
        return inv.effect("modify", self.repo(inv), placement, reversible="yes",
                          kind="repository", summary=f"git {verb} (local history, recoverable)")

    def discard(self, inv: Invocation, what: str, suggestion: str, scope: str = "many") -> Effect:
        return inv.effect(
            "delete",
            self.repo(inv) + "/worktree",
            inv.ctx.place_path(inv.ctx.cwd),
            scope=scope,
            reversible="no",
            kind="uncommitted-work",
            tags=(UNRECOVERABLE,),
            summary=f"{what}: work that exists nowhere else is lost",
            suggestions=(suggestion,),
        )

    @staticmethod
    def child_ctx(call: GitCall, cwd: str | None = None) -> Context:
        """Where a program git starts runs: git passes its `-c` settings down in GIT_CONFIG_PARAMETERS."""
        given = [s for s in call.settings if s.source.startswith(("-c ", "--config-env"))]
        env = call.inv.ctx.env
        if given:
            passed = " ".join(shlex.quote(s.key) + "=" + shlex.quote(s.value) for s in given)
            env = {**env, "GIT_CONFIG_PARAMETERS": " ".join(filter(None, (env.get("GIT_CONFIG_PARAMETERS"), passed)))}
        return call.inv.ctx.clone(env=env, cwd=cwd or call.inv.ctx.cwd)

    def run_command(self, call: GitCall, command: str, origin: str, ctx: Context | None = None) -> None:
        """A command git runs through the shell, handed back to the walker."""
        if command.strip():
            call.inv.run_script(command, ctx=ctx or self.child_ctx(call), origin=origin)

    # --- what the line's settings make git run ---------------------------------------------------------
    def run_configured(self, call: GitCall) -> None:
        """Run every command the line's settings and variables make this verb run."""
        todo = self.sequence_editor(call)
        chosen = [self.pager(call), self.editor(call), todo, self.external_diff(call)]
        for source, command in filter(None, chosen):
            self.run_command(call, command, f"git's {source}")
        for command in todo_commands(todo[1]) if todo else ():
            self.run_command(call, command, "an exec line of the rebase todo list")
        if call.verb in REMOTE_VERBS:
            self.run_remote_helpers(call)
        latest = {s.key: s for s in call.settings}
        for key, setting in latest.items():
            if key in CHOSEN_KEYS or key.startswith(("pager.", "alias.")):
                continue
            self.run_setting(call, setting)
        if "core.hookspath" not in latest:
            self.run_written_hooks(call)
        template = call.inv.ctx.getenv("GIT_TEMPLATE_DIR") or (
            latest["init.templatedir"].value if "init.templatedir" in latest else None)
        if call.verb in ("init", "clone"):
            for directory in [*call.opts.values("--template"), *filter(None, [template])]:
                self.run_hooks(call, posixpath.join(directory, "hooks"))

    def run_setting(self, call: GitCall, setting: Setting) -> None:
        how, value, origin = how_it_runs(setting.key), setting.value, f"git's {setting.source}"
        if how == "shell" or (how == "toggle" and not is_boolean(value)):
            self.run_command(call, value, origin)
        elif how == "bang" and value.startswith("!"):
            self.run_command(call, value[1:], origin)
        elif how == "helper":
            self.run_credential_helper(call, value, origin)
        elif how == "ssh":
            self.run_ssh(call, value, origin)
        elif how == "program" and value:
            self.run_program(call, value)
        elif how == "hooks":
            self.run_hooks(call, value)

    def run_credential_helper(self, call: GitCall, value: str, origin: str) -> None:
        """`!cmd` and paths run through the shell; NAME is the program git-credential-NAME."""
        value = value.strip()
        if not value:
            return
        if value.startswith("!"):
            self.run_command(call, value[1:], origin)
        elif value.startswith(("/", "~")) or "/" in value.split()[0]:
            self.run_command(call, value, origin)
        else:
            name, *args = value.split()
            if name not in CREDENTIAL_HELPERS:
                call.inv.run_argv([lit(f"git-credential-{name}"), *(lit(a) for a in args)], ctx=self.child_ctx(call))

    def run_program(self, call: GitCall, raw: str) -> None:
        """A program git starts without a shell: read when it is a file here."""
        path = call.inv.ctx.resolve(raw) if "/" in raw else None
        if path is not None and program_exists(call.inv.ctx, path):
            run_file(call.inv, path, ctx=self.child_ctx(call))
        else:
            call.inv.run_argv([lit(raw)], ctx=self.child_ctx(call))

    def run_ssh(self, call: GitCall, value: str, origin: str) -> None:
        payloads = ssh_payloads(value)
        for command in [value] if payloads is None else payloads:
            self.run_command(call, command, origin)

    def run_remote_helpers(self, call: GitCall) -> None:
        """The ssh command, the password prompt and the proxy git starts to reach a remote."""
        ctx = call.inv.ctx
        ssh = ctx.getenv("GIT_SSH_COMMAND")
        configured = last(call.settings, "core.sshcommand")
        if ssh is not None:
            self.run_ssh(call, ssh, "git's GIT_SSH_COMMAND")
        elif configured is not None:
            self.run_ssh(call, configured.value, f"git's {configured.source}")
        elif ctx.getenv("GIT_SSH"):
            self.run_program(call, ctx.env["GIT_SSH"])
        # GIT_ASKPASS, then core.askPass, then SSH_ASKPASS; an IDE's own helper (a file it installed) is its own
        askpass = self.from_environment(call, "GIT_ASKPASS") or self.setting(call, "core.askpass") or \
            self.from_environment(call, "SSH_ASKPASS")
        if askpass is not None and not (askpass[0].endswith("_ASKPASS") and is_installed_program(ctx, askpass[1])):
            self.run_command(call, askpass[1], f"git's {askpass[0]}")
        proxy = ctx.getenv("GIT_PROXY_COMMAND")
        if proxy:
            self.run_command(call, proxy, "git's GIT_PROXY_COMMAND")

    def pager(self, call: GitCall) -> tuple[str, str] | None:
        """GIT_PAGER, then `pager.VERB` (when a command), then core.pager, then PAGER."""
        if call.line.globals.has("--no-pager", "-P"):
            return None
        if "GIT_PAGER" in call.inv.ctx.env:
            return "GIT_PAGER", call.inv.ctx.getenv("GIT_PAGER") or ""
        own = last(call.settings, f"pager.{call.verb}")
        if own is not None and not is_boolean(own.value):
            return own.source, own.value
        core = last(call.settings, "core.pager")
        if core is not None:
            return core.source, core.value
        return self.from_environment(call, "PAGER")

    def editor(self, call: GitCall) -> tuple[str, str] | None:
        """GIT_EDITOR, then core.editor, then VISUAL, then EDITOR — for a verb that opens one, with the file
        git hands it."""
        if not self.opens_editor(call):
            return None
        chosen = self.from_environment(call, "GIT_EDITOR") or self.setting(call, "core.editor") or \
            self.from_environment(call, "VISUAL") or self.from_environment(call, "EDITOR")
        return self.with_edited_file(call, chosen)

    def sequence_editor(self, call: GitCall) -> tuple[str, str] | None:
        if call.verb != "rebase" or not call.opts.has("-i", "--interactive", "--edit-todo"):
            return None
        chosen = self.from_environment(call, "GIT_SEQUENCE_EDITOR") or self.setting(call, "sequence.editor")
        return self.with_edited_file(call, chosen)

    def external_diff(self, call: GitCall) -> tuple[str, str] | None:
        if call.verb not in DIFF_VERBS or call.opts.has("--no-ext-diff"):
            return None
        return self.from_environment(call, "GIT_EXTERNAL_DIFF") or self.setting(call, "diff.external")

    @staticmethod
    def from_environment(call: GitCall, name: str) -> tuple[str, str] | None:
        return (name, call.inv.ctx.getenv(name) or "") if call.inv.ctx.env.get(name) else None

    @staticmethod
    def setting(call: GitCall, key: str) -> tuple[str, str] | None:
        found = last(call.settings, key)
        return (found.source, found.value) if found is not None else None

    def with_edited_file(self, call: GitCall, chosen: tuple[str, str] | None) -> tuple[str, str] | None:
        if chosen is None or not chosen[1].strip():
            return None
        git_dir = find_git_dir(call.inv.ctx.cwd) if call.inv.ctx.remote is None else None
        edited = posixpath.join(git_dir or ".git", EDITED_FILES.get(call.verb, "COMMIT_EDITMSG"))
        return chosen[0], f"{chosen[1]} {shlex.quote(edited)}"

    @staticmethod
    def opens_editor(call: GitCall) -> bool:
        """Whether the verb, as written, hands a file to the editor."""
        opts, verb = call.opts, call.verb
        edit = opts.has("-e", "--edit")
        if verb in ("commit", "revert"):
            return edit or not opts.has(*MESSAGE_FLAGS)
        if verb == "notes":
            return opts.positionals[:1] in (["add"], ["append"], ["edit"]) and (edit or not opts.has(*MESSAGE_FLAGS))
        if verb == "tag":
            return edit or (opts.has("-a", "-s", "-u", "--annotate", "--sign") and not opts.has(*MESSAGE_FLAGS))
        if verb == "rebase":
            return opts.has("-i", "--interactive", "--edit-todo")
        if verb == "config":
            return edit or opts.positionals[:1] == ["edit"]
        if verb == "branch":
            return opts.has("--edit-description")
        if verb == "send-email":
            return opts.has("--compose", "--annotate")
        return edit and verb in EDITED_FILES

    def run_hooks(self, call: GitCall, raw: str) -> None:
        """The hooks in a directory the line points git at: each one there runs when its event comes."""
        ctx = call.inv.ctx
        directory = ctx.resolve(raw)
        if directory is None or UNKNOWN_PART in directory:
            call.inv.walker.effects.append(call.inv.effect(
                "execute_opaque", f"code:{raw}", Placement(UNKNOWN, "hooks from a directory only known at run time"),
                kind="code", reversible="unknown", summary=f"git runs hooks from {raw}, a directory only known "
                                                           "when the command runs"))
            return
        for name in HOOK_NAMES:
            path = posixpath.join(directory, name)
            if program_exists(ctx, path):
                run_file(call.inv, path, ctx=self.child_ctx(call))

    def run_written_hooks(self, call: GitCall) -> None:
        """Hooks of the repository that this line wrote (`printf … > .git/hooks/pre-commit && git commit`): those
        already there were judged when they were written."""
        ctx = call.inv.ctx
        if not ctx.files or ctx.remote is not None:
            return
        directory = posixpath.join(find_git_dir(ctx.cwd) or posixpath.join(ctx.cwd or "", ".git"), "hooks")
        for name in HOOK_NAMES:
            path = posixpath.join(directory, name)
            if path in ctx.files:
                run_file(call.inv, path, ctx=self.child_ctx(call))

    # --- verbs that are not git's own: aliases and git-VERB programs -------------------------------------
    def not_a_command(self, call: GitCall, expanding: tuple[str, ...]) -> list[Effect]:
        verb = call.verb
        if verb in expanding or len(expanding) >= MAX_ALIAS_DEPTH:
            return [self.refused(call, f"git {verb}: the alias expands to itself, and git refuses it")]
        alias = self.alias(call)
        if alias is not None:
            return self.run_alias(call, alias, expanding)
        return self.external(call)

    def alias(self, call: GitCall) -> str | None:
        """`alias.VERB`: given on the line, or in the repository's and the user's config files."""
        given = last(call.settings, f"alias.{call.verb}")
        if given is not None:
            return given.value
        ctx = call.inv.ctx
        if ctx.remote is not None:
            return None
        home = ctx.home or ""
        xdg = ctx.env.get("XDG_CONFIG_HOME") or posixpath.join(home, ".config")
        git_dir = find_git_dir(ctx.cwd)
        files = [p for p in ("/etc/gitconfig", posixpath.join(xdg, "git", "config") if home else "",
                             posixpath.join(home, ".gitconfig") if home else "",
                             posixpath.join(git_dir, "config") if git_dir else "") if p]
        settings = list(with_includes([s for path in files for s in file_settings(ctx, path, path)], ctx, 0))
        found = last(settings, f"alias.{call.verb}")
        if found is None:
            return None
        ctx.consulted.setdefault(f"git:alias.{call.verb}", found.value)
        return found.value

    def run_alias(self, call: GitCall, value: str, expanding: tuple[str, ...]) -> list[Effect]:
        if value.startswith("!"):
            # a shell alias runs from the top of the work tree, with the arguments appended
            script = value[1:] + "".join(" " + shlex.quote(a) for a in call.args)
            top = find_toplevel(call.inv.ctx.cwd) if call.inv.ctx.remote is None else None
            self.run_command(call, script, f"the git alias {call.verb}", self.child_ctx(call, cwd=top))
            return []
        try:
            words = shlex.split(value)
        except ValueError:
            return [call.inv.unknown(f"git {call.verb}: an alias that could not be read")]
        if not words:
            return [self.refused(call, f"git {call.verb}: an empty alias, which git refuses")]
        expanded = [*call.line.prefix, *(lit(w) for w in words), *call.line.rest]
        return self.run_line(call.outer, expanded, (*expanding, call.verb))

    def external(self, call: GitCall) -> list[Effect]:
        """`git VERB` runs `git-VERB` from git's own directory or the PATH; without one, git refuses."""
        ctx, program = call.inv.ctx, f"git-{call.verb}"
        autocorrect = last(call.settings, "help.autocorrect")
        guesses = autocorrect is not None and autocorrect.value not in ("0", "false", "never", "show", "")
        if ctx.remote is not None or guesses or "PATH" not in ctx.env:
            # elsewhere, or without the PATH it runs with, what is installed cannot be told
            return self.unknown_verb(call)
        exec_dirs = [d for d in (ctx.env.get("GIT_EXEC_PATH"), call.line.globals.value("--exec-path"), *EXEC_DIRS)
                     if d and is_dir(d)]
        if any(is_file(posixpath.join(d, program)) for d in exec_dirs):
            return self.unknown_verb(call)
        found = which(ctx, program)
        if found is not None:
            run_file(call.inv, found, call.line.rest, ctx=self.child_ctx(call))
            return []
        if not exec_dirs:
            return self.unknown_verb(call)
        return [self.refused(call, f"git {call.verb} is not a git command, an alias or a {program} program: "
                                   "git refuses it and runs nothing")]

    def refused(self, call: Call, why: str) -> Effect:
        return call.inv.effect("read", self.repo(call.inv), Placement(LOCAL, "git refuses the command"),
                               reversible="yes", kind="repository", tags=("absent-program",), summary=why)

    # --- local verbs that can destroy work -------------------------------------------------------------
    def reset(self, call: Call) -> list[Effect]:
        if call.opts.has("--hard"):
            return [self.discard(call.inv, "git reset --hard discards uncommitted changes",
                                 "keep the changes first: git stash (then git reset --hard), or use --keep")]
        return [self.local(call.inv, "reset")]

    def clean(self, call: Call) -> list[Effect]:
        opts = call.opts
        if opts.has(*self.DRY_RUN_FLAGS) or not opts.has("-f", "--force"):
            return [self.read(call.inv, "clean --dry-run")]
        ignored = " and ignored" if opts.has("-x", "-X") else ""
        return [self.discard(call.inv, f"git clean deletes untracked{ignored} files",
                             "see what would go first: git clean -n" + ("d" if opts.has("-d") else ""))]

    def checkout(self, call: Call) -> list[Effect]:
        opts, inv = call.opts, call.inv
        forced = opts.has("-f", "--force")
        if opts.has("-b", "-B", "--orphan") and not forced:
            return [self.local(inv, "checkout -b")]
        if opts.has("--pathspec-from-file") or opts.dashdash or len(opts.positionals) >= 2 or forced or \
                (opts.positionals and opts.positionals[0] in (".", "./", ":/")):
            what = "git checkout overwrites uncommitted changes" + (" everywhere" if forced else " to those paths")
            return [self.discard(inv, what, "keep the changes first: git stash, or commit them")]
        if len(opts.positionals) == 1 and self.is_file(inv, opts.positionals[0]):
            return [self.discard(inv, f"git checkout {opts.positionals[0]} overwrites its uncommitted changes",
                                 "keep the changes first: git stash, or commit them", "one")]
        return [self.local(inv, "checkout")]

    @staticmethod
    def is_file(inv: Invocation, raw: str) -> bool:
        path = inv.ctx.resolve(raw)
        return path is not None and facts.is_file(path)

    def switch(self, call: Call) -> list[Effect]:
        if call.opts.has("-f", "--force", "--discard-changes"):
            return [self.discard(call.inv, "git switch --discard-changes drops uncommitted changes",
                                 "keep the changes first: git stash")]
        return [self.local(call.inv, "switch")]

    def restore(self, call: Call) -> list[Effect]:
        opts = call.opts
        staged_only = opts.has("-S", "--staged") and not opts.has("-W", "--worktree")
        if staged_only or opts.has("-h", "--help") or not (opts.positionals or opts.has("--pathspec-from-file")):
            return [self.local(call.inv, "restore --staged")]
        return [self.discard(call.inv, "git restore overwrites uncommitted changes to those paths",
                             "keep the changes first: git stash, or git diff > changes.patch")]

    def stash(self, call: Call) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub in ("drop", "clear"):
            return [self.discard(call.inv, f"git stash {sub} deletes stashed work",
                                 "keep it on a branch first: git stash branch keep-stash",
                                 "all" if sub == "clear" else "one")]
        if sub in STASH_SAFE or sub.startswith("-"):
            return [self.local(call.inv, "stash")]
        return [self.local(call.inv, f"stash {sub}")]

    def branch(self, call: Call) -> list[Effect]:
        opts, inv = call.opts, call.inv
        if opts.has("-D") or (opts.has("-d", "--delete") and opts.has("-f", "--force")):
            names = ", ".join(opts.positionals) or "a branch"
            return [self.discard(inv, f"git branch -D deletes {names} even if it is not merged",
                                 "use git branch -d, which refuses to delete unmerged work", "one")]
        if opts.has("-M", "-C", "-d", "--delete", "-m", "-c", "--move", "--copy"):
            return [self.local(inv, "branch")]
        if opts.positionals and not opts.has("--list", "-l", "-a", "-r", "--all", "--remotes", "--show-current"):
            return [self.local(inv, "branch")]
        if opts.has("--show-current"):
            self.print_branch(inv)
        return [self.read(inv, "branch")]

    def reflog(self, call: Call) -> list[Effect]:
        sub = call.args[0] if call.args else "show"
        if sub in ("expire", "delete"):
            return [self.discard(call.inv, f"git reflog {sub} removes the record that lets lost commits be found",
                                 "leave the reflog alone; it is the undo history")]
        return [self.read(call.inv, "reflog")]

    def filter_branch(self, call: Call) -> list[Effect]:
        git = on_git(call)
        for item in call.opts.items:
            if item.option in FILTER_OPTIONS and item.value:
                self.run_command(git, item.value, f"git filter-branch {item.option}")
        return [self.discard(call.inv, "git filter-branch rewrites every commit of the history",
                             "run it on a fresh clone, and keep the original repository")]

    def filter_repo(self, call: Call) -> list[Effect]:
        return [self.discard(call.inv, "git filter-repo rewrites history and drops the originals",
                             "run it on a fresh clone, and keep the original repository")]

    def gc(self, call: Call) -> list[Effect]:
        if any(v.startswith("now") or v == "all" for v in call.opts.values("--prune")):
            return [self.discard(call.inv, "git gc --prune=now deletes unreachable commits at once",
                                 "let gc prune on its default schedule")]
        return [self.local(call.inv, "gc")]

    def prune(self, call: Call) -> list[Effect]:
        if call.opts.has(*self.DRY_RUN_FLAGS):
            return [self.read(call.inv, "prune -n")]
        return [self.discard(call.inv, "git prune deletes unreachable commits", "git prune -n shows what would go")]

    def worktree(self, call: Call) -> list[Effect]:
        if call.opts.positionals[:1] == ["remove"] and call.opts.has("-f", "--force"):
            return [self.discard(call.inv, "git worktree remove --force deletes a worktree with its changes",
                                 "commit or stash in that worktree first")]
        return [self.local(call.inv, "worktree")]

    def rm(self, call: Call) -> list[Effect]:
        opts, inv = call.opts, call.inv
        if opts.has("--cached"):
            return [self.local(inv, "rm --cached")]
        recursive = opts.has("-r")
        effects = [inv.fs("delete", w.value, recursive=recursive, glob=w.glob, reversible="yes",
                          tags=("tracked",), summary=f"git rm {w.shown()} (tracked: recoverable from git)")
                   for w in opts.positional_words]
        if opts.has("-f", "--force"):
            effects.append(self.discard(inv, "git rm -f discards uncommitted changes to those files",
                                        "commit or stash first"))
        return effects or [self.local(inv, "rm")]

    def config(self, call: Call) -> list[Effect]:
        opts, inv = call.opts, call.inv
        positionals = opts.positionals
        sub = positionals[0] if positionals and positionals[0] in CONFIG_SUBCOMMANDS else ""
        args = positionals[1:] if sub else positionals
        if sub in ("get", "list") or (not sub and (opts.has(*CONFIG_READS) or (len(args) <= 1 and not opts.has(
                "--unset", "--unset-all", "--remove-section", "--rename-section", "--add", "--replace-all",
                "-e", "--edit")))):
            return [self.read(inv, "config")]
        if sub == "edit" or opts.has("-e", "--edit"):
            key = ".git/config"
        else:
            key = (args[0] if args else "").lower()
            if len(args) >= 2 and not opts.has("-f", "--file", "--blob") and UNKNOWN_PART not in key:
                # later steps of this line run with it: `git config alias.x '!…' && git x`
                inv.ctx.switched[SWITCHED_PREFIX + normal_key(key)] = args[1]
        if opts.has("--global", "--system"):
            scope = "--system" if opts.has("--system") else "--global"
            target = "/etc/gitconfig" if scope == "--system" else "~/.gitconfig"
            return [inv.fs("modify", target, reversible="yes", summary=f"git config {scope} {key}")]
        if key == ".git/config" or how_it_runs(key) is not None or key.startswith("url."):
            return [inv.fs("modify", ".git/config", reversible="yes", tags=("persistence",),
                           summary=f"git config {key}: changes what git runs or where it connects")]
        return [self.local(inv, "config")]

    # --- verbs that run commands ----------------------------------------------------------------------
    def rebase(self, call: Call) -> list[Effect]:
        git = on_git(call)
        for command in call.opts.values("-x", "--exec"):
            self.run_command(git, command, "git rebase --exec")
        return [self.local(call.inv, "rebase")]

    def bisect(self, call: Call) -> list[Effect]:
        words = on_git(call).line.rest
        if len(words) > 1 and words[0].value == "run":
            call.inv.run_argv(words[1:], ctx=self.child_ctx(on_git(call)))
        return [self.local(call.inv, "bisect")]

    def submodule(self, call: Call) -> list[Effect]:
        git = on_git(call)
        words = list(git.line.rest)
        values = [w.value for w in words]
        if "foreach" in values:
            command = words[values.index("foreach") + 1:]
            while command and command[0].value in ("--recursive", "--quiet", "-q"):
                command = command[1:]
            # one word is a shell command; several are a program and its arguments
            if len(command) == 1:
                self.run_command(git, command[0].value, "git submodule foreach")
            elif command:
                call.inv.run_argv(command, ctx=self.child_ctx(git))
        self.run_ext_urls(git)
        return [self.local(call.inv, "submodule")]

    def difftool(self, call: Call) -> list[Effect]:
        for command in call.opts.values("-x", "--extcmd"):
            self.run_command(on_git(call), command, "git difftool --extcmd")
        return [self.read(call.inv, "difftool")]

    def hook(self, call: Call) -> list[Effect]:
        """`git hook run NAME`: the hook from core.hooksPath or the repository's hooks directory."""
        git = on_git(call)
        if call.args[:1] != ["run"] or len(call.args) < 2:
            return [self.read(call.inv, "hook")]
        hooks = last(git.settings, "core.hookspath")
        git_dir = find_git_dir(call.inv.ctx.cwd) if call.inv.ctx.remote is None else None
        directory = hooks.value if hooks is not None else posixpath.join(git_dir or ".git", "hooks")
        path = call.inv.ctx.resolve(posixpath.join(directory, call.args[1]))
        if path is not None and program_exists(call.inv.ctx, path):
            run_file(call.inv, path, git.line.opts.rest, ctx=self.child_ctx(git))
            return []
        return [self.refused(call, f"git hook run {call.args[1]}: there is no such hook, so nothing runs")]

    def credential(self, call: Call) -> list[Effect]:
        if call.args[:1] == ["fill"]:
            return [call.inv.effect("secret_read", "git:credentials", Placement(LOCAL, "git's credential store"),
                                    reversible="yes", kind="secret",
                                    summary="git credential fill prints a stored password or token")]
        return [self.local(call.inv, "credential")]

    def patch(self, call: Call) -> list[Effect]:
        """apply, am: the files a patch changes (read from the patch), where it can be read."""
        opts, inv = call.opts, call.inv
        if opts.has("--check", "--stat", "--numstat", "--summary") and not opts.has("--apply"):
            return [self.read(inv, call.verb)]
        if opts.has("--cached", "--abort", "--continue", "--skip", "--quit", "--show-current-patch"):
            return [self.local(inv, call.verb)]
        texts: list[str] = []
        for word in opts.positional_words:
            stream = inv.walker.file_stream(word.value, inv.ctx)
            texts.append(stream.text or "")
        if not opts.positional_words and inv.stdin is not None and inv.stdin.text is not None:
            texts.append(inv.stdin.text)
        top = (find_toplevel(inv.ctx.cwd) if inv.ctx.remote is None else None) or inv.ctx.cwd or "."
        base = posixpath.join(top, opts.value("--directory") or "")
        paths = [p for text in texts for p in patch_paths(text[:PATCH_BYTES])]
        effects = [inv.fs("modify", posixpath.join(base, p), reversible="yes",
                          summary=f"git {call.verb} changes {p}") for p in dict.fromkeys(paths)]
        return effects or [self.local(inv, call.verb)]

    # --- reads that print what a later step uses ---------------------------------------------------------
    def rev_parse(self, call: Call) -> list[Effect]:
        """`$(git rev-parse --show-toplevel)` and `$(git rev-parse --abbrev-ref HEAD)` are known here."""
        inv, opts = call.inv, call.opts
        if inv.ctx.remote is None:
            if opts.has("--show-toplevel"):
                top = find_toplevel(inv.ctx.cwd)
                if top:
                    inv.stdout = Stream(text=top + "\n", origin="git rev-parse --show-toplevel")
            elif opts.value("--abbrev-ref") == "HEAD" or (opts.has("--abbrev-ref") and call.args == ["HEAD"]):
                self.print_branch(inv)
        return [self.read(inv, "rev-parse")]

    def symbolic_ref(self, call: Call) -> list[Effect]:
        if len(call.opts.positionals) == 1 and call.opts.positionals[0] == "HEAD":
            if call.opts.has("--short") and call.inv.ctx.remote is None:
                self.print_branch(call.inv)
            return [self.read(call.inv, "symbolic-ref")]
        return [self.local(call.inv, "symbolic-ref")]

    @staticmethod
    def print_branch(inv: Invocation) -> None:
        git_dir = find_git_dir(inv.ctx.cwd) if inv.ctx.remote is None else None
        branch = current_branch(git_dir) if git_dir else None
        if branch:
            inv.ctx.consulted.setdefault("git:branch", branch)
            inv.stdout = Stream(text=branch + "\n", origin="the current git branch")

    # --- the remote ----------------------------------------------------------------------------------
    def send_email(self, call: Call) -> list[Effect]:
        return [call.inv.effect("publish", "git:email", Placement(PROD, "sends patches to other people"),
                                reversible="no", summary="git send-email publishes patches")]

    def transport(self, call: GitCall, remote: str) -> None:
        """`--upload-pack`/`--receive-pack`/`--exec` commands (run where the remote is: over ssh on its host,
        else here) and `ext::` URLs (a command run here)."""
        commands = [item for item in call.opts.items if item.option in TRANSPORT_OPTIONS and item.value]
        if commands:
            url = self.remote_url(call, remote)
            ctx = self.child_ctx(call)
            host = ssh_host(url)
            if host:
                placement = place_host(ctx.environments, host, "git remote host")
                ctx = ctx.clone(remote=host, remote_placement=placement, cwd="/", workspace=None, env={})
            for item in commands:
                self.run_command(call, item.value or "", f"git {call.verb} {item.option}", ctx)
        self.run_ext_urls(call)

    def run_ext_urls(self, call: GitCall) -> None:
        for word in call.line.rest:
            if word.value.startswith("ext::"):
                command = ext_command(word.value)
                if command:
                    call.inv.run_argv([lit(w) for w in command], ctx=self.child_ctx(call))

    def clone(self, call: Call) -> list[Effect]:
        git = on_git(call)
        args = call.opts.positionals
        self.transport(git, args[0] if args else "")
        # the new repository lands in DIRECTORY, or in the repository's name under the cwd
        default = posixpath.basename(args[0].rstrip("/")).removesuffix(".git") if args else ""
        destination = args[1] if len(args) > 1 else default
        if not destination:
            return [self.local(call.inv, "clone")]
        return [call.inv.fs("create", destination, kind="repository", reversible="yes",
                            summary=f"git clone into {destination}")]

    def fetch(self, call: Call) -> list[Effect]:
        git = on_git(call)
        self.transport(git, call.opts.positionals[0] if call.opts.positionals else "origin")
        return [self.read(call.inv, call.verb) if call.verb in ("fetch", "ls-remote") else
                self.local(call.inv, call.verb)]

    def remote(self, call: Call) -> list[Effect]:
        git = on_git(call)
        args = call.opts.positionals
        if len(args) >= 3 and args[0] in ("add", "set-url") and UNKNOWN_PART not in args[1]:
            # a later push of this line goes there
            call.inv.ctx.switched[f"git-remote:{args[1]}"] = args[-1] if args[0] == "add" else args[2]
        self.run_ext_urls(git)
        if not args or args[0] in ("show", "-v", "get-url"):
            return [self.read(call.inv, "remote")]
        return [self.local(call.inv, "remote")]

    def push(self, call: Call) -> list[Effect]:
        git = on_git(call)
        opts, inv = call.opts, call.inv
        force = opts.has("-f", "--force") or any(f.startswith("--force") and not f.startswith(
            ("--force-with-lease", "--force-if-includes")) for f in opts.flags)
        lease = any(f.startswith("--force-with-lease") for f in opts.flags)
        remote = opts.positionals[0] if opts.positionals else opts.value("--repo") or "origin"
        refspecs = opts.positionals[1:]
        if opts.has(*self.DRY_RUN_FLAGS):
            return [self.read(inv, "push --dry-run")]
        self.transport(git, remote)
        effects: list[Effect] = []
        foreign = self.foreign_remote(git, remote)
        if foreign is not None:
            effects.append(foreign)
        whole = opts.has("--mirror", "--all", "--prune")
        if opts.has("--mirror"):
            effects.append(self.remote_effect(inv, remote, "*", "replace", "git push --mirror makes the remote a "
                                              "copy of this clone, deleting what this clone lacks", force=True))
        if opts.has("-d", "--delete"):
            for ref in refspecs or ["?"]:
                effects.append(self.remote_effect(inv, remote, ref, "delete", f"deletes {ref} on {remote}"))
            return effects
        if opts.has("--tags", "--follow-tags"):
            effects.append(inv.effect("publish", f"git:remote/{remote}/tags", Placement(PROD, "tags mark releases"),
                                      kind="tag", reversible="unknown", summary=f"pushes tags to {remote}"))
        if opts.has("--all", "--prune"):
            effects.append(self.remote_effect(inv, remote, "*", "modify",
                                              f"pushes every branch to {remote}" +
                                              (" and deletes remote branches this clone lacks" if opts.has("--prune")
                                               else ""), force=force or lease))
        if not refspecs and not whole and not opts.has("--tags"):
            refspecs = self.configured_refspecs(git, remote)
        for spec in refspecs:
            effects.append(self.push_refspec(inv, remote, spec, force=force or lease))
        return effects

    def configured_refspecs(self, call: GitCall, remote: str) -> list[str]:
        """What a push without refspecs pushes: `remote.NAME.push`, every matching branch under
        `push.default=matching`, else the current branch (to its upstream under `push.default=upstream`)."""
        settings = [*self.repository_settings(call), *call.settings]
        configured = [s.value for s in settings if s.key == f"remote.{remote.lower()}.push"]
        if configured:
            return configured
        default = last(settings, "push.default")
        if default is not None and default.value.lower() == "matching":
            return ["refs/heads/*:refs/heads/*"]
        branch = self.branch_here(call.inv)
        if branch is None:
            return ["?"]
        upstream = last(settings, f"branch.{branch.lower()}.merge")
        if default is not None and default.value.lower() in ("upstream", "tracking") and upstream is not None:
            return [f"{branch}:{upstream.value}"]
        return [branch]

    def repository_settings(self, call: GitCall) -> list[Setting]:
        """The repository's own config file (remotes, upstreams, push.default), where it can be read."""
        git_dir = find_git_dir(call.inv.ctx.cwd) if call.inv.ctx.remote is None else None
        return file_settings(call.inv.ctx, posixpath.join(git_dir, "config"), ".git/config") if git_dir else []

    def remote_url(self, call: GitCall, remote: str) -> str:
        """A remote's URL: as written, added earlier in this line, or from the repository's config."""
        switched = call.inv.ctx.switched.get(f"git-remote:{remote}")
        if switched is not None:
            return switched
        if remote_owner(remote) is not None or remote.startswith(("/", ".", "~", "ext::")):
            return remote
        found = last(self.repository_settings(call), f"remote.{remote.lower()}.url")
        return found.value if found is not None else remote

    def foreign_remote(self, call: GitCall, remote: str) -> Effect | None:
        """Pushing to an owner none of the repository's own remotes (origin, upstream) belongs to sends its
        history away: to a URL written on the line, or to a remote this line added."""
        url = self.remote_url(call, remote)
        if url == remote and f"git-remote:{remote}" not in call.inv.ctx.switched and remote_owner(remote) is None:
            return None
        owner = remote_owner(url)
        if owner is None:
            return None
        urls = {s.key: s.value for s in self.repository_settings(call)
                if s.key.startswith("remote.") and s.key.endswith(".url")}
        own = [v for k, v in urls.items() if k in {f"remote.{name}.url" for name in TRUSTED_REMOTES}]
        trusted = {o for o in (remote_owner(v) for v in own or urls.values()) if o is not None}
        if owner in trusted:
            return None
        placement = place_url(call.inv.ctx.environments, url, "git remote") if "://" in url else \
            place_host(call.inv.ctx.environments, owner[0], "git remote host")
        return call.inv.effect(
            "exfiltrate", f"git:remote/{url}", placement, kind="repository", reversible="no",
            summary=f"git push sends this repository's history to {url}, which is not one of its own remotes "
                    f"({', '.join(sorted(o[0] + '/' + o[1] for o in trusted)) or 'it has none'})",
            suggestions=("push to the repository's own remote (origin) and open a pull request",))

    def push_refspec(self, inv: Invocation, remote: str, spec: str, *, force: bool) -> Effect:
        plus = spec.startswith("+")
        src, colon, dst = spec.lstrip("+").partition(":")
        target = dst if colon else src
        if colon and not src:
            return self.remote_effect(inv, remote, target, "delete", f"deletes {target} on {remote}")
        if not colon and src in ("HEAD", "@"):
            target = self.branch_here(inv) or "?"
        if target.startswith("refs/tags/") or re.fullmatch(r"v?\d+(\.\d+)+.*", target):
            return inv.effect("publish", f"git:remote/{remote}/{target}", Placement(PROD, "a tag marks a release"),
                              kind="tag", reversible="unknown", summary=f"pushes the tag {target} to {remote}")
        return self.remote_effect(inv, remote, target, "modify", f"pushes {target} to {remote}", force=force or plus)

    def remote_effect(self, inv: Invocation, remote: str, branch: str, operation: Operation, summary: str,
                      force: bool = False) -> Effect:
        name = branch.removeprefix("refs/heads/").replace(UNKNOWN_PART, "…")
        protected = is_protected(name)
        tags: list[str] = []
        if force:
            tags.append("force")
            summary += " with --force (rewrites history others have)"
        if (name == "?" or "…" in name) and not force:
            placement = Placement(UNKNOWN, "the branch is only known when the command runs, or could not be read "
                                           "here; it may be the default one")
        elif protected or force or operation in ("delete", "replace"):
            why = ("force pushes rewrite shared history" if force else
                   "deleting a remote branch is a change to prod" if operation == "delete" else
                   f"{name} is a default or release branch")
            placement = Placement(PROD, why)
        else:
            placement = Placement(DEV, f"{name} is a feature branch")
        suggestions = ("push to a feature branch and open a pull request",) if protected else ()
        if force:
            suggestions = ("git push --force-with-lease to a feature branch, never to a shared one",)
        return inv.effect(operation, f"git:remote/{remote}/{name}", placement,
                          kind="branch", reversible="no" if force or operation == "delete" else "yes",
                          tags=tuple(tags), summary=summary.replace(UNKNOWN_PART, "…"), suggestions=suggestions)

    @staticmethod
    def branch_here(inv: Invocation) -> str | None:
        git_dir = inv.ctx.getenv("GIT_DIR") or find_git_dir(inv.ctx.cwd)
        if not git_dir:
            return None
        branch = current_branch(git_dir)
        if branch:
            inv.ctx.consulted.setdefault("git:branch", branch)
        return branch or "HEAD"

    VERBS = {
        **Cli.VERBS,
        **dict.fromkeys((
            "status", "log", "diff", "show", "blame", "grep", "ls-files", "ls-tree", "describe", "shortlog",
            "cat-file", "show-ref", "for-each-ref", "name-rev", "merge-base", "rev-list", "whatchanged", "range-diff",
            "check-ignore", "check-attr", "count-objects", "fsck", "help", "version", "var", "annotate",
            "show-branch", "verify-commit", "verify-tag", "cherry", "request-pull", "bugreport", "citool", "gui",
            "instaweb", "archive", "bundle", "format-patch", "diff-tree", "diff-index", "diff-files",
            "check-ref-format", "check-mailmap", "patch-id", "column", "stripspace"), "read"),
        # the local clone: ordinary, recoverable from git's own history
        **dict.fromkeys((
            "add", "commit", "init", "merge", "cherry-pick", "revert", "mv", "notes", "sparse-checkout",
            "maintenance", "lfs", "tag", "update-index", "commit-tree", "mktree", "read-tree", "write-tree",
            "hash-object", "update-ref", "replace", "rerere", "mergetool", "pack-refs", "checkout-index", "stage",
            "repack", "interpret-trailers"), "modify"),
        "reset": reset, "clean": clean, "checkout": checkout, "switch": switch, "restore": restore, "stash": stash,
        "branch": branch, "reflog": reflog, "filter-branch": filter_branch, "filter-repo": filter_repo, "gc": gc,
        "prune": prune, "worktree": worktree, "rm": rm, "config": config,
        "rebase": rebase, "bisect": bisect, "submodule": submodule, "difftool": difftool, "hook": hook,
        "credential": credential, "apply": patch, "am": patch, "rev-parse": rev_parse, "symbolic-ref": symbolic_ref,
        "clone": clone, "fetch": fetch, "ls-remote": fetch, "pull": fetch, "remote": remote,
        "push": push, "send-email": send_email,
    }


# keys whose command is chosen by precedence with a variable (GIT_PAGER over core.pager, …), or run only
# when their verb asks for them
CHOSEN_KEYS = frozenset({"core.pager", "core.editor", "sequence.editor", "core.sshcommand", "core.askpass",
                         "diff.external", "init.templatedir", "include.path"})
CONFIG_SUBCOMMANDS = frozenset({"get", "set", "unset", "list", "edit", "rename-section", "remove-section"})
CONFIG_READS = ("--get", "--get-all", "--get-regexp", "-l", "--list", "--show-origin", "--get-urlmatch",
                "--name-only", "--get-color", "--get-colorbool", "--show-scope")


def is_protected(name: str) -> bool:
    """A default or release branch, or a pattern (`refs/heads/*`) that matches one."""
    if "*" in name:
        return any(fnmatch.fnmatchcase(example, name) for example in PROTECTED_EXAMPLES)
    return bool(PROTECTED_BRANCH.match(name))


def ssh_host(url: str) -> str | None:
    """The host a remote URL reaches over ssh (`git@host:path`, `ssh://host/path`); None for others."""
    if url.startswith("ssh://") or url.startswith("git+ssh://"):
        return url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0] or None
    if "://" in url or url.startswith(("/", ".", "~", "ext::")):
        return None
    match = SCP_LIKE.match(url)
    return match.group(1) if match else None
