"""kubectl (and oc, kubecolor): every verb in a table, the cluster from flags and the kubeconfig, the objects
from names, selectors, files and kustomizations.

Reads (get, describe, logs, diff, port-forward, …) are reads, except where they print secrets: `get
secret -o yaml|json|jsonpath|go-template`, `describe secret` (it prints service-account tokens), `create
token`, `config view --raw`. Changes are placed in the cluster's environment (see `understand/kube.py`);
deleting a namespace, PVCs/PVs, CRDs, Secrets, many objects (`--all`, `-l`, `-A`) is marked for the
policy's blast-radius rules. `exec`/`run`/`debug` hand their command back to the walker, placed in the
cluster, so that `kubectl exec db-0 -- psql -c 'DROP TABLE users'` is a drop in that cluster's environment.
`--dry-run` (other than `=none`) changes nothing.
"""

from __future__ import annotations

import json
import posixpath
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand import kube
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.sensitive import secret_kind

GLOBAL_VALUES = frozenset({
    "--context", "--cluster", "--user", "--kubeconfig", "-n", "--namespace", "-s", "--server", "--token",
    "--as", "--as-group", "--as-uid", "--request-timeout", "--certificate-authority", "--client-certificate",
    "--client-key", "--tls-server-name", "--cache-dir", "--log-file", "-v", "--v", "--vmodule", "--profile",
    "--profile-output", "--password", "--username", "--log-dir", "--kuberc",
})
VERB_VALUES = frozenset({
    "-f", "--filename", "-k", "--kustomize", "-l", "--selector", "-o", "--output", "--field-selector", "-p",
    "--patch", "--patch-file", "--type", "--replicas", "--current-replicas", "--resource-version", "--image",
    "--grace-period", "--timeout", "-c", "--container", "--field-manager", "--template", "--sort-by", "--for",
    "--subresource", "--cascade", "--prune-allowlist", "--prune-whitelist", "--port", "--address",
    "--pod-running-timeout", "--overrides", "--env", "--labels", "--restart", "--serviceaccount",
    "--image-pull-policy", "--min", "--max", "--cpu-percent", "--name", "--target-port", "--protocol",
    "--external-ip", "--to-revision", "--revision", "--chunk-size", "-L", "--label-columns", "--raw", "--since",
    "--since-time", "--tail", "--limit-bytes", "--clusterrole", "--role", "--group", "--verb", "--resource",
    "--resource-name", "--docker-server", "--docker-username", "--docker-password", "--docker-email",
    "--from-literal", "--from-file", "--from-env-file", "--cert", "--key", "--schedule", "--from", "--copy-to",
    "--target", "--duration", "--audience", "--bound-object-kind", "--bound-object-name", "--max-log-requests",
    "--pod-selector", "--skip-wait-for-delete-timeout", "--set-image", "--share-processes", "--custom",
    "--environment", "--generator", "--output-version", "--local-port", "--hostport", "--requests", "--limits",
    "--containers", "--server-side-apply", "--selector-label", "--kustomize-dir",
})
TAKES_VALUE = GLOBAL_VALUES | VERB_VALUES
DRY_RUN_VALUES = frozenset({"client", "server", "none", "true", "false", "unchanged"})

READ_VERBS = frozenset({
    "get", "describe", "logs", "log", "top", "explain", "api-resources", "api-versions", "version", "cluster-info",
    "diff", "events", "kustomize", "convert", "wait", "completion", "options", "plugin", "port-forward", "proxy",
    "help", "whoami", "status", "projects", "project",
})
SECRET_OUTPUTS = ("yaml", "json", "jsonpath", "go-template", "template", "custom-columns", "templatefile",
                  "go-template-file", "jsonpath-file", "jsonpath-as-json", "kyaml")
SECRET_KINDS = frozenset({"Secret"})
# `kubectl get all` / `delete all`: the workload kinds it expands to
ALL_KINDS = "pods, services, deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, autoscalers"
MODIFY_VERBS: dict[str, str] = {
    "edit": "edits", "patch": "patches", "label": "labels", "annotate": "annotates", "autoscale": "autoscales",
    "cordon": "cordons", "uncordon": "uncordons", "taint": "taints",
}
CONFIG_READS = frozenset({"view", "current-context", "get-contexts", "get-clusters", "get-users"})
SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "ksh", "fish", "/bin/sh", "/bin/bash", "/bin/ash",
                    "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh", "powershell", "pwsh", "cmd"})
