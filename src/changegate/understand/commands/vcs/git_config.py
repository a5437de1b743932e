"""git's configuration as a command line gives it: `-c key=value`, `--config-env`, `GIT_CONFIG_PARAMETERS`,
`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`, the files `GIT_CONFIG_GLOBAL`/`GIT_CONFIG_SYSTEM` and `include.path`
name, and what an earlier `git config` of the same line set. Many settings are commands git runs
(`core.pager`, `core.sshCommand`, `alias.x=!…`, `filter.*.smudge`, …): `COMMAND_KEYS` says which, and how.

The user's own config files (`~/.gitconfig`, `.git/config`) are not judged here: they were written before
this action (a change to them is gated when it is made). They are read only for what a line asks git to
look up in them (an alias).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from changegate.understand.base import Context
from changegate.understand.cli import Options
from changegate.understand.facts import is_file, read_config

MAX_INCLUDE_DEPTH = 5
MAX_CONFIG_COUNT = 64  # GIT_CONFIG_COUNT entries read
CONFIG_BYTES = 256 * 1024
SWITCHED_PREFIX = "git-config:"  # `ctx.switched` keys of settings an earlier `git config` of the line made
BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", ""})

# How git uses a setting's value (keys lower-cased, a subsection as `*`):
#   shell    — a shell command (git runs it with `sh -c`, arguments appended)
#   bang     — a shell command when it starts with `!` (aliases, submodule.*.update)
#   toggle   — a shell command unless it is a boolean (core.fsmonitor, pager.<verb>)
#   helper   — a credential helper: `!cmd`, a path, or NAME for the program git-credential-NAME
#   ssh      — the ssh program git connects with (its options may run commands)
#   program  — a program path, run without a shell
#   hooks    — a directory of hooks; template — a directory whose hooks/ a new repository gets
#   include  — a file of more settings
COMMAND_KEYS: dict[str, str] = {
    "core.pager": "shell", "pager.*": "toggle", "core.editor": "shell", "sequence.editor": "shell",
    "core.sshcommand": "ssh", "core.fsmonitor": "toggle", "core.askpass": "shell", "core.gitproxy": "shell",
    "core.hookspath": "hooks", "core.alternaterefscommand": "shell", "init.templatedir": "template",
    "diff.external": "shell", "diff.*.command": "shell", "diff.*.textconv": "shell", "merge.*.driver": "shell",
    "filter.*.clean": "shell", "filter.*.smudge": "shell", "filter.*.process": "shell",
    "alias.*": "bang", "submodule.*.update": "bang", "credential.helper": "helper", "credential.*.helper": "helper",
    "gpg.program": "shell", "gpg.*.program": "shell", "gpg.ssh.defaultkeycommand": "shell",
    "difftool.*.cmd": "shell", "mergetool.*.cmd": "shell", "uploadpack.packobjectshook": "shell",
    "remote.*.uploadpack": "shell", "remote.*.receivepack": "shell", "sendemail.sendmailcmd": "shell",
    "sendemail.tocmd": "shell", "sendemail.cccmd": "shell", "trailer.*.command": "shell", "trailer.*.cmd": "shell",
    "browser.*.cmd": "shell", "browser.*.path": "program", "man.*.cmd": "shell", "man.*.path": "program",
    "interactive.difffilter": "shell", "tar.*.command": "shell", "include.path": "include",
    "includeif.*.path": "include",
}
# credential helpers git ships or that come with git for Windows and macOS: `git credential-NAME`
CREDENTIAL_HELPERS = frozenset({"store", "cache", "osxkeychain", "manager", "manager-core", "libsecret", "wincred",
                                "gnome-keyring", "netrc", "oauth"})
SSH_PROGRAMS = frozenset({"ssh", "plink", "plink.exe", "tortoiseplink", "tortoiseplink.exe", "putty", "ssh.exe"})
# ssh options whose value is a command ssh runs on this machine
SSH_COMMAND_OPTIONS = frozenset({"proxycommand", "localcommand", "knownhostscommand", "remotecommand"})
SSH_OPTION = re.compile(r"\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)", re.S)  # `Name=value`, `Name value`
# what a rebase todo list runs: `exec CMD` / `x CMD` lines a sequence editor writes into it
TODO_EXEC = re.compile(r"(?:^|[\n/'\";|]|\\n)\s*(?:exec|x)\s+([^/'\"\n|]+)")


@dataclass(frozen=True)
class Setting:
    key: str  # lower-cased: `core.pager`, `alias.st`, `diff.word.textconv`
    value: str
    source: str  # where it was given, for summaries: `-c core.pager`, `GIT_CONFIG_PARAMETERS`


def how_it_runs(key: str) -> str | None:
    """How git uses the value of `key` (see COMMAND_KEYS), or None when the value is not a command."""
    for pattern, how in COMMAND_KEYS.items():
        if fnmatch.fnmatchcase(key, pattern):
            return how
    return None


def normal_key(key: str) -> str:
    return key.strip().lower()


# --- where settings come from ---------------------------------------------------------------------------
def given_settings(globals_: Options, ctx: Context) -> list[Setting]:
    """Every setting the line gives git, in precedence order (a later one wins): files named by the
    environment, what an earlier `git config` of the line set, `GIT_CONFIG_PARAMETERS`, `GIT_CONFIG_COUNT`,
    then `-c`/`--config-env` as written; `include.path` files are read where they stand."""
    raw: list[Setting] = []
    for variable in ("GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG"):
        path = ctx.getenv(variable)
        if path and path != os.devnull:
            raw.extend(file_settings(ctx, path, variable))
    raw.extend(Setting(key.removeprefix(SWITCHED_PREFIX), value, "an earlier git config")
               for key, value in ctx.switched.items() if key.startswith(SWITCHED_PREFIX))
    parameters = ctx.getenv("GIT_CONFIG_PARAMETERS")
    if parameters:
        raw.extend(Setting(normal_key(k), v, "GIT_CONFIG_PARAMETERS") for k, v in parse_parameters(parameters))
    raw.extend(counted_settings(ctx))
    for item in globals_.items:
        if item.value is None:
            continue
        if item.option == "-c":
            key, _, value = item.value.partition("=")
            raw.append(Setting(normal_key(key), value if "=" in item.value else "true", f"-c {key}"))
        elif item.option == "--config-env":
            key, _, variable = item.value.partition("=")
            raw.append(Setting(normal_key(key), ctx.getenv(variable) or "", f"--config-env {key}={variable}"))
    return list(with_includes(raw, ctx, 0))


def with_includes(settings: list[Setting], ctx: Context, depth: int) -> Iterator[Setting]:
    for setting in settings:
        yield setting
        if how_it_runs(setting.key) == "include" and depth < MAX_INCLUDE_DEPTH and setting.value:
            yield from with_includes(file_settings(ctx, setting.value, setting.source), ctx, depth + 1)


def counted_settings(ctx: Context) -> list[Setting]:
    """`GIT_CONFIG_COUNT=N` with `GIT_CONFIG_KEY_i`/`GIT_CONFIG_VALUE_i` for i below N."""
    try:
        count = int(ctx.getenv("GIT_CONFIG_COUNT") or "0")
    except ValueError:
        return []
    out: list[Setting] = []
    for i in range(min(max(count, 0), MAX_CONFIG_COUNT)):
        key = ctx.getenv(f"GIT_CONFIG_KEY_{i}")
        if key:
            out.append(Setting(normal_key(key), ctx.getenv(f"GIT_CONFIG_VALUE_{i}") or "", f"GIT_CONFIG_KEY_{i}"))
    return out


def parse_parameters(text: str) -> list[tuple[str, str]]:
    """`GIT_CONFIG_PARAMETERS`: shell-quoted `'key'='value'` (or older `'key=value'`) entries."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words if w]


