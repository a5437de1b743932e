"""What every command family shares: the invocation it reads, option walking, and effect building.

A family (`commands/<family>.py`) declares tables — the verbs it knows, the options that take a value, the
options that widen scope — and a few short methods for what a table cannot say. The shell walker
(`shell.py`) hands it an `Invocation`: the command's expanded arguments, where it runs, what flows into its
stdin. The family answers with Effects, and may hand a payload back to the walker (`inv.run_argv`,
`inv.run_script`) when the command runs another command (sudo, ssh, xargs, kubectl exec, ...).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Environments, Placement, is_within, workspace_of
from changegate.model import (
    SECRET_MARK,
    Effect,
    Operation,
    Reversible,
    Scope,
    redact_known,
    redact_url_passwords,
    redact_value,
)
from changegate.understand import facts
from changegate.understand.placement import place_host, place_name, place_url
from changegate.understand.resource_types import database_data_dir
from changegate.understand.selfguard import TAMPERING, gate_path
from changegate.understand.sensitive import looks_like_credential, persistence_concern

if TYPE_CHECKING:
    from changegate.understand.shell import Walker

# A part of a word whose value is not known before the command runs ($(...), $RANDOM, a loop variable).
UNKNOWN_PART = "\x00"
GLOB_CHARS = frozenset("*?[")
# Stands for a run-time part inside a script that is parsed again (`sh -c 'rm {}'` under find -exec):
# it parses as an ordinary word, and expansion turns it back into UNKNOWN_PART.
DYNAMIC_WORD = "__changegate_dynamic__"


class NotUnderstood(Exception):
    """Raised where an analyzer cannot say what an action would do; `tag` names the failure for rules."""

    def __init__(self, reason: str, tag: str = "not-understood") -> None:
        super().__init__(reason)
        self.reason = reason
        self.tag = tag


class Word(msgspec.Struct):
    """One argument after expansion. `value` holds UNKNOWN_PART where a part is only known at run time.
    (A Struct, not a dataclass: made for every word of every command, and its constructor runs in C.)"""

    value: str
    glob: bool = False  # has unquoted glob characters: a pattern over its directory
    text: str = ""  # as written, for evidence

    @property
    def known(self) -> bool:
        return UNKNOWN_PART not in self.value

    def shown(self) -> str:
        return self.value.replace(UNKNOWN_PART, "…")


def lit(value: str) -> Word:
    return Word(value, text=value)


class Stream(msgspec.Struct):
    """What flows between commands: known text, or where an unknown text comes from."""

    text: str | None = None  # the exact content, where it is known
    origin: str = ""  # "downloaded from https://…", "decoded", "read from a file", ...
    opaque: bool = False  # code from it cannot be seen before it runs (downloaded, decoded, encrypted)
    path_roots: tuple[str, ...] = ()  # it lists paths under these directories (find, ls, git ls-files)
    every_path: bool = False  # ... and all of them, not a selection (find without -name and the like)
    # it lists every resource of a kind, unfiltered ("aws ec2 instance", "k8s namespace"): a delete fed from
    # it (xargs, `for x in $(…)`, `while read`) deletes all of them
    lists: str = ""

    @property
    def known(self) -> bool:
        return self.text is not None


class Context(msgspec.Struct):
    """Where a command runs. Cloned (not shared) for subshells, runners and remote hosts."""

    cwd: str | None
    env: dict[str, str]
    home: str | None
    workspace: str | None
    environments: Environments
    remote: str | None = None  # `ssh HOST`: paths are on that host
    remote_placement: Placement | None = None  # the environment of the host or container
    elevated: bool = False  # under sudo/doas
    depth: int = 0
    consulted: dict[str, str] = msgspec.field(default_factory=dict)  # shared: env values and config facts read
    files: dict[str, str] = msgspec.field(default_factory=dict)  # shared: files this command line writes, by path
    links: dict[str, str] = msgspec.field(default_factory=dict)  # shared: symlinks this command line makes, link -> target
    # shared: local ports this command line forwards elsewhere (`kubectl port-forward … 5432:5432 &`,
    # `ssh -L 5432:db.prod:5432 …`): traffic to localhost:PORT lands where the tunnel leads
    tunnels: dict[int, Placement] = msgspec.field(default_factory=dict)
    # shared: tool state an earlier step of this command line switched, which later steps act on:
    # "kube-context", "terraform-workspace", "docker-context", "aws-profile", "gcloud-project", …
    switched: dict[str, str] = msgspec.field(default_factory=dict)
    functions: dict[str, object] = msgspec.field(default_factory=dict)

    def clone(self, **changes: object) -> Context:
        fresh = Context(
            cwd=self.cwd,
            env=dict(self.env),
            home=self.home,
            workspace=self.workspace,
            environments=self.environments,
            remote=self.remote,
            remote_placement=self.remote_placement,
            elevated=self.elevated,
            depth=self.depth,
            consulted=self.consulted,
            files=self.files,
            links=self.links,
            tunnels=self.tunnels,
            switched=self.switched,
            functions=self.functions,
        )
        for key, value in changes.items():
            setattr(fresh, key, value)
        return fresh

    def getenv(self, name: str) -> str | None:
        """A variable's value, recording that understanding depended on it (it binds the action hash)."""
        value = self.env.get(name)
        if value is not None:
            self.consulted.setdefault(f"env:{name}", bound_value(value))
        return value

    def mark_secret(self, value: str) -> None:
        """A password or token written in the command (`mysql -pPASS`, `PGPASSWORD=…`, `echo PASS | sudo -S`):
        recorded so that the canonical action, the log and the shown effects hold its keyed digest instead
        (`model.canonical_action`), while the hash still binds it."""
        if not value or UNKNOWN_PART in value or len(value) > MAX_SECRET_CHARS:
            return
        marked = [k for k in self.consulted if k.startswith(SECRET_MARK)]
        if len(marked) >= MAX_SECRETS or any(self.consulted[k] == value for k in marked):
            return
        self.consulted[f"{SECRET_MARK}{len(marked) + 1}"] = value

    def secrets(self) -> list[str]:
        return [v for k, v in self.consulted.items() if k.startswith(SECRET_MARK)]

    def environment_from_variables(self) -> Placement | None:
        """Where a program we cannot read would connect: the connection settings in its environment.
        Only a named prod or staging target counts; an unplaceable value says nothing either way."""
        for name, kind in TARGET_VARIABLES:
            value = self.env.get(name)
            if not value:
                continue
            if kind == "url":
                placed = place_url(self.environments, value, name)
            elif kind == "host":
                placed = place_host(self.environments, value, name)
            elif kind == "aws":
                placed = self.environments.aws_profile(value, source=name)
            else:
                placed = place_name(self.environments, value, name)
            if placed.environment in ("prod", "staging"):
                self.consulted.setdefault(f"env:{name}", value)
                return Placement(placed.environment, f"it runs with {placed.why}")
        return None

    # --- paths --------------------------------------------------------------------------------------
    def resolve(self, raw: str) -> str | None:
        """An absolute, normalised path; None where its start is only known at run time."""
        if raw.startswith(UNKNOWN_PART):
            return None
        path = raw
        if path == "~" or path.startswith("~/"):
            if not self.home:
                return None
            path = self.home + path[1:]
        elif path.startswith("~"):
            user, _, rest = path[1:].partition("/")
            path = f"/home/{user}" + (f"/{rest}" if rest else "") if user != "root" else "/root/" + rest
        if not path.startswith("/"):
            if not self.cwd:
                return None
            path = posixpath.join(self.cwd, path)
        # normpath keeps a leading '//' (POSIX allows it to mean something else); we mean the root
        normal = posixpath.normpath(path)
        if normal.startswith("//"):
            normal = "/" + normal.lstrip("/")
        return normal

    def real_path(self, path: str, *, follow_last: bool) -> str:
        """Where a path really leads: through symlinks this command line made, and on this machine through
        the filesystem's own symlinks. A path that stays inside the (real) workspace keeps its written
        form; one that a link carries out of it is judged where it lands. `follow_last`: whether the last
        component is followed too (`rm link` removes the link; `rm -r link/`, `chmod`, `>` act on the target)."""
        head, _, last = path.rpartition("/")
        target = self.through_links(head or "/")
        if follow_last:
            target = self.through_links(posixpath.join(target, last))
        else:
            target = posixpath.join(target, last)
        target = posixpath.normpath(target)
        if target == path:
            return path
        if self.workspace and is_within(target, self.real_workspace()):
            return path
        return target

    def through_links(self, path: str) -> str:
        """`path` with every symlink on the way resolved: those this command made, then the filesystem's."""
        for _ in range(8 if self.links else 0):
            made = next((link for link in self.links if is_within(path, link)), None)
            if made is None:
                break
            path = posixpath.normpath(self.links[made] + path[len(made):])
        if self.remote is not None or not self.may_hold_planted_links(path):
            return path
        return facts.real_path(path)

    def may_hold_planted_links(self, path: str) -> bool:
        """Where an agent could have made a symlink before this action: its workspace, its home and the
        temporary directories. The machine's own links (/lib -> /usr/lib, /dev/fd, /proc/self) say nothing."""
        for root in (self.workspace, self.home, "/tmp", "/var/tmp"):  # noqa: SIM110 (no generator: asked of most paths)
            if root and is_within(path, root):
                return True
        return False

    def real_workspace(self) -> str:
        return facts.real_path(self.workspace) if self.workspace else ""

    def worst_glob_match(self, pattern: str) -> str:
        """A glob judged by the most dangerous thing it can match: a protected directory it names (`/[e]tc`,
        `/e?c`, `~/../*`), whether or not it exists here; else what it matches on this machine, else
        itself."""
        if posixpath.basename(pattern) in EVERYTHING_PATTERNS:
            return pattern  # everything in its directory: the scope says so, and the rules judge that
        depth = pattern.rstrip("/").count("/")
        for protected in protected_directories(self.home):
            # a pattern names entries at its own depth: `/*` lists what is in /, it never matches / itself
            if protected.count("/") == depth and protected != "/" and fnmatch.fnmatchcase(protected, pattern):
                return protected
        parts = pattern.rstrip("/").split("/")
        for protected in sorted(protected_directories(self.home), key=len, reverse=True):
            # `/v*/l*/p*sql`: a pattern whose directories can be a protected one is judged inside it
            depth = protected.count("/")
            if protected != "/" and depth < len(parts) - 1 and any(c in GLOB_CHARS for c in "/".join(parts[:depth + 1])) \
                    and fnmatch.fnmatchcase(protected, "/".join(parts[:depth + 1])):
                return posixpath.join(protected, *parts[depth + 1:])
        if self.remote is None and any(c in GLOB_CHARS for c in posixpath.dirname(pattern)):
            # a pattern in a directory part (`/*/passwd`) can land anywhere: judge what it matches here;
            # one only in the last part stays a pattern over its (known) directory
            for match in facts.glob_matches(pattern):
                real = self.real_path(match, follow_last=False)
                if not (self.workspace and is_within(real, self.real_workspace())) and not is_within(real, "/tmp"):
                    return real
        return pattern

    def place_path(self, path: str | None) -> Placement:
        if self.remote_placement is not None:
            return self.remote_placement
        if path is None:
            return Placement(UNKNOWN, "the path is only known when the command runs")
        known_prefix = path.split(UNKNOWN_PART, 1)[0]
        if UNKNOWN_PART in path:
            # the directory the computed part lives in vouches for it
            known_prefix = known_prefix.rstrip("/") if known_prefix.endswith("/") else posixpath.dirname(known_prefix)
            if not known_prefix:
                return Placement(UNKNOWN, "the path is only known when the command runs")
        return self.environments.path(known_prefix or path, self.workspace, self.home)


