"""Where gcloud, gsutil and bq act: the GCP project.

The project comes from `--project` (gsutil `-p`/`-u`, bq `--project_id`), CLOUDSDK_CORE_PROJECT, a `gcloud
config set project` earlier on the command line, or the active configuration's project under
`~/.config/gcloud` (read from the action's HOME; a `gcloud config configurations activate` earlier on the
line chooses the configuration); the policy's explicit mappings first, then the names of the project, the
configuration and the resources.
"""

from __future__ import annotations

import configparser
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from changegate.environments import UNKNOWN, Placement
from changegate.understand.base import Context
from changegate.understand.commands.cloud.base import strongest_named
from changegate.understand.facts import read_config
from changegate.understand.placement import place_name

# what a `gcloud config set project` / `gcloud config configurations activate` earlier on the line chose
SWITCHED_PROJECT = "gcloud-project"
SWITCHED_CONFIGURATION = "gcloud-configuration"
CONFIG_READ_LIMIT = 64 * 1024
ACTIVE_CONFIG_LIMIT = 1024  # `active_config` holds one name
# what every Google tool reads to know its project and credentials
ENV_VARIABLES = ("CLOUDSDK_CORE_PROJECT", "CLOUDSDK_ACTIVE_CONFIG_NAME", "CLOUDSDK_CONFIG", "CLOUDSDK_CORE_ACCOUNT",
                 "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE", "CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT",
                 "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT")


def config_dir(ctx: Context) -> str | None:
    explicit = ctx.getenv("CLOUDSDK_CONFIG")
    if explicit:
        return ctx.resolve(explicit)
    return posixpath.join(ctx.home, ".config", "gcloud") if ctx.home else None


def active_configuration(ctx: Context, flag: str | None) -> str | None:
    if flag:
        return flag
    named = ctx.getenv("CLOUDSDK_ACTIVE_CONFIG_NAME") or ctx.switched.get(SWITCHED_CONFIGURATION)
    if named:
        return named
    root = config_dir(ctx)
    text = read_config(posixpath.join(root, "active_config"), limit=ACTIVE_CONFIG_LIMIT) if root else None
    return (text or "").strip() or ("default" if root else None)


def configured_project(ctx: Context, configuration: str | None) -> str | None:
    """The project in the active gcloud configuration file; recorded in `ctx.consulted`."""
    root = config_dir(ctx)
    if not root or not configuration or "/" in configuration:
        return None
    text = read_config(posixpath.join(root, "configurations", f"config_{configuration}"), limit=CONFIG_READ_LIMIT)
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    project = parser.get("core", "project", fallback="") or None
    ctx.consulted[f"gcloud-config:{configuration}:project"] = project or ""
    return project


@dataclass
class Where:
    placement: Placement
    project: str


def place(ctx: Context, *, project_flag: str | None, configuration_flag: str | None, names: Sequence[str]) -> Where:
    """--project, CLOUDSDK_CORE_PROJECT, the active configuration; explicit mappings first, then names."""
    environments = ctx.environments
    project, source = project_flag, "--project"
    if not project:
        project, source = ctx.getenv("CLOUDSDK_CORE_PROJECT"), "CLOUDSDK_CORE_PROJECT"
    if not project:
        project, source = ctx.switched.get(SWITCHED_PROJECT), "`gcloud config set project` earlier on the line"
    configuration = None
    if not project:
        configuration = active_configuration(ctx, configuration_flag)
        project = configured_project(ctx, configuration)
        source = f"the project of gcloud configuration {configuration!r}"
    if project and (environments.mapped("gcp_projects", project) or environments.mapped("names", project)):
        return Where(environments.cloud_project("gcp_projects", project, f"GCP project ({source})"), project)
    candidates: list[Placement] = []
    if project:
        candidates.append(environments.cloud_project("gcp_projects", project, f"GCP project ({source})"))
    if configuration and configuration != "default":
        candidates.append(place_name(environments, configuration, "gcloud configuration"))
    candidates.extend(place_name(environments, n, "the resource name") for n in names if n)
    best = strongest_named(candidates)
    if best is not None:
        return Where(best, project or "?")
    if candidates and project:
        return Where(candidates[0], project)
    return Where(Placement(UNKNOWN, "no GCP project is set or configured (unknown is treated as prod)"), "?")
