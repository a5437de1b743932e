"""helm: releases are whole applications in a cluster.

`install`/`upgrade` change the release's objects (create or modify; `--force` deletes and re-creates what it
cannot patch, so it is a replace); `uninstall` removes the whole release — every object the chart made —
and whether that loses data depends on what the chart owns (PVCs from volumeClaimTemplates usually stay,
PVCs in the chart itself go), which cannot be known from the command: it is said, and the release counts as
a whole application. `rollback` returns a release to an earlier revision. `get values|manifest|all` print
what the release stores, secrets included. Charts rendered locally (`template`, `lint`, `show`, `pull`,
`package`) and repositories are local. `--dry-run` changes nothing.

The cluster comes from `--kube-context`/`--kubeconfig` and the kubeconfig, as for kubectl
(`understand/kube.py`); `-n` makes the answer stricter when it names an environment.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation, Reversible
from changegate.understand import kube
from changegate.understand.base import UNKNOWN_PART, Invocation, lit
from changegate.understand.cli import Cli, Options, parse_options

TAKES_VALUE = frozenset({
    "--kube-context", "--kubeconfig", "-n", "--namespace", "--kube-apiserver", "--kube-as-user",
    "--kube-as-group", "--kube-token", "--kube-ca-file", "--kube-tls-server-name", "--registry-config",
    "--repository-cache", "--repository-config", "--burst-limit", "--qps", "-f", "--values", "--set",
    "--set-string", "--set-file", "--set-json", "--set-literal", "--version", "--timeout", "--description",
    "--post-renderer", "--post-renderer-args", "--repo", "--username", "--password", "--ca-file", "--cert-file",
    "--key-file", "--keyring", "--name-template", "--output", "-o", "--revision", "--max", "--history-max",
    "--cascade", "--wait-for", "--label", "-l", "--selector", "--filter", "--deployed-only", "--template",
    "-d", "--destination", "--untardir", "--app-version", "--labels", "--kube-insecure-skip-tls-verify",
    "--dry-run", "--show-only", "-s", "--api-versions", "--kube-version", "--output-dir",
})
READ_VERBS = frozenset({
    "list", "ls", "status", "history", "hist", "template", "lint", "show", "inspect", "search", "version", "env",
    "completion", "help", "verify", "diff",
})
LOCAL_VERBS = frozenset({"pull", "fetch", "package", "create", "dependency", "dep", "dependencies", "repo",
                         "plugin", "registry"})
SECRET_GETS = frozenset({"values", "manifest", "all"})


class Helm(Cli):
    NAMES = ("helm",)
    FAMILY = "helm"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, TAKES_VALUE)
        if not opts.positionals:
            return [read(inv, "helm", Placement(LOCAL, "helm without a verb prints its help"), "helm (help)")]
        verb, args = opts.positionals[0], opts.positionals[1:]
        target = kube.resolve_target(
            inv.ctx.environments, inv.ctx.env, inv.ctx.home, inv.ctx.consulted,
            context=opts.value("--kube-context"), kubeconfig=opts.value("--kubeconfig"),
            namespace=opts.value("-n", "--namespace"), server=opts.value("--kube-apiserver"),
            context_flag="--kube-context", remote=inv.ctx.remote, remote_placement=inv.ctx.remote_placement)
        release = Release(inv, opts, verb, args, target)
        if dry_run(opts) and verb in ("install", "upgrade", "uninstall", "delete", "del", "un", "rollback"):
            return [release.read(f"helm {verb} --dry-run changes nothing")]
        handler = getattr(release, "verb_" + verb, None)
        if handler is not None:
            result: list[Effect] = handler()
            return result
        if verb in ("delete", "del", "un"):
            return release.verb_uninstall()
        if verb in ("template", "lint", "show", "inspect", "search", "version", "env", "completion", "help", "verify"):
            return [read(inv, f"helm:{verb}", Placement(LOCAL, f"helm {verb} works on local charts"),
                         f"helm {verb} (local, reads)")]
        if verb in READ_VERBS:
            return [release.read(f"helm {verb} (reads)")]
        if verb in LOCAL_VERBS:
            return [release.local(verb)]
        return [inv.effect("unknown", release.uri, release.placement, reversible="unknown",
                           summary=f"runs helm {verb}: a plugin or a verb changegate does not know, on "
                                   f"{target.cluster_label}")]


def dry_run(opts: Options) -> bool:
    value = opts.value("--dry-run")
    return value is not None and value not in ("none", "false")


def read(inv: Invocation, resource: str, placement: Placement, summary: str) -> Effect:
    return inv.effect("read", resource, placement, reversible="yes", summary=summary)


class Release:
    """One helm call on one release."""

    def __init__(self, inv: Invocation, opts: Options, verb: str, args: list[str], target: kube.KubeTarget) -> None:
        self.inv = inv
        self.opts = opts
        self.verb = verb
        self.args = args
        self.target = target
        self.namespace = opts.value("-n", "--namespace") or target.namespace
        self.name = (args[0] if args else "?").replace(UNKNOWN_PART, "…")

    @property
    def uri(self) -> str:
        return f"k8s:{self.target.context_label}/{self.namespace}/helm-release/{self.name}"

    @property
    def placement(self) -> Placement:
        return self.target.place(self.namespace)

    def read(self, summary: str) -> Effect:
        return read(self.inv, self.uri if self.args else f"k8s:{self.target.context_label}", self.placement, summary)

    def local(self, verb: str) -> Effect:
        sub = self.args[0] if self.args else ""
        if verb == "plugin" and sub in ("install", "update"):
            return self.inv.effect("modify", "helm:plugins", Placement(LOCAL, "helm plugins live on this machine"),
                                   reversible="yes", kind="plugin",
                                   summary=f"helm plugin {sub} installs code that helm runs later")
        if verb == "repo" and sub in ("list", "ls", "index"):
            return read(self.inv, "helm:repositories", Placement(LOCAL, "helm's local repository list"),
                        f"helm {verb} {sub} (reads)")
        return self.inv.effect("modify", f"helm:{verb}", Placement(LOCAL, f"helm {verb} works on local files"),
                               reversible="yes", kind="chart", summary=f"helm {verb} {sub} (local files)".strip())

    def tags(self) -> tuple[str, ...]:
        out = []
        if self.opts.has("--force"):
            out.append("force")
        if self.opts.has("--post-renderer"):
            out.append("post-renderer")
        return tuple(out)

    def release_effect(self, operation: Operation, summary: str, *, reversible: Reversible,
                       tags: tuple[str, ...] = (), whole_environment: bool = False,
                       suggestions: tuple[str, ...] = ()) -> Effect:
        return self.inv.effect(operation, self.uri, self.placement, kind="helm-release", reversible=reversible,
                               tags=tuple(dict.fromkeys((*self.tags(), *tags))), summary=summary,
                               whole_environment=whole_environment, suggestions=suggestions)

    # --- verbs ---------------------------------------------------------------------------------------
    def verb_install(self) -> list[Effect]:
        chart = self.args[1] if len(self.args) > 1 else self.args[0] if self.args else "?"
        if self.opts.has("--generate-name", "-g"):
            self.name = "(generated)"
        effects = [self.release_effect("create", f"helm install {self.name} ({chart.replace(UNKNOWN_PART, '…')}) "
                                                 f"in namespace {self.namespace} on {self.target.cluster_label}",
                                       reversible="yes",
                                       suggestions=("render it first: helm template … | kubectl diff -f -",))]
        return effects + self.shared_effects()

    def verb_upgrade(self) -> list[Effect]:
        chart = self.args[1] if len(self.args) > 1 else "?"
        force = self.opts.has("--force")
        if force:
            effect = self.release_effect(
                "replace", f"helm upgrade --force {self.name}: objects it cannot patch are deleted and created again, "
                           f"in namespace {self.namespace} on {self.target.cluster_label}",
                reversible="no", suggestions=("upgrade without --force; see the change first with helm diff upgrade",))
        else:
            created = " (installs it if missing)" if self.opts.has("--install", "-i") else ""
            effect = self.release_effect(
                "modify", f"helm upgrade {self.name} ({chart.replace(UNKNOWN_PART, '…')}){created} in namespace "
                          f"{self.namespace} on {self.target.cluster_label}",
                reversible="yes", suggestions=("see the change first: helm diff upgrade (the helm-diff plugin) or "
                                               "helm template … | kubectl diff -f -",))
        return [effect, *self.shared_effects()]

    def shared_effects(self) -> list[Effect]:
        """What install and upgrade do besides the release: a namespace, a local program run."""
        effects: list[Effect] = []
        if self.opts.has("--create-namespace"):
            effects.append(self.inv.effect("create", f"k8s:{self.target.context_label}/namespace/{self.namespace}",
                                           self.placement, kind="namespace", reversible="yes",
                                           summary=f"creates namespace {self.namespace}"))
        renderer = self.opts.value("--post-renderer")
        if renderer:
            effects.extend(self.inv.run_argv([lit(renderer)]))
        return effects

    def verb_uninstall(self) -> list[Effect]:
        names = [a.replace(UNKNOWN_PART, "…") for a in self.args] or ["?"]
        keep = self.opts.has("--keep-history")
        effects = []
        for name in names:
            self.name = name
            effects.append(self.release_effect(
                "delete", f"helm uninstall {name} deletes every object of the release in namespace {self.namespace} "
                          f"on {self.target.cluster_label}; whether data goes with it depends on the PVCs the chart "
                          "owns, which cannot be seen from here",
                reversible="no", whole_environment=True,
                tags=("release", "data-loss-unknown") + (("keep-history",) if keep else ()),
                suggestions=("list what it owns first: helm get manifest RELEASE | kubectl get -f - ",
                             "scale the release down instead of uninstalling it")))
        return effects

    def verb_rollback(self) -> list[Effect]:
        revision = self.args[1] if len(self.args) > 1 else "the previous revision"
        return [self.release_effect("modify", f"helm rollback {self.name} to {revision} in namespace "
                                              f"{self.namespace} on {self.target.cluster_label}",
                                    reversible="yes", tags=("rollback",))]

    def verb_test(self) -> list[Effect]:
        return [self.release_effect("modify", f"helm test {self.name} runs the chart's test pods in namespace "
                                              f"{self.namespace} on {self.target.cluster_label}", reversible="yes")]

    def verb_get(self) -> list[Effect]:
        what = self.args[0] if self.args else ""
        self.name = (self.args[1] if len(self.args) > 1 else "?").replace(UNKNOWN_PART, "…")
        if what in SECRET_GETS:
            return [self.inv.effect(
                "secret_read", self.uri, self.placement, reversible="yes", kind="secret",
                summary=f"helm get {what} {self.name} prints what the release stores, Secrets and passwords included",
                suggestions=("helm get values RELEASE -o json | jq 'keys' shows the keys without the values",))]
        return [self.read(f"helm get {what} (reads)")]

    def verb_push(self) -> list[Effect]:
        destination = self.args[1] if len(self.args) > 1 else "?"
        return [self.inv.effect("publish", f"oci:{destination}", self.inv.ctx.environments.url(destination, "registry"),
                                reversible="no", kind="chart", summary=f"helm push publishes a chart to {destination}")]