class Invocation(msgspec.Struct):
    """One command as the family sees it: name, expanded arguments, context, stdin."""

    name: str
    words: list[Word]
    ctx: Context
    walker: Walker
    stdin: Stream | None = None
    text: str = ""  # the command as written, for evidence
    stdout: Stream = msgspec.field(default_factory=Stream)
    args_unknown: bool = False  # more arguments are appended at run time (xargs, find -exec {})

    @property
    def args(self) -> list[str]:
        return [w.value for w in self.words]

    # --- running payloads ---------------------------------------------------------------------------
    def run_argv(self, words: Sequence[Word], *, ctx: Context | None = None, stdin: Stream | None = None,
                 args_unknown: bool = False, functions: bool = False) -> list[Effect]:
        """Run the command this one runs (a program: the shell's functions are not there, unless
        `functions`)."""
        return self.walker.run_argv(list(words), ctx or self.ctx, stdin=stdin, args_unknown=args_unknown,
                                    text=self.text, functions=functions)

    def run_script(self, script: str, *, ctx: Context | None = None, origin: str = "") -> list[Effect]:
        return self.walker.run_script(script, ctx or self.ctx, origin=origin)

    # --- what is on disk when it runs -----------------------------------------------------------------
    def absent_here(self, path: str) -> bool:
        """Whether nothing is at `path` when the command runs: judged only on the machine it runs on (its
        working directory is here), and not when an earlier step of the line may have put something there."""
        return absent_before(self.ctx, self.walker.effects, path)

    # --- effect builders ----------------------------------------------------------------------------
    def effect(self, operation: Operation, resource: str, placement: Placement, **fields: Any) -> Effect:
        fields.setdefault("family", self.name)
        fields.setdefault("evidence", self.text)
        for name in ("evidence", "summary"):
            text = fields.get(name)
            if text and "@" in text and "://" in text:
                fields[name] = redact_url_passwords(text)  # `postgres://app:PW@…` is shown without PW
        if "@" in resource and "://" in resource:
            resource = redact_url_passwords(resource)
        suggestions = fields.get("suggestions")
        if suggestions and any("@" in t and "://" in t for t in suggestions):
            fields["suggestions"] = tuple(redact_url_passwords(t) for t in suggestions)
        return Effect(
            operation=operation,
            resource=resource,
            environment=placement.environment,
            why_environment=placement.why,
            **fields,
        )

    def fs(self, operation: Operation, raw_path: str, *, kind: str = "", recursive: bool = False,
           glob: bool = False, reversible: Reversible = "no", tags: Iterable[str] = (),
           summary: str = "", suggestions: Sequence[str] = ()) -> Effect:
        """An effect on a path, resolved against the cwd, placed in its environment."""
        path = self.ctx.resolve(raw_path)
        all_tags = list(tags)
        if path is not None and UNKNOWN_PART not in path:
            real = self.ctx.real_path(path, follow_last=operation not in ("delete", "replace") or
                                      raw_path.endswith("/"))
            if glob:
                real = self.ctx.worst_glob_match(real)
            if real != path:
                all_tags.append("resolved")
                summary = summary or f"{VERB_OF[operation]} {real} (written as {raw_path})"
                path = real
        placement = self.ctx.place_path(path)
        if operation in CHANGES_TO_FILES and path is not None and "persistence" not in all_tags:
            concern = persistence_concern(path, self.ctx.home, self.ctx.workspace)
            if concern:
                # deleting, overwriting or moving these changes what runs later — the agent's own guard too
                all_tags.append("persistence")
                summary = (summary or f"{VERB_OF[operation]} {path}") + f" ({concern})"
        if operation in GATE_CHANGES and path is not None and TAMPERING not in all_tags and UNKNOWN_PART not in path:
            guarded = gate_path(path, self.ctx, ancestors=operation != "create")
            if guarded:
                # its program, venv, state, policy or the hook that sends this agent's actions to it
                all_tags.append(TAMPERING)
                summary = (summary or f"{VERB_OF[operation]} {path}") + f" ({guarded})"
        if operation in ("delete", "replace") and path is not None and self.holds_home(path):
            all_tags.append("holds-home")  # `rm -rf "${HOME%/*}"/*`: the home directory goes with it
        if recursive:
            all_tags.append("recursive")
        if self.ctx.elevated:
            all_tags.append("elevated")
        if path is None:
            resource = "fs:?" if not self.ctx.remote else f"fs://{self.ctx.remote}/?"
            scope: Scope = "many"
            all_tags.append("dynamic")
        else:
            resource = f"fs:{path}" if not self.ctx.remote else f"fs://{self.ctx.remote}{path}"
            scope = scope_of_path(path, glob=glob, recursive=recursive)
            if UNKNOWN_PART in path:
                all_tags.append("dynamic")
                resource = resource.replace(UNKNOWN_PART, "*")
            if self.ctx.workspace and path.rstrip("/*") == self.ctx.workspace and placement.environment == LOCAL:
                all_tags.append("workspace-root")
        shown = resource[3:] if resource.startswith("fs:") else resource
        summary = summary.replace(UNKNOWN_PART, "…")
        # a database server's data directory: losing it loses the database (the GitLab outage of 2017)
        data_loss = operation in ("delete", "replace") and path is not None and database_data_dir(path)
        return self.effect(
            operation,
            resource,
            placement,
            scope=scope,
            reversible=reversible,
            kind="database-data" if data_loss else kind or ("directory" if recursive else "file"),
            tags=tuple(all_tags),
            summary=summary or f"{VERB_OF[operation]} {shown}",
            suggestions=tuple(suggestions),
            data_loss=data_loss,
        )

    def holds_home(self, path: str) -> bool:
        """Whether deleting `path` (a directory above the home directory, or a pattern whose directory is)
        takes the agent's home directory with it."""
        home = self.ctx.home
        if not home or home == "/" or UNKNOWN_PART in path:
            return False
        directory = path
        while directory != "/":
            name = directory.rpartition("/")[2]
            if "*" not in name and "?" not in name and "[" not in name:
                break
            directory = posixpath.dirname(directory)
        return directory != home.rstrip("/") and is_within(home, directory)

    def disk(self, device: str, what: str) -> Effect:
        """Writing to, wiping or formatting a disk: everything on it is lost."""
        return self.effect("delete", f"dev:{device}",
                           Placement(UNKNOWN, f"{device} is a disk of the machine the command runs on"),
                           scope="all", reversible="no", kind="disk", data_loss=True, tags=("disk",),
                           summary=f"{what} {device}: everything on it is lost")

    def unknown(self, why: str) -> Effect:
        """A command whose effects are not known: placed by where its arguments point."""
        placement = self.arguments_placement()
        return self.effect(
            "unknown",
            f"cmd:{self.name}",
            placement,
            scope="one",
            summary=f"runs {self.name} ({why})",
        )

    def arguments_placement(self) -> Placement:
        """Local when every argument stays in the workspace (plain words, relative paths, flags);
        otherwise the environment of the first argument that points elsewhere."""
        if self.ctx.remote_placement is not None:
            return self.ctx.remote_placement
        for word in self.words:
            value = word.value
            if "://" in value:
                return place_url(self.ctx.environments, value.split("=", 1)[-1], "URL argument")
            if "=" in value and value.startswith("-"):
                value = value.split("=", 1)[1]
            if value.startswith(("/", "~", "..")) or "/../" in value:
                path = self.ctx.resolve(value)
                placement = self.ctx.place_path(path)
                if placement.environment != LOCAL and not (path and is_harmless_path(path)):
                    return placement

        if self.ctx.workspace is None:
            return Placement(UNKNOWN, "the command runs outside any workspace")
        return self.ctx.environment_from_variables() or Placement(
            LOCAL, f"its arguments stay inside the workspace {self.ctx.workspace}")


