"""Kubernetes, shared by kubectl, helm and `k8s_manifest` actions: which cluster, which objects, what it means.

- **Where**: `--context`, else the context an earlier step of the same line switched to (`kubectl config
  use-context`, `kubectx`: `ctx.switched`), else the kubeconfig's `current-context` (`--kubeconfig`, else
  `KUBECONFIG`, a colon list whose first file to set a value wins, else `$HOME/.kube/config`, all read from
  the action's own environment). The context name places the cluster; when it names nothing, the cluster's
  server URL may; a cluster or server that says prod or staging wins over a context name that says dev (a
  look-alike `kind-dеv` pointing at the prod cluster is prod).
  A namespace can only make the answer stricter (`-n production` on an unnamed cluster is prod; `-n dev`
  on an unnamed cluster stays unknown), except on local clusters (kind, k3d, minikube), which are dev
  whatever their namespaces are called. What was read is recorded in `consulted`, so that an approval
  binds to the context it was given for.
- **What**: manifests from files, directories (`-R`), stdin and kustomization directories, parsed as
  multi-document YAML with size bounds; kinds normalised from the names kubectl accepts (`po`, `deploy`,
  `pvc`, `crd`, `deployments.apps`, …).
- **What it means**: deleting a Namespace deletes everything in it (whole environment, data); PVCs and PVs
  are data; deleting a CRD deletes every custom resource of that kind in the cluster; Secrets may hold the
  only copy of a credential; RBAC objects and admission webhooks are permissions; a pod that is
  privileged, shares the node's PID/network namespace or mounts the node's root controls the node.
"""

from __future__ import annotations

import copy
import functools
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from changegate.environments import DEV_PREFIXES, SEVERITY, UNKNOWN, Environments, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand import facts
from changegate.understand.base import UNKNOWN_PART, NotUnderstood
from changegate.understand.facts import read_config
from changegate.understand.signals import is_mapped, named

MAX_MANIFEST_BYTES = 8 * 1024 * 1024  # one file or stdin
MAX_TOTAL_BYTES = 32 * 1024 * 1024  # every file of one command
MAX_FILES = 500
MAX_DIRECTORY_DEPTH = 16  # a symlink loop among manifest directories ends here
MAX_DOCUMENTS = 5_000
MAX_KUSTOMIZE_DEPTH = 10
MAX_KUBECONFIG_BYTES = 1024 * 1024
MAX_KUBECONFIG_FILES = 10
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

_KINDS: dict[str, str] = {
    "Pod": "po pod pods",
    "Service": "svc service services",
    "Deployment": "deploy deployment deployments",
    "StatefulSet": "sts statefulset statefulsets",
    "DaemonSet": "ds daemonset daemonsets",
    "ReplicaSet": "rs replicaset replicasets",
    "ReplicationController": "rc replicationcontroller replicationcontrollers",
    "Job": "job jobs",
    "CronJob": "cj cronjob cronjobs",
    "ConfigMap": "cm configmap configmaps",
    "Secret": "secret secrets",
    "Namespace": "ns namespace namespaces project projects",  # an OpenShift project is a namespace
    "Node": "no node nodes",
    "PersistentVolume": "pv persistentvolume persistentvolumes",
    "PersistentVolumeClaim": "pvc persistentvolumeclaim persistentvolumeclaims",
    "StorageClass": "sc storageclass storageclasses",
    "ServiceAccount": "sa serviceaccount serviceaccounts",
    "Role": "role roles",
    "RoleBinding": "rolebinding rolebindings",
    "ClusterRole": "clusterrole clusterroles",
    "ClusterRoleBinding": "clusterrolebinding clusterrolebindings",
    "CustomResourceDefinition": "crd crds customresourcedefinition customresourcedefinitions",
    "Ingress": "ing ingress ingresses",
    "IngressClass": "ingressclass ingressclasses",
    "NetworkPolicy": "netpol networkpolicy networkpolicies",
    "HorizontalPodAutoscaler": "hpa horizontalpodautoscaler horizontalpodautoscalers",
    "PodDisruptionBudget": "pdb poddisruptionbudget poddisruptionbudgets",
    "Endpoints": "ep endpoints",
    "EndpointSlice": "endpointslice endpointslices",
    "Event": "ev event events",
    "ResourceQuota": "quota resourcequota resourcequotas",
    "LimitRange": "limits limitrange limitranges",
    "CertificateSigningRequest": "csr certificatesigningrequest certificatesigningrequests",
    "MutatingWebhookConfiguration": "mutatingwebhookconfiguration mutatingwebhookconfigurations",
    "ValidatingWebhookConfiguration": "validatingwebhookconfiguration validatingwebhookconfigurations",
    "PriorityClass": "pc priorityclass priorityclasses",
    "APIService": "apiservice apiservices",
    "Lease": "lease leases",
    "VolumeAttachment": "volumeattachment volumeattachments",
    "CSIDriver": "csidriver csidrivers",
    "RuntimeClass": "runtimeclass runtimeclasses",
}
KIND_ALIASES: dict[str, str] = {alias: kind for kind, names in _KINDS.items() for alias in names.split()}
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "CertificateSigningRequest", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "PriorityClass", "APIService", "IngressClass", "RuntimeClass",
    "CSIDriver", "VolumeAttachment",
})
DATA_KINDS = frozenset({"PersistentVolumeClaim", "PersistentVolume", "Secret", "CustomResourceDefinition",
                        "Namespace"})
