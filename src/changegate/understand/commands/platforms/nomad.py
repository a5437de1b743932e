"""nomad: jobs, allocations, nodes and variables of a Nomad cluster."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Nomad(Platform):
    NAMES = ("nomad",)
    ENV_VARIABLES = ("NOMAD_ADDR", "NOMAD_NAMESPACE", "NOMAD_REGION", "NOMAD_TOKEN", "NOMAD_CACERT")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-address", "-region", "-namespace", "-token", "-ca-cert", "-client-cert",
                               "-client-key", "-var", "-var-file", "-meta", "-deadline", "-type", "-job",
                               "-task", "-group"})
    ADDRESS_OPTIONS = ("-address",)
    ADDRESS_VARIABLES = ("NOMAD_ADDR",)
    CONTEXT_OPTIONS = ("-namespace", "-region")
    CONTEXT_VARIABLES = ("NOMAD_NAMESPACE",)
    WHERE_UNKNOWN = "no -address or NOMAD_ADDR says which Nomad cluster this is"
    PERMISSION_NOUNS = frozenset({"acl", "token", "policy", "role"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"namespace"})
    DATA_NOUNS = frozenset({"volume", "var"})

    def stop(self, call: Call) -> list[Effect]:
        """`job stop` stops the job's allocations; with -purge the job is gone from the cluster too."""
        return self.effects(call, "delete" if call.opts.has("-purge") else "host_control")

    VERBS = {
        **Platform.VERBS,
        "stop": stop, "drain": "host_control", "eligibility": "host_control", "gc": "modify", "plan": "read",
        "exec": "host_control", "alloc": "read", "purge": "delete",
    }
