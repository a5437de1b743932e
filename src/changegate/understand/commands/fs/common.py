"""What the file tools share: the operands a command acts on, the stand-ins for paths that arrive at run
time (xargs, find -exec {}), and the secrets an archive would take along."""

from __future__ import annotations

import posixpath

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, stand_in
from changegate.understand.cli import Cli
from changegate.understand.sensitive import secret_kind

CREDENTIAL_DIRECTORIES = (".ssh", ".aws", ".kube", ".gnupg")


class FileTool(Cli):
    """A tool that works on paths of the machine it runs on."""

    FAMILY = "fs"


def targets_of(inv: Invocation, words: list[Word]) -> list[Word]:
    """Operands; where more arrive at run time (xargs, find -exec {}), one for the paths that will."""
    targets = list(words)
    if not targets and inv.args_unknown:
        roots = inv.stdin.path_roots if inv.stdin is not None else ()
        if roots:
            targets = [stand_in(r, inv.stdin is not None and inv.stdin.every_path) for r in roots]
        else:
            targets = [Word(UNKNOWN_PART, text="(paths read from stdin)")]
    return targets


def secret_sources(inv: Invocation, words: list[Word]) -> Effect | None:
    """The first operand an archive would take secrets from: a credential file or a directory of them."""
    home = inv.ctx.home
    for w in words:
        path = inv.ctx.resolve(w.value)
        what = secret_kind(path, home) if path else None
        if what is None and path and home and path.rstrip("/") in [f"{home}/{d}" for d in CREDENTIAL_DIRECTORIES]:
            what = "a directory of credentials"
        if what:
            return inv.fs("secret_read", w.value, kind="secret", reversible="yes", summary=f"archives {path}: {what}")
    return None


def record_link(inv: Invocation, target: Word, link_path: str | None, *, into_directory: bool) -> None:
    """Remember that `link_path` (or `link_path/NAME`) now leads to `target`, which is read relative to
    the link's own directory, as the filesystem reads it."""
    if link_path is None or not target.known or target.glob or UNKNOWN_PART in link_path:
        return
    if into_directory:
        link_path = posixpath.join(link_path, posixpath.basename(target.value.rstrip("/")) or "/")
    directory = posixpath.dirname(link_path)
    raw = target.value
    if not raw.startswith(("/", "~")):
        raw = posixpath.join(directory, raw)
    resolved = inv.ctx.resolve(raw)
    if resolved is not None:
        inv.ctx.links[link_path] = inv.ctx.through_links(resolved)