WHOLE_ENVIRONMENT_KINDS = frozenset({"Namespace"})
PERMISSION_KINDS = frozenset({"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
                              "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"})
WORKLOAD_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                            "Job", "CronJob"})
# host paths whose mount gives a pod its node
NODE_PATHS = ("/", "/etc", "/root", "/home", "/var/run/docker.sock", "/run/docker.sock", "/var/run",
              "/run/containerd", "/var/run/containerd", "/var/lib/kubelet", "/var/lib/docker", "/proc", "/sys",
              "/dev", "/boot", "/usr", "/bin", "/sbin", "/lib", "/var/log")
NODE_CAPABILITIES = frozenset({"SYS_ADMIN", "ALL", "SYS_PTRACE", "SYS_MODULE", "NET_ADMIN", "DAC_READ_SEARCH"})
DELETE_NOTES: dict[str, str] = {
    "Namespace": "everything in it goes too: workloads, services, secrets and volumes (PVCs)",
    "PersistentVolumeClaim": "its volume (and the data on it) goes with it unless the reclaim policy is Retain",
    "PersistentVolume": "the data on it is lost unless the reclaim policy is Retain",
    "CustomResourceDefinition": "every custom resource of that kind in the cluster is deleted with it",
    "StatefulSet": "its pods stop; its PVCs stay unless its retention policy deletes them",
    "Secret": "it may hold the only copy of a credential",
    "Node": "the node leaves the cluster and its pods are rescheduled",
}


def normalise_kind(word: str) -> str:
    """`deploy`, `deployments.apps`, `Deployment` -> Deployment; an unknown kind stays as written."""
    base = word.split(".", 1)[0]
    return KIND_ALIASES.get(base.lower(), KIND_ALIASES.get(word.lower(), word))


def is_cluster_scoped(kind: str) -> bool:
    return kind in CLUSTER_SCOPED


# --- where: kubeconfig and context ---------------------------------------------------------------------

