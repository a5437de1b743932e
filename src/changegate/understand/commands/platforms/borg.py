"""borg: archives in a repository named by `REPO::ARCHIVE`, --repo or BORG_REPO, which places it."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, place_repository

ARCHIVE_OPTIONS = ("-a", "--match-archives", "--glob-archives")


class Borg(Platform):
    NAMES = ("borg", "borg2")
    ENV_VARIABLES = ("BORG_REPO", "BORG_PASSPHRASE", "BORG_PASSCOMMAND", "BORG_RSH", "BORG_REMOTE_PATH",
                     "BORG_BASE_DIR", "BORG_CACHE_DIR")
    VALUE_OPTIONS = frozenset({"--keep-last", "--keep-within", "--keep-secondly", "--keep-minutely", "-H",
                               "--keep-hourly", "-d", "--keep-daily", "-w", "--keep-weekly", "-m",
                               "--keep-monthly", "-y", "--keep-yearly", "-a", "--match-archives",
                               "--glob-archives", "-P", "--prefix", "--exclude", "-e", "--exclude-from",
                               "--pattern", "--patterns-from", "-C", "--compression", "--remote-path", "--rsh",
                               "--lock-wait", "--repo", "-r", "--encryption", "--comment", "--timestamp",
                               "--checkpoint-interval", "--format", "--sort-by", "--first", "--last",
                               "--upload-ratelimit", "--upload-buffer"})
    DATA_NOUNS = frozenset({"delete", "prune", "compact", "rdelete", "repo-delete", "recreate"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"rdelete", "repo-delete"})
    VERB_IS_KIND = True

    def key(self, call: Call) -> list[Effect]:
        return self.effects(call, "secret_read" if call.args[:1] == ["export"] else "permission")

    def extract(self, call: Call) -> list[Effect]:
        if call.opts.has("--dry-run", "-n"):
            return self.effects(call, "modify")
        return [call.inv.fs("modify", ".", recursive=True, tags=("overwrite",), reversible="unknown",
                            summary="borg extract writes an archive's files into the current directory")]

    def delete(self, call: Call) -> list[Effect]:
        """`delete REPO` deletes the whole repository; `REPO::ARCHIVE` or -a one archive or a match."""
        opts = call.opts
        if opts.has("--cache-only"):
            return [call.inv.effect("delete", "borg:cache", Placement(LOCAL, "the local borg cache"),
                                    reversible="yes", kind="cache",
                                    summary="borg delete --cache-only (the local cache, rebuilt on use)")]
        effects = self.effects(call, "delete")
        targets = call.args
        whole_repo = not targets or ("::" not in targets[0] and not opts.has(*ARCHIVE_OPTIONS))
        many = opts.has(*ARCHIVE_OPTIONS, "-P", "--prefix")
        effects[0] = msgspec.structs.replace(
            effects[0], resource=f"borg:{self.repository(call, targets)}", whole_environment=whole_repo,
            scope="all" if whole_repo else "many" if many else "one",
            kind="repository" if whole_repo else "archive")
        return effects

    def with_lock(self, call: Call) -> list[Effect]:
        """`with-lock REPO CMD…`: CMD runs while the repository is locked, and is judged as itself."""
        words = self.walk(call.inv.words, stop_at_first_positional=True).positional_words
        command = words[2:] if words[:1] and words[0].value == "with-lock" else []
        if not command:
            return self.effects(call, "read")
        call.inv.run_argv(command, stdin=call.inv.stdin)
        return []

    VERBS = {
        **Platform.VERBS,
        "delete": delete, "prune": "delete", "compact": "delete", "rdelete": "delete", "repo-delete": "delete",
        "create": "read", "list": "read", "info": "read", "check": "read", "diff": "read", "version": "read",
        "mount": "read", "umount": "read", "export-tar": "read", "benchmark": "read", "extract": extract,
        "init": "create", "rcreate": "create", "repo-create": "create", "recreate": "replace",
        "break-lock": "modify", "rename": "modify", "config": "modify", "upgrade": "modify", "key": key,
        "import-tar": "create", "transfer": "create", "serve": "host_control", "rlist": "read", "repo-list": "read",
        "rinfo": "read", "repo-info": "read", "undelete": "modify", "with-lock": with_lock,
    }

    @staticmethod
    def repository(call: Call, targets: Sequence[str]) -> str:
        first = next((t for t in targets if "::" in t or t.startswith(("/", "ssh://", "~")) or "@" in t), "")
        repository = first.split("::", 1)[0] if first else ""
        return repository or call.opts.value("--repo", "-r") or call.inv.ctx.getenv("BORG_REPO") or ""

    def placement(self, call: Call) -> Placement:
        # The first name is skipped, so a repository given only as the first argument does not place the
        # command (`borg delete repo::archive` stays unknown, and the corpus counts it as one to stop).
        # Kept as it was through the redesign; whether a relative REPO is local work is the lead's call.
        repository = self.repository(call, self.names(call)[1:])
        if not repository:
            return Placement(UNKNOWN, "no repository (REPO::ARCHIVE, --repo or BORG_REPO) says where the backups "
                                      "live (unknown is treated as prod)")
        return place_repository(call.inv, repository, "borg repository")
