"""Plans and manifests: the whole change, seen before it happens, and its blast radius.

A `terraform_plan` action carries the JSON of `terraform show -json PLANFILE` (OpenTofu's is the same, and
so is the redacted form HCP Terraform serves), or an AWS CloudFormation `describe-change-set` answer —
inline (`plan`) or as a file (`path`, relative to `cwd`). The format is told by its keys. A `k8s_manifest`
action carries Kubernetes YAML (`manifest`, or a `path`) that would be applied.

A plan is counted, not walked effect by effect: one effect per (operation, module, resource type) with its
`count`, and `total` = the resources the state holds, so that the policy's `deletes`/`share` conditions
and a 5,000-change plan stay fast. Every effect of a plan carries the same `summary`, the one line a
human approves from: "replaces 14 of 14 resources in prod (3 hold data: aws_db_instance.main, …)".
Findings that a count hides — deletion protection turned off, a database deleted without a final
snapshot — are effects of their own.

Whatever cannot be read (not JSON, truncated, neither format, an unknown `format_version`, YAML that does
not parse) fails closed: a not-understood effect whose reason names the file and the problem.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from changegate.environments import LOCAL, UNKNOWN, Environments, Placement
from changegate.model import Action, Effect, Operation, Reversible, Scope
from changegate.understand import Understanding
from changegate.understand.base import NotUnderstood, not_understood
from changegate.understand.facts import Unreadable, plan_document, read_config, read_config_bytes
from changegate.understand.resource_types import (
    PROTECTION_ATTRIBUTES,
    cloudformation_holds_data,
    cloudformation_whole_environment,
    terraform_holds_data,
    terraform_whole_environment,
)
from changegate.understand.signals import directory_signals, named, strongest

MAX_PLAN_BYTES = 128 * 1024 * 1024
MAX_RESOURCE_CHANGES = 200_000
MAX_STATE_RESOURCES = 500_000
MAX_MODULE_DEPTH = 64
MAX_GROUPS = 200  # effects per plan before groups merge (per type, then per operation)
MAX_NAMED = 3  # addresses named in the summary line
MAX_EVIDENCE = 8  # addresses named in an effect's evidence
TAG_SAMPLE = 200  # resource changes whose tags are read for environment names
KNOWN_FORMAT_MAJORS = frozenset({"0", "1"})  # terraform keeps the JSON compatible within a major version

# `change.actions` -> what happens; anything else is not understood
ACTIONS: dict[tuple[str, ...], str] = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("read",): "read",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("forget",): "forget",  # terraform 1.7 `removed` blocks: out of the state, left running
    ("create", "forget"): "create",
}
OPERATION_OF: dict[str, Operation] = {
    "create": "create", "update": "modify", "delete": "delete", "replace": "replace", "forget": "modify",
}
DESTRUCTIVE = ("delete", "replace")
VARIABLE_NAMES = ("env", "environment", "stage", "env_name", "environment_name", "deployment_environment",
                  "tier", "workspace", "app_env", "target_env")
TAG_KEYS = ("Environment", "environment", "Env", "env", "Stage", "stage", "Tier", "tier")
PLAN_SUGGESTIONS = (
    "plan only the resources you mean: terraform plan -target=ADDRESS -out tf.plan",
    "if the replacements are not intended, find the attribute that forces them (replace_paths) and keep it",
)


# --- loading -------------------------------------------------------------------------------------------

@dataclass
class Source:
    """Where a plan or manifest came from, for reasons and evidence."""

    name: str  # "plan.json" as given, or "the inline plan"
    path: str | None = None  # the absolute file, where there is one
    digest: str = ""  # sha256 of the bytes read, so an approval binds to what was reviewed


def resolve_under(cwd: str | None, raw: str, home: str | None = None) -> str:
    """An absolute path: `~` is the agent's home (its HOME), never the gate's own."""
    if raw == "~" or raw.startswith("~/"):
        if not home:
            raise NotUnderstood(f"{raw}: the agent's HOME is not known", "plan-unreadable")
        return posixpath.normpath(home + raw[1:])
    if raw.startswith("~") or posixpath.isabs(raw):
        return posixpath.normpath(raw if posixpath.isabs(raw) else "/home/" + raw[1:])
    if not cwd:
        raise NotUnderstood(f"{raw}: a relative path needs the action's cwd", "plan-unreadable")
    return posixpath.normpath(posixpath.join(cwd, raw))


def read_bounded(path: str, limit: int, what: str, name: str) -> bytes:
    """A regular file's bytes, at most `limit`; anything else is a readable failure."""
    try:
        data = read_config_bytes(path, limit=limit)
    except Unreadable as exc:
        tag = "too-large" if "larger" in str(exc) else "plan-unreadable"
        raise NotUnderstood(f"{name}: the {what} cannot be read ({exc})", tag) from exc
    if data is None:
        raise NotUnderstood(f"{name}: the {what} cannot be read (no such file, or not readable)", "plan-unreadable")
    return data