@dataclass
class KubeTarget:
    """The cluster a command talks to, and its default namespace."""

    environments: Environments
    context: str | None
    namespace: str = "default"
    placement: Placement = field(default_factory=lambda: Placement(UNKNOWN, "no kube context is set"))
    local_cluster: bool = False
    all_namespaces: bool = False

    @property
    def context_label(self) -> str:
        return self.context or "?"

    @property
    def cluster_label(self) -> str:
        """The cluster as a sentence names it."""
        return self.context or "the current cluster (no context is known)"

    def place(self, namespace: str | None) -> Placement:
        """The cluster's placement, made stricter by a namespace whose name says prod or staging."""
        if not namespace or self.local_cluster or is_mapped(self.placement):
            return self.placement
        found = named(self.environments, "names", namespace, "namespace")
        if found is None:
            return self.placement
        if SEVERITY.get(found.environment, 3) > SEVERITY.get(self.placement.environment, 3):
            return found
        return self.placement

    def uri(self, kind: str, name: str, namespace: str | None) -> str:
        kind_part = kind.lower()
        if is_cluster_scoped(kind):
            return f"k8s:{self.context_label}/{kind_part}/{name}"
        ns = "*" if self.all_namespaces else (namespace or self.namespace)
        return f"k8s:{self.context_label}/{ns}/{kind_part}/{name}"


@dataclass
class Kubeconfig:
    current_context: str | None = None
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def kubeconfig_paths(env: dict[str, str], flag: str | None, home: str | None) -> list[str]:
    if flag:
        return [flag]
    listed = env.get("KUBECONFIG")
    if listed:
        return [p for p in listed.split(":") if p][:MAX_KUBECONFIG_FILES]
    return [posixpath.join(home, ".kube", "config")] if home else []


def read_kubeconfig(paths: Iterable[str]) -> Kubeconfig:
    """Merge kubeconfig files the way kubectl does: the first file to set a value wins."""
    merged = Kubeconfig()
    for path in paths:
        doc = load_small_yaml(path)
        if not isinstance(doc, dict):
            continue
        merged.files.append(path)
        current = doc.get("current-context")
        if merged.current_context is None and isinstance(current, str) and current:
            merged.current_context = current
        for section, target in (("contexts", merged.contexts), ("clusters", merged.clusters)):
            for entry in doc.get(section) or ():
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    body = entry.get(section[:-1])
                    target.setdefault(entry["name"], body if isinstance(body, dict) else {})
    return merged


def load_small_yaml(path: str) -> Any:
    """A kubeconfig or kustomization: a regular file, bounded (`facts.read_config`); None when it cannot
    be read or does not parse."""
    text = read_config(path, limit=MAX_KUBECONFIG_BYTES)
    if text is None:
        return None
    try:
        return copy.deepcopy(parsed_yaml(text))  # a copy: the parse is shared between decisions
    except RecursionError:
        return None


@functools.lru_cache(maxsize=32)
def parsed_yaml(text: str) -> Any:
    """One YAML document, kept by its text: every kubectl and helm command reads the same kubeconfig, and
    PyYAML's constructor costs ~130 µs for a small one. None when it does not parse."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def resolve_target(environments: Environments, env: dict[str, str], home: str | None, consulted: dict[str, str], *,
                   context: str | None = None, kubeconfig: str | None = None, namespace: str | None = None,
                   cluster: str | None = None, server: str | None = None,
                   context_flag: str = "--context", remote: str | None = None,
                   remote_placement: Placement | None = None,
                   switched: Mapping[str, str] | None = None) -> KubeTarget:
    """Where a kubectl/helm call lands, from its flags, what earlier steps of the line switched, and the
    kubeconfig it would read. On another host (`ssh bastion kubectl …`) that host's kubeconfig is not
    known: a context flag still names the cluster, otherwise the host's own placement stands for it."""
    source = context_flag
    if remote is not None:
        if context and UNKNOWN_PART not in context:
            placement = place_cluster(environments, context, source, cluster, server)
        else:
            placement = remote_placement or Placement(UNKNOWN, f"kubectl runs on {remote}, whose kubeconfig is "
                                                               "not known here")
        return KubeTarget(environments, context if context and UNKNOWN_PART not in context else None,
                          namespace or "default", placement, False)
    paths = kubeconfig_paths(env, kubeconfig, home)
    config = read_kubeconfig(paths)
    if "KUBECONFIG" in env and not kubeconfig:
        consulted.setdefault("env:KUBECONFIG", env["KUBECONFIG"])
    if not context:
        context, source = switched_context(switched or {}, paths)
        if not context:
            context = config.current_context
            source = "current context"
            if context:
                consulted["kube:current-context"] = context
    if context and UNKNOWN_PART in context:
        placement = place_cluster(environments, context, source, None, None)
        return KubeTarget(environments, None, namespace or "default", placement, False)
    entry = config.contexts.get(context or "", {})
    if namespace is None:
        ns = (switched or {}).get(f"{SWITCHED_NAMESPACE}{context}") or entry.get("namespace")
        namespace = ns if isinstance(ns, str) and ns else None
        if namespace:
            consulted["kube:namespace"] = namespace
    cluster_name = cluster or entry.get("cluster")
    if server is None and isinstance(cluster_name, str):
        found = config.clusters.get(cluster_name, {}).get("server")
        server = found if isinstance(found, str) else None
    placement = place_cluster(environments, context, source, cluster if isinstance(cluster, str) else None, server)
    local = context is not None and context.lower().startswith(DEV_PREFIXES) and not is_mapped(placement)
    behind = cluster_behind(environments, context, cluster_name if isinstance(cluster_name, str) else None, server)
    if behind is not None and not is_mapped(placement) and \
            SEVERITY.get(behind.environment, 3) > SEVERITY.get(placement.environment, 3):
        placement, local = behind, False
    return KubeTarget(environments, context, namespace or "default", placement, local)