def file_settings(ctx: Context, raw: str, source: str) -> list[Setting]:
    """The settings of a config file this line names (written earlier in the line, or on disk)."""
    if raw.startswith("~/") and ctx.home:
        raw = ctx.home + raw[1:]
    path = ctx.resolve(raw)
    if path is None:
        return []
    text = ctx.files.get(path)
    if text is None:
        text = read_config(path, limit=CONFIG_BYTES)
    if not text:
        return []
    label = f"{source} ({path})"
    return [Setting(key, value, label) for key, value in parse_config(text)]


def parse_config(text: str) -> list[tuple[str, str]]:
    """git's config file syntax: `[section]`, `[section "sub"]`, `key = value`, `; #` comments, quoted
    values with `\\` escapes, lines continued with a trailing backslash; a key alone is true."""
    out: list[tuple[str, str]] = []
    section = ""
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        line, pending = (pending + line).strip(), ""
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            header, _, rest = line[1:].partition("]")
            name, _, sub = header.strip().partition(" ")
            section = name.lower() + (("." + sub.strip().strip('"').lower()) if sub else "")
            line = rest.strip()
            if not line or line[0] in "#;":
                continue
        key, eq, value = line.partition("=")
        out.append((f"{section}.{key.strip().lower()}", config_value(value) if eq else "true"))
    return out


def config_value(raw: str) -> str:
    out: list[str] = []
    quoted = False
    i = 0
    raw = raw.strip()
    while i < len(raw):
        c = raw[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(raw):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[i], raw[i]))
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()


def last(settings: list[Setting], key: str) -> Setting | None:
    return next((s for s in reversed(settings) if s.key == key), None)


# --- reading a value ----------------------------------------------------------------------------------------
def ssh_payloads(command: str) -> list[str] | None:
    """What an ssh command line git connects with runs here: the commands its `-o ProxyCommand=…`-like
    options give; None when it is not a plain ssh invocation (then the whole value is a shell command)."""
    if any(c in command for c in ";|&`$()<>\n"):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or posixpath.basename(words[0]).lower() not in SSH_PROGRAMS:
        return None
    payloads: list[str] = []
    for i, word in enumerate(words[1:], start=1):
        option = word[2:] if word.startswith("-o") and len(word) > 2 else (
            words[i + 1] if word == "-o" and i + 1 < len(words) else "")
        found = SSH_OPTION.match(option)
        if found and found.group(1).lower() in SSH_COMMAND_OPTIONS and found.group(2):
            payloads.append(found.group(2))
    return payloads


def todo_commands(editor: str) -> list[str]:
    """The `exec CMD` lines a sequence editor command writes into the rebase todo list
    (`sed -i 's/^pick/exec rm -rf ~ #/'`): git runs each with the shell."""
    return [m.group(1).strip() for m in TODO_EXEC.finditer(editor) if m.group(1).strip()]


def is_installed_program(ctx: Context, value: str) -> bool:
    """A program path of this machine's own software (an IDE's askpass helper): a regular file outside the
    workspace and the temporary directories, not written by this line."""
    path = ctx.resolve(value) if value.startswith(("/", "~")) else None
    if path is None or path in ctx.files or any(c in value for c in " ;|&`$()<>\n"):
        return False
    if ctx.workspace and (path + "/").startswith(ctx.workspace.rstrip("/") + "/"):
        return False
    if path.startswith(("/tmp/", "/var/tmp/", "/dev/shm/")):
        return False
    return is_file(path)


def is_boolean(value: str) -> bool:
    return value.strip().lower() in BOOLEANS