def bound_value(value: str) -> str:
    """A consulted variable's value as the canonical action keeps it: one shaped like a credential (a token,
    a private key, an `Authorization:` header) is its keyed digest whatever the variable is called
    (`GIT_CONFIG_VALUE_0=ghp_…`, `MY_HEADER`); secret-named ones are digested by the model."""
    return redact_value(value) if looks_like_credential(value) else value


MAX_SECRETS = 32  # secrets one action's words can carry, marked for redaction
MAX_SECRET_CHARS = 4096


def redact_effects(effects: list[Effect], secrets: Sequence[str]) -> None:
    """Effects as they are shown and stored: every marked secret in their evidence, summary or resource
    replaced by its keyed digest (in place)."""
    if not secrets:
        return
    for i, effect in enumerate(effects):
        changed: dict[str, Any] = {name: redact_known(text, secrets) for name in ("evidence", "summary", "resource")
                                   if any(s in (text := getattr(effect, name)) for s in secrets)}
        if any(s in text for text in effect.suggestions for s in secrets):
            changed["suggestions"] = tuple(redact_known(text, secrets) for text in effect.suggestions)
        if changed:
            effects[i] = msgspec.structs.replace(effect, **changed)


# Block devices by name (Linux, macOS): writing to one overwrites a disk, whatever tool does it.
DEVICE_PREFIXES = ("/dev/sd", "/dev/hd", "/dev/vd", "/dev/xvd", "/dev/nvme", "/dev/mmcblk", "/dev/disk",
                   "/dev/md", "/dev/dm-", "/dev/mapper/", "/dev/loop", "/dev/rdisk", "/dev/sr", "/dev/fd0",
                   "/dev/zd", "/dev/nbd", "/dev/zram", "/dev/rbd", "/dev/drbd", "/dev/bcache", "/dev/ubd")