SWITCHED_CONTEXT = "kube-context"  # `ctx.switched`: the context an earlier step switched to
SWITCHED_KUBECONFIG = "kube-context-kubeconfig"  # ... in these kubeconfig files (':'-joined)
SWITCHED_NAMESPACE = "kube-namespace:"  # + context: the namespace an earlier step set for it


def switch_context(switched: dict[str, str], context: str, paths: list[str]) -> None:
    """Record that this line's later kubectl/helm calls talk to `context` (`kubectl config use-context`)."""
    switched[SWITCHED_CONTEXT] = context
    switched[SWITCHED_KUBECONFIG] = ":".join(paths)


def switched_context(switched: Mapping[str, str], paths: list[str]) -> tuple[str | None, str]:
    context = switched.get(SWITCHED_CONTEXT)
    if context and switched.get(SWITCHED_KUBECONFIG) == ":".join(paths):
        return context, "the context an earlier step of this command switched to"
    return None, ""


def cluster_behind(environments: Environments, context: str | None, cluster: str | None,
                   server: str | None) -> Placement | None:
    """What the cluster a context points at says, where it says prod or staging: a context's name is
    chosen by whoever wrote the kubeconfig, the cluster it reaches is what gets changed."""
    found = [p for p in (named(environments, "kube_contexts", cluster, "kube cluster") if cluster else None,
                         environments.url(server, "cluster server") if server else None)
             if p is not None and p.environment in ("prod", "staging")]
    if not found:
        return None
    worst = max(found, key=lambda p: SEVERITY.get(p.environment, 3))
    return Placement(worst.environment, f"the kube context {context or '?'} points at {worst.why}")


def place_cluster(environments: Environments, context: str | None, source: str, cluster: str | None,
                  server: str | None) -> Placement:
    if context and UNKNOWN_PART in context:
        return Placement(UNKNOWN, f"the kube context ({source}) is only known when the command runs")
    if context:
        placement = environments.kube_context(context, f"kube context ({source})")
        if placement.environment != UNKNOWN or is_mapped(placement):
            return placement
    if cluster:
        found = named(environments, "kube_contexts", cluster, "kube cluster")
        if found:
            return found
    if server:
        by_server = environments.url(server, "cluster server")
        if by_server.environment != UNKNOWN or is_mapped(by_server):
            return by_server
    if context:
        return environments.kube_context(context, f"kube context ({source})")
    return Placement(UNKNOWN, "no kube context is set (no --context, no current-context in a kubeconfig): "
                              "unknown is treated as prod")


def target_from_env(environments: Environments, env: dict[str, str], consulted: dict[str, str]) -> KubeTarget:
    return resolve_target(environments, env, env.get("HOME"), consulted)


