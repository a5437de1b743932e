"""kubectl (and oc, kubecolor): every verb in a table, the cluster from flags and the kubeconfig, the objects
from names, selectors, files and kustomizations.

Reads (get, describe, logs, diff, port-forward, …) are reads, except where they print secrets: `get
secret -o yaml|json|jsonpath|go-template`, `describe secret` (it prints service-account tokens), `create
token`, `config view --raw`. Changes are placed in the cluster's environment (see `understand/kube.py`);
deleting a namespace, PVCs/PVs, CRDs, Secrets, many objects (`--all`, `-l`, `-A`) is marked for the
policy's blast-radius rules. `exec`/`run`/`debug` hand their command back to the walker, placed in the
cluster, so that `kubectl exec db-0 -- psql -c 'DROP TABLE users'` is a drop in that cluster's environment.
`--dry-run` (other than `=none`) changes nothing.

Steps of one line see what earlier ones set up (`ctx.switched`, `ctx.tunnels`): `config use-context` and
`config set-context --namespace` decide where later calls land, a `port-forward` makes localhost:PORT the
cluster's service for the tools after it. Names only known at run time (`xargs kubectl delete`,
`kubectl delete $(kubectl get pods -o name)`, a loop over a listing) are every name the listing gives. A
verb that is not kubectl's is a plugin (`kubectl-VERB` on the PATH, handed to the walker); without one,
kubectl refuses and runs nothing.

kubectl reads its options anywhere on the line, before or after the verb; `read_line()` is that one
reading, shared with the undo planner (`broker/undo/kube.py`), so kubectl's options have one table.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import yaml

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand import kube
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, lit
from changegate.understand.cli import Call, Cli, Item, Options
from changegate.understand.commands.k8s.common import show, verbs
from changegate.understand.execve import run_file, which
from changegate.understand.sensitive import is_secret_variable, secret_kind

SECRET_OUTPUTS = ("yaml", "json", "jsonpath", "go-template", "template", "custom-columns", "templatefile",
                  "go-template-file", "jsonpath-file", "jsonpath-as-json", "kyaml")
SECRET_KINDS = frozenset({"Secret"})
# `kubectl get all` / `delete all`: the workload kinds it expands to
ALL_KINDS = "pods, services, deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, autoscalers"
CONFIG_READS = frozenset({"view", "current-context", "get-contexts", "get-clusters", "get-users"})
# verbs that run something whatever --dry-run says (the flag belongs to the pod spec they build, if anything)
IGNORE_DRY_RUN = frozenset({"exec", "debug", "run", "attach", "cp"})
SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "ksh", "fish", "/bin/sh", "/bin/bash", "/bin/ash",
                    "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh", "powershell", "pwsh", "cmd"})
DELETE_SUGGESTIONS = ("preview what would be deleted: add --dry-run=server -o name",)
NAMESPACE_SUGGESTION = "delete the specific workloads you mean (kubectl delete deployment NAME -n NS) instead"
ALL_SUGGESTION = "name the objects you mean instead of --all / a selector"
APPLY_SUGGESTION = "see the change first: kubectl diff -f FILE (or --dry-run=server)"
KUBECONFIG_HERE = "the kubeconfig on this machine"
RUNTIME_NAMES = " (names only known at run time: every one the listing gives)"
# programs that print the environment of the process they run in, where workloads keep their secrets
ENVIRONMENT_PRINTERS = frozenset({"env", "printenv", "/usr/bin/env", "/bin/env", "/usr/bin/printenv"})


@dataclass
class KubectlLine:
    """kubectl's words as kubectl reads them: its options (anywhere on the line), the verb, the verb's
    arguments, and the command after `--` (exec, run, debug)."""

    words: list[Word]
    opts: Options
    verb: Item | None
    args: list[Word]
    command: list[Word]
    own: int  # how many of `words` are kubectl's own (the rest is `--` and the command)
    dry_run: bool

    def spans(self) -> list[tuple[list[Item], list[str]]]:
        """kubectl's own words as written, one span per word an item starts at: the items read from it
        (`-it` is two) and its words (an option with its separate value, if it took one)."""
        starts: dict[int, list[Item]] = {}
        for item in self.opts.items:
            if item.index < self.own:
                starts.setdefault(item.index, []).append(item)
        ends = [*list(starts)[1:], self.own]
        return [(items, [word.value for word in self.words[start:end]])
                for (start, items), end in zip(starts.items(), ends, strict=True)]


@dataclass(kw_only=True)
class KubeCall(Call):
    """One kubectl call: the verb's handlers share its options, the cluster it talks to, and the command
    it runs in a pod."""

    command: list[Word]
    target: kube.KubeTarget

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
            return "many", f" (every one matching {show(selector)})"
        return None, ""

    def named_targets(self, args: list[str] | None = None) -> list[tuple[str, str]]:
        """(kind, name) pairs from `TYPE NAME…`, `TYPE/NAME…` or `TYPE1,TYPE2 NAME`; name '*' when the
        selection is --all or a selector, '…' when a name is only known at run time."""
        pairs = self.written_targets(self.args if args is None else args)
        if not self.inv.args_unknown:
            return pairs
        # `… | xargs kubectl delete [TYPE]`: more names (or TYPE/NAME words) are appended at run time
        if not pairs:
            return [("?", "…")]
        return [(kind, "…") for kind in dict.fromkeys(kind for kind, _ in pairs)] + \
            [(kind, name) for kind, name in pairs if name != "*"]

    @staticmethod
    def written_targets(args: list[str]) -> list[tuple[str, str]]:
        if not args:
            return []
        if "/" in args[0]:
            return [(kube.normalise_kind(kind), show(name) or "*")
                    for kind, _, name in (arg.partition("/") for arg in args)]
        if UNKNOWN_PART in args[0]:
            return [("?", "…")]  # `kubectl delete $(kubectl get pods -o name)`: kinds and names at run time
        kinds = [kube.normalise_kind(k) for k in args[0].split(",") if k]
        names = [show(n) for n in args[1:]] or ["*"]
        return [(kind, name) for kind in kinds for name in names]

    def runtime_selection(self, pairs: list[tuple[str, str]], scope: Scope | None,
                          suffix: str) -> tuple[Scope | None, str]:
        """Names only known at run time come from a listing: every one it gives."""
        if any(name == "…" or "…" in name or kind == "?" for kind, name in pairs):
            return "all", suffix + RUNTIME_NAMES
        return scope, suffix

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
            from changegate.understand.base import not_understood

            effects.append(not_understood(problem, "manifest-unreadable", self.inv.text, placement))
        return effects

    def changes_to_effects(self, changes: list[kube.Change], *, scope: Scope | None = None, suffix: str = "",
                           suggestions: tuple[str, ...] = (), extra_tags: tuple[str, ...] = ()) -> list[Effect]:
        return kube.change_effects(changes, self.target, family=self.inv.name, evidence=self.inv.text,
                                   suggestions=suggestions, scope=scope, summary_suffix=suffix,
                                   extra_tags=(*self.tags(), *extra_tags))

    def secret_read(self, summary: str) -> Effect:
        names = [f"{k}/{n}" for k, n in self.named_targets()] or ["secrets"]
        return self.inv.effect(
            "secret_read", self.target.uri("Secret", names[0].split("/", 1)[-1], self.namespace),
            self.target.place(self.namespace), reversible="yes", kind="secret", summary=summary,
            suggestions=("mount the secret into the workload, or read only its keys: "
                         "kubectl get secret NAME -o jsonpath='{.data}' | jq 'keys'",))

    def delete_suggestions(self, changes: list[kube.Change], scope_flags: frozenset[str]) -> tuple[str, ...]:
        out = list(DELETE_SUGGESTIONS)
        if any(c.kind == "Namespace" for c in changes):
            out.insert(0, NAMESPACE_SUGGESTION)
        if self.opts.has(*scope_flags):
            out.append(ALL_SUGGESTION)
        if "force" in self.tags():
            out.append("let the pods terminate gracefully: drop --force/--grace-period=0")
        return tuple(out)

    # --- running commands in the cluster ---------------------------------------------------------------
    def pod_context(self, pod: str) -> Context:
        placement = self.target.place(self.namespace)
        return self.inv.ctx.clone(remote=f"pod:{pod}", remote_placement=placement, cwd="/", home="/root", env={},
                                  workspace=None)

    def run_in_pod(self, pod: str, command: list[Word], what: str) -> list[Effect]:
        placement = self.target.place(self.namespace)
        if not command or (command[0].value in SHELLS and len(command) == 1):
            opens = (f"opens an interactive {command[0].value} in" if command else what)
            return [self.inv.effect(
                "host_control", self.target.uri("Pod", pod, self.namespace), placement, kind="pod",
                summary=f"{opens} {pod} on {self.target.cluster_label}: nothing it does there can be seen",
                suggestions=("run the exact command instead: kubectl exec POD -- COMMAND",))]
        if prints_environment(command):
            return [self.inv.effect(
                "secret_read", self.target.uri("Pod", pod, self.namespace), placement, reversible="yes",
                kind="secret", summary=f"prints the environment of {pod} on {self.target.cluster_label}, where "
                                       "workloads are given their passwords and tokens",
                suggestions=("print only the variable you need, if it is not a secret: "
                             "kubectl exec POD -- printenv NAME",))]
        ctx = self.pod_context(pod)
        stdin = self.inv.stdin if self.opts.has("-i", "--stdin") else None
        self.inv.run_argv(command, ctx=ctx, stdin=stdin)
        return []


def prints_environment(command: list[Word]) -> bool:
    """`env`, `printenv` (alone, or naming a secret variable), `cat /proc/1/environ`."""
    if not command:
        return False
    program, args = command[0].value, [w.value for w in command[1:]]
    if program in ENVIRONMENT_PRINTERS:
        named = [a for a in args if not a.startswith("-")]
        if program.endswith("printenv"):
            return not named or any(is_secret_variable(a) for a in named)
        return not named
    return any(a.endswith("/environ") and a.startswith("/proc/") for a in args)


def read(inv: Invocation, resource: str, placement: Placement, summary: str = "", kind: str = "") -> Effect:
    return inv.effect("read", resource, placement, reversible="yes", kind=kind, summary=summary or "reads")


NODE_VERBS = frozenset({"cordon", "uncordon", "taint", "drain"})  # their operands are nodes
NODE_TYPES = frozenset({"node", "nodes", "no"})


def node_names(call: KubeCall) -> list[str]:
    """The nodes a cordon/uncordon/taint names (taint's `node[s]` type word and KEY=VALUE:EFFECT specs aside)."""
    words = [show(a) for a in call.args]
    if call.verb == "taint" and words:
        kind, _, name = words[0].partition("/")
        if kind in NODE_TYPES:
            words = [name, *words[1:]] if name else words[1:]
    return [w for w in words if "=" not in w and ":" not in w and not w.endswith("-")]


class Kubectl(Cli):
    NAMES = ("kubectl", "oc", "kubecolor")
    FAMILY = "kubectl"
    GLOBAL_OPTIONS = frozenset({
        "--context", "--cluster", "--user", "--kubeconfig", "-n", "--namespace", "-s", "--server", "--token",
        "--as", "--as-group", "--as-uid", "--request-timeout", "--certificate-authority", "--client-certificate",
        "--client-key", "--tls-server-name", "--cache-dir", "--log-file", "-v", "--v", "--vmodule", "--profile",
        "--profile-output", "--password", "--username", "--log-dir", "--kuberc",
    })
    VALUE_OPTIONS = GLOBAL_OPTIONS | frozenset({
        "-f", "--filename", "-k", "--kustomize", "-l", "--selector", "-o", "--output", "--field-selector", "-p",
        "--patch", "--patch-file", "--type", "--replicas", "--current-replicas", "--resource-version", "--image",
        "--grace-period", "--timeout", "-c", "--container", "--field-manager", "--template", "--sort-by", "--for",
        "--subresource", "--cascade", "--prune-allowlist", "--prune-whitelist", "--port", "--address",
        "--pod-running-timeout", "--overrides", "--env", "--labels", "--restart", "--serviceaccount",
        "--image-pull-policy", "--min", "--max", "--cpu-percent", "--name", "--target-port", "--protocol",
        "--external-ip", "--to-revision", "--revision", "--chunk-size", "-L", "--label-columns", "--raw",
        "--since", "--since-time", "--tail", "--limit-bytes", "--clusterrole", "--role", "--group", "--verb",
        "--resource", "--resource-name", "--docker-server", "--docker-username", "--docker-password",
        "--docker-email", "--from-literal", "--from-file", "--from-env-file", "--cert", "--key", "--schedule",
        "--from", "--copy-to", "--target", "--duration", "--audience", "--bound-object-kind",
        "--bound-object-name", "--max-log-requests", "--pod-selector", "--skip-wait-for-delete-timeout",
        "--set-image", "--share-processes", "--custom", "--environment", "--generator", "--output-version",
        "--local-port", "--hostport", "--requests", "--limits", "--containers", "--server-side-apply",
        "--selector-label", "--kustomize-dir",
    })
    # `--dry-run` alone is `--dry-run=client`; it takes the next word only when that is a mode
    OPTIONAL_VALUES = {"--dry-run": frozenset({"client", "server", "none", "true", "false", "unchanged"})}
    DRY_RUN_FLAGS = frozenset({"--dry-run"})
    SCOPE_FLAGS = frozenset({"--all", "-l", "--selector", "-A", "--all-namespaces"})
    ADDRESS_OPTIONS = ("--context", "--kubeconfig", "--cluster", "-s", "--server", "-n", "--namespace")
    ENV_VARIABLES = ("KUBECONFIG", "KUBERC", "KUBECTL_KUBERC", "KUBECTL_EXTERNAL_DIFF", "KUBECTL_COMMAND_HEADERS",
                     "KUBECTL_EXPLAIN_OPENAPIV3", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS",
                     "KUBECTL_PORT_FORWARD_WEBSOCKETS", "KUBECTL_INTERACTIVE_DELETE", "KUBECACHEDIR")

    # --- reading the line ----------------------------------------------------------------------------
    def read_line(self, words: Sequence[Word]) -> KubectlLine:
        """kubectl's reading of its words: what `analyze` decides from, and what undo keeps by."""
        opts = self.walk(words)
        own = len(words) - len(opts.rest) - (1 if opts.dashdash else 0)
        positionals = [item for item in opts.items if item.option is None and item.index < own]
        mode = opts.value(*self.DRY_RUN_FLAGS)
        return KubectlLine(list(words), opts, positionals[0] if positionals else None,
                           [item.word for item in positionals[1:]], list(opts.rest), own,
                           dry_run=mode is not None and mode not in ("none", "false"))

    def analyze(self, inv: Invocation) -> list[Effect]:
        line = self.read_line(inv.words)
        if line.verb is None:
            return [read(inv, "kubectl", Placement(LOCAL, "kubectl without a verb prints its help"))]
        verb = line.verb.word.value
        call = KubeCall(inv, line.opts, verb, [w.value for w in line.args], line.args, command=line.command,
                        target=self.target(inv, line.opts))
        if line.dry_run and verb not in IGNORE_DRY_RUN:
            return [call.read(f"kubectl {verb} --dry-run changes nothing")]
        return self.dispatch(call)

    @staticmethod
    def target(inv: Invocation, opts: Options) -> kube.KubeTarget:
        target = kube.resolve_target(
            inv.ctx.environments, inv.ctx.env, inv.ctx.home, inv.ctx.consulted,
            context=opts.value("--context"), kubeconfig=opts.value("--kubeconfig"),
            namespace=opts.value("-n", "--namespace"), cluster=opts.value("--cluster"),
            server=opts.value("-s", "--server"), remote=inv.ctx.remote, remote_placement=inv.ctx.remote_placement,
            switched=inv.ctx.switched)
        target.all_namespaces = opts.has("-A", "--all-namespaces")
        return target

    def simple(self, call: Call, operation: str) -> Effect:
        """Reads are the only bare operations in kubectl's table: they read the call's cluster."""
        return on_cluster(call).read(f"kubectl {call.verb} (reads)")

    def unknown_verb(self, call: Call) -> list[Effect]:
        """A plugin: `kubectl foo-bar` runs `kubectl-foo_bar` from the PATH; without one kubectl refuses."""
        kube_call = on_cluster(call)
        ctx = call.inv.ctx
        program = f"kubectl-{call.verb.replace('-', '_')}"
        if ctx.remote is None and UNKNOWN_PART not in call.verb and call.inv.name != "oc":
            found = which(ctx, program)
            if found is not None:
                run_file(call.inv, found, call.arg_words)
                return []
            if which(ctx, "kubectl") or which(ctx, call.inv.name):
                return [read(call.inv, "kubectl:plugins", Placement(LOCAL, "kubectl refuses an unknown command"),
                             f"kubectl {call.verb}: neither a kubectl command nor a plugin ({program}) on the "
                             "PATH, so kubectl refuses it and runs nothing")]
        return [kube_call.unknown(f"kubectl {call.verb}: a plugin or a verb changegate does not know")]

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, call: KubeCall) -> list[Effect]:
        output = (call.opts.value("-o", "--output") or "").split("=", 1)[0]
        raw = call.opts.value("--raw") or ""
        kinds = {kind for kind, _ in call.named_targets()}
        reads_secrets = (kinds & SECRET_KINDS and output in SECRET_OUTPUTS) or "/secrets" in raw
        if reads_secrets:
            return [call.secret_read(f"kubectl get secret -o {output or 'raw'} prints the secret values")]
        what = ", ".join(sorted(kinds)) or "objects"
        return [call.read(f"kubectl get {what} (reads)")]

    def describe(self, call: KubeCall) -> list[Effect]:
        if {kind for kind, _ in call.named_targets()} & SECRET_KINDS:
            return [call.secret_read("kubectl describe secret prints service-account tokens in full")]
        return [call.read("kubectl describe (reads)")]

    def port_forward(self, call: KubeCall) -> list[Effect]:
        """Local ports that lead into the cluster: later steps of the line that connect to localhost:PORT
        act on the cluster's service."""
        target = show(call.args[0]) if call.args else "?"
        placement = call.target.place(call.namespace)
        for spec in call.args[1:]:
            local = spec.split(":", 1)[0]
            if local.isdigit():
                call.inv.ctx.tunnels[int(local)] = Placement(
                    placement.environment, f"localhost:{local} is forwarded to {target} on "
                                           f"{call.target.cluster_label} ({placement.why})")
        return [call.read(f"kubectl port-forward {target} (reads through a local port)")]

    def proxy(self, call: KubeCall) -> list[Effect]:
        """`kubectl proxy`: localhost:PORT (8001 unless --port says) is the cluster's API server."""
        port = call.opts.value("-p", "--port") or "8001"
        if port.isdigit():
            placement = call.target.place(call.namespace)
            call.inv.ctx.tunnels[int(port)] = Placement(
                placement.environment, f"localhost:{port} is the API server of {call.target.cluster_label} "
                                       f"through kubectl proxy ({placement.why})")
        return [call.read(f"kubectl proxy serves the API of {call.target.cluster_label} on localhost:{port}")]

    def plugin(self, call: KubeCall) -> list[Effect]:
        return [read(call.inv, "kubectl:plugins", Placement(LOCAL, "lists local plugins"), "kubectl plugin list")]

    def config(self, call: KubeCall) -> list[Effect]:
        sub = call.args[0] if call.args else "view"
        kubeconfig = Placement(LOCAL, KUBECONFIG_HERE)
        if sub == "view" and call.opts.has("--raw"):
            return [call.inv.effect("secret_read", "kubeconfig:credentials", kubeconfig, reversible="yes",
                                    kind="secret", summary="kubectl config view --raw prints cluster credentials",
                                    suggestions=("kubectl config view (without --raw) redacts them",))]
        if sub in CONFIG_READS:
            return [read(call.inv, "kubeconfig", kubeconfig, f"kubectl config {sub} (reads)")]
        self.switch(call, sub)
        return [call.inv.effect("modify", "kubeconfig", kubeconfig, reversible="yes", kind="kubeconfig",
                                summary=f"kubectl config {sub} changes the local kubeconfig")]

    @staticmethod
    def switch(call: KubeCall, sub: str) -> None:
        """What `config use-context` / `set-context --namespace` change for the later steps of the line."""
        ctx = call.inv.ctx
        name = call.args[1] if len(call.args) > 1 else None
        if name is not None and UNKNOWN_PART in name:
            name = UNKNOWN_PART  # `use-context $(…)`: later calls land on a context only known at run time
        paths = kube.kubeconfig_paths(ctx.env, call.opts.value("--kubeconfig"), ctx.home)
        if sub in ("use-context", "use") and name:
            kube.switch_context(ctx.switched, name, paths)
        elif sub == "set-context" and call.namespace:
            context = name or (call.target.context if call.opts.has("--current") else None)
            if context:
                ctx.switched[f"{kube.SWITCHED_NAMESPACE}{context}"] = call.namespace

    def auth(self, call: KubeCall) -> list[Effect]:
        if call.args and call.args[0] == "reconcile":
            return self.apply_like(call, "reconcile")
        return [call.read("kubectl auth (reads)")]

    def rollout(self, call: KubeCall) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub in ("status", "history", ""):
            return [call.read(f"kubectl rollout {sub} (reads)")]
        pairs = call.named_targets(call.args[1:])
        changes = [kube.Change("modify", kind, name, call.namespace) for kind, name in pairs]
        scope, suffix = call.selection()
        if sub == "restart":
            suffix += ": every pod is restarted"
        elif sub == "undo":
            suffix += ": rolled back to an earlier revision"
        return call.changes_to_effects(changes, scope=scope, suffix=suffix, extra_tags=(f"rollout-{sub}",))

    # --- applying manifests ----------------------------------------------------------------------------
    def apply(self, call: KubeCall) -> list[Effect]:
        if call.args and call.args[0] == "view-last-applied":
            return [call.read("kubectl apply view-last-applied (reads)")]
        if call.args and call.args[0] in ("set-last-applied", "edit-last-applied"):
            return self.modify(call, call.args[1:])
        effects = self.apply_like(call, "apply --force" if call.opts.has("--force") else "apply")
        if call.opts.has("--prune"):
            effects.append(self.prune(call))
        return effects

    def create(self, call: KubeCall) -> list[Effect]:
        if call.opts.has("-f", "--filename", "-k", "--kustomize"):
            return self.apply_like(call, "create")
        if not call.args:
            return [call.read("kubectl create without a file or a kind creates nothing (kubectl refuses)")]
        what = call.args[0]
        if what == "token":
            account = show(call.args[1]) if len(call.args) > 1 else "?"
            return [call.inv.effect(
                "secret_read", call.target.uri("ServiceAccount", account, call.namespace),
                call.target.place(call.namespace), reversible="yes", kind="token",
                summary="kubectl create token prints a new service-account token",
                suggestions=("let the workload mount its token instead of printing one",))]
        if what in ("secret", "configmap", "cm") and len(call.args) > 1:
            name = call.args[2] if len(call.args) > 2 and call.args[1] in ("generic", "tls", "docker-registry") \
                else call.args[1]
        else:
            name = call.args[1] if len(call.args) > 1 else "?"
        kind = {"secret": "Secret", "cm": "ConfigMap", "configmap": "ConfigMap", "job": "Job"}.get(
            what, kube.normalise_kind(what))
        operation: Operation = "permission" if kind in kube.PERMISSION_KINDS else "create"
        return call.changes_to_effects([kube.Change(operation, kind, show(name), call.namespace)])

    def replace(self, call: KubeCall) -> list[Effect]:
        return self.apply_like(call, "replace --force" if call.opts.has("--force") else "replace")

    def apply_like(self, call: KubeCall, verb: str) -> list[Effect]:
        manifests = call.objects()
        if manifests is None:
            return [call.read(f"kubectl {verb.split()[0]} without -f or -k changes nothing (kubectl refuses)")]
        base = "create" if verb == "create" else "replace --force" if verb == "replace --force" else "apply"
        changes = [c for obj in manifests.objects for c in kube.apply_change(obj, base)]
        effects = call.changes_to_effects(changes, suggestions=(APPLY_SUGGESTION,),
                                          extra_tags=("force",) if verb == "apply --force" else ())
        effects.extend(call.unseen_effects(manifests, "modify", f"kubectl {verb.split()[0]} applies"))
        return effects or [call.read(f"kubectl {verb} with manifests that hold no objects")]

    def prune(self, call: KubeCall) -> Effect:
        scope: Scope = "all" if call.opts.has("--all") else "many"
        selector = call.opts.value("-l", "--selector")
        which = f"matching {selector}" if selector else "in the namespace" if scope == "many" else "of every kind"
        return call.inv.effect(
            "delete", f"k8s:{call.target.context_label}/{call.target.namespace}/*",
            call.target.place(call.namespace), scope=scope, reversible="no", kind="prune",
            tags=("prune", *call.tags()),
            summary=f"kubectl apply --prune deletes every object {which} that the files do not list",
            suggestions=("see what would be pruned first: kubectl apply --prune --dry-run=server",
                         "apply without --prune and delete what you mean by name"))

    # --- deleting ------------------------------------------------------------------------------------
    def delete(self, call: KubeCall) -> list[Effect]:
        tags = call.tags()
        manifests = call.objects()
        if manifests is not None:
            return self.delete_manifests(call, manifests, tags)
        pairs = call.named_targets()
        scope, suffix = call.selection()
        if not pairs:
            return [call.read("kubectl delete without a kind deletes nothing (kubectl refuses)")]
        if all(name == "*" for _, name in pairs) and scope is None:
            return [call.read("kubectl delete TYPE without a name, selector or --all deletes nothing "
                              "(kubectl refuses)")]
        every_namespace = call.target.all_namespaces and scope == "all"
        changes: list[kube.Change] = []
        for kind, name in pairs:
            if kind.lower() == "all":
                changes.append(kube.Change("delete", "all", name, call.namespace, tags=tags,
                                           whole_environment=every_namespace,
                                           note=f"every workload kind ({ALL_KINDS})"))
            else:
                change = kube.delete_change(kind, name, call.namespace, tags=tags)
                change.whole_environment = change.whole_environment or every_namespace
                changes.append(change)
        scope, suffix = call.runtime_selection(pairs, scope, suffix)
        return call.changes_to_effects(changes, scope=scope, suffix=suffix,
                                       suggestions=call.delete_suggestions(changes, self.SCOPE_FLAGS))

    def delete_manifests(self, call: KubeCall, manifests: kube.ManifestSet, tags: tuple[str, ...]) -> list[Effect]:
        changes = [kube.delete_change(kube.normalise_kind(o.kind), o.name, o.namespace, tags=tags)
                   for o in manifests.objects]
        effects = call.changes_to_effects(changes, suggestions=call.delete_suggestions(changes, self.SCOPE_FLAGS))
        effects.extend(call.unseen_effects(manifests, "delete", "kubectl delete deletes"))
        return effects or [call.read("kubectl delete -f with manifests that hold no objects")]

    # --- changing named objects ---------------------------------------------------------------------
    def modify(self, call: KubeCall, args: list[str] | None = None) -> list[Effect]:
        """edit, patch, label, annotate, … : the objects named by -f/-k, or by `TYPE NAME`."""
        manifests = call.objects()
        if manifests is not None:
            changes = [kube.Change("modify", kube.normalise_kind(o.kind), o.name, o.namespace)
                       for o in manifests.objects]
            return (call.changes_to_effects(changes, suffix=f" ({call.verb})")
                    + call.unseen_effects(manifests, "modify", f"kubectl {call.verb} changes"))
        every, _ = call.selection()
        if call.verb in NODE_VERBS and args is None:
            # `cordon NODE…`, `taint nodes NODE… KEY=V:EFFECT`; `--all` or a selector: every (selected) node
            pairs = [("Node", n) for n in node_names(call)] or ([("Node", "*")] if every is not None else [])
        else:
            pairs = call.named_targets(args)
        if not pairs:
            return [call.read(f"kubectl {call.verb} without a target changes nothing (kubectl refuses)")]
        scope, suffix = call.runtime_selection(pairs, *call.selection())
        evicts = call.verb == "taint" and any(a.endswith(":NoExecute") for a in call.args)
        # evicting every pod from every (selected) node stops the cluster's workloads
        whole = evicts and (scope in ("all", "many") or any(name == "*" for _, name in pairs))
        changes = [kube.Change("permission" if kind in kube.PERMISSION_KINDS else "modify", kind, name,
                               call.namespace, whole_environment=whole) for kind, name in pairs]
        if evicts:
            suffix += ": NoExecute evicts the pods running there"
        extra: tuple[str, ...] = ()
        if call.verb == "patch" and patch_scales_to_zero(call):
            suffix, extra = suffix + ": the patch sets replicas to 0, which stops every pod", ("scale-to-zero",)
        return call.changes_to_effects(changes, scope=scope, suffix=f" ({call.verb}){suffix}", extra_tags=extra)

    def scale(self, call: KubeCall) -> list[Effect]:
        effects = self.modify(call)
        if call.opts.value("--replicas") == "0":
            # every workload of a kind (--all, a selector) to zero is the namespace's whole service stopped
            whole = call.selection()[0] is not None
            return [msgspec.structs.replace(e, tags=(*e.tags, "scale-to-zero"),
                                            whole_environment=e.whole_environment or whole,
                                            summary=e.summary + ": --replicas=0 stops every pod") for e in effects]
        return effects

    def set_fields(self, call: KubeCall) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        effects = self.modify(call, call.args[1:])
        if sub == "subject":
            return [msgspec.structs.replace(e, operation="permission") for e in effects]
        return effects

    def expose(self, call: KubeCall) -> list[Effect]:
        services = [kube.Change("create", "Service", name, call.namespace) for _, name in call.named_targets()]
        return call.changes_to_effects(services or [kube.Change("create", "Service", "?", call.namespace)],
                                       suffix=" (expose)")

    def drain(self, call: KubeCall) -> list[Effect]:
        data = call.opts.has("--delete-emptydir-data", "--delete-local-data")
        every = not call.args and call.selection()[0] is not None  # `drain --all`, `drain -l pool=db`
        nodes = [show(a) for a in call.args] or (["*"] if every else ["?"])
        return [call.inv.effect(
            "host_control", call.target.uri("Node", node, None), call.target.place(None), reversible="yes",
            kind="node", data_loss=data, tags=("drain", *call.tags()), scope="all" if node == "*" else "one",
            whole_environment=node == "*",
            summary=(f"drains every {'selected ' if call.opts.has('-l', '--selector') else ''}node"
                     if node == "*" else f"drains node {node}") + f" on {call.target.cluster_label}: every pod "
                    f"on {'them' if node == '*' else 'it'} is evicted" + (" and their emptyDir data deleted" if data else ""),
            suggestions=("cordon the node first and move workloads one at a time",))
            for node in nodes]

    def certificate(self, call: KubeCall) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        return [call.inv.effect(
            "permission", call.target.uri("CertificateSigningRequest", name, None), call.target.place(None),
            reversible="no", kind="certificatesigningrequest",
            summary=f"kubectl certificate {sub} {name}: "
                    + ("issues a client certificate, a credential for the cluster" if sub == "approve"
                       else "refuses a certificate request"))
            for name in [show(a) for a in call.args[1:]] or ["?"]]

    # --- running commands in the cluster ---------------------------------------------------------------
    def exec_command(self, call: KubeCall) -> list[Effect]:
        pod = show(call.args[0]) if call.args else "?"
        if "/" in pod:
            pod = pod.split("/", 1)[1]
        command = call.command
        if not command and len(call.arg_words) > 1:
            command = call.arg_words[1:]  # the deprecated `kubectl exec POD COMMAND` form
        return call.run_in_pod(pod, command, "opens a session in")

    def attach(self, call: KubeCall) -> list[Effect]:
        pod = show(call.args[0]) if call.args else "?"
        return [call.inv.effect(
            "host_control", call.target.uri("Pod", pod, call.namespace), call.target.place(call.namespace),
            kind="pod", summary=f"attaches to the running process of {pod} on {call.target.cluster_label}: "
                                "what it sends there cannot be seen")]

    def run(self, call: KubeCall) -> list[Effect]:
        name = show(call.args[0]) if call.args else "?"
        changes = [kube.Change("create", "Pod", name, call.namespace)]
        reason = node_control_of(call.opts.value("--overrides"))
        if reason:
            changes.append(kube.Change("host_control", "Pod", name, call.namespace, tags=("privileged",),
                                       note=f"its pods control their node ({reason})"))
        effects = call.changes_to_effects(changes, suffix=" (kubectl run)")
        command = call.command or call.arg_words[1:]
        if command:
            effects.extend(call.run_in_pod(name, command, "opens a session in"))
        for container_command in override_commands(call.opts.value("--overrides")):
            effects.extend(call.run_in_pod(name, [lit(w) for w in container_command], "runs"))
        return effects

    def debug(self, call: KubeCall) -> list[Effect]:
        target = show(call.args[0]) if call.args else "?"
        if target.startswith(("node/", "nodes/")):
            node = target.split("/", 1)[1]
            effects = [call.inv.effect(
                "host_control", call.target.uri("Node", node, None), call.target.place(None), kind="node",
                tags=("privileged",),
                summary=f"kubectl debug node/{node} runs a pod with the node's filesystem and namespaces: "
                        "it controls the node",
                suggestions=("look at the node with kubectl describe node and its logs instead",))]
            if call.command:
                # the node's root is mounted at /host: `chroot /host …` acts on the node itself
                call.inv.run_argv(call.command, ctx=call.inv.ctx.clone(
                    remote=f"node:{node}", remote_placement=call.target.place(None), cwd="/", home="/root", env={},
                    workspace=None))
            return effects
        pod = target.split("/", 1)[-1]
        effects = call.changes_to_effects([kube.Change("modify", "Pod", pod, call.namespace)],
                                          suffix=" (adds a debug container)")
        profile = call.opts.value("--profile")
        if profile in ("sysadmin", "netadmin"):
            effects.append(call.inv.effect(
                "host_control", call.target.uri("Pod", pod, call.namespace), call.target.place(call.namespace),
                kind="pod", tags=("privileged",),
                summary=f"kubectl debug --profile={profile} runs a privileged container"))
        if call.command:
            effects.extend(call.run_in_pod(pod, call.command, "opens a session in"))
        return effects

    def cp(self, call: KubeCall) -> list[Effect]:
        if len(call.args) < 2:
            return [call.read("kubectl cp without a source and a destination copies nothing (kubectl refuses)")]
        source, destination = call.args[0], call.args[-1]
        if is_pod_path(destination):
            pod, _, path = destination.partition(":")
            return call.changes_to_effects([kube.Change("modify", "Pod", show(pod.split("/")[-1]), call.namespace)],
                                           suffix=f" (copies {show(source)} to {show(path)} inside it)")
        if not is_pod_path(source):
            return [call.read("kubectl cp between two local paths copies nothing (kubectl refuses)")]
        pod, _, path = source.partition(":")
        pod_name = show(pod.split("/")[-1])
        secret = secret_kind(posixpath.normpath(posixpath.join("/", path)), "/root")
        if secret:
            return [call.inv.effect(
                "secret_read", call.target.uri("Pod", pod_name, call.namespace), call.target.place(call.namespace),
                reversible="yes", kind="secret", summary=f"kubectl cp copies {show(path)} ({secret}) out of "
                                                         f"pod {pod_name}")]
        return [call.read(f"kubectl cp reads {show(path)} from pod {pod_name}",
                          call.target.uri("Pod", pod_name, call.namespace), "pod"),
                call.inv.fs("create", destination, kind="file", reversible="yes",
                            summary=f"kubectl cp writes {show(destination)}")]

    # --- OpenShift (oc) -----------------------------------------------------------------------------------
    def new_project(self, call: KubeCall) -> list[Effect]:
        name = show(call.args[0]) if call.args else "?"
        return call.changes_to_effects([kube.Change("create", "Namespace", name, None)], suffix=" (oc new-project)")

    def new_app(self, call: KubeCall) -> list[Effect]:
        return call.changes_to_effects([kube.Change("create", "Deployment", "?", call.namespace)],
                                       suffix=f" (oc new-app {' '.join(show(a) for a in call.args[:2])})")

    def login(self, call: KubeCall) -> list[Effect]:
        return [call.inv.effect("modify", "kubeconfig", Placement(LOCAL, KUBECONFIG_HERE),
                                reversible="yes", kind="kubeconfig",
                                summary=f"{call.inv.name} login stores a token for the cluster in the kubeconfig")]

    def rsh(self, call: KubeCall) -> list[Effect]:
        pod = show(call.args[0]).split("/", 1)[-1] if call.args else "?"
        return call.run_in_pod(pod, call.arg_words[1:] + call.command, "opens a shell in")

    def adm(self, call: KubeCall) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub in ("drain", "cordon", "uncordon", "taint"):
            node_call = dataclasses.replace(call, verb=sub, args=call.args[1:], arg_words=call.arg_words[1:])
            return self.drain(node_call) if sub == "drain" else self.modify(node_call)
        if sub in ("policy", "groups", "certificate"):
            return [call.inv.effect("permission", call.cluster_uri(), call.target.place(call.namespace),
                                    reversible="unknown", kind="rbac",
                                    summary=f"{call.inv.name} adm {' '.join(show(a) for a in call.args[:4])} "
                                            f"changes who may do what on {call.target.cluster_label}")]
        if sub in ("top", "inspect", "must-gather", "node-logs", "release"):
            return [call.read(f"{call.inv.name} adm {sub} (reads)")]
        return [call.unknown(f"{call.inv.name} adm {sub}")]

    VERBS = verbs({
        **Cli.VERBS,
        **dict.fromkeys(("logs", "log", "top", "explain", "api-resources", "api-versions", "version",
                         "cluster-info", "diff", "events", "kustomize", "convert", "wait", "completion", "options",
                         "help", "whoami", "status", "projects", "project"), "read"),
        "proxy": proxy,
        "get": get, "describe": describe, "port-forward": port_forward, "plugin": plugin, "config": config,
        "auth": auth, "rollout": rollout,
        "apply": apply, "create": create, "replace": replace, "delete": delete,
        **dict.fromkeys(("edit", "patch", "label", "annotate", "autoscale", "cordon", "uncordon", "taint"), modify),
        "scale": scale, "set": set_fields, "expose": expose, "drain": drain, "certificate": certificate,
        "exec": exec_command, "attach": attach, "run": run, "debug": debug, "cp": cp,
        "new-project": new_project, "new-app": new_app, "login": login, "logout": login, "rsh": rsh, "adm": adm,
    })