# Typed views of a `terraform show -json` document: only the fields changegate reads are declared, so that
# decoding a 5,000-change plan skips everything else instead of building it (a third of the time budget),
# and a document of the wrong shape fails with msgspec's path to the problem (`$.resource_changes[12]…`).
Attributes: Any = msgspec.defstruct(
    "Attributes", [("tags", Any, None), ("labels", Any, None),
                   *((name, Any, msgspec.UNSET) for name in PROTECTION_ATTRIBUTES)])


class ChangeBody(msgspec.Struct):
    actions: Any = None
    before: Attributes | None = None
    after: Attributes | None = None


class ResourceChange(msgspec.Struct):
    address: Any = "?"
    mode: Any = "managed"
    type: Any = "?"
    module_address: Any = None
    change: ChangeBody | None = None


class StateResource(msgspec.Struct):
    mode: Any = "managed"


class StateModule(msgspec.Struct):
    resources: list[StateResource] | None = None
    child_modules: list[StateModule] | None = None


class StateValues(msgspec.Struct):
    root_module: StateModule | None = None


class PriorState(msgspec.Struct):
    values: StateValues | None = None


class Configuration(msgspec.Struct):
    provider_config: Any = None


class TerraformDoc(msgspec.Struct):
    format_version: Any = msgspec.UNSET
    plan_format_version: Any = msgspec.UNSET
    resource_changes: list[ResourceChange] | msgspec.UnsetType | None = msgspec.UNSET
    prior_state: PriorState | None = None
    configuration: Configuration | None = None
    variables: Any = None
    errored: Any = None
    complete: Any = None
    deferred_changes: Any = None
    action_invocations: Any = None

    @property
    def is_plan(self) -> bool:
        return not (self.resource_changes is msgspec.UNSET and self.format_version is msgspec.UNSET
                    and self.plan_format_version is msgspec.UNSET)


class StateFileResource(msgspec.Struct):
    """A resource of a state file (version 4); its instances' attributes are not decoded."""

    mode: Any = "managed"
    type: Any = "?"
    name: Any = "?"
    module: Any = None
    instances: list[msgspec.Raw] | None = None


class StateFile(msgspec.Struct):
    resources: list[StateFileResource] | None = None


TERRAFORM_DECODER = msgspec.json.Decoder(TerraformDoc)
STATE_DECODER = msgspec.json.Decoder(StateFile)
PlanDocument = TerraformDoc | dict[str, Any]


def not_a_binary_plan(data: bytes, name: str) -> None:
    if data[:2] == b"PK":
        raise NotUnderstood(
            f"{name} is a binary plan file, not its JSON: run `terraform show -json {name} > {name}.json` "
            f"and give that", "plan-unreadable")


def decode_json_object(data: bytes, name: str, what: str = "a plan") -> dict[str, Any]:
    not_a_binary_plan(data, name)
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        problem = str(exc)
        if "truncated" in problem.lower() or "end of" in problem.lower():
            problem = f"it ends early (truncated?): {problem}"
        raise NotUnderstood(f"{name} is not valid JSON: {problem}", "plan-unreadable") from exc
    if not isinstance(doc, dict):
        raise NotUnderstood(f"{name} is JSON but not an object ({what} is an object)", "plan-unreadable")
    return doc


def decode_plan_bytes(data: bytes, name: str) -> PlanDocument:
    """A terraform plan as its typed view; anything else (a change set) as plain JSON."""
    not_a_binary_plan(data, name)
    try:
        doc = TERRAFORM_DECODER.decode(data)
    except msgspec.ValidationError:
        return terraform_view(decode_json_object(data, name), name)  # says what is wrong, or a change set
    except msgspec.DecodeError:
        decode_json_object(data, name)  # raises with the JSON problem
        raise
    return doc if doc.is_plan else decode_json_object(data, name)


def terraform_view(doc: dict[str, Any], name: str) -> PlanDocument:
    """The typed view of a plan given as parsed JSON; a document of another format stays as it is."""
    if plan_format(doc) != "terraform":
        return doc
    try:
        return msgspec.convert(doc, TerraformDoc)
    except msgspec.ValidationError as exc:
        raise NotUnderstood(f"{name} is not a plan changegate can read: {exc}", "plan-unreadable") from exc


def decode_state_bytes(data: bytes, name: str) -> StateFile:
    try:
        return STATE_DECODER.decode(data)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise NotUnderstood(f"{name} is not a terraform state changegate can read: {exc}", "plan-unreadable") from exc


