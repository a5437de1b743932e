"""Kubernetes deletes: the objects are saved as YAML (`kubectl get … -o yaml`, over the same context and
namespace) before `kubectl delete` runs; for a namespace, everything listable in it too. Undo re-applies
them (`kubectl apply -f`) through the gate, cleaned of what the cluster assigns (uid, resourceVersion,
status, cluster IPs) and without what controllers recreate by themselves (pods of a Deployment, ReplicaSets,
Endpoints, events). What a volume held is not in any object: deleting a PersistentVolumeClaim or a namespace
with volumes loses their data, and the approval request says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from changegate.broker.undo.base import Command, Keeper, Planned, Tools, UndoError
from changegate.model import Effect
from changegate.understand.cli import Item
from changegate.understand.commands.k8s.kubectl import Kubectl, KubectlLine

# what only `delete` understands: left out of the `kubectl get` that saves the same objects first
DELETE_ONLY = frozenset({"--grace-period", "--timeout", "--now", "--force", "--wait", "--cascade", "-i",
                         "--interactive", "--raw", "-o", "--output", "--all", "--dry-run"})
NAMESPACE_WORDS = frozenset({"ns", "namespace", "namespaces"})
NAMESPACE_OPTIONS = frozenset({"-n", "--namespace"})
# deleting these loses what their volumes hold, which no object keeps
VOLUME_KINDS = frozenset({"namespace", "persistentvolumeclaim", "persistentvolume"})
DROP_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
                 "deletionTimestamp", "deletionGracePeriodSeconds")
RECREATED_KINDS = frozenset({"Event", "Endpoints", "EndpointSlice", "ControllerRevision", "Lease", "Pod",
                             "ReplicaSet", "Job"})
MAX_OBJECTS = 20_000


class KubeKeeper(Keeper):
    kind: ClassVar[str] = "kubernetes"

    def __init__(self, globals_: list[str], cluster_globals: list[str], get_args: list[str], namespaces: list[str],
                 cwd: str) -> None:
        self.globals = globals_
        self.cluster_globals = cluster_globals  # without the namespace: the saved objects name their own
        self.get_args = get_args
        self.namespaces = namespaces
        self.cwd = cwd

    def describe(self) -> str:
        what = " ".join(self.get_args) or "the objects"
        inside = f" and everything in namespace(s) {', '.join(self.namespaces)}" if self.namespaces else ""
        return f"Kubernetes {what}{inside} saved as YAML first (kubectl get -o yaml)"

    def covers(self, effect: Effect) -> bool:
        return effect.family == "kubectl" or effect.resource.startswith("k8s:")

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        import yaml

        documents = [tools.check(["kubectl", *self.globals, "get", *self.get_args, "-o", "yaml"], self.cwd)]
        for namespace in self.namespaces:
            documents.append(self.namespace_contents(tools, namespace))
        (folder / "kubernetes-objects.yaml").write_bytes(b"\n---\n".join(documents))
        objects = [o for raw in documents for o in items_of(yaml.safe_load(raw) or {})][:MAX_OBJECTS]
        restorable = [cleaned for o in objects if (cleaned := clean(o)) is not None]
        restorable.sort(key=lambda o: 0 if o.get("kind") == "Namespace" else 1)
        target = folder / "kubernetes-restore.yaml"
        target.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": restorable}, sort_keys=False))
        for name in ("kubernetes-objects.yaml", "kubernetes-restore.yaml"):
            (folder / name).chmod(0o600)  # Secrets are among them
        return {"kind": self.kind, "cwd": self.cwd, "objects": len(restorable), "saved": len(objects),
                "apply": ["kubectl", *self.cluster_globals, "apply", "-f", str(target)]}

    def namespace_contents(self, tools: Tools, namespace: str) -> bytes:
        listed = tools.check(["kubectl", *self.globals, "api-resources", "--verbs=list,create", "--namespaced",
                              "-o", "name"], self.cwd).decode(errors="replace").split()
        kinds = [k for k in listed if k.split(".", 1)[0] not in ("events", "endpoints", "endpointslices", "pods",
                                                                 "replicasets", "controllerrevisions", "leases")]
        if not kinds:
            return b""
        return tools.check(["kubectl", *self.cluster_globals, "get", ",".join(kinds), "-n", namespace,
                            "-o", "yaml", "--ignore-not-found"], self.cwd)


def items_of(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    if doc.get("kind") == "List" or (isinstance(doc.get("items"), list) and "metadata" not in doc):
        return [item for item in doc.get("items") or [] if isinstance(item, dict)]
    return [doc]


def clean(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The object as it can be applied again, or None for one the cluster recreates by itself."""
    metadata = dict(obj.get("metadata") or {})
    kind = str(obj.get("kind", ""))
    if kind in RECREATED_KINDS and (metadata.get("ownerReferences") or kind in ("Event", "Endpoints",
                                                                                 "EndpointSlice", "Lease")):
        return None
    if metadata.get("ownerReferences"):
        return None
    if kind == "Secret" and obj.get("type") == "kubernetes.io/service-account-token":
        return None
    if (kind, metadata.get("name")) in (("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")):
        return None
    for name in DROP_METADATA:
        metadata.pop(name, None)
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items()
                   if k != "kubectl.kubernetes.io/last-applied-configuration" and not k.startswith("pv.kubernetes.io/")}
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    out = {k: v for k, v in obj.items() if k not in ("status", "metadata")}
    out["metadata"] = metadata
    spec = dict(out.get("spec") or {})
    if kind == "Service" and spec.get("clusterIP") not in (None, "None"):
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    if kind == "PersistentVolumeClaim":
        spec.pop("volumeName", None)
    if kind == "Namespace":
        spec.pop("finalizers", None)
    if spec:
        out["spec"] = spec
    return out


