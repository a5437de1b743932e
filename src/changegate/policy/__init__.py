"""Loading, validating and compiling policy files.

A policy is YAML (see docs/policy.md and the built-in `default.yaml`). Loading validates it completely and
reports every problem as `FILE:LINE: where: what is expected`; compiling turns rules into matchers that the
decision path runs on every effect.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from changegate.environments import DEFAULT_NAMING, Environments, glob_regex
from changegate.model import DECISIONS, OPERATIONS, RISK_ORDER, SEVERITY, Effect
from changegate.policy.cache import disk_cached
from changegate.policy.schema import DEFAULT_BUDGETS, Budget, Freeze, Match, PolicyDoc, Rule

BUILTIN_ENVIRONMENTS = ("local", "dev", "staging", "prod", "unknown")
SCOPES = ("one", "many", "all")
REVERSIBLE = ("yes", "no", "unknown")
ACTION_TYPES = ("shell", "sql", "terraform_plan", "k8s_manifest", "mcp_tool", "file_write", "http")
COMPARISON = re.compile(r"^\s*(>=|<=|>|<|==|=|!=)?\s*(\d+(?:\.\d+)?)\s*(%)?\s*$")
DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
MAX_POLICY_BYTES = 1024 * 1024
ENUM_FIELDS = {"decide": DECISIONS, "fallback": DECISIONS, "risk": ("low", "medium", "high", "critical"),
               "freeze": ("exempt",), "format": ("json", "slack")}


TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")  # as service.accounts checks it

class PolicyError(Exception):
    """A policy file that cannot be used; `problems` lists each as 'FILE:LINE: where: what'."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# --- compiled form -------------------------------------------------------------------------------------