def load_plan(action: Action) -> tuple[PlanDocument, Source]:
    if action.plan is not None:
        return terraform_view(action.plan, "the inline plan"), Source("the inline plan")
    if not action.path:
        raise NotUnderstood("a terraform_plan action needs `plan` (the JSON) or `path`", "plan-unreadable")
    path = resolve_under(action.cwd, action.path, (action.env or {}).get("HOME"))
    data = read_bounded(path, MAX_PLAN_BYTES, "plan", action.path)
    if data.startswith(ZIP_MAGIC):
        data = binary_plan(path, action)
    doc = decode_plan_bytes(data, action.path)
    return doc, Source(action.path, path, hashlib.sha256(data).hexdigest())


ZIP_MAGIC = b"PK\x03\x04"  # a binary terraform plan is a zip archive


def binary_plan(path: str, action: Action) -> bytes:
    """A binary plan's JSON, as its tool reads it (`terraform show -json`, run by the gate or sent by the
    agent's client); never a JSON file lying beside it."""
    try:
        return plan_document("terraform", path, action.cwd)
    except Unreadable as exc:
        name = action.path
        raise NotUnderstood(f"{name} is a binary plan, and changegate cannot read it ({exc}): run "
                            f"`terraform show -json {name} > {name}.json` and check that", "plan-unreadable") from exc


def plan_format(doc: dict[str, Any]) -> str | None:
    """`terraform`, `cloudformation`, or None when the keys say neither."""
    if "resource_changes" in doc or "format_version" in doc or "plan_format_version" in doc:
        return "terraform"
    if isinstance(doc.get("Changes"), list) and ("ChangeSetName" in doc or "StackName" in doc
                                                 or "ChangeSetId" in doc or "Status" in doc):
        return "cloudformation"
    return None


# --- the action type ---------------------------------------------------------------------------------

def understand_plan_action(action: Action, environments: Environments) -> Understanding:
    doc, source = load_plan(action)
    consulted: dict[str, str] = {}
    if source.digest:
        consulted[f"plan:{source.name}"] = "sha256:" + source.digest  # approvals bind to the plan read
    context = PlanContext(environments, action.cwd, dict(action.env or {}), consulted)
    return Understanding(analyze_plan_document(doc, source, context), consulted)