def restore_kubernetes(entry: dict[str, Any], folder: Path, tools: Tools, force: bool) -> str:
    if not entry["objects"]:
        return "no objects to put back"
    tools.through_gate(list(entry["apply"]), entry["cwd"])
    return f"re-applied {entry['objects']} object(s)"


def plan_kubectl(command: Command, tools: Tools) -> Planned:
    line = Kubectl().read_line(command.words)
    if line.verb is None or line.verb.word.value != "delete" or line.dry_run:
        return Planned()  # only a delete is kept for; a dry run deletes nothing
    cluster, cluster_without_namespace, get_args = split_for_get(line, line.verb)
    if not get_args:
        raise UndoError("kubectl delete without a target")
    namespaces = namespaces_named([word.value for word in line.args])
    lost = ["what Kubernetes volumes hold is not kept (a deleted namespace or claim loses its data)"] if any(
        effect.kind in VOLUME_KINDS for effect in command.effects) else []
    return Planned([KubeKeeper(cluster, cluster_without_namespace, get_args, namespaces, command.cwd)], lost)


def split_for_get(line: KubectlLine, verb: Item) -> tuple[list[str], list[str], list[str]]:
    """The words that name the cluster (every option before the verb, kubectl's global options after it),
    the same without the namespace, and the `kubectl get` arguments that select what the delete would
    delete."""
    cluster: list[str] = []
    without_namespace: list[str] = []
    get_args: list[str] = []
    for items, words in line.spans():
        if items[0] is verb:
            continue
        options = {item.option for item in items}
        if items[0].index < verb.index or options & Kubectl.GLOBAL_OPTIONS:
            cluster.extend(words)
            if not options & NAMESPACE_OPTIONS:
                without_namespace.extend(words)
        elif not options <= DELETE_ONLY:
            get_args.extend(words)
    return cluster, without_namespace, get_args


def namespaces_named(positionals: list[str]) -> list[str]:
    if not positionals:
        return []
    first = positionals[0]
    if first.lower() in NAMESPACE_WORDS:
        return positionals[1:]
    return [p.split("/", 1)[1] for p in positionals if p.split("/", 1)[0].lower() in NAMESPACE_WORDS and "/" in p]