# --- what: manifests -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KubeObject:
    kind: str
    name: str
    namespace: str | None
    doc: dict[str, Any]
    source: str


@dataclass
class ManifestSet:
    """Objects read from files, stdin and kustomizations, and the sources whose content is not known."""

    objects: list[KubeObject] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)  # "https://… (downloaded when kubectl runs)"
    problems: list[str] = field(default_factory=list)  # files that do not parse
    files: int = 0
    bytes: int = 0

    def extend(self, other: ManifestSet) -> None:
        self.objects.extend(other.objects)
        self.unseen.extend(other.unseen)
        self.problems.extend(other.problems)


def parse_manifest(text: str, name: str) -> list[KubeObject]:
    """Every object in a multi-document YAML (or JSON) text; List kinds are unpacked. Raises NotUnderstood
    with the file and the problem when it does not parse or holds something that is not an object."""
    objects: list[KubeObject] = []
    try:
        documents = yaml.load_all(text, Loader=SAFE_LOADER)
        for index, doc in enumerate(documents):
            if index >= MAX_DOCUMENTS:
                raise NotUnderstood(f"{name} holds more than {MAX_DOCUMENTS} documents", "too-large")
            if doc is None:
                continue
            objects.extend(objects_of(doc, name, index))
    except yaml.YAMLError as exc:
        raise NotUnderstood(f"{name}: the YAML does not parse ({describe_yaml_error(exc)})",
                            "manifest-unreadable") from exc
    except RecursionError as exc:
        raise NotUnderstood(f"{name}: the YAML nests too deeply", "too-deep") from exc
    return objects


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


def objects_of(doc: Any, name: str, index: int) -> Iterator[KubeObject]:
    if not isinstance(doc, dict):
        raise NotUnderstood(f"{name}: document {index + 1} is a {type(doc).__name__}, not a Kubernetes object",
                            "manifest-unreadable")
    kind = doc.get("kind")
    if not isinstance(kind, str) or not kind:
        raise NotUnderstood(f"{name}: document {index + 1} has no `kind`", "manifest-unreadable")
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"][:MAX_DOCUMENTS]:
            yield from objects_of(item, name, index)
        return
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    object_name = metadata.get("name") or metadata.get("generateName") or "?"
    namespace = metadata.get("namespace")
    yield KubeObject(kind, str(object_name), str(namespace) if namespace else None, doc, name)