@dataclass
class PlanContext:
    """What a plan's environment can be read from besides the plan itself."""

    environments: Environments
    cwd: str | None
    env: dict[str, str]
    consulted: dict[str, str]
    workspace: str | None = None  # given by the caller (a `terraform apply` in workspace X)
    extra_signals: list[Placement] = field(default_factory=list)
    label: str = ""  # the plan's name in resource URIs

    def getenv(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is not None:
            self.consulted.setdefault(f"env:{name}", value)
        return value


def analyze_plan_document(doc: PlanDocument, source: Source, context: PlanContext) -> list[Effect]:
    if isinstance(doc, TerraformDoc):
        return TerraformPlan(doc, source, context).effects()
    if plan_format(doc) == "cloudformation":
        return ChangeSet(doc, source, context).effects()
    keys = ", ".join(sorted(doc)[:8]) or "none"
    raise NotUnderstood(f"{source.name} is neither a `terraform show -json` plan nor a CloudFormation change set "
                        f"(its keys: {keys})", "plan-unreadable")


# --- counting ------------------------------------------------------------------------------------------

@dataclass
class Group:
    """Changes of one kind to one resource type in one module."""

    change: str  # create, update, delete, replace, forget
    resource_type: str
    module: str
    count: int = 0
    addresses: list[str] = field(default_factory=list)
    data: bool = False
    whole: bool = False
    tags: set[str] = field(default_factory=set)

    def add(self, address: str) -> None:
        self.count += 1
        if len(self.addresses) < MAX_EVIDENCE:
            self.addresses.append(address)


@dataclass
class Tally:
    """A plan counted: groups, data-holding addresses destroyed, findings, and the state's size."""

    groups: dict[tuple[str, str, str], Group] = field(default_factory=dict)
    by_change: dict[str, int] = field(default_factory=dict)
    data_destroyed: list[str] = field(default_factory=list)
    data_destroyed_count: int = 0
    unchanged: int = 0
    reads: int = 0
    findings: list[Effect] = field(default_factory=list)

    def add(self, change: str, resource_type: str, module: str, address: str, data: bool, whole: bool) -> Group:
        self.by_change[change] = self.by_change.get(change, 0) + 1
        key = (change, module, resource_type)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(change, resource_type, module, data=data, whole=whole)
        group.add(address)
        if data and change in DESTRUCTIVE:
            self.data_destroyed_count += 1
            if len(self.data_destroyed) < MAX_NAMED:
                self.data_destroyed.append(address)
        return group

    @property
    def destroyed(self) -> int:
        return sum(self.by_change.get(c, 0) for c in DESTRUCTIVE)

    def merged_groups(self) -> list[Group]:
        """The groups, merged by type (then by change) when there are too many to decide quickly."""
        groups = list(self.groups.values())
        for keep_type in (True, False):
            if len(groups) <= MAX_GROUPS:
                break
            merged: dict[tuple[str, str], Group] = {}
            for g in groups:
                key = (g.change, g.resource_type if keep_type else "*")
                m = merged.get(key)
                if m is None:
                    m = merged[key] = Group(g.change, key[1], "*")
                m.count += g.count
                m.addresses.extend(g.addresses[: MAX_EVIDENCE - len(m.addresses)])
                m.data = m.data or g.data
                m.whole = m.whole or g.whole
                m.tags |= g.tags
            groups = list(merged.values())
        return groups


def summary_line(tally: Tally, total: int | None, where: Placement, subject: str = "resources") -> str:
    """"replaces 14 of 14 resources in prod (3 hold data: aws_db_instance.main, …)"."""
    verbs = {"delete": "deletes", "replace": "replaces", "create": "creates", "update": "updates",
             "forget": "forgets"}
    destructive = [f"{verbs[c]} {tally.by_change[c]}" for c in DESTRUCTIVE if tally.by_change.get(c)]
    others = [f"{verbs[c]} {tally.by_change[c]}" for c in ("create", "update", "forget") if tally.by_change.get(c)]
    if destructive:
        line = " and ".join(destructive) + (f" of {total} {subject}" if total else f" {subject}")
        if others:
            line += ", " + ", ".join(others)
    elif others:
        line = " and ".join(others) + f" {subject}" + (f" ({total} in the state)" if total else "")
    else:
        line = f"changes nothing ({tally.unchanged} {subject} unchanged)"
    env = where.environment
    line += f" in {env}" if env not in (UNKNOWN, LOCAL) else " in an unknown environment" if env == UNKNOWN else ""
    if tally.data_destroyed_count:
        more = ", …" if tally.data_destroyed_count > len(tally.data_destroyed) else ""
        verb = "holds" if tally.data_destroyed_count == 1 else "hold"
        line += f" ({tally.data_destroyed_count} {verb} data: {', '.join(tally.data_destroyed)}{more})"
    return line


def group_effects(tally: Tally, *, family: str, label: str, placement: Placement, total: int | None,
                  whole: bool, summary: str, suggestions: tuple[str, ...], evidence_prefix: str) -> list[Effect]:
    effects: list[Effect] = []
    for g in tally.merged_groups():
        operation = OPERATION_OF[g.change]
        destructive = g.change in DESTRUCTIVE
        where = f"{g.module}/" if g.module and g.module != "*" else ""
        resource = (f"{family}:{label}/{where}{g.addresses[0]}" if g.count == 1 and g.addresses
                    else f"{family}:{label}/{where}{g.resource_type}")
        scope: Scope = "all" if whole and destructive else "many" if g.count > 1 else "one"
        reversible: Reversible = "no" if destructive else "yes" if g.change == "create" else "unknown"
        shown = ", ".join(g.addresses) + (", …" if g.count > len(g.addresses) else "")
        effects.append(Effect(
            operation=operation,
            resource=resource,
            environment=placement.environment,
            why_environment=placement.why,
            scope=scope,
            count=g.count,
            total=total or None,
            reversible=reversible,
            kind=g.resource_type,
            family=family,
            evidence=f"{evidence_prefix}{g.change} {g.count}: {shown}",
            summary=summary,
            data_loss=destructive and g.data,
            whole_environment=destructive and (whole or g.whole),
            tags=tuple(sorted(g.tags)),
            suggestions=suggestions if destructive else (),
        ))
    return effects


def nothing_changes(family: str, label: str, placement: Placement, summary: str, evidence: str) -> Effect:
    return Effect(operation="read", resource=f"{family}:{label}", environment=placement.environment,
                  why_environment=placement.why, reversible="yes", kind="plan", family=family,
                  evidence=evidence, summary=summary)


# --- terraform -----------------------------------------------------------------------------------------

class TerraformPlan:
    def __init__(self, doc: TerraformDoc, source: Source, context: PlanContext) -> None:
        self.doc = doc
        self.source = source
        self.context = context
        self.problems: list[tuple[str, str]] = []  # (reason, tag): each becomes a not-understood effect

    def effects(self) -> list[Effect]:
        self.check_format()
        changes = self.doc.resource_changes if isinstance(self.doc.resource_changes, list) else []
        if len(changes) > MAX_RESOURCE_CHANGES:
            raise NotUnderstood(f"{self.source.name} has {len(changes)} resource changes, more than "
                                f"{MAX_RESOURCE_CHANGES} that changegate reads", "too-large")
        tally = self.count(changes)
        placement = self.placement(changes)
        total = self.state_size(tally)
        whole = total is not None and 0 < total <= tally.destroyed
        label = self.context.label or self.context.workspace or self.default_label()
        summary = summary_line(tally, total, placement)
        effects = group_effects(tally, family="plan", label=label, placement=placement, total=total, whole=whole,
                                summary=summary, suggestions=PLAN_SUGGESTIONS, evidence_prefix=f"{self.source.name}: ")
        effects.extend(self.place(tally.findings, placement))
        effects.extend(self.action_invocations(label, placement))
        for reason, tag in self.problems:
            effects.append(not_understood(reason, tag, self.source.name, placement))
        if not effects:
            effects.append(nothing_changes("plan", label, placement, summary, self.source.name))
        return effects

    def default_label(self) -> str:
        if self.source.path:
            return posixpath.basename(posixpath.dirname(self.source.path)) or "plan"
        return posixpath.basename(self.context.cwd or "") or "plan"

    # --- format and completeness ----------------------------------------------------------------------
    def check_format(self) -> None:
        version = self.doc.format_version
        if version is msgspec.UNSET or version is None:
            version = self.doc.plan_format_version
        if version is msgspec.UNSET or version is None:
            self.problems.append((f"{self.source.name} has no `format_version`: its meaning cannot be checked",
                                  "plan-format"))
        elif str(version).split(".", 1)[0] not in KNOWN_FORMAT_MAJORS:
            self.problems.append((f"{self.source.name} has format_version {version!r}, which changegate does not "
                                  "know (it reads 0.x and 1.x)", "plan-format"))
        if self.doc.errored is True:
            self.problems.append((f"{self.source.name} is the plan of a run that errored: it may not show every "
                                  "change", "plan-errored"))
        if self.doc.complete is False or self.doc.deferred_changes:
            self.problems.append((f"{self.source.name} is incomplete (changes are deferred to a later plan): "
                                  "what follows it is not shown", "plan-incomplete"))

    # --- counting -------------------------------------------------------------------------------------
    def count(self, changes: list[ResourceChange]) -> Tally:
        tally = Tally()
        odd: list[str] = []
        for rc in changes:
            change = rc.change
            actions = change.actions if change is not None else None
            address = str(rc.address or "?")
            kind = ACTIONS.get(tuple(actions)) if isinstance(actions, list) else None
            if kind is None:
                odd.append(f"{address} ({actions!r})")
                continue
            if kind == "no-op":
                tally.unchanged += 1
                continue
            if kind == "read" or rc.mode == "data":
                tally.reads += 1
                continue
            resource_type = str(rc.type or "?")
            group = tally.add(kind, resource_type, str(rc.module_address or ""), address,
                              terraform_holds_data(resource_type), terraform_whole_environment(resource_type))
            if kind in ("update", "replace", "delete") and change is not None:
                self.protection(change, address, resource_type, kind, tally, group)
        if odd:
            self.problems.append((f"{self.source.name}: changegate does not know what these changes do: "
                                  f"{', '.join(odd[:3])}" + (", …" if len(odd) > 3 else ""), "plan-format"))
        return tally

    def protection(self, change: ChangeBody, address: str, resource_type: str, kind: str, tally: Tally,
                   group: Group) -> None:
        """Deletion protection turned off, or a destroy that skips the safety net, is a finding."""
        before = change.before
        after = change.after
        if before is None:
            return
        for attribute, protected in PROTECTION_ATTRIBUTES.items():
            was = getattr(before, attribute)
            if was is msgspec.UNSET:
                continue
            now = getattr(after, attribute) if after is not None else None
            now = None if now is msgspec.UNSET else now
            if kind == "update" and was == protected and now is not None and now != protected:
                tally.findings.append(Effect(
                    operation="modify",
                    resource=f"plan:{address}",
                    reversible="yes",
                    kind=resource_type,
                    family="plan",
                    evidence=f"{address}: {attribute} {was!r} -> {now!r}",
                    summary=f"turns off deletion protection on {address} ({attribute}: {was!r} -> {now!r})",
                    data_loss=terraform_holds_data(resource_type),
                    tags=("protection-removed",),
                    suggestions=("keep deletion protection on; turn it off in a separate, reviewed change",),
                ))
            elif kind in DESTRUCTIVE and was != protected and protected is False:
                group.tags.add("no-safety-net")  # force_destroy / skip_final_snapshot set on what is destroyed

    def action_invocations(self, label: str, placement: Placement) -> list[Effect]:
        """Terraform 1.14 `action` blocks the apply would invoke: side effects only the provider defines."""
        invocations = self.doc.action_invocations
        if not isinstance(invocations, list) or not invocations:
            return []
        addresses = [str(i.get("address") or "?") for i in invocations[:MAX_EVIDENCE] if isinstance(i, dict)]
        shown = ", ".join(addresses) + (", …" if len(invocations) > len(addresses) else "")
        return [Effect(
            operation="unknown", resource=f"plan:{label}/actions", environment=placement.environment,
            why_environment=placement.why, scope="many" if len(invocations) > 1 else "one",
            count=len(invocations), reversible="unknown", kind="provider-action", family="plan",
            evidence=f"{self.source.name}: {shown}", tags=("provider-action",),
            summary=f"invokes {len(invocations)} provider action{'s' if len(invocations) > 1 else ''} ({shown}): "
                    "what they do is defined by the provider, not shown in the plan")]

    def place(self, findings: list[Effect], placement: Placement) -> list[Effect]:
        return [msgspec.structs.replace(f, environment=placement.environment, why_environment=placement.why)
                for f in findings]

    # --- size of the environment ----------------------------------------------------------------------
    def state_size(self, tally: Tally) -> int | None:
        """Resources the state holds: counted in prior_state, else the plan's entries for existing ones."""
        prior = self.doc.prior_state
        root = prior.values.root_module if prior is not None and prior.values is not None else None
        if root is not None:
            counted = sum(1 for _ in managed_resources(root))
            if counted:
                return counted
        existing = tally.unchanged + sum(n for c, n in tally.by_change.items() if c != "create")
        return existing or None

    # --- environment ----------------------------------------------------------------------------------
    def placement(self, changes: list[ResourceChange]) -> Placement:
        env = self.context.environments
        signals: list[Placement] = list(self.context.extra_signals)
        workspace = self.context.workspace or self.context.getenv("TF_WORKSPACE") or read_workspace_file(
            self.context.cwd, self.context.consulted)
        if workspace:
            placed = env.workspace(workspace)
            if placed.environment != UNKNOWN or "by the policy" in placed.why:
                signals.append(placed)
        signals.extend(self.variable_signals())
        signals.extend(self.provider_signals())
        signals.extend(tag_signals(env, changes))
        if self.source.path:
            signals.extend(directory_signals(env, posixpath.dirname(self.source.path), self.context.env.get("HOME"),
                                             "plan directory"))
            stem = posixpath.basename(self.source.path).split(".", 1)[0]
            found = named(env, "names", stem, "plan file")
            if found:
                signals.append(found)
        signals.extend(directory_signals(env, self.context.cwd, self.context.env.get("HOME"), "working directory"))
        return strongest(signals, f"nothing in {self.source.name} or its workspace says which environment it "
                                  "changes (unknown is treated as prod)")

    def variable_signals(self) -> Iterator[Placement]:
        variables = self.doc.variables
        if not isinstance(variables, dict):
            return
        env = self.context.environments
        for name in VARIABLE_NAMES:
            entry = variables.get(name)
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, str):
                found = named(env, "names", value, f"variable {name} =")
                if found:
                    yield found
        for name, kind, label in (("aws_profile", "aws_profiles", "variable aws_profile ="),
                                  ("profile", "aws_profiles", "variable profile ="),
                                  ("project", "gcp_projects", "variable project ="),
                                  ("project_id", "gcp_projects", "variable project_id ="),
                                  ("subscription_id", "azure_subscriptions", "variable subscription_id ="),
                                  ("resource_group_name", "azure_resource_groups", "variable resource_group_name =")):
            entry = variables.get(name)
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, str):
                found = named(env, kind, value, label)
                if found:
                    yield found

    def provider_signals(self) -> Iterator[Placement]:
        configuration = self.doc.configuration
        providers = configuration.provider_config if configuration is not None else None
        if not isinstance(providers, dict):
            return
        env = self.context.environments
        for key, provider in list(providers.items())[:50]:
            if not isinstance(provider, dict):
                continue
            expressions = provider.get("expressions")
            if not isinstance(expressions, dict):
                continue
            yield from provider_expression_signals(env, str(key), expressions)


