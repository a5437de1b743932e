"""Combining several environment signals into one placement (plans, kube and IaC tools use it).

A terraform plan, a kubectl call or a `pulumi up` usually carries more than one hint of where it lands: a
workspace, a profile, a variable `env = "production"`, a context name, a directory `envs/prod`. One rule
combines them, so that every family answers the same way:

1. a signal the policy maps explicitly beats any name;
2. among the rest, a signal that names an environment beats one that names nothing (an unnamed profile
   `acme-main` says nothing; it does not turn `TF_WORKSPACE=dev` into unknown);
3. among signals of the same strength the most severe wins (a `dev` workspace whose variables say
   `production` is prod): a wrong hint can only make the answer stricter.
No signal at all is unknown, which the default policy treats as prod.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from changegate.environments import SEVERITY, UNKNOWN, Environments, Placement

MAPPED_MARK = "by the policy"
# Directory names that never say anything about an environment.
NEUTRAL_DIRECTORIES = frozenset({"", "home", "users", "src", "infra", "infrastructure", "terraform", "tf",
                                 "deploy", "deployments", "environments", "envs", "env", "live", "stacks",
                                 "modules", "k8s", "kubernetes", "manifests", "charts", "helm", "overlays",
                                 "base", "app", "apps", "services", "config", "ops"})


def is_mapped(placement: Placement) -> bool:
    return MAPPED_MARK in placement.why


def strongest(signals: Iterable[Placement], nothing: str) -> Placement:
    """One placement from several (the rule in the module docstring); `nothing` says why when none."""
    collected = list(signals)
    if not collected:
        return Placement(UNKNOWN, nothing)
    mapped = [p for p in collected if is_mapped(p)]
    pool = mapped or [p for p in collected if p.environment != UNKNOWN] or collected
    return max(pool, key=lambda p: SEVERITY.get(p.environment, SEVERITY[UNKNOWN]))


def named(environments: Environments, kind: str, value: str | None, label: str) -> Placement | None:
    """A signal from one value, or None when the value is missing or names no environment that a policy
    maps or a naming convention recognises (such a value is no evidence either way)."""
    if not value or not value.strip():
        return None
    placement = environments.classify(kind, value.strip(), label)
    if placement.environment == UNKNOWN and not is_mapped(placement):
        return None
    return placement


def directory_signals(environments: Environments, path: str | None, home: str | None,
                      label: str = "directory") -> list[Placement]:
    """Environment names in the last few directories of a path (`infra/envs/prod`, `live/staging/eu`).
    The home directory and what is above it are left out: a user called `dev` is no dev environment."""
    if not path or not path.startswith("/"):
        return []
    normal = posixpath.normpath(path)
    if home and (normal == home or normal.startswith(home.rstrip("/") + "/")):
        normal = normal[len(home.rstrip("/")):]
    elif normal.startswith(("/home/", "/Users/")):
        normal = "/" + "/".join(normal.split("/")[3:])
    out: list[Placement] = []
    for part in normal.strip("/").split("/")[-3:]:
        if part.lower() in NEUTRAL_DIRECTORIES:
            continue
        placement = named(environments, "names", part, label)
        if placement is not None:
            out.append(placement)
    return out
