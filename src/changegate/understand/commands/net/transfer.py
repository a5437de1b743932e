"""Copying files to and from another machine (scp, sftp, ftp): remote paths, uploads, batch scripts."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import parse_target, written_file
from changegate.understand.commands.net.payloads import Payload, carried_off, file_payload
from changegate.understand.placement import place_host
from changegate.understand.sensitive import persistence_kind

MAX_SCRIPT_LINES = 200  # sftp/ftp batch commands read
MAX_UPLOADS = 8  # files one `mput` line is judged by
# sftp/ftp batch commands: what each does
UPLOADS = frozenset({"put", "mput", "reput", "send", "append"})
DOWNLOADS = frozenset({"get", "mget", "reget", "recv", "newer"})
DELETES = frozenset({"rm", "rmdir", "delete", "mdelete"})
CHANGES = frozenset({"rename", "chmod", "chown", "chgrp", "mkdir", "ln", "symlink", "site"})


@dataclass(frozen=True, slots=True)
class RemoteSpec:
    user: str | None
    host: str
    path: str

    def absolute_path(self) -> str | None:
        if self.path.startswith("/"):
            return self.path
        home = "/root" if self.user == "root" else f"/home/{self.user or 'remote'}"
        return posixpath.normpath(posixpath.join(home, self.path.removeprefix("~/").lstrip("~") or "."))


def remote_spec(value: str) -> RemoteSpec | None:
    """`[user@]host:path` or `scp://[user@]host[:port]/path`; None for a local path."""
    if value.startswith(("scp://", "sftp://", "ftp://")):
        target = parse_target(value)
        user = urlsplit(target.url).username
        return RemoteSpec(user, target.host, target.path)
    if value.startswith(("/", "./", "../", "~")) or ":" not in value:
        return None
    head, _, path = value.partition(":")
    if "/" in head or not head:
        return None
    user, at, host = head.rpartition("@")
    return RemoteSpec(user if at else None, host.strip("[]"), path)


def upload_effects(inv: Invocation, payloads: Sequence[Payload], spec: RemoteSpec, placement: Placement,
                   resource: str, recursive: bool = False) -> list[Effect]:
    leaving = carried_off(inv, payloads, spec.host, placement, resource)
    if leaving:
        return leaving
    remote_path = spec.absolute_path()
    persistence = persistence_kind(remote_path) if remote_path else None
    what = ", ".join(p.what for p in payloads[:3]) or "files"
    return [inv.effect("create", resource, placement, kind="file", scope="many" if recursive else "one",
                       reversible="unknown", tags=("persistence",) if persistence else (),
                       summary=f"{inv.name} copies {what} to {spec.host}:{spec.path or '~'}"
                               + (f" ({persistence})" if persistence else ""))]


def script_text(inv: Invocation, batch: Word | None) -> str | None:
    """The batch commands: a file (`sftp -b FILE`) or what flows into the client's input."""
    if batch is not None and batch.value != "-":
        return inv.walker.file_stream(batch.value, inv.ctx).text
    return inv.stdin.text if inv.stdin is not None else None


def transfer_script(inv: Invocation, spec: RemoteSpec, script: str | None, scheme: str) -> list[Effect]:
    """An sftp (`scheme` ssh) or ftp session: each batch command's effect, or an interactive session nobody
    can see."""
    placement = place_host(inv.ctx.environments, spec.host, f"{inv.name} host")
    resource = f"{scheme}:{spec.host}"
    if script is None:
        return [inv.effect("modify", resource, placement, kind="session", tags=("unseen-changes",),
                           summary=f"opens an interactive {inv.name} session to {spec.host}: what it "
                                   "transfers cannot be seen")]
    effects: list[Effect] = []
    uploads: list[Payload] = []
    for line in script.splitlines()[:MAX_SCRIPT_LINES]:
        parts = line.split()
        if not parts:
            continue
        verb, args = parts[0].lstrip("-@").lower(), parts[1:]
        if verb in UPLOADS and args:
            uploads.extend(file_payload(inv, a) for a in args[:1 if verb in ("put", "reput") else MAX_UPLOADS])
        elif verb in DOWNLOADS and args:
            effects.append(written_file(inv, args[1] if len(args) > 1 else posixpath.basename(args[0]) or "."))
        elif verb in DELETES and args:
            effects.append(inv.effect("delete", f"{resource}:{args[0]}", placement, kind="file",
                                      reversible="no", summary=f"{inv.name} deletes {args[0]} on {spec.host}"))
        elif verb in CHANGES and args:
            effects.append(inv.effect("modify", f"{resource}:{args[-1]}", placement, kind="file",
                                      summary=f"{inv.name} {verb} {' '.join(args[:2])} on {spec.host}"))
    if uploads:
        effects.extend(upload_effects(inv, uploads, spec, placement, resource))
    return effects or [inv.effect("read", resource, placement, reversible="yes",
                                  summary=f"{inv.name} session to {spec.host} that only lists or reads")]