class ManifestReader:
    """Reads `-f` and `-k` arguments the way kubectl would, within bounds.

    `resolve` turns a raw path into an absolute one (the walker's cwd and `~`); `written` holds files an
    earlier part of the same command line wrote (`cat > x.yaml <<EOF … && kubectl apply -f x.yaml`)."""

    def __init__(self, resolve: Any, written: dict[str, str] | None = None, remote: str | None = None) -> None:
        self.resolve = resolve
        self.written = written or {}
        self.remote = remote  # files are on that host, not readable here
        self.result = ManifestSet()

    def filename(self, raw: str, recursive: bool, stdin_text: str | None, stdin_origin: str) -> None:
        if self.remote is not None and raw not in ("-", ""):
            self.result.unseen.append(f"{raw} (a file on {self.remote})")
            return
        if raw == "" and not stdin_origin and stdin_text is None:
            self.result.unseen.append("-f without a file name")
            return
        if raw in ("-", ""):  # tree-sitter-bash drops a `-` right before a heredoc: `-f - <<EOF` reaches us as `-f`
            if stdin_text is None:
                self.result.unseen.append(f"stdin ({stdin_origin or 'only known when kubectl runs'})")
            else:
                self.text(stdin_text, "stdin")
            return
        if "://" in raw:
            self.result.unseen.append(f"{raw} (downloaded when kubectl runs)")
            return
        path = self.resolve(raw)
        if path is None:
            self.result.unseen.append(f"{raw} (a path only known when the command runs)")
            return
        if path in self.written:
            self.text(self.written[path], raw)
        elif facts.is_dir(path):
            self.directory(path, raw, recursive)
        elif facts.is_file(path):
            self.file(path, raw)
        else:
            self.result.unseen.append(f"{raw} (not found: it may be written before kubectl runs)")

    def directory(self, path: str, raw: str, recursive: bool, depth: int = 0) -> None:
        if depth > MAX_DIRECTORY_DEPTH:
            raise NotUnderstood(f"{raw}: the manifest directories nest more than {MAX_DIRECTORY_DEPTH} deep", "too-deep")
        names = facts.list_dir(path)
        if names is None:
            self.result.problems.append(f"{raw}: the directory cannot be read")
            return
        for name in names:
            child, full = posixpath.join(raw, name), posixpath.join(path, name)
            if facts.is_dir(full):
                if recursive:
                    self.directory(full, child, recursive, depth + 1)
            elif name.endswith(MANIFEST_EXTENSIONS):
                self.file(full, child)

    def file(self, path: str, raw: str) -> None:
        self.result.files += 1
        if self.result.files > MAX_FILES:
            raise NotUnderstood(f"more than {MAX_FILES} manifest files", "too-large")
        # through the one reader: regular files only (a FIFO must not hang the gate), bounded in size and time
        limit = min(MAX_MANIFEST_BYTES, MAX_TOTAL_BYTES - self.result.bytes)
        try:
            data = facts.read_config_bytes(path, limit=max(limit, 0))
        except facts.Unreadable as exc:
            if "larger" in str(exc):
                raise NotUnderstood(f"{raw}: the manifests are larger than changegate reads "
                                    f"({MAX_MANIFEST_BYTES // (1024 * 1024)} MiB a file)", "too-large") from exc
            self.result.problems.append(f"{raw}: the file cannot be read ({exc})")
            return
        if data is None:
            self.result.problems.append(f"{raw}: the file cannot be read")
            return
        self.result.bytes += len(data)
        self.text(data.decode("utf-8", "replace"), raw)

    def text(self, text: str, name: str) -> None:
        try:
            self.result.objects.extend(parse_manifest(text, name))
        except NotUnderstood as exc:
            if exc.tag in ("too-large", "too-deep"):
                raise
            self.result.problems.append(exc.reason)

    # --- kustomize ------------------------------------------------------------------------------------
    def kustomization(self, raw: str, depth: int = 0) -> None:
        if self.remote is not None:
            self.result.unseen.append(f"{raw} (a kustomization on {self.remote})")
            return
        if "://" in raw or raw.startswith(("github.com/", "git@", "git::")):
            self.result.unseen.append(f"{raw} (a remote kustomization, fetched when kubectl runs)")
            return
        path = self.resolve(raw)
        if path is None:
            self.result.unseen.append(f"{raw} (a path only known when the command runs)")
            return
        if depth > MAX_KUSTOMIZE_DEPTH:
            raise NotUnderstood(f"{raw}: kustomizations nest more than {MAX_KUSTOMIZE_DEPTH} deep", "too-deep")
        file = next((posixpath.join(path, n) for n in KUSTOMIZATION_FILES if facts.is_file(posixpath.join(path, n))),
                    None)
        if file is None:
            self.result.unseen.append(f"{raw} (no kustomization.yaml there: it may be written before kubectl runs)")
            return
        doc = load_small_yaml(file)
        if not isinstance(doc, dict):
            self.result.problems.append(f"{posixpath.join(raw, posixpath.basename(file))}: not a kustomization "
                                        "(the YAML does not parse into a mapping)")
            return
        before = len(self.result.objects)
        entries = [*as_strings(doc.get("resources")), *as_strings(doc.get("bases")), *as_strings(doc.get("components"))]
        for entry in entries:
            remote = "://" in entry or entry.startswith(("github.com/", "git@"))
            child_raw = entry if remote else posixpath.join(raw, entry)
            child = self.resolve(child_raw)
            if child is not None and facts.is_dir(child):
                self.kustomization(child_raw, depth + 1)
            else:
                self.filename(child_raw, False, None, "")
        for generator, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for item in doc.get(generator) or ():
                if isinstance(item, dict) and item.get("name"):
                    self.result.objects.append(KubeObject(kind, str(item["name"]), None, {"kind": kind},
                                                          f"{raw} ({generator})"))
        if doc.get("helmCharts"):
            self.result.unseen.append(f"{raw} (helmCharts rendered when kustomize runs)")
        namespace = doc.get("namespace")
        if isinstance(namespace, str) and namespace:
            self.result.objects[before:] = [
                o if is_cluster_scoped(o.kind) else KubeObject(o.kind, o.name, namespace, o.doc, o.source)
                for o in self.result.objects[before:]]


