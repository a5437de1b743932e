"""git: pin the old state in `refs/changegate/<id>/…` before a command that discards it.

- `reset --hard`, `checkout`/`restore` of paths: the old HEAD is pinned, uncommitted changes are kept as a
  stash-like commit (`git stash create`, which touches neither the worktree nor the stash list) and pinned
  too, and untracked files are kept in the trash (reset --hard overwrites an untracked file that the
  target commit tracks). Undo resets to the old HEAD and applies the kept changes with their index state.
- `clean`: exactly the paths `git clean -n` with the same options lists are kept in the trash.
- `branch -D`, `stash drop|clear`: the commits are pinned; undo recreates the branch or stash entries.
- `push --force` / `--delete` / `+refspec`: the remote branch's old tip is fetched into a pinned ref; undo
  pushes it back with `--force-with-lease` on what the action pushed (so it never overwrites someone else's
  later push) — through the gate, since it changes the remote.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from changegate.broker.undo.base import Command, Keeper, Planned, Tools, UndoError, resolve_path
from changegate.broker.undo.files import (
    MAX_BYTES_ENV,
    FileKeeper,
    fingerprint,
    human,
    max_bytes,
    measure,
    restore_files,
)
from changegate.model import Effect
from changegate.understand.commands.vcs.git import Git, GitLine

FORCE_PUSH = frozenset({"-f", "--force", "--force-with-lease", "--force-if-includes"})
MAX_PATHS = 50_000
ZERO = "0" * 40


def repository(line: GitLine, cwd: str) -> str | None:
    """The repository directory the command works in (`-C` moves it), or None when the command chooses
    its repository some other way (--git-dir/--work-tree) that this keeper does not follow."""
    if line.globals.has("--git-dir", "--work-tree"):
        return None
    repo = cwd
    for _, directory in line.directories():
        repo = resolve_path(repo, directory)
    return repo


class GitKeeper(Keeper):
    kind: ClassVar[str] = "git"

    def __init__(self, repo: str, verb: str, *, pins: dict[str, str] | None = None, stash: bool = False,
                 branch_names: list[str] | None = None, untracked: list[FileKeeper] | None = None,
                 pushes: list[tuple[str, str]] | None = None) -> None:
        self.repo = repo
        self.verb = verb
        self.pins = pins or {}  # label -> revision to pin (HEAD, a branch, a stash entry)
        self.stash = stash
        self.branch_names = branch_names or []
        self.untracked = untracked or []
        self.pushes = pushes or []  # (remote, branch)

    def describe(self) -> str:
        kept = []
        if "HEAD" in self.pins:
            kept.append("the current commit")
        if self.stash:
            kept.append("uncommitted changes")
        if self.untracked:
            kept.append(f"{sum(k.size.files for k in self.untracked)} untracked files")
        kept.extend(f"branch {b}" for b in self.branch_names)
        kept.extend(revision for label, revision in self.pins.items() if label.startswith("stash-"))
        kept.extend(f"the old tip of {remote}/{branch}" for remote, branch in self.pushes)
        return f"git {self.verb} in {self.repo}: " + (", ".join(kept) or "nothing") + " pinned under refs/changegate/"

    def covers(self, effect: Effect) -> bool:
        return effect.family == "git" or any(k.covers(effect) for k in self.untracked)

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        ident = folder.name
        entry: dict[str, Any] = {"kind": self.kind, "repo": self.repo, "verb": self.verb, "pins": {},
                                 "branch": self.symbolic_head(tools), "files": [], "pushes": []}
        for label, revision in self.pins.items():
            sha = self.git(tools, "rev-parse", "--verify", "-q", f"{revision}^{{commit}}").strip()
            if sha:
                self.git(tools, "update-ref", f"refs/changegate/{ident}/{label}", sha)
                entry["pins"][label] = sha
        if self.stash:
            sha = self.git(tools, "stash", "create", "changegate: uncommitted changes before " + self.verb).strip()
            if sha:
                self.git(tools, "update-ref", f"refs/changegate/{ident}/uncommitted", sha)
                entry["pins"]["uncommitted"] = sha
        entry["files"] = [keeper.keep(folder, tools) for keeper in self.untracked]
        for remote, branch in self.pushes:
            entry["pushes"].append(self.pin_remote(tools, ident, remote, branch))
        return entry

    def pin_remote(self, tools: Tools, ident: str, remote: str, branch: str) -> dict[str, str]:
        pinned = f"refs/changegate/{ident}/remote/{branch}"
        done = tools.run(["git", "fetch", "--no-tags", "--quiet", remote, f"+refs/heads/{branch}:{pinned}"],
                         self.repo)
        if done.returncode != 0:
            listed = tools.check(["git", "ls-remote", remote, f"refs/heads/{branch}"], self.repo)
            if listed.strip():
                raise UndoError(f"the old tip of {remote}/{branch} could not be fetched: "
                                f"{done.stderr.decode(errors='replace').strip()[:300]}")
            return {"remote": remote, "branch": branch, "old": ZERO}  # the push creates it
        old = self.git(tools, "rev-parse", pinned).strip()
        return {"remote": remote, "branch": branch, "old": old}

    def settle(self, entry: dict[str, Any], tools: Tools) -> None:
        for push in entry["pushes"]:
            listed = tools.run(["git", "ls-remote", push["remote"], f"refs/heads/{push['branch']}"], self.repo)
            words = listed.stdout.decode(errors="replace").split()
            push["new"] = words[0] if listed.returncode == 0 and words else ZERO
        for kept, keeper in zip(entry["files"], self.untracked, strict=True):
            keeper.settle(kept, tools)

    def symbolic_head(self, tools: Tools) -> str:
        return self.git(tools, "symbolic-ref", "-q", "HEAD", check=False).strip()

    def git(self, tools: Tools, *args: str, check: bool = True) -> str:
        argv = ["git", *args]
        if check:
            return tools.check(argv, self.repo).decode(errors="replace")
        return tools.run(argv, self.repo).stdout.decode(errors="replace")


def restore_git(entry: dict[str, Any], folder: Path, tools: Tools, force: bool) -> str:
    repo, pins, done = entry["repo"], entry["pins"], []

    def git(*args: str) -> str:
        return tools.check(["git", *args], repo).decode(errors="replace")

    if "HEAD" in pins:
        current = tools.run(["git", "symbolic-ref", "-q", "HEAD"], repo).stdout.decode().strip()
        if current != entry["branch"]:
            raise UndoError(f"{repo} is on {current or 'a detached HEAD'} now, not {entry['branch'] or 'a detached HEAD'}"
                            "; check that out first")
        dirty = git("status", "--porcelain", "--untracked-files=no").strip()
        if dirty and not force:
            raise UndoError(f"{repo} has uncommitted changes made after the action; commit or stash them, or use "
                            "--force (they would be lost)")
        git("reset", "--quiet", "--hard", pins["HEAD"])
        done.append(f"reset {repo} to {pins['HEAD'][:12]}")
    if "uncommitted" in pins:
        git("stash", "apply", "--index", "--quiet", pins["uncommitted"])
        done.append("re-applied the uncommitted changes")
    for label, sha in pins.items():
        if label.startswith("branch/"):
            name = label.split("/", 1)[1]
            git("branch", name, sha)
            done.append(f"recreated branch {name}")
    stashes = sorted(((int(label.split("-", 1)[1]), sha) for label, sha in pins.items() if label.startswith("stash-")),
                     reverse=True)
    for number, sha in stashes:  # the oldest first, so stash@{0} ends on top again
        git("stash", "store", "-m", f"restored by changegate undo (was stash@{{{number}}})", sha)
        done.append(f"put back stash@{{{number}}}")
    for kept in entry["files"]:
        done.append(restore_files(kept, folder, tools, force))
    for push in entry["pushes"]:
        done.append(restore_push(push, repo, tools))
    return "; ".join(done) or "nothing to put back"


def restore_push(push: dict[str, str], repo: str, tools: Tools) -> str:
    remote, branch, old, new = push["remote"], push["branch"], push["old"], push.get("new", ZERO)
    lease = f"--force-with-lease=refs/heads/{branch}:{'' if new == ZERO else new}"
    source = "" if old == ZERO else old
    tools.through_gate(["git", "push", lease, remote, f"{source}:refs/heads/{branch}"], repo)
    return f"{remote}/{branch} is back at {old[:12]}" if old != ZERO else f"deleted {remote}/{branch} again"


# --- planning ------------------------------------------------------------------------------------------

def plan_git(command: Command, tools: Tools) -> Planned:
    line = Git().read_line(command.words)
    repo = repository(line, command.cwd)
    if repo is None:
        return Planned(lost=["git with --git-dir/--work-tree: its old state is not pinned"])
    planner = PLANNERS.get(line.verb)
    if planner is None or not os.path.isdir(repo):
        return Planned()
    inside = tools.run(["git", "rev-parse", "--is-inside-work-tree"], repo)
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        return Planned()  # not a repository: git refuses, nothing is lost
    return planner(repo, line, tools)


def plan_reset(repo: str, line: GitLine, tools: Tools) -> Planned:
    if not line.opts.has("--hard", "--merge"):
        return Planned()
    untracked, lost = untracked_keepers(repo, tools)
    return Planned([GitKeeper(repo, "reset", pins={"HEAD": "HEAD"}, stash=True, untracked=untracked)], lost)


def plan_checkout(repo: str, line: GitLine, tools: Tools) -> Planned:
    """checkout of paths, checkout -f: uncommitted changes to tracked files (switching branches with a
    clean checkout loses nothing)."""
    opts = line.opts
    if not (opts.dashdash or "." in opts.positionals or opts.has("-f", "--force", "-p", "--patch")):
        return Planned()
    return plan_restore(repo, line, tools)


def plan_restore(repo: str, line: GitLine, tools: Tools) -> Planned:
    return Planned([GitKeeper(repo, line.verb, pins={"HEAD": "HEAD"}, stash=True)])


def plan_clean(repo: str, line: GitLine, tools: Tools) -> Planned:
    if line.opts.has(*Git.DRY_RUN_FLAGS):
        return Planned()
    listed = tools.run(["git", "-c", "core.quotepath=off", "clean", *(w.value for w in line.rest), "-n"], repo)
    if listed.returncode != 0:
        return Planned(lost=[f"git clean in {repo}: what it would remove could not be listed"])
    paths: list[str] = []
    lost: list[str] = []
    for entry in listed.stdout.decode(errors="replace").splitlines()[:MAX_PATHS]:
        if not entry.startswith("Would remove "):
            continue
        name = entry[len("Would remove "):]
        if name.startswith('"'):
            lost.append(f"git clean in {repo}: {name} (an unusual name) is not kept")
            continue
        paths.append(resolve_path(repo, name.rstrip("/")))
    keepers = [FileKeeper(path, link=True, size=measure(path), slot=1000 + i) for i, path in enumerate(paths)]
    return Planned([GitKeeper(repo, "clean", untracked=keepers)] if keepers else [], lost)


def plan_branch(repo: str, line: GitLine, tools: Tools) -> Planned:
    opts = line.opts
    deleting = opts.has("-D") or (opts.has("-d", "--delete") and opts.has("-f", "--force"))
    if not deleting:
        return Planned()
    names = opts.positionals
    return Planned([GitKeeper(repo, "branch -D", pins={f"branch/{n}": f"refs/heads/{n}" for n in names},
                              branch_names=names)])


def plan_stash(repo: str, line: GitLine, tools: Tools) -> Planned:
    sub, *named = line.opts.positionals or [""]
    if sub not in ("drop", "clear"):
        return Planned()
    if sub == "drop":
        numbers = [n.removeprefix("stash@{").rstrip("}") for n in named or ["0"]]
    else:
        listed = tools.run(["git", "stash", "list", "--format=%gd"], repo).stdout.decode(errors="replace")
        numbers = [n.removeprefix("stash@{").rstrip("}") for n in listed.split()[:1000]]
    if not all(n.isdigit() for n in numbers):
        return Planned(lost=[f"git stash {sub}: the stash entries it names are not pinned"])
    return Planned([GitKeeper(repo, f"stash {sub}", pins={f"stash-{n}": f"stash@{{{n}}}" for n in numbers})])


def plan_push(repo: str, line: GitLine, tools: Tools) -> Planned:
    opts = line.opts
    if opts.has("--mirror", "--all", "--tags"):
        return Planned(lost=["git push --mirror/--all/--tags: the old state of every remote ref is not pinned"])
    refspecs = opts.positionals[1:]
    deleting = opts.has("-d", "--delete")
    forced = opts.has(*FORCE_PUSH) or any(spec.startswith("+") for spec in refspecs)
    if not (forced or deleting or any(spec.startswith(":") for spec in refspecs)):
        return Planned()
    remote = opts.positionals[0] if opts.positionals else "origin"
    branches = [destination(spec) for spec in refspecs] if refspecs else [current_branch(repo, tools)]
    if not all(branches):
        return Planned(lost=["git push: the branch it would overwrite is not known before it runs"])
    return Planned([GitKeeper(repo, "push", pushes=[(remote, b) for b in branches if b])])


def destination(refspec: str) -> str:
    spec = refspec.lstrip("+")
    target = spec.split(":", 1)[1] if ":" in spec else spec
    if target in ("HEAD", "") or "*" in target:
        return ""
    return target.removeprefix("refs/heads/")


def current_branch(repo: str, tools: Tools) -> str:
    done = tools.run(["git", "symbolic-ref", "-q", "--short", "HEAD"], repo)
    return done.stdout.decode(errors="replace").strip() if done.returncode == 0 else ""


def untracked_keepers(repo: str, tools: Tools) -> tuple[list[FileKeeper], list[str]]:
    """Untracked (not ignored) files, copied: `reset --hard` overwrites one the target commit tracks."""
    listed = tools.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], repo)
    if listed.returncode != 0:
        return [], [f"untracked files in {repo} could not be listed"]
    names = [n for n in listed.stdout.decode(errors="surrogateescape").split("\0") if n][:MAX_PATHS]
    paths = [os.path.join(repo, n) for n in names]
    keepers = [FileKeeper(p, link=False, size=measure(p), slot=2000 + i) for i, p in enumerate(paths)
               if fingerprint(p) != "absent"]
    total = sum(k.size.bytes for k in keepers)
    if total > max_bytes():
        return [], [f"untracked files in {repo}: {human(total)} is more than the trash keeps ({MAX_BYTES_ENV})"]
    return keepers, []


VerbPlanner = Callable[[str, GitLine, Tools], Planned]
PLANNERS: dict[str, VerbPlanner] = {"reset": plan_reset, "checkout": plan_checkout, "restore": plan_restore,
                                    "clean": plan_clean, "branch": plan_branch, "stash": plan_stash,
                                    "push": plan_push}