DELETE_SUGGESTIONS = ("preview what would be deleted: add --dry-run=server -o name",)
NAMESPACE_SUGGESTION = "delete the specific workloads you mean (kubectl delete deployment NAME -n NS) instead"
ALL_SUGGESTION = "name the objects you mean instead of --all / a selector"
APPLY_SUGGESTION = "see the change first: kubectl diff -f FILE (or --dry-run=server)"


class Kubectl(Cli):
    NAMES = ("kubectl", "oc", "kubecolor")
    FAMILY = "kubectl"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        words, command = split_command(inv.words)
        words, dry_run = strip_dry_run(words)
        opts = parse_options(words, TAKES_VALUE)
        if not opts.positionals:
            return [read(inv, "kubectl", Placement(LOCAL, "kubectl without a verb prints its help"))]
        verb, args = opts.positionals[0], opts.positionals[1:]
        arg_words = opts.positional_words[1:]
        call = Call(inv, opts, verb, args, arg_words, command, self.target(inv, opts))
        if dry_run and verb not in ("exec", "debug", "run", "attach", "cp"):
            return [call.read(f"kubectl {verb} --dry-run changes nothing")]
        handler = getattr(call, "verb_" + verb.replace("-", "_"), None)
        if handler is not None:
            result: list[Effect] = handler()
            return result
        if verb in READ_VERBS:
            return [call.read(f"kubectl {verb} (reads)")]
        if verb in MODIFY_VERBS:
            return call.modify_named(MODIFY_VERBS[verb])
        return [call.unknown(f"kubectl {verb}: a plugin or a verb changegate does not know")]

    @staticmethod
    def target(inv: Invocation, opts: Options) -> kube.KubeTarget:
        target = kube.resolve_target(
            inv.ctx.environments, inv.ctx.env, inv.ctx.home, inv.ctx.consulted,
            context=opts.value("--context"), kubeconfig=opts.value("--kubeconfig"),
            namespace=opts.value("-n", "--namespace"), cluster=opts.value("--cluster"),
            server=opts.value("-s", "--server"), remote=inv.ctx.remote, remote_placement=inv.ctx.remote_placement)
        target.all_namespaces = opts.has("-A", "--all-namespaces")
        return target


