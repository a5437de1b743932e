"""One placement of hosts, URLs, DSNs, server addresses, names and flag values, used by every family.

`environments.Environments` holds the policy's primitives (its explicit mappings, its naming convention,
paths against the workspace); this module turns what a command line says — `-h db.local`,
`http://db.local/users/1`, `host1:9092,host2:9092`, `--context prod-eu`, `DATABASE_URL=…` — into a
`Placement` the same way for every tool, so that two tools pointed at the same place agree on where it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from changegate.environments import LOCAL, SEVERITY, UNKNOWN, Environments, Placement, most_severe

# A part of a value that is only known at run time (the walker's marker; see base.UNKNOWN_PART).
RUNTIME_PART = "\x00"
MAX_ADDRESSES = 8  # a comma-separated list longer than this is judged by its first entries


def place_host(environments: Environments, host: str | None, source: str = "host") -> Placement:
    """A host name or address; a Unix socket directory is this machine."""
    if host is None or not host.strip("[]"):
        return Placement(UNKNOWN, f"no {source} is given (unknown is treated as prod)")
    if RUNTIME_PART in host:
        return Placement(UNKNOWN, f"the {source} is only known when the command runs")
    return environments.host(host.strip(), source)


def place_url(environments: Environments, url: str | None, source: str = "URL") -> Placement:
    """A URL: the policy's URL mapping, its host, then a name in its path (`…/app_prod`)."""
    if not url:
        return Placement(UNKNOWN, f"no {source} is given (unknown is treated as prod)")
    if RUNTIME_PART in url.split("/", 3)[2 if "://" in url else 0]:
        return Placement(UNKNOWN, f"the {source}'s host is only known when the command runs")
    return environments.url(url, source)


def split_address(part: str) -> str:
    """The host of `user@host:port`, `[::1]:5432` or `host`."""
    host = part.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def place_address(environments: Environments, value: str, label: str) -> Placement:
    """A server given as a URL, `host:port`, `user@host` or a comma-separated list of them: the most
    severe placement of its entries."""
    placements: list[Placement] = []
    for part in [p.strip() for p in value.split(",") if p.strip()][:MAX_ADDRESSES]:
        if "://" in part:
            placements.append(place_url(environments, part, label))
        else:
            placements.append(place_host(environments, split_address(part), label))
    return worst_of(placements, f"{label} is empty")


def place_name(environments: Environments, value: str | None, label: str, kind: str = "names") -> Placement:
    """A name that says where it is (`--env production`, `--context prod-eu`, a project id)."""
    if not value:
        return Placement(UNKNOWN, f"no {label} is given (unknown is treated as prod)")
    if RUNTIME_PART in value:
        return Placement(UNKNOWN, f"the {label} is only known when the command runs")
    return environments.classify(kind, value, label)


def place_value(environments: Environments, value: str, label: str) -> Placement:
    """A flag's value that is either a URL or a name."""
    if "://" in value:
        return place_url(environments, value, label)
    return place_name(environments, value, label)


def place_flags(environments: Environments, values: Iterable[tuple[str, str | None]]) -> Placement | None:
    """The first flag (label, value) that has a value, placed; None when none has one."""
    for label, value in values:
        if value:
            return place_value(environments, value, label)
    return None


def escalate_by_name(placement: Placement, name: str, environments: Environments, label: str) -> Placement:
    """A database, bucket or cluster named like prod or staging is that, even on a host that looks local
    (`app_production` on localhost is a copy of production data)."""
    if not name or name == "?":
        return placement
    named = environments.mapped("names", name) or environments.by_name(name)
    if named in ("prod", "staging") and SEVERITY.get(named, 3) > SEVERITY.get(placement.environment, 3):
        return Placement(named, f"{label} {name!r} is named like {named}")
    return placement


def url_path_name(url: str) -> str:
    """The path of a URL without slashes, unquoted (a database or bucket name)."""
    try:
        return unquote(urlsplit(url).path.strip("/"))
    except ValueError:
        return ""


def worst_of(placements: Sequence[Placement], empty: str) -> Placement:
    """The most severe of several placements (unknown counts as prod)."""
    if not placements:
        return Placement(UNKNOWN, empty)
    worst = most_severe(p.environment for p in placements)
    return next(p for p in placements if p.environment == worst)


def is_local(placement: Placement) -> bool:
    return placement.environment == LOCAL