def is_block_device(path: str | None) -> bool:
    """A disk or partition: by its name, or on this machine by what the path is."""
    if not path or not path.startswith("/dev/"):
        return False
    if path.startswith(DEVICE_PREFIXES) or path.startswith("/dev/block/") or path.startswith("/dev/disk/"):
        return True
    return facts.kind(path) == "block"


SYSTEM_DIRECTORIES = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc",
                      "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/mnt", "/media", "/snap", "/Users",
                      "/System", "/Library", "/Applications", "/private", "/usr/local", "/usr/bin", "/usr/lib",
                      "/usr/sbin", "/var/lib", "/var/log")


def protected_directories(home: str | None) -> tuple[str, ...]:
    """Directories whose loss destroys the machine or someone's home (a glob that can name one, names it)."""
    return (*SYSTEM_DIRECTORIES, home) if home else SYSTEM_DIRECTORIES


# Variables that point a program at a target, in the order they are trusted.
TARGET_VARIABLES: tuple[tuple[str, str], ...] = (
    ("DATABASE_URL", "url"), ("DB_URL", "url"), ("POSTGRES_URL", "url"), ("MYSQL_URL", "url"),
    ("MONGODB_URI", "url"), ("MONGO_URL", "url"), ("REDIS_URL", "url"), ("PGHOST", "host"), ("MYSQL_HOST", "host"),
    ("DB_HOST", "host"), ("AWS_PROFILE", "aws"), ("AWS_DEFAULT_PROFILE", "aws"), ("TF_WORKSPACE", "name"),
    ("RAILS_ENV", "name"), ("APP_ENV", "name"), ("NODE_ENV", "name"), ("ENVIRONMENT", "name"), ("ENV", "name"),
    ("STAGE", "name"), ("DJANGO_SETTINGS_MODULE", "name"), ("CLOUDSDK_CORE_PROJECT", "name"),
    ("KUBE_CONTEXT", "name"),
)