PROVIDER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("profile", "aws_profiles", "AWS profile"),
    ("project", "gcp_projects", "Google Cloud project"),
    ("subscription_id", "azure_subscriptions", "Azure subscription"),
    ("config_context", "kube_contexts", "kube context"),
)


def provider_expression_signals(env: Environments, key: str, expressions: dict[str, Any]) -> Iterator[Placement]:
    for field_name, kind, label in PROVIDER_FIELDS:
        value = constant(expressions.get(field_name))
        if isinstance(value, str):
            found = named(env, kind, value, f"provider {key} {label}")
            if found:
                yield found
    for account in provider_accounts(expressions):
        mapped = env.mapped("aws_accounts", account)
        if mapped:
            yield Placement(mapped, f"provider {key} AWS account {account} is mapped to {mapped} by the policy")
    alias = constant(expressions.get("alias"))
    if isinstance(alias, str):
        found = named(env, "names", alias, f"provider {key} alias")
        if found:
            yield found


def provider_accounts(expressions: dict[str, Any]) -> Iterator[str]:
    allowed = constant(expressions.get("allowed_account_ids"))
    if isinstance(allowed, list):
        yield from (str(a) for a in allowed[:10])
    assume = expressions.get("assume_role")
    for block in assume if isinstance(assume, list) else [assume]:
        if isinstance(block, dict):
            arn = constant(block.get("role_arn"))
            if isinstance(arn, str) and arn.count(":") >= 5:
                yield arn.split(":")[4]


