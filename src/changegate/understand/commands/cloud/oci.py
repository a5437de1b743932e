"""oci and ibmcloud: `TOOL SERVICE NOUN… VERB --param VALUE…`, with hyphenated verbs in places
(`service-instance-delete`, `bucket-delete`)."""

from __future__ import annotations

from collections.abc import Sequence

from changegate.environments import Placement
from changegate.understand.base import Word
from changegate.understand.cli import Call, Options, parse_options
from changegate.understand.commands.platforms.base import Platform

# the few options of these CLIs that take no value; every other `--param` takes one
SWITCHES = frozenset({"--force", "-f", "--all", "--empty", "--debug", "--no-retry", "--raw-output",
                      "--wait-for-state-succeeded", "--recursive", "-q", "--quiet", "--help", "-h",
                      "--version", "-v", "--skip-confirmation-prompt"})
NAME_OPTIONS = ("--name", "--bucket-name", "--display-name", "--bucket", "--cluster")


class Oci(Platform):
    """oci and ibmcloud share a shape: a service, nouns, then a (sometimes hyphenated) verb."""

    NAMES = ("oci", "ibmcloud", "ic")
    ENV_VARIABLES = ("OCI_CLI_PROFILE", "OCI_CLI_CONFIG_FILE", "OCI_CLI_REGION", "IBMCLOUD_HOME",
                     "IBMCLOUD_REGION", "IBMCLOUD_API_KEY")

    HYPHEN_VERBS = True
    KINDS_FROM_WHOLE_VERB = True
    VERBS = {**Platform.VERBS, "terminate": "delete", "rm": "delete", "target": "read", "bulk-delete": "delete",
             "ssh": "host_control"}
    VERB_KINDS = {"bulk-delete": frozenset({"object"})}
    DATA_NOUNS = frozenset({"database", "autonomous-database", "db-system", "bucket", "object", "volume",
                            "boot-volume", "backup", "file-system", "vault", "secret", "cos", "service-instance",
                            "db", "instance-pool", "snapshot", "key"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"compartment", "cluster", "stack", "resource-group", "ks"})
    PERMISSION_NOUNS = frozenset({"iam", "policy", "user", "group", "access-group", "service-id", "api-key",
                                  "security-list", "nsg", "dynamic-group"})
    CONTEXT_OPTIONS = ("--profile", "-g")
    CONTEXT_VARIABLES = ("OCI_CLI_PROFILE",)

    def walk(self, words: Sequence[Word], *, stop_at_first_positional: bool = False,
             takes_value: frozenset[str] | set[str] | None = None) -> Options:
        values = {w.value for w in words if w.value.startswith("-") and w.value not in SWITCHES}
        return parse_options(words, frozenset(values), stop_at_first_positional=stop_at_first_positional)

    def placement(self, call: Call) -> Placement:
        named = [v for flag in NAME_OPTIONS for v in call.opts.values(flag) if v]
        return self.place(call, [*self.names(call), *named])