CHANGES_TO_FILES = frozenset({"create", "modify", "delete", "replace", "permission"})
# what a change to the gate's own files is: removing, replacing, overwriting or re-permissioning them
GATE_CHANGES = frozenset({"create", "modify", "delete", "replace", "permission"})

VERB_OF: dict[str, str] = {
    "read": "reads",
    "create": "creates",
    "modify": "modifies",
    "delete": "deletes",
    "replace": "replaces",
    "permission": "changes permissions of",
    "secret_read": "reads secrets from",
    "exfiltrate": "sends data to",
    "execute_opaque": "runs code that cannot be inspected from",
    "publish": "publishes",
    "host_control": "controls the host:",
    "unknown": "does something unknown to",
}

# Paths outside the workspace that reading or naming does not make risky.
HARMLESS_PREFIXES = ("/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd/", "/dev/tty",
                     "/proc/self/", "/dev/zero", "/dev/urandom", "/dev/random")


def is_harmless_path(path: str) -> bool:
    return path.startswith(HARMLESS_PREFIXES)


EVERYTHING_PATTERNS = frozenset({"*", ".*", "*.*", "{*,.*}"})


def scope_of_path(path: str, *, glob: bool, recursive: bool) -> Scope:
    if glob:
        return "all" if posixpath.basename(path) in EVERYTHING_PATTERNS else "many"
    return "many" if recursive else "one"


