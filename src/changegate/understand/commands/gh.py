"""Forges: gh (GitHub) and glab (GitLab).

Collaboration is ordinary work: opening, commenting on and closing pull requests and issues changes
nothing that runs, and is placed `dev` (like a push to a feature branch). What lands on or configures the
shared repository is a change to prod: merging (to the base branch, usually the default one; `--admin`
skips review), approving, deleting, archiving or renaming the repository, releases, secrets, variables,
keys, deploy workflows. Publishing (a release, a public repository or gist, a repository made public) is
`publish`. `gh auth token` prints a credential. `gh api` is judged by its method and endpoint, GraphQL by
its mutations. A policy can place a repository explicitly through its `names` mapping (`org/sandbox-*`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import DEV, LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.commands.generic import classify_verb, verb_tokens
from changegate.understand.commands.net import graphql_operations, is_delete_word
from changegate.understand.sensitive import secret_kind

# what a (noun, verb) does: (operation, where) with where one of read, local, collab, repo, publish
READ_VERBS = frozenset({"list", "ls", "view", "status", "diff", "checks", "watch", "search", "browse", "get",
                        "verify", "verify-asset", "trace", "lint", "show", "contributors", "export", "help",
                        "check", "info", "ci-status", "issues"})
TABLE: dict[tuple[str, str], tuple[Operation, str]] = {
    **{("pr", v): ("create", "collab") for v in ("create", "comment", "revert")},
    **{("pr", v): ("modify", "collab") for v in ("edit", "close", "reopen", "ready", "lock", "unlock",
                                                 "update-branch", "subscribe", "unsubscribe", "rebase", "todo")},
    ("pr", "checkout"): ("modify", "local"),
    ("pr", "delete"): ("delete", "repo"),
    **{("issue", v): ("create", "collab") for v in ("create", "comment", "develop")},
    **{("issue", v): ("modify", "collab") for v in ("edit", "close", "reopen", "lock", "unlock", "pin", "unpin",
                                                    "subscribe", "unsubscribe", "move")},
    ("issue", "delete"): ("delete", "repo"),
    ("issue", "transfer"): ("modify", "repo"),
    ("repo", "fork"): ("create", "collab"),
    ("repo", "clone"): ("create", "local"),
    ("repo", "set-default"): ("modify", "local"),
    ("repo", "delete"): ("delete", "repo"),
    **{("repo", v): ("modify", "repo") for v in ("archive", "unarchive", "rename", "transfer", "mirror")},
    ("repo", "sync"): ("modify", "collab"),
    ("release", "create"): ("publish", "publish"),
    ("release", "upload"): ("publish", "publish"),
    ("release", "edit"): ("modify", "repo"),
    ("release", "delete"): ("delete", "repo"),
    ("release", "delete-asset"): ("delete", "repo"),
    ("release", "download"): ("create", "local"),
    ("secret", "set"): ("permission", "repo"),
    ("secret", "delete"): ("delete", "repo"),
    ("secret", "remove"): ("delete", "repo"),
    ("variable", "set"): ("modify", "repo"),
    ("variable", "update"): ("modify", "repo"),
    ("variable", "delete"): ("delete", "repo"),
    ("workflow", "enable"): ("modify", "collab"),
    ("workflow", "disable"): ("modify", "repo"),
    ("run", "cancel"): ("modify", "collab"),
    ("run", "rerun"): ("modify", "collab"),
    ("run", "retry"): ("modify", "collab"),
    ("run", "delete"): ("delete", "repo"),
    ("run", "download"): ("create", "local"),
    ("run", "artifact"): ("create", "local"),
    ("cache", "delete"): ("delete", "repo"),
    ("label", "create"): ("create", "collab"),
    ("label", "edit"): ("modify", "collab"),
    ("label", "clone"): ("create", "collab"),
    ("label", "delete"): ("delete", "repo"),
    ("codespace", "create"): ("create", "collab"),
    **{("codespace", v): ("modify", "collab") for v in ("stop", "edit", "rebuild", "ports", "cp", "ssh", "code",
                                                        "jupyter", "logs")},
    ("gist", "edit"): ("modify", "collab"),
    ("gist", "rename"): ("modify", "collab"),
    ("gist", "clone"): ("create", "local"),
    ("gist", "delete"): ("delete", "repo"),
    **{(n, v): ("permission", "repo") for n in ("ssh-key", "gpg-key", "deploy-key", "token")
       for v in ("add", "create", "delete", "revoke", "rotate")},
    ("auth", "login"): ("permission", "account"),
    ("auth", "refresh"): ("permission", "account"),
    ("auth", "logout"): ("modify", "local"),
    ("auth", "switch"): ("modify", "local"),
    ("auth", "token"): ("secret_read", "account"),
    ("extension", "remove"): ("modify", "local"),
    **{("extension", v): ("execute_opaque", "account") for v in ("install", "upgrade", "exec")},
    **{("alias", v): ("modify", "local") for v in ("set", "delete", "import")},
    **{("config", v): ("modify", "local") for v in ("set", "clear-cache")},
    **{("project", v): ("modify", "collab") for v in ("create", "edit", "copy", "close", "item-add",
                                                      "item-create", "item-edit", "item-archive", "field-create",
                                                      "link", "unlink", "mark-template")},
    **{("project", v): ("delete", "repo") for v in ("delete", "item-delete", "field-delete")},
    **{("schedule", v): ("modify", "repo") for v in ("create", "update", "run")},
    ("schedule", "delete"): ("delete", "repo"),
    ("ruleset", "delete"): ("delete", "repo"),
}
READ_NOUNS = frozenset({"status", "search", "browse", "org", "ruleset", "attestation", "gitignore", "license",
                        "completion", "version", "help", "copilot", "preview"})
API_VALUES = frozenset({"-X", "--method", "-f", "--raw-field", "-F", "--field", "-H", "--header", "--input", "-q",
                        "--jq", "-t", "--template", "--hostname", "-p", "--preview", "--cache", "-R", "--repo"})
OPTION_VALUES = frozenset({
    "-R", "--repo", "-b", "--body", "-F", "--body-file", "-t", "--title", "-B", "--base", "-H", "--head", "-l",
    "--label", "-a", "--assignee", "-r", "--reviewer", "-m", "--milestone", "--project", "--ref", "-f",
    "--raw-field", "--field", "-n", "--notes", "--notes-file", "--target", "--visibility", "--json", "-q", "--jq",
    "--template", "-L", "--limit", "-s", "--state", "-e", "--env", "-o", "--org", "-u", "--user", "-c",
    "--codespace", "--description", "--homepage", "--desc", "--hostname", "--match-head-commit", "-w",
    "--workflow", "--key", "--branch", "--source", "--remote", "--app", "--subject",
    "--author-email", "--pattern", "--dir", "--clobber-x", "--discussion-category", "--notes-start-tag",
    "--name", "--color", "--git-protocol", "--scopes", "--message", "-M", "--target-branch", "--source-branch",
    "--squash-message", "--sha", "--variables", "--default-branch", "--add-topic", "--remove-topic",
})
# Endpoint segments of collaboration (issues, comments, reviews), and of access control.
COLLAB_SEGMENTS = frozenset({"issues", "comments", "pulls", "reactions", "labels", "reviews", "notes",
                             "discussions", "merge_requests", "assignees", "milestones"})
ACCESS_SEGMENTS = frozenset({"collaborators", "keys", "hooks", "protection", "rulesets", "teams", "members",
                             "invitations", "secrets", "variables", "deploy_keys", "permissions", "tokens",
                             "access_tokens", "protected_branches", "environments"})
DEPLOY_WORDS = frozenset({"deploy", "deployment", "release", "publish", "destroy", "teardown", "delete", "rollback",
                          "promote", "provision", "terraform", "apply", "prod", "production"})
COLLAB_MUTATION_WORDS = frozenset({"comment", "issue", "pull", "request", "review", "reaction", "label", "discussion",
                                   "note", "draft", "assignees", "subscription", "star", "project", "item"})


class Gh(Cli):
    NAMES = ("gh",)
    FAMILY = "forge"
    NOUNS: ClassVar[dict[str, str]] = {}
    VERBS: ClassVar[dict[str, str]] = {}
    forge: ClassVar[str] = "github"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, OPTION_VALUES)
        if not opts.positionals:
            return [self.read(inv, "help")]
        noun = self.NOUNS.get(opts.positionals[0], opts.positionals[0])
        if noun == "api":
            return self.api(inv)
        verb = opts.positionals[1] if len(opts.positionals) > 1 else "list"
        verb = self.VERBS.get(f"{noun} {verb}", self.VERBS.get(verb, verb))
        if noun in READ_NOUNS and (noun, verb) not in TABLE:
            return [self.read(inv, noun)]
        args = opts.positionals[2:]
        special = getattr(self, f"{noun}_{verb}".replace("-", "_"), None)
        if special is not None:
            result: list[Effect] = special(inv, opts, args)
            return result
        if (noun, verb) in TABLE:
            operation, where = TABLE[(noun, verb)]
            return [self.effect(inv, opts, operation, where, noun, verb, args)]
        if verb in READ_VERBS or classify_verb(verb) == "read":
            return [self.read(inv, f"{noun} {verb}")]
        if classify_verb(verb) == "delete":
            return [self.effect(inv, opts, "delete", "repo", noun, verb, args)]
        return [inv.effect("unknown", f"forge:{self.repo(inv, opts, args)}/{noun}", self.repo_placement(inv, opts, args),
                           summary=f"{inv.name} {noun} {verb}: not understood")]

    # --- where -----------------------------------------------------------------------------------------------
    def repo(self, inv: Invocation, opts: Options, args: Sequence[str] = ()) -> str:
        """`-R OWNER/REPO`, or the OWNER/REPO argument of `repo` commands; else the clone's own repository."""
        named = opts.value("-R", "--repo")
        if named:
            return named
        words = [w.value for w in inv.words if not w.value.startswith("-")]
        if words[:1] == ["repo"] and args and "/" in args[0] and not args[0].startswith(("/", ".")):
            return args[0]
        return "current-repo"

    def repo_placement(self, inv: Invocation, opts: Options, args: Sequence[str] = ()) -> Placement:
        repo = self.repo(inv, opts, args)
        mapped = inv.ctx.environments.mapped("names", repo)
        if mapped:
            return Placement(mapped, f"the repository {repo} is mapped to {mapped} by the policy")
        label = "this clone's repository" if repo == "current-repo" else f"the repository {repo}"
        return Placement(PROD, f"{label} on {self.forge} is shared: others build on it")

    def placement(self, inv: Invocation, opts: Options, where: str, noun: str, args: Sequence[str]) -> Placement:
        if where == "local":
            return inv.ctx.place_path(inv.ctx.cwd) if inv.ctx.cwd else Placement(LOCAL, "a local copy")
        if where == "collab":
            repo = self.repo(inv, opts, args)
            mapped = inv.ctx.environments.mapped("names", repo)
            if mapped:
                return Placement(mapped, f"the repository {repo} is mapped to {mapped} by the policy")
            return Placement(DEV, f"a {noun} is collaboration others review: it changes nothing that runs")
        if where == "account":
            return Placement(UNKNOWN, f"the {self.forge} account and everything its token can reach")
        return self.repo_placement(inv, opts, args)

    # --- effects ----------------------------------------------------------------------------------------------
    def read(self, inv: Invocation, what: str) -> Effect:
        return inv.effect("read", f"forge:{self.forge}", Placement(LOCAL, "it only reads"), reversible="yes",
                          summary=f"{inv.name} {what} (reads)")

    def effect(self, inv: Invocation, opts: Options, operation: Operation, where: str, noun: str, verb: str,
               args: Sequence[str], *, tags: Sequence[str] = (), summary: str = "", scope: Scope = "one",
               suggestions: Sequence[str] = ()) -> Effect:
        repo = self.repo(inv, opts, args)
        target = next((a for a in args if a != repo), "")
        whole = noun == "repo" and operation == "delete"
        if opts.has("--all", "-A") and operation == "delete":
            scope = "all"
        return inv.effect(
            operation,
            f"forge:{self.forge}/{repo}/{noun}" + (f"/{target}" if target else ""),
            self.placement(inv, opts, where, noun, args),
            kind=noun,
            scope=scope,
            reversible="no" if operation in ("delete", "publish") else "yes" if where in ("collab", "local")
            else "unknown",
            whole_environment=whole,
            data_loss=whole or (noun in ("codespace", "gist", "release") and operation == "delete"),
            tags=tuple(tags),
            summary=summary or f"{inv.name} {noun} {verb} {' '.join(args[:2])}".rstrip(),
            suggestions=tuple(suggestions),
        )

    # --- verbs a table cannot say -----------------------------------------------------------------------------
    def pr_merge(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        admin = opts.has("--admin")
        what = f"{inv.name} {'mr' if self.forge == 'gitlab' else 'pr'} merge {' '.join(args[:1])}".rstrip()
        summary = what + ": lands the change on its base branch (usually the default branch)"
        if admin:
            summary += " with --admin, skipping the required reviews and checks"
        return [self.effect(inv, opts, "modify", "repo", "pr", "merge", args,
                            tags=("merge", "bypass-review") if admin else ("merge",), summary=summary,
                            suggestions=("let the reviewers merge it, or merge with --auto once checks pass",))]

    def pr_review(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.has("--approve", "-a"):
            return [self.pr_approve(inv, opts, args)[0]]
        return [self.effect(inv, opts, "create", "collab", "pr", "review", args)]

    def pr_approve(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        return [self.effect(inv, opts, "modify", "repo", "pr", "approve", args, tags=("approve",),
                            summary=f"{inv.name} approves a pull request: an approval counts toward the review "
                                    "that guards the default branch")]

    def repo_create(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.has("--public") or opts.value("--visibility") == "public":
            return [self.effect(inv, opts, "publish", "publish", "repo", "create", args,
                                summary=f"{inv.name} repo create --public publishes a repository anyone can read")]
        return [self.effect(inv, opts, "create", "collab", "repo", "create", args)]

    def repo_edit(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.value("--visibility") == "public":
            return [self.effect(inv, opts, "publish", "publish", "repo", "edit", args,
                                summary=f"{inv.name} repo edit --visibility public makes the code, history and "
                                        "issues readable by anyone")]
        return [self.effect(inv, opts, "modify", "repo", "repo", "edit", args)]

    def repo_sync(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.has("--force"):
            return [self.effect(inv, opts, "modify", "repo", "repo", "sync", args, tags=("force",),
                                summary=f"{inv.name} repo sync --force overwrites the destination branch")]
        return [self.effect(inv, opts, "modify", "collab", "repo", "sync", args)]

    def repo_delete(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        repo = self.repo(inv, opts, args)
        return [self.effect(inv, opts, "delete", "repo", "repo", "delete", args,
                            summary=f"{inv.name} repo delete {repo}: the code, history, issues and releases go",
                            suggestions=(f"archive it instead: {inv.name} repo archive {repo}",))]

    def release_create(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.has("--draft", "-d"):
            return [self.effect(inv, opts, "create", "collab", "release", "create", args,
                                summary=f"{inv.name} release create --draft (visible to collaborators only)")]
        return [self.effect(inv, opts, "publish", "publish", "release", "create", args,
                            summary=f"{inv.name} release create {' '.join(args[:1])} publishes a release",
                            suggestions=(f"{inv.name} release create --draft, reviewed before it is published",))]

    def release_edit(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.value("--draft") == "false":
            return [self.effect(inv, opts, "publish", "publish", "release", "edit", args,
                                summary=f"{inv.name} release edit --draft=false publishes a draft release")]
        return [self.effect(inv, opts, "modify", "repo", "release", "edit", args)]

    def gist_create(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        effects: list[Effect] = []
        for raw in args[:8]:
            path = inv.ctx.resolve(raw)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what:
                effects.append(inv.effect("exfiltrate", f"forge:{self.forge}/gist", Placement(
                    UNKNOWN, "a gist is readable by anyone who has its address"), kind="data", reversible="no",
                    tags=("secret",), summary=f"{inv.name} gist create uploads {path} ({what})"))
        public = opts.has("--public", "-p")
        effects.append(self.effect(inv, opts, "publish" if public else "create", "publish" if public else "collab",
                                   "gist", "create", args))
        return effects

    def codespace_delete(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        return [self.effect(inv, opts, "delete", "collab", "codespace", "delete", args, tags=("unrecoverable",),
                            summary=f"{inv.name} codespace delete: uncommitted work in it is lost")]

    def cache_delete(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        return [self.effect(inv, opts, "delete", "repo", "cache", "delete", args,
                            scope="all" if opts.has("--all", "-a") else "one",
                            summary=f"{inv.name} cache delete {' '.join(args[:1]) or '--all'}: caches every "
                                    "workflow run of the repository shares")]

    def auth_status(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        if opts.has("-t", "--show-token"):
            return [self.effect(inv, opts, "secret_read", "account", "auth", "status", args,
                                summary=f"{inv.name} auth status --show-token prints the access token")]
        return [self.read(inv, "auth status")]

    def auth_token(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        return [self.effect(inv, opts, "secret_read", "account", "auth", "token", args,
                            summary=f"{inv.name} auth token prints the access token into the agent's context",
                            suggestions=(f"let {inv.name} use the token itself ({inv.name} api …) instead of "
                                         "printing it",))]

    def auth_setup_git(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        return [inv.fs("modify", "~/.gitconfig", reversible="yes",
                       summary=f"{inv.name} auth setup-git makes git use {self.forge} credentials")]

    def alias_set(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        shell = opts.has("--shell", "-s")
        return [self.effect(inv, opts, "modify", "local", "alias", "set", args,
                            tags=("persistence",) if shell else (),
                            summary=f"{inv.name} alias set {' '.join(args[:1])}"
                                    + (": a shell command that runs whenever the alias is used" if shell else ""))]

    def workflow_run(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        """A CI run is the repository's own automation; one that deploys changes whatever it deploys to."""
        workflow = args[0] if args else "?"
        inputs = [*opts.values("-f", "--raw-field", "--field", "-F", "--ref", "--variables", "--branch"), workflow]
        named = [inv.ctx.environments.by_name(v.split("=", 1)[-1]) for v in inputs]
        environment = next((e for e in ("prod", "staging", "dev") if e in named), None)
        if environment:
            placement = Placement(environment, f"the workflow {workflow} runs against {environment} (its name or "
                                               "inputs say so)")
        elif any(t in DEPLOY_WORDS for v in inputs for t in verb_tokens(v.rsplit(".", 1)[0])):
            placement = Placement(UNKNOWN, f"the workflow {workflow} deploys or releases; its target is not named "
                                           "(unknown is treated as prod)")
        else:
            placement = Placement(DEV, f"the workflow {workflow} is CI: the repository's own automation")
        return [inv.effect("modify", f"forge:{self.forge}/{self.repo(inv, opts, args)}/workflow/{workflow}",
                           placement, kind="workflow", reversible="unknown",
                           summary=f"{inv.name} {'ci' if self.forge == 'gitlab' else 'workflow'} run {workflow}: runs "
                                   "whatever the workflow does")]

    # --- api -------------------------------------------------------------------------------------------------
    def api(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, API_VALUES)
        endpoint = opts.positionals[1] if len(opts.positionals) > 1 else ""
        fields = opts.values("-f", "--raw-field", "-F", "--field")
        method = (opts.value("-X", "--method") or ("POST" if fields or opts.has("--input") else "GET")).upper()
        segments = [s for s in endpoint.split("?", 1)[0].strip("/").split("/") if s]
        repo = "/".join(segments[1:3]) if segments[:1] == ["repos"] and len(segments) >= 3 else "current-repo"
        resource = f"forge:{self.forge}/api/{endpoint.strip('/')}"
        if endpoint == "graphql":
            query = next((f.split("=", 1)[1] for f in fields if f.startswith("query=")), "")
            return [self.graphql(inv, resource, query)]
        if method in ("GET", "HEAD"):
            return [self.read(inv, f"api {endpoint}")]
        repo_placement = Placement(PROD, f"{endpoint} changes {repo} on {self.forge}, which others share")
        if method == "DELETE":
            whole = segments[:1] in (["repos"], ["projects"]) and len(segments) == (3 if segments[0] == "repos" else 2)
            return [inv.effect("delete", resource, repo_placement, kind=segments[-2] if len(segments) > 1 else "",
                               reversible="no", whole_environment=whole, data_loss=whole,
                               summary=f"{inv.name} api DELETE {endpoint}")]
        if any(s in ACCESS_SEGMENTS for s in segments):
            return [inv.effect("permission", resource, repo_placement, kind="access",
                               summary=f"{inv.name} api {method} {endpoint} changes who can access what")]
        if "merge" in segments:
            return [inv.effect("modify", resource, repo_placement, kind="merge", tags=("merge",),
                               summary=f"{inv.name} api {method} {endpoint} merges a change")]
        if any(s in COLLAB_SEGMENTS for s in segments):
            return [inv.effect("create" if method == "POST" else "modify", resource,
                               Placement(DEV, "issues, comments and reviews are collaboration"),
                               summary=f"{inv.name} api {method} {endpoint}")]
        return [inv.effect("modify", resource, repo_placement, summary=f"{inv.name} api {method} {endpoint}")]

    def graphql(self, inv: Invocation, resource: str, query: str) -> Effect:
        operations = graphql_operations(query) if query else []
        mutations = [f for kind, fields in operations if kind == "mutation" for f in fields]
        if query and operations and not mutations:
            return self.read(inv, "api graphql (a query)")
        if not operations:
            return inv.effect("unknown", resource, Placement(UNKNOWN, "a GraphQL document that could not be read"),
                              summary=f"{inv.name} api graphql with a query changegate could not read")
        deletes = [m for m in mutations if is_delete_word(m)]
        if deletes:
            whole = any("repository" in m.lower() for m in deletes)
            return inv.effect("delete", resource, Placement(PROD, f"the mutation {deletes[0]} deletes on {self.forge}"),
                              reversible="no", whole_environment=whole, data_loss=whole,
                              summary=f"{inv.name} api graphql {deletes[0]}")
        collab = all(any(t in COLLAB_MUTATION_WORDS for t in verb_tokens(m)) for m in mutations)
        if collab and not any("merge" in m.lower() for m in mutations):
            return inv.effect("modify", resource, Placement(DEV, "issues, comments and reviews are collaboration"),
                              summary=f"{inv.name} api graphql {', '.join(mutations[:2])}")
        return inv.effect("modify", resource, Placement(PROD, f"the mutation {mutations[0]} changes {self.forge}"),
                          summary=f"{inv.name} api graphql {', '.join(mutations[:2])}")


class Glab(Gh):
    """glab speaks GitLab's words for the same things: merge requests, notes, pipelines, snippets."""
    NAMES = ("glab",)

    forge = "gitlab"
    NOUNS: ClassVar[dict[str, str]] = {"mr": "pr", "ci": "run", "pipeline": "run", "snippet": "gist",
                                       "deploy-key": "deploy-key", "cluster": "cluster"}
    VERBS: ClassVar[dict[str, str]] = {"note": "comment", "update": "edit", "pr approve": "approve",
                                       "pr revoke": "edit", "run trace": "view", "run status": "view",
                                       "run run": "run", "run artifact": "artifact", "run retry": "retry",
                                       "gist create": "create", "repo transfer": "transfer"}

    def run_run(self, inv: Invocation, opts: Options, args: Sequence[str]) -> list[Effect]:
        """`glab ci run`: a pipeline, judged like a workflow run by its branch and variables."""
        branch = opts.value("-b", "--branch", "--ref")
        pseudo = [branch] if branch else []
        return self.workflow_run(inv, opts, [*pseudo, *args] or ["pipeline"])

