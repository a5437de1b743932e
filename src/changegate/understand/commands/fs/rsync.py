"""rsync: copies into a directory here or on another host; `--delete` removes what the source lacks."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.commands.net.common import exposed_by


def remote_of(arg: str) -> str | None:
    """`host:path` and `user@host:path` name a remote host; `./a:b` and `/x:y` do not."""
    if arg.startswith(("/", ".", "~")) or "://" in arg:
        if arg.startswith("rsync://"):
            return arg[8:].split("/", 1)[0]
        return None
    head, sep, _ = arg.partition(":")
    if not sep or "/" in head or not head:
        return None
    return head.split("@")[-1]


class Rsync(FileTool):
    NAMES = ("rsync",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "--rsh", "--exclude", "--include", "--exclude-from",
                                                       "--include-from", "--files-from", "--filter", "-f", "--chmod",
                                                       "--chown", "--port", "--password-file", "--log-file",
                                                       "--backup-dir", "--suffix", "-T", "--temp-dir",
                                                       "--bwlimit", "--timeout", "--max-size", "--min-size",
                                                       "--rsync-path", "--info", "--debug", "--compare-dest",
                                                       "--copy-dest", "--link-dest", "--partial-dir", "--out-format",
                                                       "--log-file-format", "--usermap", "--groupmap", "-M",
                                                       "--remote-option", "--sockopts", "--address", "--iconv",
                                                       "--compress-choice", "--checksum-choice", "--skip-compress"})
    ENV_VARIABLES = ("RSYNC_RSH", "RSYNC_CONNECT_PROG", "RSYNC_PASSWORD")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        self.remote_shell(inv, opts)
        if len(opts.positionals) < 2:
            return [inv.effect("read", "cmd:rsync", Placement("local", "it only lists"), summary="rsync lists")]
        sources, dest = opts.positional_words[:-1], opts.positional_words[-1]
        deleting = [f for f in opts.flags if f.startswith("--delete") or f == "--remove-source-files"]
        remote_host = remote_of(dest.value)
        effects = self.sources(inv, opts, sources, remote_host)
        if remote_host:
            effects.append(self.remote_destination(inv, dest, remote_host, deleting))
        elif any(f.startswith("--delete") for f in deleting):
            effects.append(inv.fs("delete", dest.value, recursive=True, tags=deleting,
                                  summary=f"syncs into {dest.shown()} deleting what the source lacks",
                                  suggestions=(f"preview with rsync --dry-run --delete … {dest.shown()}",)))
        else:
            effects.append(inv.fs("modify", dest.value, recursive=True, reversible="unknown",
                                  summary=f"syncs files into {dest.shown()}"))
        return effects

    @staticmethod
    def remote_shell(inv: Invocation, opts: Options) -> None:
        """`-e CMD` (or RSYNC_RSH) is run here as `CMD HOST rsync --server …`; `--rsync-path=CMD` runs on the
        remote host in place of rsync. Both are followed as the commands they are."""
        hosts = [host for host in (remote_of(p) for p in opts.positionals) if host]
        command = opts.value("-e", "--rsh") or inv.ctx.getenv("RSYNC_RSH")
        if command and hosts:
            inv.run_script(f"{command} {hosts[0]} rsync --server .", origin="rsync's remote shell")
        elif command:
            inv.run_script(command, origin="rsync's remote shell")
        remote_path = opts.value("--rsync-path")
        if remote_path and hosts:
            placement = inv.ctx.environments.host(hosts[0], "rsync host")
            ctx = inv.ctx.clone(remote=hosts[0], remote_placement=placement, cwd=None, workspace=None, env={})
            inv.run_script(remote_path, ctx=ctx, origin="rsync --rsync-path")

    @staticmethod
    def sources(inv: Invocation, opts: Options, sources: list[Word], remote_host: str | None) -> list[Effect]:
        effects: list[Effect] = []
        for src in sources:
            src_remote = remote_of(src.value)
            src_path = None if src_remote else inv.ctx.resolve(src.value)
            exposed = exposed_by(src_path.rstrip("/") or "/", inv.ctx.home) if src_path and remote_host else None
            if exposed:
                # a credential file or directory, the home, or the machine's own files: off the machine
                effects.append(inv.effect("exfiltrate", f"host:{remote_host}", inv.ctx.environments.host(remote_host),
                                          kind="host", reversible="no",
                                          summary=f"uploads {src_path} to {remote_host}: {exposed}"))
            if "--remove-source-files" in opts.flags and not src_remote:
                effects.append(inv.fs("delete", src.value, recursive=True,
                                      summary=f"removes the sent files of {src.shown()}"))
        return effects

    @staticmethod
    def remote_destination(inv: Invocation, dest: Word, host: str, deleting: list[str]) -> Effect:
        placement = inv.ctx.environments.host(host, "rsync destination host")
        path = dest.value.split(":", 1)[1]
        operation: Operation = "delete" if any(f.startswith("--delete") for f in deleting) else "modify"
        return inv.effect(operation, f"fs://{host}/{path.lstrip('/')}", placement, scope="many", kind="directory",
                          reversible="no" if deleting else "unknown", tags=tuple(deleting),
                          summary=f"syncs files to {host}:{path}"
                                  + (" and deletes what is not in the source" if deleting else ""))