def as_strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int)] if isinstance(value, list) else []


# --- what it means: effects ----------------------------------------------------------------------------

@dataclass
class Change:
    """One planned effect on one object, before grouping."""

    operation: Operation
    kind: str
    name: str
    namespace: str | None
    data_loss: bool = False
    whole_environment: bool = False
    tags: tuple[str, ...] = ()
    note: str = ""


def apply_change(obj: KubeObject, verb: str) -> list[Change]:
    """What applying (apply/create/replace) one object does."""
    kind = normalise_kind(obj.kind)
    operation: Operation = "create" if verb == "create" else "modify"
    if kind in PERMISSION_KINDS:
        operation = "permission"
    changes = [Change(operation, kind, obj.name, obj.namespace,
                      tags=("force",) if verb == "replace --force" else ())]
    if verb == "replace --force":
        changes[0] = Change("replace", kind, obj.name, obj.namespace, data_loss=kind in DATA_KINDS,
                            whole_environment=kind in WHOLE_ENVIRONMENT_KINDS, tags=("force",),
                            note="deleted and created again")
    node_access = node_control(obj.doc, kind)
    if node_access:
        changes.append(Change("host_control", kind, obj.name, obj.namespace, tags=("privileged",),
                              note=f"its pods control their node ({node_access})"))
    return changes


def delete_change(kind: str, name: str, namespace: str | None, *, tags: tuple[str, ...] = ()) -> Change:
    """A delete counts as a delete (for the blast-radius rules) even where it also changes permissions."""
    operation: Operation = "delete"
    if kind in PERMISSION_KINDS:
        tags = (*tags, "permission")
    protected_role = kind in ("ClusterRole", "ClusterRoleBinding") and (name.startswith("system:") or
                                                                        name in ("cluster-admin", "admin", "edit"))
    return Change(operation, kind, name, namespace, data_loss=kind in DATA_KINDS,
                  whole_environment=kind in WHOLE_ENVIRONMENT_KINDS or protected_role,
                  tags=tags + (("cascade",) if kind in ("Namespace", "CustomResourceDefinition") else ()),
                  note=DELETE_NOTES.get(kind, ""))


def node_control(doc: dict[str, Any], kind: str) -> str:
    """Why a workload's pods would control their node ('' when they would not)."""
    if kind not in WORKLOAD_KINDS:
        return ""
    spec = pod_spec(doc, kind)
    if not isinstance(spec, dict):
        return ""
    reasons = [f"{key}: true" for key in ("hostPID", "hostIPC", "hostNetwork") if spec.get(key) is True]
    for container in [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]:
        security = container.get("securityContext") if isinstance(container, dict) else None
        if not isinstance(security, dict):
            continue
        if security.get("privileged") is True:
            reasons.append("privileged: true")
        capabilities = security.get("capabilities")
        added = capabilities.get("add") if isinstance(capabilities, dict) else None
        for capability in added or ():
            if str(capability).upper().removeprefix("CAP_") in NODE_CAPABILITIES:
                reasons.append(f"capability {capability}")
    for volume in spec.get("volumes") or ():
        host = volume.get("hostPath") if isinstance(volume, dict) else None
        path = host.get("path") if isinstance(host, dict) else None
        if isinstance(path, str) and posixpath.normpath(path or "/") in NODE_PATHS:
            reasons.append(f"mounts the node's {path}")
    return ", ".join(dict.fromkeys(reasons))