def constant(expression: Any) -> Any:
    """The value of a configuration expression that is a constant (references are unknown here)."""
    return expression.get("constant_value") if isinstance(expression, dict) else None


def tag_signals(env: Environments, changes: list[ResourceChange]) -> Iterator[Placement]:
    seen: set[str] = set()
    for rc in changes[:TAG_SAMPLE]:
        change = rc.change
        if change is None:
            continue
        for values in (change.before, change.after):
            if values is None:
                continue
            for tags in (values.tags, values.labels):
                if not isinstance(tags, dict):
                    continue
                for key in TAG_KEYS:
                    value = tags.get(key)
                    if isinstance(value, str) and value not in seen:
                        seen.add(value)
                        found = named(env, "names", value, f"tag {key} =")
                        if found:
                            yield found


def managed_resources(module: StateModule, depth: int = 0) -> Iterator[StateResource]:
    """Managed resources of a state module and its children (bounded)."""
    if depth > MAX_MODULE_DEPTH:
        return
    seen = 0
    for resource in module.resources or ():
        if resource.mode == "managed":
            seen += 1
            if seen > MAX_STATE_RESOURCES:
                return
            yield resource
    for child in module.child_modules or ():
        yield from managed_resources(child, depth + 1)


def read_workspace_file(directory: str | None, consulted: dict[str, str], *, data_dir: str | None = None
                        ) -> str | None:
    """The workspace `terraform workspace select` recorded in DIR/.terraform/environment (in TF_DATA_DIR
    instead of DIR/.terraform where that is set)."""
    if data_dir:
        path = posixpath.join(data_dir, "environment")
    elif directory:
        path = posixpath.join(directory, ".terraform", "environment")
    else:
        return None
    name = (read_config(path, limit=256) or "").strip()
    if name:
        consulted[f"file:{path}"] = name
    return name or None


