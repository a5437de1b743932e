"""git: local work that exists nowhere else, and the remote that everyone else builds on.

Locally, committing, branching, fetching and rebasing are ordinary; what destroys work that exists nowhere
else is not (reset --hard, clean -f, checkout/restore of paths, stash drop/clear, branch -D, reflog expire,
filter-branch). On the remote, pushing commits to a feature branch is ordinary; force pushes, deletions,
mirror pushes and pushes to the default or release branches are changes to prod.
"""

from __future__ import annotations

import os
import re

from changegate.environments import DEV, LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Cli, parse_options

GLOBAL_VALUES = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env",
                           "--super-prefix", "--list-cmds"})
PROTECTED_BRANCH = re.compile(
    r"(?i)^(refs/heads/)?(main|master|trunk|default|production|prod|live|stable|gh-pages|"
    r"release([-/_.].*)?|releases/.*|hotfix/.*|v?\d+(\.\d+)+)$")
STASH_SAFE = frozenset({"list", "show", "push", "save", "apply", "pop", "branch", "create", "store", ""})
READ_VERBS = frozenset({
    "status", "log", "diff", "show", "blame", "grep", "ls-files", "ls-tree", "ls-remote", "rev-parse",
    "describe", "shortlog", "cat-file", "show-ref", "for-each-ref", "name-rev", "merge-base", "rev-list",
    "whatchanged", "range-diff", "check-ignore", "check-attr", "count-objects", "fsck", "help", "version",
    "var", "annotate", "difftool", "show-branch", "verify-commit", "verify-tag", "cherry", "request-pull",
    "fetch", "bugreport", "citool", "gui", "instaweb", "archive", "bundle", "format-patch",
})
LOCAL_VERBS = frozenset({
    "add", "commit", "init", "clone", "pull", "merge", "rebase", "cherry-pick", "revert", "am", "apply", "mv",
    "switch", "bisect", "notes", "submodule", "sparse-checkout", "maintenance", "lfs", "remote", "tag",
    "worktree", "update-index", "commit-tree", "mktree", "read-tree", "write-tree", "hash-object",
    "symbolic-ref", "update-ref", "replace", "rerere", "mergetool", "config", "gc", "prune", "repack",
    "pack-refs", "checkout-index", "stage", "restore", "reset", "checkout", "branch", "stash", "clean",
    "reflog", "filter-branch", "filter-repo", "rm",
})
CHECKOUT_VALUES = frozenset({"-b", "-B", "--orphan", "--conflict", "--unified", "-U", "--inter-hunk-context",
                             "--pathspec-from-file"})
# options whose value is optional: they take the next word only when it is one of these
OPTIONAL_VALUES = {"--recurse-submodules": frozenset({"checkout", "on-demand", "yes", "no", "true", "false"}),
                   "--track": frozenset({"direct", "inherit"}), "-t": frozenset({"direct", "inherit"})}
PUSH_VALUES = frozenset({"-o", "--push-option", "--repo", "--receive-pack", "--exec", "--signed"})
UNRECOVERABLE = "unrecoverable"


def take_optional_values(words: list[Word]) -> list[Word]:
    """Fold `--track direct` into `--track=direct` so option walking sees one word."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        w = words[i]
        allowed = OPTIONAL_VALUES.get(w.value)
        if allowed is not None and i + 1 < len(words) and words[i + 1].value in allowed:
            out.append(Word(f"{w.value}={words[i + 1].value}", text=w.text))
            i += 2
            continue
        out.append(w)
        i += 1
    return out


def find_git_dir(start: str | None) -> str | None:
    """The .git directory above `start` (a worktree's `.git` file points at it)."""
    path = start
    for _ in range(40):
        if not path:
            return None
        candidate = os.path.join(path, ".git")
        try:
            if os.path.isdir(candidate):
                return candidate
            if os.path.isfile(candidate):
                with open(candidate, encoding="utf-8", errors="replace") as fh:
                    line = fh.read(4096).strip()
                if line.startswith("gitdir:"):
                    target = line.split(":", 1)[1].strip()
                    return target if os.path.isabs(target) else os.path.normpath(os.path.join(path, target))
        except OSError:
            return None
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None


def current_branch(git_dir: str) -> str | None:
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096).strip()
    except OSError:
        return None
    if head.startswith("ref: refs/heads/"):
        return head[len("ref: refs/heads/"):]
    return None