def basename(name: str) -> str:
    """`/usr/bin/rm` and `\\rm` are rm."""
    name = name.lstrip("\\")
    return name.rsplit("/", 1)[-1] if "/" in name else name


def new_context(cwd: str | None, env: dict[str, str] | None, environments: Environments) -> Context:
    env = dict(env or {})
    home = env.get("HOME")
    if cwd:
        cwd = posixpath.normpath(cwd)
    return Context(cwd=cwd, env=env, home=home, workspace=workspace_of(cwd, home), environments=environments)


def nothing_outside_the_shell(what: str = "the command") -> Effect:
    """A command line (or a script another command runs) that was read and does nothing outside the shell:
    `cd`, assignments, comments, `:`."""
    return Effect(operation="read", resource="shell:noop", environment="local", reversible="yes", family="shell",
                  why_environment=f"{what} does nothing outside the shell", summary="does nothing outside the shell")


def not_understood(reason: str, tag: str, evidence: str = "", placement: Placement | None = None) -> Effect:
    placement = placement or Placement(UNKNOWN, "an action that is not understood could touch anything")
    return Effect(
        operation="unknown",
        resource="action:not-understood",
        environment=placement.environment,
        why_environment=placement.why,
        scope="one",
        reversible="unknown",
        family="shell",
        evidence=evidence[:200],
        tags=("not-understood", tag),
        summary=f"not understood: {reason}",
    )