def pod_spec(doc: dict[str, Any], kind: str) -> Any:
    spec = doc.get("spec")
    if kind == "Pod" or not isinstance(spec, dict):
        return spec
    if kind == "CronJob":
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, dict) else None
        if not isinstance(spec, dict):
            return None
    template = spec.get("template")
    return template.get("spec") if isinstance(template, dict) else None


VERB_WORDS = {"create": "creates", "modify": "changes", "delete": "deletes", "replace": "replaces",
              "permission": "changes permissions:", "host_control": "runs pods that control their node:"}


def change_effects(changes: list[Change], target: KubeTarget, *, family: str, evidence: str,
                   reversible_delete: Reversible = "no", suggestions: tuple[str, ...] = (),
                   scope: Scope | None = None, count: int | None = None, extra_tags: tuple[str, ...] = (),
                   summary_suffix: str = "") -> list[Effect]:
    """Effects for changes, grouped per (operation, namespace, kind) so that a thousand objects stay cheap."""
    groups: dict[tuple[Operation, str, str, bool, bool, tuple[str, ...]], list[Change]] = {}
    for change in changes:
        ns = "" if is_cluster_scoped(change.kind) else (change.namespace or target.namespace)
        key = (change.operation, ns, change.kind, change.data_loss, change.whole_environment, change.tags)
        groups.setdefault(key, []).append(change)
    effects: list[Effect] = []
    for (operation, ns, kind, data_loss, whole, tags), members in groups.items():
        first = members[0]
        # a Namespace is placed by its own name, like the objects in it
        placement = target.place(ns or (first.name if kind == "Namespace" and len(members) == 1 else None))
        names = [m.name for m in members]
        n = count if count is not None else len(members)
        resource = target.uri(kind, names[0] if len(members) == 1 else "*", ns or None)
        where = f" in namespace {ns}" if ns and not target.all_namespaces else " in every namespace" if \
            target.all_namespaces and ns else ""
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        if len(members) == 1 and names[0] == "*":
            label = "every workload" if kind == "all" else f"every {kind}"
        elif len(members) == 1:
            label = f"{kind} {shown}"
        else:
            label = f"{len(members)} {kind} objects ({shown})"
        note = f": {first.note}" if first.note else ""
        destructive = operation in ("delete", "replace")
        effect_scope: Scope = scope or ("many" if len(members) > 1 else "one")
        effects.append(Effect(
            operation=operation,
            resource=resource,
            environment=placement.environment,
            why_environment=placement.why,
            scope=effect_scope,
            count=n if n > 1 else None,
            reversible=reversible_delete if destructive else "unknown",
            kind=kind.lower(),
            family=family,
            evidence=evidence,
            summary=f"{VERB_WORDS.get(operation, operation)} {label}{where} on {target.cluster_label}"
                    f"{summary_suffix}{note}",
            data_loss=data_loss,
            whole_environment=whole,
            tags=tuple(dict.fromkeys((*tags, *extra_tags))),
            suggestions=suggestions if destructive or operation in ("permission", "host_control") else (),
        ))
    return effects


def apply_effects(objects: list[KubeObject], target: KubeTarget, verb: str, *, family: str, evidence: str,
                  suggestions: tuple[str, ...] = ()) -> list[Effect]:
    changes = [c for obj in objects for c in apply_change(obj, verb)]
    return change_effects(changes, target, family=family, evidence=evidence, suggestions=suggestions)


def delete_effects(objects: list[KubeObject], target: KubeTarget, *, family: str, evidence: str,
                   tags: tuple[str, ...] = (), suggestions: tuple[str, ...] = ()) -> list[Effect]:
    changes = [delete_change(normalise_kind(o.kind), o.name, o.namespace, tags=tags) for o in objects]
    return change_effects(changes, target, family=family, evidence=evidence, suggestions=suggestions)