class Git(Cli):
    NAMES = ("git",)
    FAMILY = "git"

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        ctx = inv.ctx
        i = 0
        while i < len(words) and words[i].value.startswith("-"):
            arg = words[i].value
            if arg in GLOBAL_VALUES and i + 1 < len(words):
                if arg == "-C" or arg == "--work-tree":
                    ctx = ctx.clone(cwd=ctx.resolve(words[i + 1].value))
                i += 2
                continue
            if arg.startswith("--work-tree="):
                ctx = ctx.clone(cwd=ctx.resolve(arg.split("=", 1)[1]))
            i += 1
        if i >= len(words):
            return [self.read(inv)]
        verb = words[i].value.lower()
        rest = take_optional_values(words[i + 1:])
        if ctx is not inv.ctx:
            inv = Invocation(name=inv.name, words=inv.words, ctx=ctx, walker=inv.walker, stdin=inv.stdin,
                             text=inv.text)
        handler = getattr(self, "verb_" + verb.replace("-", "_"), None)
        if handler is not None:
            result: list[Effect] = handler(inv, rest)
            return result
        if verb in READ_VERBS:
            return [self.read(inv, verb)]
        if verb in LOCAL_VERBS:
            return [self.local(inv, verb)]
        if verb == "send-email":
            return [inv.effect("publish", "git:email", Placement(PROD, "sends patches to other people"),
                               reversible="no", summary="git send-email publishes patches")]
        return [inv.unknown(f"git {verb}")]

    # --- building blocks -----------------------------------------------------------------------------
    @staticmethod
    def repo(inv: Invocation) -> str:
        return f"git:{inv.ctx.cwd or '?'}"

    def read(self, inv: Invocation, verb: str = "") -> Effect:
        return inv.effect("read", self.repo(inv), Placement(LOCAL, "git reads the repository"), reversible="yes",
                          kind="repository", summary=f"git {verb} (reads)".replace("  ", " "))

    def local(self, inv: Invocation, verb: str, reversible: str = "yes") -> Effect:
        placement = inv.ctx.place_path(inv.ctx.cwd)
        if placement.environment != LOCAL and placement.environment != DEV:
            placement = Placement(LOCAL, "git changes the local clone; the remote is untouched")
        return inv.effect("modify", self.repo(inv), placement, reversible=reversible,
                          kind="repository", summary=f"git {verb} (local history, recoverable)")

    def discard(self, inv: Invocation, what: str, suggestion: str, scope: str = "many") -> Effect:
        placement = inv.ctx.place_path(inv.ctx.cwd)
        return inv.effect(
            "delete",
            self.repo(inv) + "/worktree",
            placement,
            scope=scope,
            reversible="no",
            kind="uncommitted-work",
            tags=(UNRECOVERABLE,),
            summary=f"{what}: work that exists nowhere else is lost",
            suggestions=(suggestion,),
        )

    # --- local verbs that can destroy work -------------------------------------------------------------
    def verb_reset(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"--pathspec-from-file"}))
        if opts.has("--hard"):
            return [self.discard(inv, "git reset --hard discards uncommitted changes",
                                 "keep the changes first: git stash (then git reset --hard), or use --keep")]
        return [self.local(inv, "reset")]

    def verb_clean(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"-e", "--exclude"}))
        if opts.has("-n", "--dry-run") or not opts.has("-f", "--force"):
            return [self.read(inv, "clean --dry-run")]
        ignored = " and ignored" if opts.has("-x", "-X") else ""
        return [self.discard(inv, f"git clean deletes untracked{ignored} files",
                             "see what would go first: git clean -n" + ("d" if opts.has("-d") else ""))]

    def verb_checkout(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, CHECKOUT_VALUES)
        forced = opts.has("-f", "--force")
        if opts.has("-b", "-B", "--orphan") and not forced:
            return [self.local(inv, "checkout -b")]
        dashdash = any(w.value == "--" for w in rest)
        if opts.has("--pathspec-from-file") or dashdash or len(opts.positionals) >= 2 or forced or \
                (opts.positionals and opts.positionals[0] in (".", "./", ":/")):
            what = "git checkout overwrites uncommitted changes" + (" everywhere" if forced else " to those paths")
            return [self.discard(inv, what, "keep the changes first: git stash, or commit them")]
        if len(opts.positionals) == 1 and self.is_file(inv, opts.positionals[0]):
            return [self.discard(inv, f"git checkout {opts.positionals[0]} overwrites its uncommitted changes",
                                 "keep the changes first: git stash, or commit them", "one")]
        return [self.local(inv, "checkout")]

    @staticmethod
    def is_file(inv: Invocation, raw: str) -> bool:
        path = inv.ctx.resolve(raw)
        try:
            return bool(path) and os.path.isfile(path)  # type: ignore[arg-type]
        except (OSError, ValueError):
            return False

    def verb_switch(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"-c", "-C", "--orphan", "--conflict"}))
        if opts.has("-f", "--force", "--discard-changes"):
            return [self.discard(inv, "git switch --discard-changes drops uncommitted changes",
                                 "keep the changes first: git stash")]
        return [self.local(inv, "switch")]

    def verb_restore(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"-s", "--source", "--pathspec-from-file", "--conflict"}))
        staged_only = opts.has("-S", "--staged") and not opts.has("-W", "--worktree")
        if staged_only or opts.has("-h", "--help") or not (opts.positionals or opts.has("--pathspec-from-file")):
            return [self.local(inv, "restore --staged")]
        return [self.discard(inv, "git restore overwrites uncommitted changes to those paths",
                             "keep the changes first: git stash, or git diff > changes.patch")]

    def verb_stash(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        sub = rest[0].value if rest else ""
        if sub in ("drop", "clear"):
            return [self.discard(inv, f"git stash {sub} deletes stashed work",
                                 "keep it on a branch first: git stash branch keep-stash", "all" if sub == "clear"
                                 else "one")]
        if sub in STASH_SAFE or sub.startswith("-"):
            return [self.local(inv, "stash")]
        return [self.local(inv, f"stash {sub}")]

    def verb_branch(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"-u", "--set-upstream-to", "--contains", "--merged", "--no-merged",
                                              "--sort", "--format", "--points-at", "--color", "--column"}))
        if opts.has("-D") or (opts.has("-d", "--delete") and opts.has("-f", "--force")):
            names = ", ".join(opts.positionals) or "a branch"
            return [self.discard(inv, f"git branch -D deletes {names} even if it is not merged",
                                 "use git branch -d, which refuses to delete unmerged work", "one")]
        if opts.has("-M", "-C") or opts.has("-d", "--delete", "-m", "-c", "--move", "--copy"):
            return [self.local(inv, "branch")]
        if opts.positionals and not opts.has("--list", "-l", "-a", "-r", "--all", "--remotes", "--show-current"):
            return [self.local(inv, "branch")]
        return [self.read(inv, "branch")]

    def verb_reflog(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        sub = rest[0].value if rest else "show"
        if sub in ("expire", "delete"):
            return [self.discard(inv, f"git reflog {sub} removes the record that lets lost commits be found",
                                 "leave the reflog alone; it is the undo history")]
        return [self.read(inv, "reflog")]

    def verb_filter_branch(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        return [self.discard(inv, "git filter-branch rewrites every commit of the history",
                             "run it on a fresh clone, and keep the original repository")]

    def verb_filter_repo(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        return [self.discard(inv, "git filter-repo rewrites history and drops the originals",
                             "run it on a fresh clone, and keep the original repository")]

    def verb_gc(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        if any(w.value.startswith("--prune=now") or w.value == "--prune=all" for w in rest):
            return [self.discard(inv, "git gc --prune=now deletes unreachable commits at once",
                                 "let gc prune on its default schedule")]
        return [self.local(inv, "gc")]

    def verb_prune(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        if any(w.value in ("-n", "--dry-run") for w in rest):
            return [self.read(inv, "prune -n")]
        return [self.discard(inv, "git prune deletes unreachable commits", "git prune -n shows what would go")]

    def verb_worktree(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"--reason", "--expire", "-b", "-B"}))
        if opts.positionals[:1] == ["remove"] and opts.has("-f", "--force"):
            return [self.discard(inv, "git worktree remove --force deletes a worktree with its changes",
                                 "commit or stash in that worktree first")]
        return [self.local(inv, "worktree")]

    def verb_rm(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"--pathspec-from-file"}))
        if opts.has("--cached"):
            return [self.local(inv, "rm --cached")]
        recursive = opts.has("-r")
        effects = [inv.fs("delete", w.value, recursive=recursive, glob=w.glob, reversible="yes",
                          tags=("tracked",), summary=f"git rm {w.shown()} (tracked: recoverable from git)")
                   for w in opts.positional_words]
        if opts.has("-f", "--force"):
            effects.append(self.discard(inv, "git rm -f discards uncommitted changes to those files",
                                        "commit or stash first"))
        return effects or [self.local(inv, "rm")]

    def verb_config(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, frozenset({"-f", "--file", "--blob", "--type", "--default", "--comment"}))
        reading = opts.has("--get", "--get-all", "--get-regexp", "-l", "--list", "--show-origin", "-e", "--edit",
                           "--get-urlmatch", "--name-only") or (len(opts.positionals) <= 1 and not opts.has(
            "--unset", "--unset-all", "--remove-section", "--rename-section", "--add", "--replace-all"))
        if reading:
            return [self.read(inv, "config")]
        key = (opts.positionals[0] if opts.positionals else "").lower()
        if opts.has("--global", "--system"):
            scope = "--system" if opts.has("--system") else "--global"
            target = "/etc/gitconfig" if scope == "--system" else "~/.gitconfig"
            return [inv.fs("modify", target, reversible="yes", summary=f"git config {scope} {key}")]
        if key in ("core.hookspath", "core.sshcommand", "core.fsmonitor", "core.pager", "core.editor") or \
                key.startswith(("alias.", "url.", "credential.")):
            return [inv.fs("modify", ".git/config", reversible="yes", tags=("persistence",),
                           summary=f"git config {key}: changes what git runs")]
        return [self.local(inv, "config")]

    # --- the remote ----------------------------------------------------------------------------------
    def verb_push(self, inv: Invocation, rest: list[Word]) -> list[Effect]:
        opts = parse_options(rest, PUSH_VALUES)
        force = opts.has("-f", "--force") or any(f.startswith("--force") and not f.startswith(
            ("--force-with-lease", "--force-if-includes")) for f in opts.flags)
        lease = any(f.startswith("--force-with-lease") for f in opts.flags)
        dry = opts.has("-n", "--dry-run")
        remote = opts.positionals[0] if opts.positionals else "origin"
        refspecs = opts.positionals[1:]
        if dry:
            return [self.read(inv, "push --dry-run")]
        effects: list[Effect] = []
        whole = opts.has("--mirror", "--all", "--prune")
        if opts.has("--mirror"):
            effects.append(self.remote_effect(inv, remote, "*", "replace", "git push --mirror makes the remote a "
                                              "copy of this clone, deleting what this clone lacks", force=True))
        if opts.has("-d", "--delete"):
            for ref in refspecs or ["?"]:
                effects.append(self.remote_effect(inv, remote, ref, "delete", f"deletes {ref} on {remote}"))
            return effects
        if opts.has("--tags") or opts.has("--follow-tags"):
            effects.append(inv.effect("publish", f"git:remote/{remote}/tags", Placement(PROD, "tags mark releases"),
                                      kind="tag", reversible="unknown", summary=f"pushes tags to {remote}"))
        if opts.has("--all") or opts.has("--prune"):
            effects.append(self.remote_effect(inv, remote, "*", "modify",
                                              f"pushes every branch to {remote}" +
                                              (" and deletes remote branches this clone lacks" if opts.has("--prune")
                                               else ""), force=force or lease))
        if not refspecs and not whole and not opts.has("--tags"):
            branch = self.branch_here(inv)
            if branch is None:
                return [*effects, self.remote_effect(inv, remote, "?", "modify",
                                                     f"pushes the current branch to {remote}", force=force or lease)]
            refspecs = [branch]
        for spec in refspecs:
            plus = spec.startswith("+")
            src, colon, dst = spec.lstrip("+").partition(":")
            target = dst if colon else src
            if colon and not src:
                effects.append(self.remote_effect(inv, remote, target, "delete", f"deletes {target} on {remote}"))
                continue
            if target.startswith("refs/tags/") or re.fullmatch(r"v?\d+(\.\d+)+.*", target):
                effects.append(inv.effect("publish", f"git:remote/{remote}/{target}",
                                          Placement(PROD, "a tag marks a release"), kind="tag", reversible="unknown",
                                          summary=f"pushes the tag {target} to {remote}"))
                continue
            effects.append(self.remote_effect(inv, remote, target, "modify", f"pushes {target} to {remote}",
                                              force=force or plus or lease))
        return effects

    def remote_effect(self, inv: Invocation, remote: str, branch: str, operation: str, summary: str,
                      force: bool = False) -> Effect:
        name = branch.removeprefix("refs/heads/")
        protected = bool(PROTECTED_BRANCH.match(name)) or name == "*"
        tags: list[str] = []
        if force:
            tags.append("force")
            summary += " with --force (rewrites history others have)"
        if name == "?" and not force:
            placement = Placement(UNKNOWN, "the current branch could not be read here; it may be the default one")
        elif protected or force or operation in ("delete", "replace"):
            why = ("force pushes rewrite shared history" if force else
                   "deleting a remote branch is a change to prod" if operation == "delete" else
                   f"{name} is a default or release branch")
            placement = Placement(PROD, why)
        else:
            placement = Placement(DEV, f"{name} is a feature branch")
        suggestions = ("push to a feature branch and open a pull request",) if protected else ()
        if force:
            suggestions = ("git push --force-with-lease to a feature branch, never to a shared one",)
        return inv.effect(operation, f"git:remote/{remote}/{name}", placement,  # type: ignore[arg-type]
                          kind="branch", reversible="no" if force or operation == "delete" else "yes",
                          tags=tuple(tags), summary=summary, suggestions=suggestions)

    @staticmethod
    def branch_here(inv: Invocation) -> str | None:
        git_dir = inv.ctx.getenv("GIT_DIR") or find_git_dir(inv.ctx.cwd)
        if not git_dir:
            return None
        branch = current_branch(git_dir)
        if branch:
            inv.ctx.consulted.setdefault("git:branch", branch)
        return branch or "HEAD"
