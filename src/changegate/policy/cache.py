"""A disk cache of validated policies, so a new process does not parse YAML again.

Every agent tool call starts a hook process, and importing a YAML parser and reading the policy cost more
than the decision. `load_policy` is wrapped (`@disk_cached(compile_policy)`): the first load parses and validates as always,
then stores the validated document as JSON in a `__pycache__` directory next to the policy file — next to
`default.yaml` for the built-in policy — keyed by a hash of everything the result depends on: the policy
file, the built-in policy it may extend, the code that parses and validates it, and the changegate version.
A later process with the same key decodes the document (no YAML import) and compiles it.

Trust: the cache lives where Python keeps its bytecode, with the same permissions; anyone who can write
there can already change the code. A cache file is used only if it belongs to the owner of the policy file
and nobody else can write it. Any problem (no write access, a damaged or foreign file) falls back to parsing
the policy, never to a weaker one. CHANGEGATE_POLICY_CACHE=off turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from changegate.policy.schema import PolicyDoc
from changegate.version import __version__

if TYPE_CHECKING:
    from changegate.policy import Policy  # the type only: policy/__init__.py imports this module

FORMAT = 1
SUFFIX = ".changegate-policy.json"
PACKAGE_DIR = Path(__file__).parent
DEFAULT_FILE = PACKAGE_DIR / "default.yaml"
CODE_FILES = (PACKAGE_DIR / "__init__.py", PACKAGE_DIR / "schema.py", Path(__file__))
MAX_CACHE_BYTES = 4 * 1024 * 1024

Loader = Callable[[Any], "Policy"]
Compiler = Callable[[PolicyDoc, str, str, set[str]], "Policy"]


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    format: int
    key: str
    source: str
    text: str
    user_rule_ids: list[str]
    doc: PolicyDoc


_decoder = msgspec.json.Decoder(Entry)
_encoder = msgspec.json.Encoder()


def disk_cached(compile_policy: Compiler) -> Callable[[Loader], Loader]:
    """Wrap `load_policy(path)` with the disk cache (and a per-process memo keyed by content); a cached
    document is compiled with `compile_policy`."""

    def wrap(load: Loader) -> Loader:
        memo: dict[tuple[str, str], Policy] = {}

        @functools.wraps(load)
        def load_policy(path: Any = None) -> Policy:
            if os.environ.get("CHANGEGATE_POLICY_CACHE", "").lower() in ("off", "0", "no", "false"):
                return load(path)
            try:
                source = DEFAULT_FILE if path is None else Path(path)
                data = source.read_bytes()
            except OSError:
                return load(path)  # it reports the unreadable file in its own words
            key = cache_key(source if path is not None else None, data)
            remembered = memo.get((str(source), key))
            if remembered is not None:
                return remembered
            policy = read_entry(source, key, compile_policy)
            if policy is None:
                policy = load(path)
                write_entry(source, key, policy)
            memo[(str(source), key)] = policy
            return policy

        return load_policy

    return wrap


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """What every cached policy depends on besides its own file: the built-in policy and the code."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}:{msgspec.__version__}".encode())
    for path in (DEFAULT_FILE, *CODE_FILES):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()


def cache_key(user_file: Path | None, data: bytes) -> str:
    digest = hashlib.sha256(code_digest().encode())
    if user_file is not None:
        digest.update(str(user_file.resolve()).encode() + b"\0" + data)
    return digest.hexdigest()


def cache_path(source: Path, key: str) -> Path:
    return source.parent / "__pycache__" / f"{source.name}.{key[:24]}{SUFFIX}"


def read_entry(source: Path, key: str, compile_policy: Compiler) -> Policy | None:
    path = cache_path(source, key)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != source.stat().st_uid or info.st_mode & 0o022 or info.st_size > MAX_CACHE_BYTES:
                return None  # not written by the policy's owner, or writable by others: ignore it
            entry = _decoder.decode(handle.read())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    if entry.format != FORMAT or entry.key != key:
        return None
    return compile_policy(entry.doc, entry.source, entry.text, set(entry.user_rule_ids))


def write_entry(source: Path, key: str, policy: Policy) -> None:
    """Store the validated document; any failure just means the next process parses again."""
    path = cache_path(source, key)
    user_ids = sorted({rule.id for rule in policy.rules if rule.origin != "default"})
    entry = Entry(format=FORMAT, key=key, source=policy.source, text=policy.text, user_rule_ids=user_ids,
                  doc=policy.doc)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o755, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_encoder.encode(entry))
        os.replace(temporary, path)
        for stale in list(path.parent.glob(f"{source.name}.*{SUFFIX}"))[:64]:
            if stale != path:  # entries of earlier versions of the file or the code
                stale.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
