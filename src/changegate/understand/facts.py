"""Reading the files understanding depends on: kubeconfig, `~/.aws/config`, `.git/HEAD`, scripts, plans.

Every look at the disk for understanding goes through one `Reader` (`read_config()`, `read_config_bytes()`,
`kind()`, `lkind()`, `real_path()`, `executable()`, `list_dir()`, `plan_document()` are its front door), so that
a server judges the agent's machine, never its own, and a verdict cache can tell when what it saw has changed
(`observing()`):

- `DiskReader` (the default, where the agent runs): regular files only (a FIFO, a device or `/dev/stdin`
  could block the gate or swallow its own input), bounded in size, and bounded in wall-clock time —
  opening is non-blocking, so the CPU-clock budget of the walker is never waiting on `open()`.
- `RecordingReader` (the client in remote mode): reads the disk like `DiskReader` and keeps what it read,
  bounded and with secret-looking values replaced by a digest, as the action's `facts`.
- `FactsReader` (the server): never opens a path an agent names; it answers only from the facts the
  agent's own client sent with the action. What was not sent cannot be read (understanding fails closed).

`understand()` picks the reader for one action (`reading()`); the families just call the functions here.

The facts document (`Action.facts`), every part optional and bounded:

    {"files":  {"/abs/path": "text" | null},     null: there is no such file
     "binary": {"/abs/path": "base64"},           a file that is not UTF-8 text
     "unreadable": {"/abs/path": "why"},          exists but is not a file understanding may read
     "kinds":  {"/abs/path": "file" | "dir" | "block" | "other" | "absent"},
     "lkinds": {"/abs/path": "link" | "file" | …},   the path itself, not followed
     "realpaths": {"/abs/path": "/where/it/leads"},
     "executables": {"/abs/path": true | false},
     "dirs":   {"/abs/dir": ["name", ...]},
     "globs":  {"/abs/pat*/x": ["/abs/path/x", ...]},   what a glob in a directory part matches
     "plans":  {"terraform show -json /abs/plan": "the JSON" },   or {"…": {"unreadable": "why"}}
     "mcp_server": {"command": [...], "url": "...", "env": {...}}} how the MCP server is started
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import glob as globbing
import hashlib
import itertools
import os
import posixpath
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Literal, TypeVar, cast

CONFIG_LIMIT = 1024 * 1024  # bytes: a config file larger than this is not one to trust
READ_SECONDS = 0.5  # wall-clock bound on one read (a slow network filesystem must not hold the decision)
CHUNK = 64 * 1024
MAX_DIR_ENTRIES = 1024  # a directory listing is cut here
MAX_GLOB_MATCHES = 256  # a glob's matches are cut here

# What a client sends: enough for every family, small enough for one request (the server takes 1 MiB).
FACTS_LIMIT = 512 * 1024  # bytes of file and plan text in one action's facts
FACTS_ENTRIES = 256  # paths, listings and plans in one action's facts

# `terraform show -json PLAN`: the gate runs the tool itself on the binary plan (never a JSON beside it).
PLAN_SECONDS = 20.0
PLAN_OUTPUT_LIMIT = 128 * 1024 * 1024
PLAN_PROGRAMS = frozenset({"terraform", "tofu"})

Kind = Literal["file", "dir", "block", "other", "absent"]  # block: a disk or partition
LinkKind = Literal["link", "file", "dir", "block", "other", "absent"]


class Unreadable(Exception):
    """A file that exists but is not one understanding may read: says why (not regular, too large, slow)."""


class TooSlow(Unreadable):
    """A read that ran out of wall-clock time: says nothing about the file itself (nothing to cache on)."""


def _kind_of(mode: int) -> Kind:
    if stat.S_ISREG(mode):
        return "file"
    return "dir" if stat.S_ISDIR(mode) else "block" if stat.S_ISBLK(mode) else "other"


# --- the interface ------------------------------------------------------------------------------------------

class DiskReader:
    """Reads this machine's disk, bounded. What understanding uses wherever the agent's files are here."""

    def read(self, path: str, limit: int, seconds: float) -> bytes | None:
        """The bytes of a regular file of at most `limit` bytes; None when it does not exist or cannot be
        opened; `Unreadable` when it exists but is not a regular file, is too large or too slow to read."""
        return read_disk(path, limit, seconds)

    def kind(self, path: str) -> Kind:
        """What is at `path` (following symlinks): a file, a directory, something else, or nothing."""
        try:
            return _kind_of(os.stat(path).st_mode)
        except (OSError, ValueError):
            return "absent"

    def lkind(self, path: str) -> LinkKind:
        """What `path` itself is (a symlink is a link, not what it points to)."""
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            return "absent"
        return "link" if stat.S_ISLNK(mode) else _kind_of(mode)

    def real_path(self, path: str) -> str:
        """Where `path` leads through every symlink on the way (as `realpath`; a loop or error: itself)."""
        return real_path_on_disk(path)

    def executable(self, path: str) -> bool:
        """Whether `path` is a regular file this user may execute (what a PATH search finds)."""
        try:
            return stat.S_ISREG(os.stat(path).st_mode) and os.access(path, os.X_OK)
        except (OSError, ValueError):
            return False

    def list_dir(self, path: str) -> list[str] | None:
        """The names in a directory (sorted, at most MAX_DIR_ENTRIES); None when it cannot be listed."""
        try:
            with os.scandir(path) as entries:
                names = [e.name for _, e in zip(range(MAX_DIR_ENTRIES), entries, strict=False)]
        except (OSError, ValueError):
            return None
        return sorted(names)

    def glob(self, pattern: str) -> list[str]:
        """What a shell glob matches here, in the order the filesystem lists it, at most MAX_GLOB_MATCHES."""
        try:
            return list(itertools.islice(globbing.iglob(pattern), MAX_GLOB_MATCHES))
        except (OSError, ValueError, RecursionError):
            return []

    def plan(self, program: str, path: str, cwd: str | None) -> bytes:
        """`PROGRAM show -json PATH`: the saved plan as its tool reads it; `Unreadable` when it cannot."""
        return show_plan(program, path, cwd)


class RecordingReader(DiskReader):
    """Reads the disk and keeps what it read, as facts to send with the action (bounded, secrets redacted)."""

    def __init__(self) -> None:
        self.facts: dict[str, Any] = {}
        self.size = 0
        self.entries = 0

    def read(self, path: str, limit: int, seconds: float) -> bytes | None:
        try:
            data = super().read(path, limit, seconds)
        except Unreadable as exc:
            self.keep("unreadable", path, str(exc), 0)
            raise
        if data is None:
            self.keep("files", path, None, 0)
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.keep("binary", path, base64.b64encode(data).decode("ascii"), len(data))
        else:
            self.keep("files", path, redact_text(text), len(text))
        return data

    def kind(self, path: str) -> Kind:
        found = super().kind(path)
        self.keep("kinds", path, found, 0)
        return found

    def lkind(self, path: str) -> LinkKind:
        found = super().lkind(path)
        self.keep("lkinds", path, found, 0)
        return found

    def real_path(self, path: str) -> str:
        found = super().real_path(path)
        self.keep("realpaths", path, found, len(found))
        return found

    def executable(self, path: str) -> bool:
        found = super().executable(path)
        self.keep("executables", path, found, 0)
        return found

    def list_dir(self, path: str) -> list[str] | None:
        names = super().list_dir(path)
        self.keep("dirs", path, names, sum(len(n) + 4 for n in names or ()))
        return names

    def glob(self, pattern: str) -> list[str]:
        found = super().glob(pattern)
        self.keep("globs", pattern, found, sum(len(m) + 4 for m in found))
        return found

    def plan(self, program: str, path: str, cwd: str | None) -> bytes:
        key = plan_key(program, path)
        try:
            data = super().plan(program, path, cwd)
        except Unreadable as exc:
            self.keep("plans", key, {"unreadable": str(exc)}, 0)
            raise
        self.keep("plans", key, data.decode("utf-8", "replace"), len(data))
        return data

    def keep(self, part: str, key: str, value: Any, size: int) -> None:
        """Keep one fact, unless the facts are full: then the server cannot read it, and says so."""
        section = self.facts.setdefault(part, {})
        if key in section:
            return
        if self.entries >= FACTS_ENTRIES or self.size + size > FACTS_LIMIT:
            self.facts.setdefault("unreadable", {}).setdefault(
                key, f"the facts sent with the action were full ({FACTS_LIMIT // 1024} KiB, {FACTS_ENTRIES} entries)")
            return
        self.entries += 1
        self.size += size
        section[key] = value


class FactsReader:
    """Answers only from the facts the agent's client sent; never opens a path (the server's reader)."""

    def __init__(self, facts: dict[str, Any] | None) -> None:
        self.facts = facts if isinstance(facts, dict) else {}

    def part(self, name: str) -> dict[str, Any]:
        section = self.facts.get(name)
        return section if isinstance(section, dict) else {}

    def read(self, path: str, limit: int, seconds: float) -> bytes | None:
        del seconds  # nothing to wait for: the facts are in memory
        unreadable = self.part("unreadable").get(path)
        if isinstance(unreadable, str):
            raise Unreadable(unreadable)
        files, binary = self.part("files"), self.part("binary")
        if path in files and files[path] is None:
            return None
        text = files.get(path)
        if isinstance(text, str):
            data = text.encode("utf-8")
        elif isinstance(binary.get(path), str):
            try:
                data = base64.b64decode(binary[path], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise Unreadable(f"{path}: the client sent it in a form that cannot be decoded") from exc
        else:
            raise Unreadable(f"{path} was not among the facts the agent's client sent (the server never "
                             "opens a path an agent names)")
        if len(data) > limit:
            raise Unreadable(f"{path} is larger than {limit} bytes")
        return data

    def kind(self, path: str) -> Kind:
        kinds = self.part("kinds")
        if kinds.get(path) in ("file", "dir", "block", "other", "absent"):
            found: Kind = kinds[path]
            return found
        files = self.part("files")
        if isinstance(files.get(path), str) or path in self.part("binary"):
            return "file"
        if path in files:
            return "absent"
        if path in self.part("dirs"):
            return "dir"
        if path in self.part("unreadable"):
            return "other"
        return "absent"

    def lkind(self, path: str) -> LinkKind:
        sent = self.part("lkinds").get(path)
        if sent in ("link", "file", "dir", "block", "other", "absent"):
            found: LinkKind = sent
            return found
        return self.kind(path)

    def real_path(self, path: str) -> str:
        # not sent: the path as written (never where the server's own disk would lead it)
        sent = self.part("realpaths").get(path)
        return sent if isinstance(sent, str) and sent.startswith("/") else path

    def executable(self, path: str) -> bool:
        return self.part("executables").get(path) is True

    def list_dir(self, path: str) -> list[str] | None:
        names = self.part("dirs").get(path)
        if not isinstance(names, list):
            return None
        return sorted(str(n) for n in names[:MAX_DIR_ENTRIES])

    def glob(self, pattern: str) -> list[str]:
        # not sent: nothing matched here is known (the pattern is judged as itself), never the server's disk
        found = self.part("globs").get(pattern)
        return [str(m) for m in found[:MAX_GLOB_MATCHES]] if isinstance(found, list) else []

    def plan(self, program: str, path: str, cwd: str | None) -> bytes:
        del cwd
        sent = self.part("plans").get(plan_key(program, path))
        if isinstance(sent, str):
            return sent.encode("utf-8")
        if isinstance(sent, dict) and isinstance(sent.get("unreadable"), str):
            raise Unreadable(sent["unreadable"])
        raise Unreadable(f"the agent's client did not send `{plan_key(program, path)}` (the server cannot read "
                         "the agent's plan file)")


Reader = DiskReader | FactsReader
_reader: ContextVar[Reader | None] = ContextVar("changegate_reader", default=None)
_facts_only: ContextVar[bool] = ContextVar("changegate_facts_only", default=False)
_DISK = DiskReader()


def current() -> Reader:
    return _reader.get() or _DISK


@contextlib.contextmanager
def reading(reader: Reader) -> Iterator[Reader]:
    """Understanding within this block reads through `reader`."""
    token = _reader.set(reader)
    try:
        yield reader
    finally:
        _reader.reset(token)


@contextlib.contextmanager
def facts_only() -> Iterator[None]:
    """Within this block (the server's /v1/check) every action is understood from its facts alone."""
    token = _facts_only.set(True)
    try:
        yield
    finally:
        _facts_only.reset(token)


def outer_reader() -> Reader | None:
    """The reader an enclosing understanding put in force (a client collecting facts), if any."""
    return _reader.get()


def is_facts_only() -> bool:
    return _facts_only.get()


def reader_for(facts: dict[str, Any] | None) -> Reader:
    """The reader for one action: the one an outer understanding chose (an MCP call's nested command) or
    the client's recorder; else, where understanding runs away from the agent's files (the server), the
    facts the action carries; else the disk."""
    outer = _reader.get()
    if outer is not None:
        return outer
    if _facts_only.get():
        return FactsReader(facts)
    return _DISK


def collect(run: Any) -> dict[str, Any]:
    """Run `run()` reading the disk, and give what it read: the facts a client sends with an action."""
    recorder = RecordingReader()
    with reading(recorder):
        run()
    return recorder.facts


# --- the front door the families use --------------------------------------------------------------------------

def read_config_bytes(path: str, *, limit: int = CONFIG_LIMIT, seconds: float = READ_SECONDS) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None when it does not exist or cannot be
    opened; `Unreadable` when it exists but is not a regular file, is too large or too slow to read."""
    reader = current()
    seen = _observed.get()
    if seen is not None and isinstance(reader, DiskReader):
        seen.note("read", path, file_signature(path))  # before reading: a change while reading is a change
    try:
        return reader.read(path, limit, seconds)
    except TooSlow:
        if seen is not None:
            seen.cacheable = False
        raise


def read_config(path: str, *, limit: int = CONFIG_LIMIT, seconds: float = READ_SECONDS,
                encoding: str = "utf-8-sig") -> str | None:
    """A config file's text (see `read_config_bytes`); None for a file that is missing or unreadable for
    any reason. Callers that must tell "absent" from "refused" use `read_config_bytes`."""
    try:
        data = read_config_bytes(path, limit=limit, seconds=seconds)
    except Unreadable:
        return None
    return None if data is None else data.decode(encoding, "replace")


def kind(path: str) -> Kind:
    return _look("kind", path, current().kind)


def is_file(path: str) -> bool:
    return kind(path) == "file"


def is_dir(path: str) -> bool:
    return kind(path) == "dir"


def exists(path: str) -> bool:
    """Something is at `path`, following symlinks (`os.path.exists`)."""
    return kind(path) != "absent"


def lkind(path: str) -> LinkKind:
    return _look("lkind", path, current().lkind)


def lexists(path: str) -> bool:
    """Something is at `path`, a dangling symlink included (`os.path.lexists`)."""
    return lkind(path) != "absent"


def is_link(path: str) -> bool:
    return lkind(path) == "link"


def real_path(path: str) -> str:
    """Where `path` leads through the symlinks on the agent's machine. Within one decision on this disk, a
    path whose directory's real path is already known is worked out from it (`real_path_below`: one `lstat`
    instead of a walk), as the verdict cache checks it again."""
    seen = _observed.get()
    if seen is not None and isinstance(_reader.get() or _DISK, DiskReader):
        answer = seen.seen.get(("real_path", path))
        if isinstance(answer, str):
            return answer  # (most paths are asked two or three times in one decision)
        answer = from_directory(path, lambda directory: seen.seen.get(("real_path", directory)))
        if answer is not None:
            seen.seen[("real_path", path)] = answer
            return answer
    return _look("real_path", path, current().real_path)


def executable(path: str) -> bool:
    return _look("executable", path, current().executable)


def which(program: str, search_path: str) -> str | None:
    """Where a PATH (`search_path`) finds `program` as an executable regular file, or None."""
    if "/" in program:
        return program if executable(program) else None
    for directory in search_path.split(":"):
        if directory and executable(candidate := posixpath.join(directory, program)):
            return candidate
    return None


def list_dir(path: str) -> list[str] | None:
    return _look("list_dir", path, current().list_dir)


def glob_matches(pattern: str) -> list[str]:
    """What a shell glob matches on the agent's machine (at most MAX_GLOB_MATCHES)."""
    return _look("glob", pattern, current().glob)