def on_cluster(call: Call) -> KubeCall:
    """The call `analyze` built (the base's hooks are typed on the base `Call`)."""
    assert isinstance(call, KubeCall)
    return call


def node_control_of(overrides: str | None) -> str:
    """Why `kubectl run --overrides JSON` would give its pod the node ('' when it would not)."""
    if not overrides:
        return ""
    try:
        doc = json.loads(overrides)
    except ValueError:
        return ""
    return kube.node_control(doc, "Pod") if isinstance(doc, dict) else ""


def override_commands(overrides: str | None) -> list[list[str]]:
    """The commands `kubectl run --overrides JSON` gives its containers (command and args)."""
    try:
        doc = json.loads(overrides) if overrides else None
    except ValueError:
        return []
    spec = doc.get("spec") if isinstance(doc, dict) else None
    containers = spec.get("containers") if isinstance(spec, dict) else None
    out: list[list[str]] = []
    for container in containers if isinstance(containers, list) else ():
        if isinstance(container, dict):
            words = [*(container.get("command") or ()), *(container.get("args") or ())]
            if words and all(isinstance(w, str) for w in words):
                out.append(words)
    return out


def patch_scales_to_zero(call: KubeCall) -> bool:
    """A patch (-p, or --patch-file) that sets spec.replicas to 0."""
    text = call.opts.value("-p", "--patch")
    if text is None and call.opts.value("--patch-file"):
        text = call.inv.walker.file_stream(call.opts.value("--patch-file") or "", call.inv.ctx).text
    if not text:
        return False
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    if isinstance(doc, list):  # a JSON patch: [{"op": "replace", "path": "/spec/replicas", "value": 0}]
        return any(isinstance(op, dict) and op.get("path") == "/spec/replicas" and op.get("value") == 0
                   for op in doc)
    spec = doc.get("spec") if isinstance(doc, dict) else None
    return isinstance(spec, dict) and spec.get("replicas") == 0


def is_pod_path(arg: str) -> bool:
    """`pod:/path` or `ns/pod:/path` (a local path with a colon would start with / or .)."""
    head, sep, _ = arg.partition(":")
    return bool(sep) and bool(head) and not head.startswith((".", "/", "~"))
