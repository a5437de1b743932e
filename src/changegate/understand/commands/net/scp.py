"""scp: copies from remote sources here (reads there, writes here) or uploads local files to a remote
destination (what leaves the machine, or a file created there)."""

from __future__ import annotations

from collections.abc import Sequence

from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import NetTool, fails, written_file
from changegate.understand.commands.net.payloads import file_payload
from changegate.understand.commands.net.transfer import RemoteSpec, remote_spec, upload_effects
from changegate.understand.placement import place_host
from changegate.understand.sensitive import secret_kind


class Scp(NetTool):
    NAMES = ("scp",)
    VALUE_OPTIONS = frozenset({"-c", "-F", "-i", "-J", "-l", "-o", "-P", "-S", "-D", "-X"})

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        if len(walked.positionals) < 2:
            return [fails(inv, "it needs a source and a destination")]
        *sources, destination = walked.positionals
        recursive = walked.has("-r")
        dest_remote = remote_spec(destination.value)
        remote_sources = [(w, remote_spec(w.value)) for w in sources]
        if dest_remote is None:
            return self.download(inv, remote_sources, destination, recursive)
        placement = place_host(inv.ctx.environments, dest_remote.host, "scp destination")
        payloads = [file_payload(inv, w.value) for w, spec in remote_sources if spec is None]
        resource = f"ssh:{dest_remote.host}:{dest_remote.path or '~'}"
        return upload_effects(inv, payloads, dest_remote, placement, resource, recursive)

    @staticmethod
    def download(inv: Invocation, sources: Sequence[tuple[Word, RemoteSpec | None]], destination: Word,
                 recursive: bool) -> list[Effect]:
        """Copies to a local destination: reads on each remote source, the file or tree written here, and
        secrets among local sources (a local-to-local copy)."""
        effects: list[Effect] = []
        for _word, spec in sources:
            if spec is not None:
                placement = place_host(inv.ctx.environments, spec.host, "scp host")
                effects.append(inv.effect("read", f"ssh:{spec.host}:{spec.path}", placement, reversible="yes",
                                          summary=f"scp copies {spec.host}:{spec.path} here"))
        effects.append(written_file(inv, destination.value) if not recursive else inv.fs(
            "create", destination.value, recursive=True, reversible="yes",
            summary=f"scp copies into {destination.shown()}"))
        if not any(spec for _, spec in sources):
            effects.extend(secret_copies(inv, [w for w, _ in sources]))
        return effects


def secret_copies(inv: Invocation, words: Sequence[Word]) -> list[Effect]:
    out: list[Effect] = []
    for word in words:
        path = inv.ctx.resolve(word.value)
        what = secret_kind(path, inv.ctx.home) if path else None
        if what:
            out.append(inv.fs("secret_read", word.value, kind="secret", reversible="yes",
                              summary=f"copies {path}: {what}"))
    return out