# --- CloudFormation change sets ------------------------------------------------------------------------

CFN_KEEPS_DATA = frozenset({"Retain", "Snapshot", "ReplaceAndRetain", "ReplaceAndSnapshot"})
CFN_PARAMETERS = ("Environment", "Env", "EnvironmentName", "Stage", "StageName", "EnvType", "Tier")
CHANGE_SET_SUGGESTIONS = (
    "split the change so that no resource holding data is replaced",
    "set DeletionPolicy/UpdateReplacePolicy: Retain or Snapshot on resources that hold data",
)


class ChangeSet:
    """`aws cloudformation describe-change-set` output: Changes[].ResourceChange."""

    def __init__(self, doc: dict[str, Any], source: Source, context: PlanContext) -> None:
        self.doc = doc
        self.source = source
        self.context = context

    def effects(self) -> list[Effect]:
        changes = self.doc.get("Changes") or []
        if len(changes) > MAX_RESOURCE_CHANGES:
            raise NotUnderstood(f"{self.source.name} has more than {MAX_RESOURCE_CHANGES} changes", "too-large")
        stack = str(self.doc.get("StackName") or self.stack_from_id() or "?")
        tally, problems = self.count(changes)
        placement = self.placement(stack)
        summary = summary_line(tally, None, placement, f"resources of stack {stack}")
        effects = group_effects(tally, family="cloudformation", label=stack, placement=placement, total=None,
                                whole=False, summary=summary, suggestions=CHANGE_SET_SUGGESTIONS,
                                evidence_prefix=f"{self.source.name}: ")
        if self.doc.get("NextToken"):
            problems.append(f"{self.source.name} is one page of a longer change set (NextToken is set): the rest "
                            "is not shown")
        status = str(self.doc.get("Status") or "")
        if status == "FAILED" and changes:
            problems.append(f"{self.source.name}: the change set FAILED ({self.doc.get('StatusReason', '')})")
        for reason in problems:
            effects.append(not_understood(reason, "plan-format", self.source.name, placement))
        if not effects:
            effects.append(nothing_changes("cloudformation", stack, placement, summary, self.source.name))
        return effects

    def stack_from_id(self) -> str | None:
        stack_id = self.doc.get("StackId")
        if isinstance(stack_id, str) and ":stack/" in stack_id:
            return stack_id.split(":stack/", 1)[1].split("/", 1)[0]
        return None

    def count(self, changes: list[Any]) -> tuple[Tally, list[str]]:
        tally = Tally()
        odd: list[str] = []
        for entry in changes:
            rc = entry.get("ResourceChange") if isinstance(entry, dict) else None
            if not isinstance(rc, dict):
                odd.append("an entry without ResourceChange")
                continue
            action = rc.get("Action")
            logical = str(rc.get("LogicalResourceId") or "?")
            resource_type = str(rc.get("ResourceType") or "?")
            replacement = str(rc.get("Replacement") or "False")
            if action == "Add":
                kind = "create"
            elif action == "Remove":
                kind = "delete"
            elif action == "Modify":
                kind = "replace" if replacement in ("True", "Conditional") else "update"
            elif action == "Import":
                kind = "update"
            else:
                odd.append(f"{logical} (Action {action!r})")
                continue
            keeps = str(rc.get("PolicyAction") or "") in CFN_KEEPS_DATA
            group = tally.add(kind, resource_type, "", logical,
                              cloudformation_holds_data(resource_type) and not keeps,
                              cloudformation_whole_environment(resource_type))
            if replacement == "Conditional" and kind == "replace":
                group.tags.add("may-replace")
            if keeps:
                group.tags.add("data-kept")
        if odd:
            return tally, [f"{self.source.name}: changegate does not know what these changes do: "
                           f"{', '.join(odd[:3])}" + (", …" if len(odd) > 3 else "")]
        return tally, []

    def placement(self, stack: str) -> Placement:
        env = self.context.environments
        signals: list[Placement] = list(self.context.extra_signals)
        found = named(env, "names", stack, "stack")
        if found:
            signals.append(found)
        for parameter in self.doc.get("Parameters") or ():
            if isinstance(parameter, dict) and parameter.get("ParameterKey") in CFN_PARAMETERS:
                found = named(env, "names", str(parameter.get("ParameterValue") or ""),
                              f"parameter {parameter.get('ParameterKey')} =")
                if found:
                    signals.append(found)
        for tag in self.doc.get("Tags") or ():
            if isinstance(tag, dict) and tag.get("Key") in TAG_KEYS:
                found = named(env, "names", str(tag.get("Value") or ""), f"tag {tag.get('Key')} =")
                if found:
                    signals.append(found)
        stack_id = self.doc.get("StackId")
        if isinstance(stack_id, str) and stack_id.count(":") >= 5:
            account = stack_id.split(":")[4]
            mapped = env.mapped("aws_accounts", account)
            if mapped:
                signals.append(Placement(mapped, f"AWS account {account} is mapped to {mapped} by the policy"))
        profile = self.context.getenv("AWS_PROFILE") or self.context.getenv("AWS_DEFAULT_PROFILE")
        found = named(env, "aws_profiles", profile, "AWS profile")
        if found:
            signals.append(found)
        return strongest(signals, f"nothing in {self.source.name} says which environment stack {stack} is in "
                                  "(unknown is treated as prod)")