def absent_before(ctx: Context, earlier: Sequence[Effect], path: str) -> bool:
    """Whether nothing is at `path` on this machine, and none of the `earlier` effects of the line may have
    put something there (see `written_earlier`)."""
    if ctx.remote is not None or path in ctx.files or path.startswith(("/dev/", "/proc/")):
        return False
    if ctx.cwd is not None and not facts.is_dir(ctx.cwd):
        return False
    return not facts.lexists(path) and not written_earlier(earlier, path)


def written_earlier(earlier: Sequence[Effect], path: str) -> bool:
    """Whether an earlier step of this command line may have put a file at `path`: it wrote the path or a
    directory above it (an extracted archive, a clone, a copy), installed something, or did something that
    cannot be seen."""
    for effect in earlier:
        if effect.operation in ("read", "secret_read", "exfiltrate"):
            continue
        if effect.operation in ("unknown", "execute_opaque"):
            return True
        _, _, written = effect.resource.partition(":")
        if written.startswith("/") and is_within(path, written.replace("*", "").rstrip("/") or "/"):
            return True
        if written == "?" or effect.resource.startswith(("packages:", "host:packages")):
            return True
    return False


def stand_in(root: str, every_path: bool) -> Word:
    """The paths a producer (find, ls) hands on: all of a directory, or a selection known at run time."""
    if every_path:
        return Word(posixpath.join(root, "*"), glob=True, text=f"{root}/*")
    return Word(posixpath.join(root, UNKNOWN_PART), text=f"{root}/…")


def local_work(inv: Invocation, what: str, operation: Operation = "modify", *, runs_code: bool = False,
               tags: tuple[str, ...] = ()) -> Effect:
    """Ordinary work on the project: local when the command stays in the workspace. Code that runs (tests,
    `cargo run`) may connect wherever the environment's connection variables point, so for it those count;
    building, linting and installing do not connect anywhere, so for them they do not."""
    placement = inv.arguments_placement()
    if not runs_code and inv.ctx.workspace and placement == inv.ctx.environment_from_variables():
        placement = Placement(LOCAL, f"it works on the project in {inv.ctx.workspace}")
    return inv.effect(operation, f"fs:{inv.ctx.cwd or '?'}", placement, reversible="unknown", kind="project",
                      tags=tags, summary=what)


def project_work(inv: Invocation, what: str, tag: str) -> Effect:
    """The project's own code runs (its tests, its app: `pytest`, `cargo run`, `go run .`): ordinary work on
    the project, which changegate does not read line by line — the tag says so (`runs-project-tests`,
    `runs-project-code`), and the connection variables in its environment place it."""
    return local_work(inv, what, runs_code=True, tags=(tag,))
