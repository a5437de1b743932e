"""The over-grant audit (`changegate doctor --permissions`): what each installed agent could change without the
gate, and which credentials are within its reach — read from the agents' own configuration files, before an
incident, not after.

Per agent it reads the permission settings that let calls through without a person (Claude Code
`permissions.allow` rules such as `Bash(*)` and `defaultMode`, `disableAllHooks`; Codex `approval_policy` and
`sandbox_mode`; Gemini `tools.allowed`, `general.defaultApprovalMode` and `security.disableYoloMode`; Kiro agents'
`allowedTools`; the Cursor CLI's `permissions.allow`) and whether changegate's hook is wired for it. For the
machine it lists the credentials an agent running as this user could use: kube contexts and AWS profiles the
policy places in prod, database URLs in the environment and in `.env` files, logged-in cloud and VCS CLIs.

Every read is bounded (size) and never follows a FIFO or a device; a file that cannot be read is a finding of
its own, not a crash.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from changegate.environments import Environments, Placement
from changegate.understand.facts import READ_SECONDS, Unreadable, read_disk

MAX_CONFIG_BYTES = 1 << 20
HIGH, MEDIUM, INFO = "high", "medium", "info"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, INFO: 2}
PROD_LIKE = ("prod", "unknown")  # unknown counts as prod, as it does for decisions

# Programs whose blanket allowance lets an agent change real systems (Claude Code `Bash(kubectl:*)`, Gemini
# `run_shell_command(terraform)`, Cursor `Shell(aws)`): the rule grants every verb of them.
POWERFUL_PROGRAMS = frozenset({
    "rm", "sudo", "doas", "su", "kubectl", "helm", "terraform", "tofu", "pulumi", "aws", "gcloud", "az", "gsutil",
    "psql", "mysql", "mongosh", "redis-cli", "docker", "podman", "ssh", "scp", "rsync", "git push", "gh", "npm publish",
    "dd", "mkfs", "systemctl", "chmod", "chown", "curl", "wget", "python", "python3", "node", "bash", "sh", "zsh",
    "eval", "xargs", "find", "changegate",
})
WILDCARDS = frozenset({"", "*", "*:*", ":*", "**"})


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # high: it could change real systems unchecked; medium: less, or only in the workspace; info
    what: str  # what it grants, in plain words
    where: str  # the file (and key) that says so
    narrow: str = ""  # how to narrow it


@dataclass(slots=True)
class AgentReport:
    agent: str
    configured: bool = False  # any of its configuration files exist
    gate_wired: bool | None = None  # changegate's hook is in its configuration (None: not checked)
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    agents: list[AgentReport]
    credentials: list[Finding]

    def worst(self) -> str | None:
        severities = [f.severity for a in self.agents for f in a.findings] + [f.severity for f in self.credentials]
        return min(severities, key=SEVERITY_ORDER.__getitem__) if severities else None

    def as_dict(self) -> dict[str, Any]:
        return {"agents": [asdict(a) for a in self.agents], "credentials": [asdict(f) for f in self.credentials],
                "worst": self.worst()}


# --- reading, bounded ------------------------------------------------------------------------------------------

def read_bounded(path: Path) -> str | None:
    """A regular file's text (at most MAX_CONFIG_BYTES, read within a bound of time, never a FIFO or a device);
    None when there is none; Unreadable otherwise. Always this machine's disk: the agents' files are here."""
    data = read_disk(str(path), MAX_CONFIG_BYTES, READ_SECONDS)
    return None if data is None else data.decode("utf-8", "replace")


def load(path: Path, kind: str, report: AgentReport | list[Finding]) -> Any:
    """A configuration document (json, toml, yaml), or None; a broken one becomes a finding."""
    findings = report.findings if isinstance(report, AgentReport) else report
    try:
        text = read_bounded(path)
        if text is None:
            return None
        if isinstance(report, AgentReport):
            report.configured = True
        if kind == "json":
            return json.loads(text) if text.strip() else {}
        if kind == "toml":
            return tomllib.loads(text)
        return yaml.safe_load(text)
    except (Unreadable, ValueError, yaml.YAMLError) as exc:
        findings.append(Finding(MEDIUM, f"its configuration cannot be read, so what it grants is unknown: {exc}",
                                str(path), "fix or remove the file"))
        return None


def get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(key)
    return doc


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


# --- rules that grant shell commands ---------------------------------------------------------------------------

RULE = re.compile(r"^\s*(?P<tool>[A-Za-z_*][\w.*-]*)\s*(?:\((?P<pattern>.*)\))?\s*$")


def shell_grant(pattern: str | None) -> tuple[str, str] | None:
    """(severity, what) for a shell allowance with this pattern (`*`, `kubectl:*`, `git status`), or None
    when it grants nothing that changes real systems."""
    if pattern is None or pattern.strip() in WILDCARDS:
        return HIGH, "every shell command runs without asking"
    words = pattern.replace(":*", " *").replace("*", " ").split()
    head = " ".join(words[:2])
    program = words[0] if words else ""
    if head in POWERFUL_PROGRAMS or program in POWERFUL_PROGRAMS:
        return HIGH, f"every `{pattern}` command runs without asking (any verb, any target)"
    return None


def grants_of(rules: Iterable[str], where: str, shell_tools: frozenset[str],
              edit_tools: frozenset[str], mcp_prefix: str) -> list[Finding]:
    out: list[Finding] = []
    for rule in rules:
        match = RULE.match(rule)
        if match is None:
            continue
        tool, pattern = match["tool"], match["pattern"]
        if tool in ("*",) or rule.strip() == "*":
            out.append(Finding(HIGH, "every tool runs without asking", where, "list the tools it needs instead"))
        elif tool in shell_tools:
            grant = shell_grant(pattern)
            if grant:
                out.append(Finding(grant[0], f"{rule}: {grant[1]}", where,
                                   "allow only read-only commands by name (git status, ls), and let changegate "
                                   "decide the rest"))
        elif tool in edit_tools and (pattern is None or pattern.strip() in WILDCARDS or pattern.startswith(("/", "~"))):
            out.append(Finding(MEDIUM, f"{rule}: writes files {'anywhere' if pattern else 'without asking'}",
                               where, "scope edits to the project's paths"))
        elif mcp_prefix and tool.startswith(mcp_prefix) and (pattern is None or tool.endswith("*")):
            out.append(Finding(MEDIUM, f"{rule}: every call of these MCP tools runs without asking", where,
                               "allow the read-only tools by name"))
    return out


# --- agents ----------------------------------------------------------------------------------------------------

def claude_code(root: Path, home: Path) -> AgentReport:
    report = AgentReport("claude-code")
    files = [Path("/etc/claude-code/managed-settings.json"), home / ".claude/settings.json",
             root / ".claude/settings.json", root / ".claude/settings.local.json"]
    for path in files:
        doc = load(path, "json", report)
        if not isinstance(doc, Mapping):
            continue
        where = str(path)
        mode = get(doc, "permissions", "defaultMode")
        if mode == "bypassPermissions":
            report.findings.append(Finding(HIGH, "defaultMode bypassPermissions: every call runs without asking, "
                                                 "and an `ask` from a hook is taken as a yes", where,
                                           "use the default mode; changegate asks where a person should decide"))
        elif mode == "acceptEdits":
            report.findings.append(Finding(MEDIUM, "defaultMode acceptEdits: file edits run without asking", where,
                                           "keep changegate's hook on Write and Edit"))
        if doc.get("disableAllHooks") is True:
            report.findings.append(Finding(HIGH, "disableAllHooks: changegate's hook never runs", where,
                                           "remove disableAllHooks"))
        report.findings.extend(grants_of(
            strings(get(doc, "permissions", "allow")), f"{where} permissions.allow",
            frozenset({"Bash"}), frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"}), "mcp__"))
    return report


def codex(root: Path, home: Path) -> AgentReport:
    report = AgentReport("codex")
    for path in (home / ".codex/config.toml", root / ".codex/config.toml"):
        doc = load(path, "toml", report)
        if not isinstance(doc, Mapping):
            continue
        sections: list[tuple[str, Mapping[str, Any]]] = [(str(path), doc)]
        profiles = doc.get("profiles")
        if isinstance(profiles, Mapping):
            sections += [(f"{path} [profiles.{name}]", p) for name, p in profiles.items() if isinstance(p, Mapping)]
        for where, section in sections:
            policy = section.get("approval_policy")
            if policy == "never":
                report.findings.append(Finding(HIGH, "approval_policy never: every command runs without asking",
                                               where, "use on-request, with changegate's hook"))
            elif policy == "on-failure":
                report.findings.append(Finding(MEDIUM, "approval_policy on-failure: commands run unasked unless "
                                                       "the sandbox stops them", where, "use on-request"))
            sandbox = section.get("sandbox_mode")
            if sandbox == "danger-full-access":
                report.findings.append(Finding(HIGH, "sandbox_mode danger-full-access: no sandbox around commands",
                                               where, "use workspace-write"))
    return report


def gemini(root: Path, home: Path) -> AgentReport:
    report = AgentReport("gemini")
    disabled_yolo = False
    for path in (Path("/etc/gemini-cli/settings.json"), home / ".gemini/settings.json",
                 root / ".gemini/settings.json"):
        doc = load(path, "json", report)
        if not isinstance(doc, Mapping):
            continue
        where = str(path)
        disabled_yolo = disabled_yolo or get(doc, "security", "disableYoloMode") is True
        if get(doc, "general", "defaultApprovalMode") == "auto_edit" or doc.get("autoAccept") is True:
            report.findings.append(Finding(MEDIUM, "edits are approved automatically (auto_edit)", where,
                                           "use the default approval mode"))
        allowed = strings(get(doc, "tools", "allowed")) + strings(doc.get("allowedTools"))
        report.findings.extend(grants_of(
            allowed, f"{where} tools.allowed", frozenset({"run_shell_command", "ShellTool"}),
            frozenset({"write_file", "replace", "WriteFileTool", "EditTool"}), "mcp_"))
    if report.configured and not disabled_yolo:
        report.findings.append(Finding(INFO, "yolo can be started from the command line (--approval-mode=yolo, "
                                             "--yolo): changegate denies its asks there, but nothing else would",
                                       "security.disableYoloMode", "set security.disableYoloMode: true"))
    return report


def kiro(root: Path, home: Path) -> AgentReport:
    report = AgentReport("kiro")
    for folder in (home / ".kiro/agents", root / ".kiro/agents"):
        try:
            paths = sorted(folder.glob("*.json"))[:64]
        except OSError:
            continue
        for path in paths:
            doc = load(path, "json", report)
            if not isinstance(doc, Mapping):
                continue
            allowed = strings(doc.get("allowedTools"))
            if "*" in allowed:
                report.findings.append(Finding(HIGH, "allowedTools has *: every tool runs without asking",
                                               str(path), "list the read-only tools only"))
            for tool in ("execute_bash", "use_aws", "fs_write"):
                if tool in allowed:
                    severity = MEDIUM if tool == "fs_write" else HIGH
                    report.findings.append(Finding(severity, f"allowedTools has {tool}: it runs without asking",
                                                   str(path), "let changegate's hook decide instead"))
    return report


def cursor(root: Path, home: Path) -> AgentReport:
    report = AgentReport("cursor")
    for path in (home / ".cursor/cli-config.json", root / ".cursor/cli.json"):
        doc = load(path, "json", report)
        if not isinstance(doc, Mapping):
            continue
        report.findings.extend(grants_of(
            strings(get(doc, "permissions", "allow")), f"{path} permissions.allow",
            frozenset({"Shell"}), frozenset({"Write"}), "Mcp"))
    return report


AGENTS = (claude_code, codex, gemini, kiro, cursor)


# --- credentials within reach ----------------------------------------------------------------------------------

DATABASE_URL = re.compile(r"^[a-z][a-z0-9+]*://[^\s'\"]+$", re.IGNORECASE)
URL_VARIABLES = re.compile(r"(DATABASE|DB|POSTGRES|PG|MYSQL|MONGO|REDIS|AMQP|KAFKA|ELASTIC|CLICKHOUSE)\w*(URL|URI|DSN)$",
                           re.IGNORECASE)


def reaches_prod(placement: Placement) -> bool:
    return placement.environment == "prod"


def kube_contexts(env: Mapping[str, str], home: Path, environments: Environments) -> list[Finding]:
    out: list[Finding] = []
    paths = [Path(p) for p in env.get("KUBECONFIG", "").split(os.pathsep) if p] or [home / ".kube/config"]
    for path in paths[:8]:
        doc = load(path, "yaml", out)
        if not isinstance(doc, Mapping):
            continue
        servers = {c.get("name"): get(c, "cluster", "server") for c in doc.get("clusters") or []
                   if isinstance(c, Mapping)}
        current = doc.get("current-context")
        for context in doc.get("contexts") or []:
            if not isinstance(context, Mapping) or not isinstance(context.get("name"), str):
                continue
            name = context["name"]
            server = servers.get(get(context, "context", "cluster"))
            placed = environments.kube_context(name)
            if not reaches_prod(placed) and isinstance(server, str):
                placed = environments.url(server, "cluster server")
            if reaches_prod(placed):
                now = " (the current context)" if name == current else ""
                out.append(Finding(HIGH, f"kube context {name}{now} reaches prod: {placed.why}", str(path),
                                   "keep prod contexts out of the agent's kubeconfig, or run kubectl through "
                                   "`changegate run` with brokered credentials"))
    return out


def aws_profiles(env: Mapping[str, str], home: Path, environments: Environments) -> list[Finding]:
    out: list[Finding] = []
    path = Path(env.get("AWS_CONFIG_FILE") or home / ".aws/config")
    doc = read_ini(path, out)
    for section, values in doc.items():
        name = section.removeprefix("profile ").strip()
        placed = environments.aws_profile(name, values.get("sso_account_id"))
        role = values.get("role_arn", "")
        if reaches_prod(placed) or re.search(r"(?i)admin|poweruser|fullaccess", role):
            why = placed.why if reaches_prod(placed) else f"it assumes {role}"
            out.append(Finding(HIGH, f"AWS profile {name}: {why}", str(path),
                               "give the agent a profile with a read-only role; broker the others"))
    creds = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws/credentials")
    for section, values in read_ini(creds, out).items():
        if values.get("aws_access_key_id"):
            out.append(Finding(MEDIUM, f"long-lived AWS access keys in [{section}]", str(creds),
                               "use SSO or short-lived credentials, kept by the broker"))
    return out


def read_ini(path: Path, findings: list[Finding]) -> dict[str, dict[str, str]]:
    import configparser

    try:
        text = read_bounded(path)
    except Unreadable as exc:
        findings.append(Finding(MEDIUM, f"cannot be read: {exc}", str(path)))
        return {}
    if text is None:
        return {}
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        findings.append(Finding(MEDIUM, f"cannot be parsed: {exc}", str(path)))
        return {}
    return {s: dict(parser.items(s)) for s in parser.sections()}


def database_urls(env: Mapping[str, str], root: Path, environments: Environments) -> list[Finding]:
    out: list[Finding] = []
    sources: list[tuple[str, Mapping[str, str]]] = [("the environment", env)]
    for name in (".env", ".env.local", ".env.production", ".env.development"):
        path = root / name
        try:
            text = read_bounded(path)
        except Unreadable as exc:
            out.append(Finding(MEDIUM, f"cannot be read: {exc}", str(path)))
            continue
        if text is not None:
            sources.append((str(path), dotenv(text)))
    for where, values in sources:
        for key, value in values.items():
            if URL_VARIABLES.search(key) and DATABASE_URL.match(value.strip()):
                placed = environments.url(value.strip(), key)
                if reaches_prod(placed):
                    out.append(Finding(HIGH, f"{key} points at prod: {placed.why}", where,
                                       "give the agent a dev database; broker the prod URL"))
    return out


def dotenv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines()[:2000]:
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and key and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("'\"")
    return out


LOGGED_IN = (
    (".config/gcloud/application_default_credentials.json", "gcloud application-default credentials"),
    (".config/gcloud/credentials.db", "gcloud is logged in"),
    (".azure/msal_token_cache.json", "az is logged in"),
    (".config/gh/hosts.yml", "gh holds a GitHub token"),
    (".docker/config.json", "docker holds registry credentials"),
    (".npmrc", "npm may hold a publish token"),
    (".pypirc", "twine may hold a PyPI token"),
    (".git-credentials", "git stores passwords in clear"),
    (".netrc", ".netrc holds passwords"),
    (".pgpass", ".pgpass holds database passwords"),
)


def logged_in(home: Path) -> list[Finding]:
    out: list[Finding] = []
    for rel, what in LOGGED_IN:
        path = home / rel
        try:
            present = path.is_file()
        except OSError:
            present = False
        if present:
            out.append(Finding(MEDIUM, f"{what}: an agent running as this user can use it", str(path),
                               "log the agent's user out, or broker the credential"))
    return out


# --- the whole report ------------------------------------------------------------------------------------------

def audit(root: Path, home: Path, env: Mapping[str, str], environments: Environments,
          wired: Mapping[str, bool] | None = None) -> Report:
    """What each agent could change without the gate, and the credentials within its reach."""
    agents: list[AgentReport] = []
    for reader in AGENTS:
        report = reader(root, home)
        if wired is not None:
            report.gate_wired = wired.get(report.agent, False)
            if report.configured and not report.gate_wired:
                report.findings.insert(0, Finding(HIGH, "changegate's hook is not installed for it: every call "
                                                        "it allows runs unchecked", report.agent,
                                                  f"changegate install {report.agent}"))
        report.findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        agents.append(report)
    credentials = [*kube_contexts(env, home, environments), *aws_profiles(env, home, environments),
                   *database_urls(env, root, environments), *logged_in(home)]
    credentials.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return Report(agents, credentials)


def describe(report: Report) -> Iterable[str]:
    for agent in report.agents:
        if not agent.configured and not agent.findings:
            continue
        wired = {True: "changegate wired", False: "changegate NOT wired", None: ""}[agent.gate_wired]
        yield f"{agent.agent}: {wired}".rstrip(": ")
        if not agent.findings:
            yield "  nothing granted beyond what changegate decides"
        for f in agent.findings:
            yield f"  [{f.severity}] {f.what} ({f.where})" + (f"\n          narrow: {f.narrow}" if f.narrow else "")
    yield "credentials within an agent's reach:" if report.credentials else "credentials within an agent's reach: none found"
    for f in report.credentials:
        yield f"  [{f.severity}] {f.what} ({f.where})" + (f"\n          narrow: {f.narrow}" if f.narrow else "")
