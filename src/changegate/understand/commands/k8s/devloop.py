"""Kubernetes inner-loop tools: skaffold and tilt build the project and deploy it to a cluster — the one
`--kube-context` names, else the kubeconfig's current context — so a deploy is judged where it lands (a kind
or minikube cluster is this machine's; a prod context is prod). Building, rendering and diagnosing stay local;
`skaffold delete` and `tilt down` remove what they deployed.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation
from changegate.understand import kube
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Cli

DEPLOYS: dict[str, dict[str, Operation]] = {
    "skaffold": {"dev": "modify", "run": "modify", "deploy": "modify", "apply": "modify", "debug": "modify",
                 "delete": "delete"},
    "tilt": {"up": "modify", "ci": "modify", "down": "delete", "trigger": "modify", "enable": "modify",
             "disable": "modify"},
}
LOCAL_VERBS: dict[str, frozenset[str]] = {
    "skaffold": frozenset({"build", "render", "diagnose", "fix", "init", "test", "verify", "version", "schema",
                           "inspect", "survey", "config", "completion", "credits", "lint"}),
    "tilt": frozenset({"version", "doctor", "get", "describe", "logs", "dump", "args", "wait", "alpha", "docker",
                       "completion"}),
}


class DevLoop(Cli):
    NAMES = ("skaffold", "tilt")
    FAMILY = "k8s"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--kube-context", "--context", "--kubeconfig", "-n", "--namespace", "-f", "--filename", "-p", "--profile",
        "--port", "--host", "--default-repo", "-d", "--file", "--tag", "-t", "--module", "-m", "--build-artifacts",
        "-a", "--label", "-l"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else ""
        if verb in LOCAL_VERBS[inv.name] or opts.has("--help", "-h", "--version") or not verb:
            return [local_work(inv, f"{inv.name} {verb}: builds or shows, deploys nothing".replace("  ", " "),
                               "read" if verb not in ("build", "test", "init", "fix") else "modify")]
        operation = DEPLOYS[inv.name].get(verb)
        if operation is None:
            return [inv.unknown(f"{inv.name} {verb} is not a command changegate knows")]
        ctx = inv.ctx
        target = kube.resolve_target(
            ctx.environments, ctx.env, ctx.home, ctx.consulted,
            context=opts.value("--kube-context", "--context") or None, kubeconfig=opts.value("--kubeconfig"),
            namespace=opts.value("-n", "--namespace"), context_flag="--kube-context", remote=ctx.remote,
            remote_placement=ctx.remote_placement, switched=ctx.switched)
        placement = target.place(opts.value("-n", "--namespace"))
        if target.local_cluster:
            placement = Placement(LOCAL, f"{target.cluster_label} is a cluster on this machine")
        what = "removes what it deployed from" if operation == "delete" else "builds the project and deploys it to"
        return [inv.effect(operation, f"k8s:{target.context_label}/{inv.name}", placement, reversible="yes",
                           kind="deployment", summary=f"{inv.name} {verb} {what} {target.cluster_label}")]
