"""kubectx and kubens (also as the kubectl plugins ctx and ns): they switch the kubeconfig's current context
or the current context's namespace. That is a change to a local file, and it decides where the later
kubectl and helm calls of the same line land (`ctx.switched`, read by `understand/kube.py`)."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand import kube
from changegate.understand.base import UNKNOWN_PART, Invocation
from changegate.understand.cli import Cli

KUBECONFIG_HERE = Placement(LOCAL, "the kubeconfig on this machine")
READ_FLAGS = ("-c", "--current", "-h", "--help", "-V", "--version")


class Kubectx(Cli):
    """`kubectx [NAME | - | -d NAME | -u | NEW=OLD]`."""

    NAMES = ("kubectx", "kubectl-ctx")
    FAMILY = "kubectl"
    VALUE_OPTIONS = frozenset({"-d"})
    ENV_VARIABLES = ("KUBECONFIG",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*READ_FLAGS) or not (opts.positionals or opts.has("-d", "-u", "--unset")):
            return [read(inv, "lists the kube contexts")]
        name = opts.positionals[0] if opts.positionals else ""
        if name and not opts.has("-d") and "=" not in name:
            # `kubectx -`: the previous context, which only kubectx knows
            kube.switch_context(inv.ctx.switched, UNKNOWN_PART if name == "-" else name,
                                kube.kubeconfig_paths(inv.ctx.env, None, inv.ctx.home))
        return [change(inv, f"{inv.name} {' '.join(w.shown() for w in inv.words)}: changes the kubeconfig")]


class Kubens(Cli):
    """`kubens [NAME | -]`: the namespace of the current context."""

    NAMES = ("kubens", "kubectl-ns")
    FAMILY = "kubectl"
    ENV_VARIABLES = ("KUBECONFIG",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*READ_FLAGS) or not opts.positionals:
            return [read(inv, "lists the namespaces")]
        ctx = inv.ctx
        target = kube.resolve_target(ctx.environments, ctx.env, ctx.home, ctx.consulted, switched=ctx.switched,
                                     remote=ctx.remote, remote_placement=ctx.remote_placement)
        name = opts.positionals[0]
        if target.context:
            ctx.switched[f"{kube.SWITCHED_NAMESPACE}{target.context}"] = UNKNOWN_PART if name == "-" else name
        return [change(inv, f"{inv.name} {name}: sets the namespace of the context {target.cluster_label}")]


def read(inv: Invocation, summary: str) -> Effect:
    return inv.effect("read", "kubeconfig", KUBECONFIG_HERE, reversible="yes", kind="kubeconfig",
                      summary=f"{inv.name} {summary}")


def change(inv: Invocation, summary: str) -> Effect:
    return inv.effect("modify", "kubeconfig", KUBECONFIG_HERE, reversible="yes", kind="kubeconfig", summary=summary)