def _as_list(value: str | list[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def parse_comparison(value: str | int | float) -> tuple[str, float]:
    if isinstance(value, int | float):
        return ">=", float(value)
    m = COMPARISON.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a comparison such as '>= 5' or '> 50%'")
    op, number, percent = m.group(1) or ">=", float(m.group(2)), m.group(3)
    return ("==" if op == "=" else op), number / 100 if percent else number


def _compare(actual: float, op: str, expected: float) -> bool:
    return {">=": actual >= expected, "<=": actual <= expected, ">": actual > expected, "<": actual < expected,
            "==": actual == expected, "!=": actual != expected}[op]


def resource_matches(patterns: list[str], resource: str, home: str, workspace: str) -> bool:
    """Whether a resource matches any of the globs, as a rule's `resource:` does (task scopes use it too)."""
    return CompiledRule._resource_matches(patterns, resource, home, workspace)


@lru_cache(maxsize=2048)
def _resource_regex(pattern: str, home: str, workspace: str) -> re.Pattern[str]:
    filled = pattern.replace("{home}", home or "\x01no-home").replace("{workspace}", workspace or "\x01no-workspace")
    return glob_regex(filled, segment_sep="/")


@lru_cache(maxsize=2048)
def _resources_regex(patterns: tuple[str, ...], home: str, workspace: str) -> tuple[re.Pattern[str],
                                                                                   re.Pattern[str] | None]:
    """A rule's resource globs as one regex (one match per effect, not one per glob), and those that also
    match a path on another machine (`fs:/etc` matches `fs://host/etc`)."""
    def joined(chosen: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{_resource_regex(p, home, workspace).pattern})" for p in chosen),
                          re.IGNORECASE)

    local = [p for p in patterns if not p.startswith("fs://")]
    return joined(list(patterns)), (joined(local) if local else None)


class Counts(msgspec.Struct):
    """Blast radius of one action, summed over its effects."""

    deletes: int = 0
    replaces: int = 0
    creates: int = 0
    updates: int = 0
    total: int = 0  # resources the target holds, where a plan says

    @property
    def changes(self) -> int:
        return self.deletes + self.replaces + self.creates + self.updates

    @property
    def share(self) -> float:
        return (self.deletes + self.replaces) / self.total if self.total else 0.0

    @classmethod
    def of(cls, effects: Iterable[Effect]) -> Counts:
        counts = cls()
        for e in effects:
            n = e.count if e.count is not None else 1
            if e.operation == "delete":
                counts.deletes += n
            elif e.operation == "replace":
                counts.replaces += n
            elif e.operation == "create":
                counts.creates += n
            elif e.operation in ("modify", "permission"):
                counts.updates += n
            if e.total:
                counts.total = max(counts.total, e.total)
        return counts


class CompiledRule(msgspec.Struct):
    rule: Rule
    origin: str  # "default" or the file it came from
    action: frozenset[str] | None = None
    operation: frozenset[str] | None = None
    environment: frozenset[str] | None = None
    family: frozenset[str] | None = None
    kind: frozenset[str] | None = None
    scope: frozenset[str] | None = None
    reversible: frozenset[str] | None = None
    tags: frozenset[str] | None = None
    resource: list[str] | None = None
    not_resource: list[str] | None = None
    agent: list[re.Pattern[str]] | None = None
    counts: list[tuple[str, str, float]] = msgspec.field(default_factory=list)
    # worked out once, read for every effect: a rule that names no more than what the index matches
    # (operation, environment, family, action type: `Policy.candidates`) matches without asking; how severe
    # its decision is; and the bar it sets (approvals, then risk), by which the rule giving the reason is chosen
    unconditional: bool = False
    severity: int = 0
    bar: tuple[int, int] = (0, 0)

    @property
    def id(self) -> str:
        return self.rule.id

    @classmethod
    def compile(cls, rule: Rule, origin: str) -> CompiledRule:
        m = rule.match

        def fs(value: str | list[str] | None) -> frozenset[str] | None:
            items = _as_list(value)
            return frozenset(items) if items is not None else None

        compiled = cls(
            rule=rule,
            origin=origin,
            action=fs(m.action),
            operation=fs(m.operation),
            environment=fs(m.environment),
            family=fs(m.family),
            kind=fs(m.kind),
            scope=fs(m.scope),
            reversible=fs(m.reversible),
            tags=fs(m.tags),
            resource=_as_list(m.resource),
            not_resource=_as_list(m.not_resource),
            agent=[glob_regex(a, segment_sep="") for a in _as_list(m.agent) or []] or None,
        )
        for name in ("deletes", "replaces", "creates", "updates", "changes", "share"):
            value = getattr(m, name)
            if value is not None:
                op, number = parse_comparison(value)
                compiled.counts.append((name, op, number))
        compiled.unconditional = not compiled.counts and m.data_loss is None and m.whole_environment is None \
            and all(getattr(compiled, name) is None for name in (
                "kind", "scope", "reversible", "tags", "resource", "not_resource", "agent"))
        compiled.severity = SEVERITY[rule.decide]
        compiled.bar = (rule.approvals, RISK_ORDER.get(rule.risk or "low", 0))
        return compiled

    def matches(self, effect: Effect, action_type: str, agent: str | None, home: str, workspace: str,
                counts: Counts) -> bool:
        m = self.rule.match
        if self.operation is not None and effect.operation not in self.operation:
            return False
        if self.environment is not None and effect.environment not in self.environment:
            return False
        if self.action is not None and action_type not in self.action:
            return False
        if self.family is not None and effect.family not in self.family:
            return False
        if self.kind is not None and effect.kind not in self.kind:
            return False
        if self.scope is not None and effect.scope not in self.scope:
            return False
        if self.reversible is not None and effect.reversible not in self.reversible:
            return False
        if self.tags is not None and self.tags.isdisjoint(effect.tags):
            return False
        if m.data_loss is not None and effect.data_loss != m.data_loss:
            return False
        if m.whole_environment is not None and effect.whole_environment != m.whole_environment:
            return False
        if self.agent is not None and not any(a.match(agent or "") for a in self.agent):
            return False
        if self.resource is not None and not self._resource_matches(self.resource, effect.resource, home, workspace):
            return False
        if self.not_resource is not None and self._resource_matches(self.not_resource, effect.resource, home,
                                                                    workspace):
            return False
        for name, op, number in self.counts:
            actual = getattr(counts, name)
            if not _compare(float(actual), op, number):
                return False
        return True

    @staticmethod
    def _resource_matches(patterns: list[str], resource: str, home: str, workspace: str) -> bool:
        every, local = _resources_regex(tuple(patterns), home, workspace)
        if every.match(resource):
            return True
        # an fs: pattern is about paths on whatever machine: fs://host/etc matches fs:/etc
        if resource.startswith("fs://") and local is not None:
            slash = resource.find("/", 5)
            return local.match("fs:" + (resource[slash:] if slash > 0 else "/")) is not None
        return False


class Policy(msgspec.Struct):
    """A loaded, validated and compiled policy."""

    doc: PolicyDoc
    source: str
    rules: list[CompiledRule]
    agent_overrides: list[tuple[re.Pattern[str], frozenset[str], list[CompiledRule]]]
    environments: Environments
    text: str = ""
    _by_agent: dict[str, list[CompiledRule]] = msgspec.field(default_factory=dict)
    _index: dict[tuple[str, str, str, str, str, bool], list[CompiledRule]] = msgspec.field(default_factory=dict)
    digest: str = ""  # of the validated document, made once by the verdict cache (gate/cache.py)

    def rules_for(self, agent: str | None) -> list[CompiledRule]:
        key = agent or ""
        cached = self._by_agent.get(key)
        if cached is not None:
            return cached
        rules = list(self.rules)
        for pattern, disabled, extra in self.agent_overrides:
            if pattern.match(key):
                rules = [r for r in rules if r.id not in disabled] + extra
        if len(self._by_agent) < 4096:  # agents name themselves: a long-running server keeps a bounded few
            self._by_agent[key] = rules
        return rules

    def candidates(self, agent: str | None, effect: Effect, action_type: str) -> list[CompiledRule]:
        """The rules that can match this effect as far as its operation, environment, family, the action's
        type and whether it carries tags tell (an index: each effect is checked against a handful of rules
        instead of all), in the policy's order."""
        tagged = bool(effect.tags)
        key = (agent or "", effect.operation, effect.environment, effect.family, action_type, tagged)
        found = self._index.get(key)
        if found is None:
            found = [r for r in self.rules_for(agent)
                     if (r.operation is None or effect.operation in r.operation)
                     and (r.environment is None or effect.environment in r.environment)
                     and (r.family is None or effect.family in r.family)
                     and (r.action is None or action_type in r.action)
                     and (r.tags is None or tagged)]
            if len(self._index) < 16384:
                self._index[key] = found
        return found

    def active_freezes(self, now: datetime) -> list[Freeze]:
        return [f for f in self.doc.freezes if f.start <= now < f.end]

    @property
    def fallback(self) -> str:
        return self.doc.fallback

    @property
    def approval_ttl(self) -> timedelta:
        return parse_duration(self.doc.approvals.expires_after)

    @property
    def budgets(self) -> list[Budget]:
        """The policy's budgets, or the defaults when it names none."""
        return list(DEFAULT_BUDGETS) if self.doc.budgets is None else list(self.doc.budgets)


def parse_duration(text: str) -> timedelta:
    m = DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration such as '30m', '1h' or '2d'")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(seconds=n * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


# --- loading -------------------------------------------------------------------------------------------

DEFAULT_POLICY_PATH = Path(__file__).with_name("default.yaml")


def default_text() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _line_of(text: str, path: str) -> int | None:
    """The line of a msgspec error path like `$.rules[3].decide` in the YAML text."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key, index in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", path.removeprefix("$")):
        if node is None:
            break
        if key and isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if found is None:
                return line
            node = found[1]
            line = found[0].start_mark.line + 1
        elif index and isinstance(node, yaml.SequenceNode):
            i = int(index)
            if i >= len(node.value):
                return line
            node = node.value[i]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_policy(text: str, source: str) -> PolicyDoc:
    """Parse and validate one policy file (without following `extends`)."""
    import yaml

    if len(text.encode()) > MAX_POLICY_BYTES:
        raise PolicyError([f"{source}: the policy is larger than {MAX_POLICY_BYTES // 1024} KiB"])
    try:
        raw = _yaml_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError([f"{source}{where}: not valid YAML: {problem}"]) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError([f"{source}:1: the policy must be a mapping (version, environments, rules, …), "
                           f"not a {type(raw).__name__}"])
    _yes_no(raw)
    try:
        doc = msgspec.convert(raw, PolicyDoc, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = message.rsplit(" - at `", 1)[1].rstrip("`") if " - at `" in message else "$"
        what = message.rsplit(" - at `", 1)[0]
        what = what.replace("Object contains unknown field", "unknown field")
        field_name = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]
        if "Invalid enum value" in what and field_name in ENUM_FIELDS:
            what += f" (expected one of: {', '.join(ENUM_FIELDS[field_name])})"
        line = _line_of(text, path)
        where = f":{line}" if line else ""
        raise PolicyError([f"{source}{where}: {path.removeprefix('$.') or 'policy'}: {what}"]) from exc
    problems = validate(doc, text, source)
    if problems:
        raise PolicyError(problems)
    return doc


def _yes_no(raw: dict[str, Any]) -> None:
    """YAML 1.1 reads `reversible: no` as false; in a match it can only mean the word."""
    rule_lists = [raw.get("rules")] + [a.get("rules") for a in (raw.get("agents") or {}).values()
                                       if isinstance(a, dict)]
    for rules in rule_lists:
        for rule in rules if isinstance(rules, list) else []:
            match = rule.get("match") if isinstance(rule, dict) else None
            if isinstance(match, dict) and "reversible" in match:
                value = match["reversible"]
                words = {True: "yes", False: "no"}
                if isinstance(value, bool):
                    match["reversible"] = words[value]
                elif isinstance(value, list):
                    match["reversible"] = [words[v] if isinstance(v, bool) else v for v in value]


def validate(doc: PolicyDoc, text: str, source: str) -> list[str]:
    """What msgspec's types cannot say: known names, comparisons, unique ids, sane freezes."""
    problems: list[str] = []

    def report(path: str, what: str) -> None:
        line = _line_of(text, path)
        problems.append(f"{source}{f':{line}' if line else ''}: {path.removeprefix('$.')}: {what}")

    def check_duration(path: str, value: str) -> None:
        try:
            parse_duration(value)
        except ValueError as exc:
            report(path, str(exc))

    envs = set(BUILTIN_ENVIRONMENTS) | set(doc.environments) | set(doc.naming or {})
    if doc.version != 1:
        report("$.version", f"version {doc.version} is not supported (expected 1)")
    if doc.extends not in (None, "default"):
        report("$.extends", f"can only extend 'default', not {doc.extends!r}")

    def check_rules(rules: list[Rule], base: str) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(rules):
            here = f"{base}[{i}]"
            if rule.id in seen:
                report(f"{here}.id", f"the id {rule.id!r} is used twice")
            seen.add(rule.id)
            if rule.approvals < 1 or rule.approvals > 5:
                report(f"{here}.approvals", "expected a number of approvers from 1 to 5")
            if rule.team is not None and not TEAM_NAME.match(rule.team):
                report(f"{here}.team", "expected a team name (letters, digits and . _ @ + -, up to 64)")
            if rule.team is not None and rule.decide != "ask":
                report(f"{here}.team", "only an ask files a request for a team to decide (this rule decides "
                                       f"{rule.decide})")
            m = rule.match
            for name, allowed in (("operation", OPERATIONS), ("scope", SCOPES), ("reversible", REVERSIBLE),
                                  ("action", ACTION_TYPES), ("environment", tuple(sorted(envs)))):
                for value in _as_list(getattr(m, name)) or []:
                    if value not in allowed:
                        report(f"{here}.match.{name}", f"{value!r} is not one of: {', '.join(allowed)}")
            for name in ("deletes", "replaces", "creates", "updates", "changes", "share"):
                value = getattr(m, name)
                if value is not None:
                    try:
                        parse_comparison(value)
                    except ValueError as exc:
                        report(f"{here}.match.{name}", str(exc))

    check_rules(doc.rules, "$.rules")
    for name, override in doc.agents.items():
        check_rules(override.rules, f"$.agents.{name}.rules")
    for i, freeze in enumerate(doc.freezes):
        if freeze.start.tzinfo is None or freeze.end.tzinfo is None:
            report(f"$.freezes[{i}].start", "give times with a zone, e.g. 2026-12-20T00:00:00Z (RFC 3339)")
        elif freeze.end <= freeze.start:
            report(f"$.freezes[{i}].end", "the freeze ends before it starts")
        for env in freeze.environments:
            if env not in envs:
                report(f"$.freezes[{i}].environments", f"{env!r} is not a known environment")
    check_duration("$.approvals.expires_after", doc.approvals.expires_after)
    for i, budget in enumerate(doc.budgets or []):
        if budget.limit < 1:
            report(f"$.budgets[{i}].limit", "expected a number of at least 1")
        check_duration(f"$.budgets[{i}].window", budget.window)
        for env in budget.environments or []:
            if env not in envs:
                report(f"$.budgets[{i}].environments", f"{env!r} is not a known environment")
    check_duration("$.scopes.max_duration", doc.scopes.max_duration)
    return problems


def _merge(base: PolicyDoc, user: PolicyDoc) -> PolicyDoc:
    disabled = set(user.disable)
    environments = dict(base.environments)
    for name, targets in user.environments.items():
        if name in environments:
            merged = {k: getattr(environments[name], k) + getattr(targets, k) for k in targets.__struct_fields__}
            environments[name] = msgspec.convert(merged, type(targets))
        else:
            environments[name] = targets
    agents = dict(base.agents)
    agents.update(user.agents)
    return msgspec.structs.replace(
        user,
        environments=environments,
        naming=user.naming or base.naming,
        rules=[r for r in base.rules if r.id not in disabled] + list(user.rules),
        freezes=list(base.freezes) + list(user.freezes),
        agents=agents,
        trusted=list(base.trusted) + list(user.trusted),
        budgets=user.budgets if user.budgets is not None else base.budgets,
    )


def compile_policy(doc: PolicyDoc, source: str, text: str = "", user_rule_ids: set[str] | None = None) -> Policy:
    user_rule_ids = user_rule_ids or set()
    rules = [CompiledRule.compile(r, source if r.id in user_rule_ids else "default") for r in doc.rules]
    overrides = [
        (glob_regex(name, segment_sep=""), frozenset(o.disable), [CompiledRule.compile(r, source) for r in o.rules])
        for name, o in doc.agents.items()
    ]
    explicit = {name: {k: getattr(t, k) for k in t.__struct_fields__ if getattr(t, k)} for name, t in
                doc.environments.items()}
    naming = {k: tuple(v) for k, v in (doc.naming or DEFAULT_NAMING).items()}
    trusted = tuple((t.program, t.args) for t in doc.trusted)
    return Policy(doc=doc, source=source, rules=rules, agent_overrides=overrides,
                  environments=Environments(explicit=explicit, naming=naming, trusted=trusted), text=text)


_cache: dict[tuple[str, float, int], Policy] = {}


@disk_cached(compile_policy)  # validated policies cached on disk: a hook process skips the YAML parser
def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """The policy in `path`, or the built-in default. Raises PolicyError with every problem found."""
    if path is None:
        key = ("<default>", 0.0, 0)
        if key not in _cache:
            text = default_text()
            _cache[key] = compile_policy(parse_policy(text, "default.yaml"), "default", text)
        return _cache[key]
    p = Path(path)
    try:
        stat = p.stat()
        key = (str(p.resolve()), stat.st_mtime, stat.st_size)
        if key in _cache:
            return _cache[key]
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{path}: cannot read the policy: {exc}"]) from exc
    doc = parse_policy(text, str(path))
    user_ids = {r.id for r in doc.rules}
    if doc.extends == "default":
        base = load_policy(None).doc
        unknown = set(doc.disable) - {r.id for r in base.rules}
        if unknown:
            raise PolicyError([f"{path}: disable: no default rule has the id {', '.join(sorted(unknown))}"])
        doc = _merge(base, doc)
    policy = compile_policy(doc, str(path), text, user_ids)
    _cache[key] = policy
    return policy


def now_utc() -> datetime:
    return datetime.now(UTC)


__all__ = ["DECISIONS", "CompiledRule", "Counts", "Match", "Policy", "PolicyError", "load_policy", "now_utc"]
