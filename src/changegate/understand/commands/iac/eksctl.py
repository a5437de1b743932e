"""eksctl: `eksctl VERB NOUN [--cluster C | --name C | -f cluster.yaml]` on EKS clusters. Deleting a cluster
takes its nodes and the volumes of its PersistentVolumes; identity mappings and IAM service accounts are
permissions."""

from __future__ import annotations

from dataclasses import dataclass, field

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.cloud.aws_account import run_credential_process
from changegate.understand.commands.iac.common import (
    AWS_VARIABLES,
    DEPLOYER_VALUES,
    deployer_placement,
    profile_flag,
    show,
)

READS = frozenset({"get", "info", "version", "completion", "help"})
PERMISSION_NOUNS = frozenset({"iamserviceaccount", "iamidentitymapping", "accessentry"})
NO_CLUSTER = "no cluster name says which environment this is (unknown is treated as prod)"


@dataclass
class EksctlCall(Call):
    """`eksctl VERB NOUN …` and the cluster it acts on."""

    placement: Placement = field(default_factory=lambda: Placement(UNKNOWN, NO_CLUSTER))
    label: str = "?"

    @property
    def noun(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def uri(self) -> str:
        return f"eks:{self.label}/{self.noun or 'cluster'}"


class Eksctl(Cli):
    NAMES = ("eksctl",)
    FAMILY = "deployer"
    VALUE_OPTIONS = DEPLOYER_VALUES
    ENV_VARIABLES = (*AWS_VARIABLES, "KUBECONFIG")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary=f"{inv.name} (help)")]
        args = opts.positionals[1:]
        cluster = opts.value("--cluster") or opts.value("--name", "-n") or (args[1] if len(args) > 1 else None)
        cluster = cluster or config_name(inv, opts.value("-f", "--config-file"))
        placement = deployer_placement(inv, opts, [cluster] if cluster else [], NO_CLUSTER)
        call = EksctlCall(inv, opts, opts.positionals[0], args, opts.positional_words[1:], placement=placement,
                          label=show(cluster) if cluster else "?")
        run_credential_process(inv, profile_flag(opts))
        return self.dispatch(call)

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, EksctlCall)
        return [call.inv.effect("read", call.uri, call.placement, reversible="yes",
                                summary=f"eksctl {call.verb} {call.noun} (reads)")]

    def delete(self, call: Call) -> list[Effect]:
        assert isinstance(call, EksctlCall)
        inv, noun, label = call.inv, call.noun, call.label
        if noun == "cluster":
            return [inv.effect("delete", f"eks:{label}", call.placement, reversible="no", kind="cluster", scope="all",
                               whole_environment=True, data_loss=True, tags=("destroy",),
                               summary=f"eksctl delete cluster {label}: the cluster, its nodes and the volumes of "
                                       "its PersistentVolumes go",
                               suggestions=("delete the workloads you mean instead of the cluster",))]
        operation: Operation = "permission" if noun in PERMISSION_NOUNS else "delete"
        return [inv.effect(operation, call.uri, call.placement, reversible="no", kind=noun,
                           summary=f"eksctl delete {noun} in cluster {label}")]

    def drain(self, call: Call) -> list[Effect]:
        assert isinstance(call, EksctlCall)
        return [call.inv.effect("host_control", call.uri, call.placement, reversible="yes", kind=call.noun,
                                summary=f"eksctl drain {call.noun} evicts every pod from its nodes in cluster "
                                        f"{call.label}")]

    def create(self, call: Call) -> list[Effect]:
        assert isinstance(call, EksctlCall)
        noun = call.noun
        operation: Operation = "permission" if noun in PERMISSION_NOUNS else "create"
        return [call.inv.effect(operation, call.uri, call.placement, reversible="yes", kind=noun or "cluster",
                                summary=f"eksctl create {noun} {call.label}")]

    def utils(self, call: Call) -> list[Effect]:
        assert isinstance(call, EksctlCall)
        if call.noun == "write-kubeconfig":
            return [call.inv.effect("modify", "kubeconfig", Placement(LOCAL, "the kubeconfig on this machine"),
                                    reversible="yes", summary="eksctl utils write-kubeconfig")]
        return self.unknown_verb(call)

    def unknown_verb(self, call: Call) -> list[Effect]:
        """upgrade, scale, set, …: a change to the cluster changegate cannot size."""
        assert isinstance(call, EksctlCall)
        noun = call.noun
        return [call.inv.effect("modify", call.uri, call.placement, reversible="unknown", kind=noun or "cluster",
                                summary=f"eksctl {call.verb} {noun} in cluster {call.label}".strip())]

    VERBS = {**dict.fromkeys(READS, reads), "delete": delete, "drain": drain, "create": create, "utils": utils}


def config_name(inv: Invocation, raw: str | None) -> str | None:
    """metadata.name of the cluster config file given with -f."""
    if not raw or raw == "-":
        return None
    from changegate.understand.kube import load_small_yaml

    path = inv.ctx.resolve(raw)
    doc = load_small_yaml(path) if path else None
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None
