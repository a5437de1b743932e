"""Which environment a target is in.

Signals, in order (DESIGN.md): the policy's explicit mapping (kube contexts, AWS profiles/accounts, terraform
workspaces, hosts, URLs, paths, cloud projects), then the names themselves by convention. The caller supplies
the value (a context name read from a flag, an env variable or a kubeconfig); this module only classifies it
and says why. Anything not recognised is `unknown`, which the default policy treats as prod.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import urlsplit

import msgspec

LOCAL, DEV, STAGING, PROD, UNKNOWN = "local", "dev", "staging", "prod", "unknown"

DEFAULT_NAMING: dict[str, tuple[str, ...]] = {
    PROD: ("prod", "production", "prd", "live"),
    STAGING: ("staging", "stage", "stg", "preprod", "uat"),
    DEV: ("dev", "development", "test", "sandbox", "scratch", "local", "minikube", "docker-desktop"),
}
# Local cluster tools name their contexts with these prefixes; they are throwaway by construction.
DEV_PREFIXES = ("kind-", "k3d-", "minikube", "docker-desktop", "rancher-desktop", "colima", "orbstack")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]", "host.docker.internal"})
# Suffixes of machines on the local network (mDNS, home routers): another machine, not this one.
LAN_SUFFIXES = (".local", ".lan", ".home.arpa", ".localdomain")
SEVERITY = {LOCAL: 0, DEV: 1, STAGING: 2, UNKNOWN: 3, PROD: 4}


class Placement(msgspec.Struct, frozen=True):
    """Where an effect lands, and why changegate says so. (A Struct: made for most effects, its constructor
    runs in C.)"""

    environment: str
    why: str


def glob_regex(pattern: str, *, segment_sep: str = "/") -> re.Pattern[str]:
    """`*` matches within a segment, `**` across segments, `?` one character; the rest is literal."""
    out: list[str] = []
    i = 0
    sep = re.escape(segment_sep)
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append(f"[^{sep}]*" if segment_sep else ".*")
        elif c == "?":
            out.append(f"[^{sep}]" if segment_sep else ".")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE)


@lru_cache(maxsize=64)
def _naming_regex(tokens: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    # a token counts where it is not glued to other letters: prod-us, eu_prod1, PROD are prod; products is not
    return re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])", re.IGNORECASE)


class Environments(msgspec.Struct):
    """Classifies targets. Built from the policy's `environments` and `naming` sections."""

    explicit: Mapping[str, Mapping[str, list[str]]] = msgspec.field(default_factory=dict)
    naming: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=lambda: DEFAULT_NAMING)
    # the project's own tools a person vouched for: (program, glob over its arguments or None)
    trusted: tuple[tuple[str, str | None], ...] = ()
    _compiled: dict[str, list[tuple[str, re.Pattern[str]]]] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        for env_name, kinds in self.explicit.items():
            for kind, patterns in kinds.items():
                sep = "/" if kind == "paths" else ""
                for pattern in patterns:
                    self._compiled.setdefault(kind, []).append((env_name, glob_regex(pattern, segment_sep=sep)))

    # --- the two generic steps ---------------------------------------------------------------------
    def mapped(self, kind: str, value: str) -> str | None:
        for env_name, regex in self._compiled.get(kind, ()):
            if regex.match(value):
                return env_name
        return None

    def by_name(self, value: str) -> str | None:
        lowered = value.lower()
        if lowered.startswith(DEV_PREFIXES):
            return DEV
        # most dangerous first: a name that says both prod and dev is prod
        for env_name in sorted(self.naming, key=lambda e: -SEVERITY.get(e, 3)):
            if _naming_regex(tuple(self.naming[env_name])).search(lowered):
                return env_name
        return None

    def classify(self, kind: str, value: str, label: str) -> Placement:
        """Explicit mapping of this kind, then the generic `names` mapping, then naming convention."""
        for mapping_kind in (kind, "names"):
            env_name = self.mapped(mapping_kind, value)
            if env_name:
                return Placement(env_name, f"{label} {value!r} is mapped to {env_name} by the policy")
        env_name = self.by_name(value)
        if env_name:
            return Placement(env_name, f"{label} {value!r} is named like {env_name}")
        return Placement(UNKNOWN, f"{label} {value!r} matches no environment (unknown is treated as prod)")

    # --- the kinds of target ------------------------------------------------------------------------
    def kube_context(self, context: str | None, source: str = "kube context") -> Placement:
        if not context:
            return Placement(UNKNOWN, "no kube context is set (unknown is treated as prod)")
        return self.classify("kube_contexts", context, source)

    def aws_profile(self, profile: str | None, account: str | None = None, source: str = "AWS profile") -> Placement:
        if account:
            env_name = self.mapped("aws_accounts", account)
            if env_name:
                return Placement(env_name, f"AWS account {account} is mapped to {env_name} by the policy")
        if not profile:
            return Placement(UNKNOWN, "no AWS profile is set: the default credentials could be anything")
        return self.classify("aws_profiles", profile, source)

    def workspace(self, name: str | None, source: str = "terraform workspace") -> Placement:
        if not name:
            return Placement(UNKNOWN, "no terraform workspace is known (unknown is treated as prod)")
        if name == "default":
            return Placement(UNKNOWN, "terraform workspace 'default' says nothing about the environment")
        return self.classify("workspaces", name, source)

    def host(self, host: str | None, source: str = "host") -> Placement:
        if not host:
            return Placement(UNKNOWN, f"no {source} is given (unknown is treated as prod)")
        bare = host.split("@")[-1].strip("[]").lower()
        env_name = self.mapped("hosts", bare)
        if env_name:
            return Placement(env_name, f"{source} {bare!r} is mapped to {env_name} by the policy")
        if bare in LOCAL_HOSTS or bare.endswith(".localhost") or bare.startswith("/"):
            return Placement(LOCAL, f"{source} {bare!r} is this machine")
        for suffix in LAN_SUFFIXES:
            # `.local` says where a machine is on the network, not that it is a dev environment
            if bare.endswith(suffix) and len(bare) > len(suffix):
                named = self.by_name(bare[: -len(suffix)])
                if named:
                    return Placement(named, f"{source} {bare!r} is named like {named}")
                return Placement(UNKNOWN, f"{source} {bare!r} is a machine on the local network, not this one "
                                          "(unknown is treated as prod)")
        return self.classify("hosts", bare, source)

    def url(self, url: str | None, source: str = "URL") -> Placement:
        if not url:
            return Placement(UNKNOWN, f"no {source} is given (unknown is treated as prod)")
        env_name = self.mapped("urls", url)
        if env_name:
            return Placement(env_name, f"{source} is mapped to {env_name} by the policy")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            host = None
        if host:
            placed = self.host(host, f"{source} host")
            if placed.environment != UNKNOWN:
                return placed
            # a database or bucket name in the path can still say where it is (…/app_prod)
            named = self.by_name(parts.path.strip("/")) if parts.path.strip("/") else None
            if named:
                return Placement(named, f"{source} path {parts.path!r} is named like {named}")
            return placed
        if url.startswith(("sqlite:", "file:")):
            return Placement(LOCAL, f"{source} is a local file")
        return self.classify("urls", url, source)

    def path(self, path: str, workspace: str | None, home: str | None = None) -> Placement:
        env_name = self.mapped("paths", path)
        if env_name:
            return Placement(env_name, f"path {path} is mapped to {env_name} by the policy")
        in_home = bool(home) and home != "/" and is_within(path, home or "")
        # the deeper root decides: a home inside the workspace (HOME=/work/x/home, cwd /work/x) is still a
        # home, never project files
        if workspace and is_within(path, workspace) and not (
                in_home and home != workspace and is_within(home or "", workspace)):
            return Placement(LOCAL, f"{path} is inside the agent's workspace {workspace}")
        if in_home:
            # a home that happens to live under /tmp is still someone's home, not scratch space
            return Placement(UNKNOWN, f"{path} is in the home directory, outside the agent's workspace "
                                      "(unknown is treated as prod)")
        if is_within(path, "/tmp") or is_within(path, "/var/tmp"):
            return Placement(LOCAL, f"{path} is a temporary directory")
        return Placement(UNKNOWN, f"{path} is outside the agent's workspace (unknown is treated as prod)")

    def cloud_project(self, kind: str, value: str | None, label: str) -> Placement:
        if not value:
            return Placement(UNKNOWN, f"no {label} is given (unknown is treated as prod)")
        return self.classify(kind, value, label)


def is_within(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    if root == "/":
        return path.startswith("/")
    return path == root or path.startswith(root + "/")


# Directories that can never be an agent's workspace: a cwd here does not make everything below it local.
NOT_A_WORKSPACE = frozenset(
    {"/", "/home", "/root", "/etc", "/usr", "/var", "/bin", "/sbin", "/boot", "/lib", "/lib64", "/opt",
     "/srv", "/mnt", "/media", "/dev", "/proc", "/sys", "/run", "/tmp", "/var/tmp"}
)


def workspace_of(cwd: str | None, home: str | None) -> str | None:
    """The agent's workspace is its cwd, unless that cwd is the root, a home directory or a system
    directory: a workspace there would make the whole machine 'local'."""
    if not cwd or not cwd.startswith("/"):
        return None
    normal = os.path.normpath(cwd)
    if normal in NOT_A_WORKSPACE or (home and normal == os.path.normpath(home)):
        return None
    return normal


def most_severe(environments: Iterable[str]) -> str:
    return max(environments, key=lambda e: SEVERITY.get(e, 3), default=UNKNOWN)
