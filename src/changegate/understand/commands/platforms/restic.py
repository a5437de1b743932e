"""restic: snapshots in a repository named by -r/--repo or RESTIC_REPOSITORY, which places it."""

from __future__ import annotations

import msgspec

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, place_repository

KEEP_POLICIES = ("--keep-last", "--keep-hourly", "--keep-daily", "--keep-weekly", "--keep-monthly",
                 "--keep-yearly", "--keep-within", "--keep-within-hourly", "--keep-within-daily",
                 "--keep-within-weekly", "--keep-within-monthly", "--keep-within-yearly", "--keep-tag")


def keeps_nothing(call: Call) -> bool:
    """`forget --keep-last 0` (every keep policy zero, none by tag or age): every snapshot goes."""
    given = call.opts.values(*KEEP_POLICIES)
    return bool(given) and not call.opts.has("--keep-tag") and not call.args and all(
        v.strip() in ("0", "0d", "0h", "0y", "0m", "0w") for v in given)


class Restic(Platform):
    NAMES = ("restic",)
    ENV_VARIABLES = ("RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE",
                     "RESTIC_PASSWORD_COMMAND", "RESTIC_CACHE_DIR")
    VALUE_OPTIONS = frozenset({"-r", "--repo", "--repository-file", "-p", "--password-file", "--password-command",
                               "--cache-dir", "--host", "-H", "--tag", "--path", "--keep-last", "--keep-hourly",
                               "--keep-daily", "--keep-weekly", "--keep-monthly", "--keep-yearly",
                               "--keep-within", "--keep-tag", "--keep-within-hourly", "--keep-within-daily",
                               "--keep-within-weekly", "--keep-within-monthly", "--keep-within-yearly",
                               "--max-unused", "-t", "--target", "--include",
                               "--exclude", "-e", "-i", "--files-from", "--iexclude", "--compression",
                               "--limit-upload", "--limit-download", "-o", "--option", "--group-by",
                               "--from-repo", "--new-password-file", "--read-data-subset"})
    DATA_NOUNS = frozenset({"forget", "prune", "rewrite"})
    VERB_IS_KIND = True

    def restore(self, call: Call) -> list[Effect]:
        destination = call.opts.value("-t", "--target") or "."
        return [call.inv.fs("modify", destination, recursive=True, tags=("overwrite",), reversible="unknown",
                            summary=f"restic restore writes a snapshot over {destination}")]

    def key(self, call: Call) -> list[Effect]:
        return self.effects(call, "read" if call.args[:1] in (["list"], ["ls"]) else "permission")

    def forget(self, call: Call) -> list[Effect]:
        """`forget` drops snapshots by policy; `prune` (or `forget --prune`) removes their data for good."""
        effects = self.effects(call, "delete")
        every = call.opts.has("--unsafe-allow-remove-all") or keeps_nothing(call)
        effects[0] = msgspec.structs.replace(
            effects[0], scope="all" if every else "many", kind="snapshots",
            data_loss=call.verb == "prune" or call.opts.has("--prune"),
            suggestions=(f"preview it: {call.inv.text.strip()} --dry-run",))
        return effects

    VERBS = {
        **Platform.VERBS,
        "forget": forget, "prune": forget, "backup": "read", "check": "read", "snapshots": "read",
        "ls": "read", "stats": "read", "find": "read", "dump": "read", "diff": "read", "cat": "read",
        "mount": "read", "version": "read", "init": "create", "restore": restore, "copy": "create",
        "rewrite": "replace", "tag": "modify", "unlock": "modify", "recover": "modify", "repair": "modify",
        "migrate": "modify", "key": key, "generate": "read", "self-update": "read",
    }

    def placement(self, call: Call) -> Placement:
        repository = call.opts.value("-r", "--repo") or call.inv.ctx.getenv("RESTIC_REPOSITORY")
        if not repository:
            return Placement(UNKNOWN, "no -r/--repo or RESTIC_REPOSITORY says which repository this is "
                                      "(unknown is treated as prod)")
        return place_repository(call.inv, repository, "restic repository")