def plan_document(program: str, path: str, cwd: str | None) -> bytes:
    """The JSON of a saved binary plan, as `terraform show -json` (or `tofu`) gives it; `Unreadable`
    (saying why) when the tool is not installed, fails, takes too long or says too much."""
    seen = _observed.get()
    if seen is not None:
        seen.cacheable = False  # it depends on the tool and its providers too, not only on the file
    return current().plan(program, path, cwd)


# --- what a verdict depends on ----------------------------------------------------------------------------------

T = TypeVar("T")


class Observations:
    """Every look understanding took at this machine's disk while it judged one action, with what it saw:
    a verdict kept for the same action is used again only while every look still sees the same
    (`still_true`). A file read is seen as its inode, size, change and modification times."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], object] = {}
        self.cacheable = True

    def note(self, what: str, path: str, answer: object) -> None:
        self.seen.setdefault((what, path), answer)

    def still_true(self) -> bool:
        # in the order they were taken: a real path worked out from its directory's (`real_path_below`) is
        # checked the same way, once the directory's own is known to be unchanged
        confirmed: dict[str, object] = {}
        for (what, path), answer in self.seen.items():
            if what == "real_path":
                seen_now = from_directory(path, confirmed.get)
                if (seen_now if seen_now is not None else real_path_on_disk(path)) != answer:
                    return False
                confirmed[path] = answer
            elif LOOKS[what](path) != answer:
                return False
        return True


_observed: ContextVar[Observations | None] = ContextVar("changegate_observed", default=None)


class observing:  # (lower case: read as a verb, `with observing() as seen`)
    """Within this block, every look at this machine's disk is kept (a server's looks at an action's facts
    are not: the facts are part of the action). A class, not a generator: it runs on every decision."""

    __slots__ = ("seen", "token")

    def __enter__(self) -> Observations:
        self.seen = Observations()
        self.token = _observed.set(self.seen)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        _observed.reset(self.token)


def _look(what: str, path: str, ask: Callable[[str], T]) -> T:
    """Ask the reader; on this machine's disk, within `observing()`, keep the answer (the verdict cache
    checks it again later) and give it again to the same look in the same decision (the disk does not
    change under one decision; a second `realpath` of the same path is a few system calls saved)."""
    seen = _observed.get()
    if seen is None or not isinstance(_reader.get() or _DISK, DiskReader):  # (current(), inlined: every look)
        return ask(path)
    key = (what, path)
    if key in seen.seen:
        return cast(T, seen.seen[key])
    answer = ask(path)
    seen.seen[key] = answer
    return answer


Signature = tuple[int, int, int, int, int]  # inode, size, modification and change times (ns), mode
# A file changed within this long of being read may change again unseen (its times tick in milliseconds on
# some filesystems): what was read from it is not kept (the verdict cache, the guardrails' state).
RECENT_NS = 2_000_000_000


def file_signature(path: str) -> Signature | None:
    """Which file is at `path`, as of when (None: nothing there)."""
    try:
        return signature_of(os.stat(path))
    except (OSError, ValueError):
        return None


def signature_of(info: os.stat_result) -> Signature:
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode


def changed_lately(signature: Signature) -> bool:
    """Whether the file changed within RECENT_NS of now."""
    return max(signature[2], signature[3]) > time.time_ns() - RECENT_NS


LOOKS: dict[str, Callable[[str], object]] = {
    "read": file_signature,
    "kind": _DISK.kind,
    "lkind": _DISK.lkind,
    "real_path": _DISK.real_path,
    "executable": _DISK.executable,
    "list_dir": _DISK.list_dir,
    "glob": _DISK.glob,
}


# --- the disk -------------------------------------------------------------------------------------------------

def read_disk(path: str, limit: int, seconds: float) -> bytes | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(f"{path} is not a regular file")
    if info.st_size > limit:
        raise Unreadable(f"{path} is larger than {limit} bytes")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        # the path may have been swapped for a FIFO between stat and open: check what was opened
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unreadable(f"{path} is not a regular file")
        deadline = time.perf_counter() + seconds
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise Unreadable(f"{path} is larger than {limit} bytes")
            chunks.append(chunk)
            if time.perf_counter() > deadline:
                raise TooSlow(f"reading {path} took longer than {seconds:g} s")
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


_PROC_FD = "/proc/self/fd/"
_O_PATH = getattr(os, "O_PATH", 0)


def real_path_on_disk(path: str) -> str:
    """`os.path.realpath(path)`, asked of the kernel where it can answer (Linux: open the path without
    reading it and read back the name of what was opened — a few system calls instead of a Python walk with
    one `lstat` per component). A path that does not exist all the way is resolved up to the deepest
    directory that opens, the rest appended as written — once one `lstat` shows that nothing at all (not
    even a dangling link) is where the rest begins; a dangling symlink, `..`, a file used as a directory or
    anything unusual goes the long way."""
    if _O_PATH and path.startswith("/") and "/." not in path and "//" not in path:
        head, rest = path.rstrip("/") or "/", ""
        for _ in range(64):
            found, missing = _opened_as(head)
            if found is not None:
                if not rest or _nothing_at(found.rstrip("/") + "/" + rest[1:].partition("/")[0]):
                    return (found.rstrip("/") + rest) or "/"
                break
            if not missing or head == "/":
                break
            head, _, last = head.rpartition("/")
            head, rest = head or "/", "/" + last + rest
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def _opened_as(path: str) -> tuple[str | None, bool]:
    """What the kernel says `path` is, and whether opening it failed only because something on the way does
    not exist (ENOENT: nothing there, or a link to nothing)."""
    try:
        fd = os.open(path, _O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, True
    except (OSError, ValueError):
        return None, False
    try:
        found = os.readlink(_PROC_FD + str(fd))
    except OSError:
        return None, False
    finally:
        os.close(fd)
    return (found, False) if found.startswith("/") and not found.endswith(" (deleted)") else (None, False)


def from_directory(path: str, known: Callable[[str], object]) -> str | None:
    """`path`'s real path worked out from its directory's, where `known` has that and `real_path_below` can
    (None: the long way). How a decision looks a path up and how the verdict cache checks it again."""
    parent, _, name = path.rpartition("/")
    directory_real = known(parent or "/")
    return real_path_below(directory_real, name) if isinstance(directory_real, str) else None


def real_path_below(directory_real: str, name: str) -> str | None:
    """`realpath(D/name)` from `realpath(D)` with one `lstat`: the directory's real path and the name, where
    what is there is not a symlink (or nothing at all is there); None where it needs the long way (a link,
    `.`, `..`, an error other than nothing being there)."""
    if name in ("", ".", ".."):
        return None
    below = directory_real.rstrip("/") + "/" + name
    try:
        mode = os.lstat(below).st_mode
    except FileNotFoundError:
        return below
    except (OSError, ValueError):
        return None
    return None if stat.S_ISLNK(mode) else below


def _nothing_at(path: str) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return False


def plan_key(program: str, path: str) -> str:
    return f"{program} show -json {path}"


def show_plan(program: str, path: str, cwd: str | None) -> bytes:
    """Run `PROGRAM show -json -no-color PATH` with the gate's own PATH (not the agent's: an agent's
    `terraform` earlier on its PATH could print any plan), no input, TF_IN_AUTOMATION, a wall-clock bound and
    an output bound. It reads the plan file and the providers' schemas; it changes nothing and contacts no
    backend."""
    import shutil  # here, not above: every hook imports this module, and few run `terraform show`
    import subprocess

    if program not in PLAN_PROGRAMS:
        raise Unreadable(f"{program} plans are not read")
    if read_disk(path, PLAN_OUTPUT_LIMIT, READ_SECONDS * 4) is None:
        raise Unreadable(f"there is no plan file at {path}")
    binary = shutil.which(program)
    if binary is None:
        raise Unreadable(f"{program} is not installed where changegate runs, so it cannot read the binary plan")
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/nonexistent"),
           "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    try:
        process = subprocess.Popen([binary, "show", "-json", "-no-color", path], cwd=cwd or None, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except OSError as exc:
        raise Unreadable(f"{program} could not be started ({exc})") from exc
    try:
        out, err = process.communicate(timeout=PLAN_SECONDS)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise Unreadable(f"`{program} show -json` took longer than {PLAN_SECONDS:g} s") from exc
    if process.returncode != 0:
        said = err.decode("utf-8", "replace").strip().splitlines()
        raise Unreadable(f"`{program} show -json` failed ({said[-1][:200] if said else f'exit {process.returncode}'})")
    if len(out) > PLAN_OUTPUT_LIMIT:
        raise Unreadable(f"`{program} show -json` printed more than {PLAN_OUTPUT_LIMIT // (1024 * 1024)} MiB")
    return out


# --- what leaves the machine --------------------------------------------------------------------------------

# Keys whose values are credentials in the config files understanding reads (kubeconfig users, docker
# `auths`, database.yml, .npmrc, git credentials in URLs): the value is replaced by a digest, which still
# binds an approval (a changed token changes it) but does not reveal it.
SECRET_KEY = re.compile(
    r"(?i)(secret|token|passw(or)?d|passwd|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|"
    r"auth|session[_-]?key|signing[_-]?key|client[_-]?secret|-data$|_data$|cert|key$)")
# Bounded quantifiers: a minified file's one long line must not cost more than a glance.
KEY_VALUE = re.compile(r"""^(?P<lead>\s{0,64}-?\s{0,8}["']?(?P<key>[\w.@/-]{1,128})["']?\s{0,8}[:=]\s{0,8})"""
                       r"""(?P<value>\S.*?)(?P<tail>,?\s*)$""")
JSON_PAIR = re.compile(r'"(?P<key>[\w.@/-]{1,128})"\s{0,8}:\s{0,8}"(?P<value>(?:[^"\\]|\\.){0,8192})"')
URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][\w+.-]{0,32}://[^/\s:@]{0,256}:)(?P<value>[^@\s/]{1,256})(?=@)",
                          re.IGNORECASE)


def digest(value: str) -> str:
    return "redacted:sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def redact_text(text: str) -> str:
    """A config file's text with credential values replaced by their digest, line by line."""
    return "\n".join(redact_line(line) for line in text.split("\n"))


def redact_line(line: str) -> str:
    if "://" in line and "@" in line:
        line = URL_PASSWORD.sub(lambda m: m.group("head") + digest(m.group("value")), line)
    if '"' in line and JSON_PAIR.search(line):
        return JSON_PAIR.sub(lambda m: (f'"{m.group("key")}": "{digest(m.group("value"))}"'
                                        if SECRET_KEY.search(m.group("key")) else m.group(0)), line)
    match = KEY_VALUE.match(line)
    if match and SECRET_KEY.search(match.group("key")) and not match.group("value").startswith(("{", "[", "|", ">")):
        return match.group("lead") + digest(match.group("value")) + match.group("tail")
    return line
