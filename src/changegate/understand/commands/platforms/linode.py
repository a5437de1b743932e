"""linode-cli: `linode-cli GROUP ACTION` with hyphenated actions (`lke cluster-delete`)."""

from __future__ import annotations

from changegate.understand.commands.platforms.base import Platform


class LinodeCli(Platform):
    NAMES = ("linode-cli",)
    ENV_VARIABLES = ("LINODE_CLI_TOKEN", "LINODE_CLI_CONFIG")
    HYPHEN_VERBS = True
    KINDS_FROM_WHOLE_VERB = True
    VALUE_OPTIONS = frozenset({"--label", "--region", "--type", "--image", "--root_pass", "--as-user", "--text",
                               "--format", "--delimiter", "--page", "--page-size"})
    DATA_NOUNS = frozenset({"volume", "database", "object-storage", "bucket", "backup", "image", "domain",
                            "snapshot"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"lke", "cluster"})
    PERMISSION_NOUNS = frozenset({"firewall", "user", "token", "sshkey", "grant"})
