"""What a terraform configuration declares, and what earlier steps of the same command line did to it.

`terraform apply` plans against the `*.tf` files of its directory, and a resource whose block is gone is
destroyed. So `rm *.tf && terraform apply`, `: > main.tf; terraform apply` or `git checkout other -- . &&
terraform apply` say more than the apply alone: the configuration it applies is not the one on disk. The
earlier steps are read from the effects the walker has collected so far on this line (a delete of the files,
an overwrite whose new content is known to be blank, or content changegate cannot see), and what was lost
is counted from the blocks the files on disk declare.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from changegate.environments import is_within
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation
from changegate.understand.facts import list_dir, read_config

CONFIG_SUFFIXES = (".tf", ".tf.json")
MAX_DIRECTORY_ENTRIES = 500
MAX_CONFIG_FILES = 100
CONFIG_FILE_LIMIT = 1024 * 1024
GLOB_CHARS = frozenset("*?[")
# what a glob is tested against when the directory cannot be listed: the file every configuration has
TYPICAL_CONFIG = ("main.tf",)
BLOCK = re.compile(r'^[ \t]*(resource|module)[ \t]+"([^"]+)"(?:[ \t]+"([^"]+)")?', re.MULTILINE)


@dataclass
class ConfigChange:
    """What earlier steps of a command line did to the configuration files of one directory."""

    removed: list[str] = field(default_factory=list)  # files deleted, or overwritten with blank content
    unseen: list[str] = field(default_factory=list)  # files replaced by content changegate cannot see
    steps: list[str] = field(default_factory=list)  # the earlier steps, as their effects summarise them
    lost: list[str] = field(default_factory=list)  # the resource and module addresses the removed files declared
    everything: bool = False  # nothing that declares a resource is left

    def __bool__(self) -> bool:
        return bool(self.removed or self.unseen)


def declared_files(directory: str) -> dict[str, list[str]] | None:
    """Configuration file name -> the resource and module addresses it declares; None when the directory
    cannot be listed (it is not on this machine, or not there yet)."""
    listed = list_dir(directory)
    if listed is None:
        return None
    names = [n for n in listed[:MAX_DIRECTORY_ENTRIES] if n.endswith(CONFIG_SUFFIXES)]
    return {name: declared_in(read_config(posixpath.join(directory, name), limit=CONFIG_FILE_LIMIT) or "", name)
            for name in names[:MAX_CONFIG_FILES]}


def declared_in(text: str, name: str) -> list[str]:
    """`resource "aws_s3_bucket" "assets"` -> aws_s3_bucket.assets; `module "vpc"` -> module.vpc."""
    if name.endswith(".json"):
        return declared_in_json(text)
    out: list[str] = []
    for kind, first, second in BLOCK.findall(text):
        out.append(f"module.{first}" if kind == "module" else f"{first}.{second or '?'}")
    return out


def declared_in_json(text: str) -> list[str]:
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError:
        return []
    if not isinstance(doc, dict):
        return []
    out: list[str] = []
    resources = doc.get("resource")
    if isinstance(resources, dict):
        for resource_type, named in resources.items():
            if isinstance(named, dict):
                out.extend(f"{resource_type}.{name}" for name in named)
    modules = doc.get("module")
    if isinstance(modules, dict):
        out.extend(f"module.{name}" for name in modules)
    return out


def named_files(pattern: str, directory: str, names: Iterable[str], *, recursive: bool) -> list[str]:
    """The configuration files of `directory` that a path or pattern from an earlier effect names."""
    head, base = posixpath.split(pattern)
    globbed = any(c in base for c in GLOB_CHARS)
    if head == directory:
        if globbed:
            return [n for n in names if fnmatchcase(n, base)]
        return [base] if base.endswith(CONFIG_SUFFIXES) else []
    if recursive and globbed and is_within(directory, head):
        return list(names)  # `find . -name '*.tf' -delete`, `rm -rf ./*`: everything below goes
    return []


def earlier_changes(inv: Invocation, directory: str) -> ConfigChange:
    """What the steps before this one on the command line did to the configuration in `directory`."""
    change = ConfigChange()
    earlier = [e for e in inv.walker.effects if e.operation in ("delete", "replace", "create", "modify")
               and e.resource.startswith(("fs:/", "git:"))]
    if not earlier:
        return change  # the common case: nothing to list or read
    declared = declared_files(directory)
    names = list(declared) if declared else list(TYPICAL_CONFIG)
    for effect in earlier:
        touched = config_touched(effect, directory, names, inv)
        if touched is None:
            continue
        kind, files = touched
        (change.removed if kind == "removed" else change.unseen).extend(files)
        change.steps.append(effect.summary)
    if change.removed and not change.unseen:
        removed = set(change.removed)
        if declared:
            change.lost = [a for name in declared if name in removed for a in declared[name]]
        written = [n for n in written_configs(inv, directory) if n not in removed]
        change.everything = not declared or not (written or any(
            addresses for name, addresses in declared.items() if name not in removed))
    return change


def config_touched(effect: Effect, directory: str, names: list[str], inv: Invocation
                   ) -> tuple[str, list[str]] | None:
    """("removed" | "unseen", files) when an earlier effect deleted or replaced configuration files."""
    resource = effect.resource
    if resource.startswith("git:") and resource.endswith("/worktree") and effect.operation in ("delete", "replace"):
        # git checkout/restore/reset over the working tree: the files become another version's
        repository = resource[len("git:"):-len("/worktree")]
        return ("unseen", names) if is_within(directory, repository) else None
    if not resource.startswith("fs:/"):
        return None
    path = resource[len("fs:"):]
    files = named_files(path, directory, names, recursive="recursive" in effect.tags)
    if not files:
        return None
    if effect.operation == "delete":
        return "removed", files
    if effect.operation == "create" or effect.operation == "replace" or "overwrite" in effect.tags:
        content = inv.ctx.files.get(posixpath.join(directory, files[0])) if len(files) == 1 else None
        if content is not None and content != UNKNOWN_PART:
            return ("removed", files) if not content.strip() else None  # a visible rewrite is the plan's to show
        return "unseen", files
    return None


def written_configs(inv: Invocation, directory: str) -> list[str]:
    """Configuration files this command line wrote in `directory` with content that declares something."""
    out: list[str] = []
    for path, content in inv.ctx.files.items():
        head, name = posixpath.split(path)
        if head == directory and name.endswith(CONFIG_SUFFIXES) and content != UNKNOWN_PART \
                and declared_in(content, name):
            out.append(name)
    return out