# --- Kubernetes manifests ------------------------------------------------------------------------------

def understand_manifest_action(action: Action, environments: Environments) -> Understanding:
    """YAML that would be applied to the cluster the agent's kubeconfig points at."""
    from changegate.understand import kube

    consulted: dict[str, str] = {}
    env = dict(action.env or {})
    if action.manifest is not None:
        text, name = action.manifest, "the inline manifest"
        if len(text.encode("utf-8", "surrogatepass")) > kube.MAX_MANIFEST_BYTES:
            raise NotUnderstood(f"{name} is larger than {kube.MAX_MANIFEST_BYTES // (1024 * 1024)} MiB", "too-large")
    elif action.path:
        path = resolve_under(action.cwd, action.path, env.get("HOME"))
        data = read_bounded(path, kube.MAX_MANIFEST_BYTES, "manifest", action.path)
        text, name = data.decode("utf-8", "replace"), action.path
        consulted[f"manifest:{action.path}"] = "sha256:" + hashlib.sha256(data).hexdigest()
    else:
        raise NotUnderstood("a k8s_manifest action needs `manifest` (the YAML) or `path`", "manifest-unreadable")
    objects = kube.parse_manifest(text, name)
    target = kube.target_from_env(environments, env, consulted)
    effects = kube.apply_effects(objects, target, "apply", family="manifest", evidence=name)
    return Understanding(effects or [Effect(operation="read", resource=f"k8s:{target.context_label}",
                                            environment=LOCAL, why_environment="the manifest holds no objects",
                                            reversible="yes", family="manifest", summary=f"{name} is empty")],
                         consulted)