def split_command(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """kubectl's own words, and the command after `--` (exec, run, debug)."""
    for i, word in enumerate(words):
        if word.value == "--":
            return words[:i], words[i + 1:]
    return words, []


def strip_dry_run(words: list[Word]) -> tuple[list[Word], bool]:
    """Remove `--dry-run[=X]` (and a following client|server|none): whether it makes the call a dry run."""
    out: list[Word] = []
    dry = False
    i = 0
    while i < len(words):
        value = words[i].value
        if value == "--dry-run" or value.startswith("--dry-run="):
            mode = value.partition("=")[2]
            if not mode and i + 1 < len(words) and words[i + 1].value in DRY_RUN_VALUES:
                mode = words[i + 1].value
                i += 1
            dry = mode not in ("none", "false")
        else:
            out.append(words[i])
        i += 1
    return out, dry


def read(inv: Invocation, resource: str, placement: Placement, summary: str = "", kind: str = "") -> Effect:
    return inv.effect("read", resource, placement, reversible="yes", kind=kind, summary=summary or "reads")


class Call:
    """One kubectl call: the verb's handlers share its options and target."""

    def __init__(self, inv: Invocation, opts: Options, verb: str, args: list[str], arg_words: list[Word],
                 command: list[Word], target: kube.KubeTarget) -> None:
        self.inv = inv
        self.opts = opts
        self.verb = verb
        self.args = args
        self.arg_words = arg_words
        self.command = command
        self.target = target

    # --- building blocks -----------------------------------------------------------------------------
    @property
    def namespace(self) -> str | None:
        return self.opts.value("-n", "--namespace")

    def cluster_uri(self) -> str:
        return f"k8s:{self.target.context_label}"

    def unknown(self, why: str) -> Effect:
        """A call whose effect is not known acts on its cluster, wherever its arguments point."""
        return self.inv.effect("unknown", self.cluster_uri(), self.target.place(self.namespace), reversible="unknown",
                               summary=f"runs {self.inv.name} ({why}) on {self.target.cluster_label}")

    def read(self, summary: str, resource: str | None = None, kind: str = "") -> Effect:
        return read(self.inv, resource or self.cluster_uri(), self.target.place(self.namespace), summary, kind)

    def tags(self) -> tuple[str, ...]:
        out: list[str] = []
        if self.opts.has("--force") or self.opts.value("--grace-period") == "0" or self.opts.has("--now"):
            out.append("force")
        if self.opts.has("--as", "--as-group", "--as-uid"):
            out.append("impersonate")
        return tuple(out)

    def selection(self) -> tuple[Scope | None, str]:
        """Whether the call picks objects by `--all`, a selector or every namespace, and how to say it."""
        if self.opts.has("--all"):
            return "all", " (--all: every one of its kind)"
        if self.opts.has("-l", "--selector", "--field-selector"):
            selector = self.opts.value("-l", "--selector", "--field-selector") or ""
            return "many", f" (every one matching {selector.replace(UNKNOWN_PART, '…')})"
        return None, ""

    def named_targets(self, args: list[str] | None = None) -> list[tuple[str, str]]:
        """(kind, name) pairs from `TYPE NAME…`, `TYPE/NAME…` or `TYPE1,TYPE2 NAME`; name '*' when the
        selection is --all or a selector, '…' when a name is only known at run time."""
        args = self.args if args is None else args
        if not args:
            return []
        pairs: list[tuple[str, str]] = []
        if "/" in args[0]:
            for arg in args:
                kind, _, name = arg.partition("/")
                pairs.append((kube.normalise_kind(kind), show(name) or "*"))
            return pairs
        if UNKNOWN_PART in args[0]:
            return [("?", "…")]  # `kubectl delete $(kubectl get pods -o name)`: kinds and names at run time
        kinds = [kube.normalise_kind(k) for k in args[0].split(",") if k]
        names = [show(n) for n in args[1:]] or ["*"]
        return [(kind, name) for kind in kinds for name in names]

    def objects(self) -> kube.ManifestSet | None:
        """Objects named by -f/-k, or None when the call names none."""
        files = self.opts.values("-f", "--filename")
        kustomizations = self.opts.values("-k", "--kustomize")
        if not files and not kustomizations:
            return None
        reader = kube.ManifestReader(self.inv.ctx.resolve, self.inv.ctx.files, self.inv.ctx.remote)
        stdin = self.inv.stdin
        recursive = self.opts.has("-R", "--recursive")
        for raw in files:
            reader.filename(raw, recursive, stdin.text if stdin is not None and not stdin.opaque else None,
                            stdin.origin if stdin is not None else "")
        for raw in kustomizations:
            reader.kustomization(raw)
        return reader.result

    def unseen_effects(self, manifests: kube.ManifestSet, operation: Operation, doing: str) -> list[Effect]:
        """Manifests whose content is not known, and files that do not parse."""
        effects: list[Effect] = []
        placement = self.target.place(self.namespace)
        for source in manifests.unseen:
            effects.append(self.inv.effect(
                operation, f"k8s:{self.target.context_label}/{self.target.namespace}/?", placement,
                scope="many", reversible="no" if operation == "delete" else "unknown", kind="manifest",
                tags=("unseen-manifest", *self.tags()),
                summary=f"{doing} whatever {source} holds, on {self.target.cluster_label}",
                suggestions=("save the manifest to a file in the workspace first, so it can be read",)))
        for problem in manifests.problems:
            from changegate.understand.shell import not_understood

            effects.append(not_understood(problem, "manifest-unreadable", self.inv.text, placement))
        return effects

    def changes_to_effects(self, changes: list[kube.Change], *, scope: Scope | None = None, suffix: str = "",
                           suggestions: tuple[str, ...] = (), extra_tags: tuple[str, ...] = ()) -> list[Effect]:
        return kube.change_effects(changes, self.target, family=self.inv.name, evidence=self.inv.text,
                                   suggestions=suggestions, scope=scope, summary_suffix=suffix,
                                   extra_tags=(*self.tags(), *extra_tags))

    # --- reads ---------------------------------------------------------------------------------------
    def verb_get(self) -> list[Effect]:
        output = (self.opts.value("-o", "--output") or "").split("=", 1)[0]
        raw = self.opts.value("--raw") or ""
        kinds = {kind for kind, _ in self.named_targets()}
        reads_secrets = (kinds & SECRET_KINDS and output in SECRET_OUTPUTS) or "/secrets" in raw
        if reads_secrets:
            return [self.secret_read(f"kubectl get secret -o {output or 'raw'} prints the secret values")]
        what = ", ".join(sorted(kinds)) or "objects"
        return [self.read(f"kubectl get {what} (reads)")]

    def verb_describe(self) -> list[Effect]:
        if {kind for kind, _ in self.named_targets()} & SECRET_KINDS:
            return [self.secret_read("kubectl describe secret prints service-account tokens in full")]
        return [self.read("kubectl describe (reads)")]

    def secret_read(self, summary: str) -> Effect:
        names = [f"{k}/{n}" for k, n in self.named_targets()] or ["secrets"]
        return self.inv.effect(
            "secret_read", self.target.uri("Secret", names[0].split("/", 1)[-1], self.namespace),
            self.target.place(self.namespace), reversible="yes", kind="secret", summary=summary,
            suggestions=("mount the secret into the workload, or read only its keys: "
                         "kubectl get secret NAME -o jsonpath='{.data}' | jq 'keys'",))

    def verb_config(self) -> list[Effect]:
        sub = self.args[0] if self.args else "view"
        kubeconfig = Placement(LOCAL, "the kubeconfig on this machine")
        if sub == "view" and self.opts.has("--raw"):
            return [self.inv.effect("secret_read", "kubeconfig:credentials", kubeconfig, reversible="yes",
                                    kind="secret", summary="kubectl config view --raw prints cluster credentials",
                                    suggestions=("kubectl config view (without --raw) redacts them",))]
        if sub in CONFIG_READS:
            return [read(self.inv, "kubeconfig", kubeconfig, f"kubectl config {sub} (reads)")]
        return [self.inv.effect("modify", "kubeconfig", kubeconfig, reversible="yes", kind="kubeconfig",
                                summary=f"kubectl config {sub} changes the local kubeconfig")]

    def verb_auth(self) -> list[Effect]:
        if self.args and self.args[0] == "reconcile":
            return self.apply_like("reconcile")
        return [self.read("kubectl auth (reads)")]

    def verb_rollout(self) -> list[Effect]:
        sub = self.args[0] if self.args else ""
        if sub in ("status", "history", ""):
            return [self.read(f"kubectl rollout {sub} (reads)")]
        pairs = self.named_targets(self.args[1:])
        changes = [kube.Change("modify", kind, name, self.namespace) for kind, name in pairs]
        scope, suffix = self.selection()
        if sub == "restart":
            suffix += ": every pod is restarted"
        elif sub == "undo":
            suffix += ": rolled back to an earlier revision"
        return self.changes_to_effects(changes, scope=scope, suffix=suffix, extra_tags=(f"rollout-{sub}",))

    def verb_top(self) -> list[Effect]:
        return [self.read("kubectl top (reads)")]

    # --- applying manifests ----------------------------------------------------------------------------
    def verb_apply(self) -> list[Effect]:
        if self.args and self.args[0] in ("view-last-applied",):
            return [self.read("kubectl apply view-last-applied (reads)")]
        if self.args and self.args[0] in ("set-last-applied", "edit-last-applied"):
            return self.modify_named("changes the last-applied configuration of", self.args[1:])
        effects = self.apply_like("apply --force" if self.opts.has("--force") else "apply")
        if self.opts.has("--prune"):
            effects.append(self.prune())
        return effects

    def verb_create(self) -> list[Effect]:
        if self.opts.has("-f", "--filename", "-k", "--kustomize"):
            return self.apply_like("create")
        if not self.args:
            return [self.unknown("kubectl create without a file or a kind")]
        kind = kube.normalise_kind(self.args[0])
        if self.args[0] == "token":
            return [self.inv.effect(
                "secret_read", self.target.uri("ServiceAccount", show(self.args[1]) if len(self.args) > 1 else "?",
                                               self.namespace),
                self.target.place(self.namespace), reversible="yes", kind="token",
                summary="kubectl create token prints a new service-account token",
                suggestions=("let the workload mount its token instead of printing one",))]
        if self.args[0] in ("secret", "configmap", "cm") and len(self.args) > 1:
            name = self.args[2] if len(self.args) > 2 and self.args[1] in ("generic", "tls", "docker-registry") \
                else self.args[1]
        else:
            name = self.args[1] if len(self.args) > 1 else "?"
        kind = {"secret": "Secret", "cm": "ConfigMap", "configmap": "ConfigMap", "job": "Job"}.get(self.args[0], kind)
        operation: Operation = "permission" if kind in kube.PERMISSION_KINDS else "create"
        return self.changes_to_effects([kube.Change(operation, kind, show(name), self.namespace)])

    def verb_replace(self) -> list[Effect]:
        return self.apply_like("replace --force" if self.opts.has("--force") else "replace")

    def apply_like(self, verb: str) -> list[Effect]:
        manifests = self.objects()
        if manifests is None:
            return [self.unknown(f"kubectl {verb.split()[0]} without -f or -k")]
        base = "create" if verb == "create" else "replace --force" if verb == "replace --force" else "apply"
        changes = [c for obj in manifests.objects for c in kube.apply_change(obj, base)]
        effects = self.changes_to_effects(changes, suggestions=(APPLY_SUGGESTION,),
                                          extra_tags=("force",) if verb == "apply --force" else ())
        effects.extend(self.unseen_effects(manifests, "modify", f"kubectl {verb.split()[0]} applies"))
        return effects or [self.read(f"kubectl {verb} with manifests that hold no objects")]

    def prune(self) -> Effect:
        scope: Scope = "all" if self.opts.has("--all") else "many"
        selector = self.opts.value("-l", "--selector")
        which = f"matching {selector}" if selector else "in the namespace" if scope == "many" else "of every kind"
        return self.inv.effect(
            "delete", f"k8s:{self.target.context_label}/{self.target.namespace}/*",
            self.target.place(self.namespace), scope=scope, reversible="no", kind="prune",
            tags=("prune", *self.tags()),
            summary=f"kubectl apply --prune deletes every object {which} that the files do not list",
            suggestions=("see what would be pruned first: kubectl apply --prune --dry-run=server",
                         "apply without --prune and delete what you mean by name"))

    # --- deleting ------------------------------------------------------------------------------------
    def verb_delete(self) -> list[Effect]:
        tags = self.tags()
        manifests = self.objects()
        if manifests is not None:
            return self.delete_manifests(manifests, tags)
        pairs = self.named_targets()
        scope, suffix = self.selection()
        if not pairs:
            return [self.read("kubectl delete without a kind deletes nothing (kubectl refuses)")]
        if all(name == "*" for _, name in pairs) and scope is None:
            return [self.read("kubectl delete TYPE without a name, selector or --all deletes nothing "
                              "(kubectl refuses)")]
        changes: list[kube.Change] = []
        for kind, name in pairs:
            if kind.lower() == "all":
                changes.append(kube.Change("delete", "all", name, self.namespace, tags=tags,
                                           whole_environment=self.target.all_namespaces and scope == "all",
                                           note=f"every workload kind ({ALL_KINDS})"))
            else:
                change = kube.delete_change(kind, name, self.namespace, tags=tags)
                if self.target.all_namespaces and scope == "all":
                    change.whole_environment = True
                changes.append(change)
        if any(name == "…" or kind == "?" for kind, name in pairs):
            scope = scope or "many"
            suffix += " (names only known at run time)"
        return self.changes_to_effects(changes, scope=scope, suffix=suffix,
                                       suggestions=self.delete_suggestions(changes))

    def delete_manifests(self, manifests: kube.ManifestSet, tags: tuple[str, ...]) -> list[Effect]:
        changes = [kube.delete_change(kube.normalise_kind(o.kind), o.name, o.namespace, tags=tags)
                   for o in manifests.objects]
        effects = self.changes_to_effects(changes, suggestions=self.delete_suggestions(changes))
        effects.extend(self.unseen_effects(manifests, "delete", "kubectl delete deletes"))
        return effects or [self.read("kubectl delete -f with manifests that hold no objects")]

    def delete_suggestions(self, changes: list[kube.Change]) -> tuple[str, ...]:
        out = list(DELETE_SUGGESTIONS)
        if any(c.kind == "Namespace" for c in changes):
            out.insert(0, NAMESPACE_SUGGESTION)
        if self.opts.has("--all", "-l", "--selector", "-A", "--all-namespaces"):
            out.append(ALL_SUGGESTION)
        if "force" in self.tags():
            out.append("let the pods terminate gracefully: drop --force/--grace-period=0")
        return tuple(out)

    # --- changing named objects ---------------------------------------------------------------------
    def modify_named(self, doing: str, args: list[str] | None = None) -> list[Effect]:
        manifests = self.objects()
        if manifests is not None:
            changes = [kube.Change("modify", kube.normalise_kind(o.kind), o.name, o.namespace)
                       for o in manifests.objects]
            return (self.changes_to_effects(changes, suffix=f" ({self.verb})")
                    + self.unseen_effects(manifests, "modify", f"kubectl {self.verb} changes"))
        pairs = self.named_targets(args)
        if not pairs:
            return [self.unknown(f"kubectl {self.verb} without a target")]
        scope, suffix = self.selection()
        changes = []
        for kind, name in pairs:
            operation: Operation = "permission" if kind in kube.PERMISSION_KINDS else "modify"
            changes.append(kube.Change(operation, kind, name, self.namespace))
        taint_evicts = self.verb == "taint" and any(a.endswith(":NoExecute") for a in self.args)
        if taint_evicts:
            suffix += ": NoExecute evicts the pods running there"
        return self.changes_to_effects(changes, scope=scope, suffix=f" ({self.verb}){suffix}")

    def verb_scale(self) -> list[Effect]:
        replicas = self.opts.value("--replicas")
        effects = self.modify_named("scales")
        if replicas == "0":
            return [msgspec_replace(e, tags=(*e.tags, "scale-to-zero"),
                                    summary=e.summary + ": --replicas=0 stops every pod") for e in effects]
        return effects

    def verb_set(self) -> list[Effect]:
        sub = self.args[0] if self.args else ""
        effects = self.modify_named(f"set {sub}", self.args[1:])
        if sub == "subject":
            return [msgspec_replace(e, operation="permission") for e in effects]
        return effects

    def verb_expose(self) -> list[Effect]:
        return self.changes_to_effects([kube.Change("create", "Service", name, self.namespace)
                                        for _, name in self.named_targets()] or
                                       [kube.Change("create", "Service", "?", self.namespace)],
                                       suffix=" (expose)")

    def verb_drain(self) -> list[Effect]:
        nodes = [show(a) for a in self.args] or ["?"]
        data = self.opts.has("--delete-emptydir-data", "--delete-local-data")
        effects = []
        for node in nodes:
            effects.append(self.inv.effect(
                "host_control", self.target.uri("Node", node, None), self.target.place(None), reversible="yes",
                kind="node", data_loss=data, tags=("drain", *self.tags()),
                summary=f"drains node {node} on {self.target.cluster_label}: every pod on it is evicted"
                        + (" and their emptyDir data deleted" if data else ""),
                suggestions=("cordon the node first and move workloads one at a time",)))
        return effects

    def verb_certificate(self) -> list[Effect]:
        sub = self.args[0] if self.args else ""
        names = [show(a) for a in self.args[1:]] or ["?"]
        return [self.inv.effect(
            "permission", self.target.uri("CertificateSigningRequest", name, None), self.target.place(None),
            reversible="no", kind="certificatesigningrequest",
            summary=f"kubectl certificate {sub} {name}: "
                    + ("issues a client certificate, a credential for the cluster" if sub == "approve"
                       else "refuses a certificate request"))
            for name in names]

    # --- running commands in the cluster ---------------------------------------------------------------
    def pod_context(self, pod: str) -> Context:
        placement = self.target.place(self.namespace)
        return self.inv.ctx.clone(remote=f"pod:{pod}", remote_placement=placement, cwd="/", home="/root", env={},
                                  workspace=None)

    def run_in_pod(self, pod: str, command: list[Word], what: str) -> list[Effect]:
        placement = self.target.place(self.namespace)
        if not command:
            return [self.inv.effect(
                "host_control", self.target.uri("Pod", pod, self.namespace), placement, kind="pod",
                summary=f"{what} {pod} on {self.target.cluster_label}: nothing it does there can be seen",
                suggestions=("run the exact command instead: kubectl exec POD -- COMMAND",))]
        if command[0].value in SHELLS and len(command) == 1:
            return [self.inv.effect(
                "host_control", self.target.uri("Pod", pod, self.namespace), placement, kind="pod",
                summary=f"opens an interactive {command[0].value} in {pod} on {self.target.cluster_label}: "
                        "nothing it does there can be seen",
                suggestions=("run the exact command instead: kubectl exec POD -- COMMAND",))]
        ctx = self.pod_context(pod)
        stdin = self.inv.stdin if self.opts.has("-i", "--stdin") else None
        self.inv.run_argv(command, ctx=ctx, stdin=stdin)
        return []

    def verb_exec(self) -> list[Effect]:
        pod = show(self.args[0]) if self.args else "?"
        if "/" in pod:
            pod = pod.split("/", 1)[1]
        command = self.command
        if not command and len(self.arg_words) > 1:
            command = self.arg_words[1:]  # the deprecated `kubectl exec POD COMMAND` form
        return self.run_in_pod(pod, command, "opens a session in")

    def verb_attach(self) -> list[Effect]:
        pod = show(self.args[0]) if self.args else "?"
        return [self.inv.effect(
            "host_control", self.target.uri("Pod", pod, self.namespace), self.target.place(self.namespace),
            kind="pod", summary=f"attaches to the running process of {pod} on {self.target.cluster_label}: "
                                "what it sends there cannot be seen")]

    def verb_run(self) -> list[Effect]:
        name = show(self.args[0]) if self.args else "?"
        change = kube.Change("create", "Pod", name, self.namespace)
        overrides = self.opts.value("--overrides")
        extra: list[kube.Change] = []
        if overrides:
            try:
                doc = json.loads(overrides)
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                reason = kube.node_control(doc, "Pod")
                if reason:
                    extra.append(kube.Change("host_control", "Pod", name, self.namespace, tags=("privileged",),
                                             note=f"its pods control their node ({reason})"))
        effects = self.changes_to_effects([change, *extra], suffix=" (kubectl run)")
        command = self.command or self.arg_words[1:]
        if command:
            effects.extend(self.run_in_pod(name, command, "opens a session in"))
        return effects

    def verb_debug(self) -> list[Effect]:
        target = show(self.args[0]) if self.args else "?"
        if target.startswith(("node/", "nodes/")):
            node = target.split("/", 1)[1]
            return [self.inv.effect(
                "host_control", self.target.uri("Node", node, None), self.target.place(None), kind="node",
                tags=("privileged",),
                summary=f"kubectl debug node/{node} runs a pod with the node's filesystem and namespaces: "
                        "it controls the node",
                suggestions=("look at the node with kubectl describe node and its logs instead",))]
        pod = target.split("/", 1)[-1]
        effects = self.changes_to_effects([kube.Change("modify", "Pod", pod, self.namespace)],
                                          suffix=" (adds a debug container)")
        if self.opts.value("--profile") in ("sysadmin", "netadmin"):
            effects.append(self.inv.effect(
                "host_control", self.target.uri("Pod", pod, self.namespace), self.target.place(self.namespace),
                kind="pod", tags=("privileged",),
                summary=f"kubectl debug --profile={self.opts.value('--profile')} runs a privileged container"))
        if self.command:
            effects.extend(self.run_in_pod(pod, self.command, "opens a session in"))
        return effects

    def verb_cp(self) -> list[Effect]:
        if len(self.args) < 2:
            return [self.unknown("kubectl cp needs a source and a destination")]
        source, destination = self.args[0], self.args[-1]
        if is_pod_path(destination):
            pod, _, path = destination.partition(":")
            return self.changes_to_effects([kube.Change("modify", "Pod", show(pod.split("/")[-1]), self.namespace)],
                                           suffix=f" (copies {show(source)} to {show(path)} inside it)")
        if is_pod_path(source):
            pod, _, path = source.partition(":")
            pod_name = show(pod.split("/")[-1])
            secret = secret_kind(posixpath.normpath(posixpath.join("/", path)), "/root")
            if secret:
                return [self.inv.effect(
                    "secret_read", self.target.uri("Pod", pod_name, self.namespace), self.target.place(self.namespace),
                    reversible="yes", kind="secret", summary=f"kubectl cp copies {show(path)} ({secret}) out of "
                                                             f"pod {pod_name}")]
            return [self.read(f"kubectl cp reads {show(path)} from pod {pod_name}",
                              self.target.uri("Pod", pod_name, self.namespace), "pod"),
                    self.inv.fs("create", destination, kind="file", reversible="yes",
                                summary=f"kubectl cp writes {show(destination)}")]
        return [self.unknown("kubectl cp between two local paths")]

    # --- OpenShift (oc) -----------------------------------------------------------------------------------
    def verb_new_project(self) -> list[Effect]:
        name = show(self.args[0]) if self.args else "?"
        return self.changes_to_effects([kube.Change("create", "Namespace", name, None)], suffix=" (oc new-project)")

    def verb_new_app(self) -> list[Effect]:
        return self.changes_to_effects([kube.Change("create", "Deployment", "?", self.namespace)],
                                       suffix=f" (oc new-app {' '.join(show(a) for a in self.args[:2])})")

    def verb_login(self) -> list[Effect]:
        return [self.inv.effect("modify", "kubeconfig", Placement(LOCAL, "the kubeconfig on this machine"),
                                reversible="yes", kind="kubeconfig",
                                summary=f"{self.inv.name} login stores a token for the cluster in the kubeconfig")]

    verb_logout = verb_login

    def verb_rsh(self) -> list[Effect]:
        pod = show(self.args[0]).split("/", 1)[-1] if self.args else "?"
        return self.run_in_pod(pod, self.arg_words[1:] + self.command, "opens a shell in")

    def verb_adm(self) -> list[Effect]:
        sub = self.args[0] if self.args else ""
        if sub in ("drain", "cordon", "uncordon", "taint"):
            self.verb, self.args, self.arg_words = sub, self.args[1:], self.arg_words[1:]
            return self.verb_drain() if sub == "drain" else self.modify_named(MODIFY_VERBS[sub])
        if sub in ("policy", "groups", "certificate"):
            return [self.inv.effect("permission", self.cluster_uri(), self.target.place(self.namespace),
                                    reversible="unknown", kind="rbac",
                                    summary=f"{self.inv.name} adm {' '.join(show(a) for a in self.args[:4])} "
                                            f"changes who may do what on {self.target.cluster_label}")]
        if sub in ("top", "inspect", "must-gather", "node-logs", "release"):
            return [self.read(f"{self.inv.name} adm {sub} (reads)")]
        return [self.unknown(f"{self.inv.name} adm {sub}")]

    def verb_port_forward(self) -> list[Effect]:
        return [self.read("kubectl port-forward (reads through a local port)")]

    def verb_plugin(self) -> list[Effect]:
        return [read(self.inv, "kubectl:plugins", Placement(LOCAL, "lists local plugins"), "kubectl plugin list")]


def is_pod_path(arg: str) -> bool:
    """`pod:/path` or `ns/pod:/path` (a local path with a colon would start with / or .)."""
    head, sep, _ = arg.partition(":")
    return bool(sep) and bool(head) and not head.startswith((".", "/", "~"))


def show(value: str) -> str:
    return value.replace(UNKNOWN_PART, "…")


def msgspec_replace(effect: Effect, **changes: object) -> Effect:
    import msgspec

    return msgspec.structs.replace(effect, **changes)

