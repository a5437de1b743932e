"""gh (GitHub); glab (GitLab, `glab.py`) speaks GitLab's words for the same things.

Collaboration is ordinary work: opening, commenting on and closing pull requests and issues changes
nothing that runs, and is placed `dev` (like a push to a feature branch). What lands on or configures the
shared repository is a change to prod: merging (to the base branch, usually the default one; `--admin`
skips review), approving, deleting, archiving or renaming the repository, releases, secrets, variables,
keys, deploy workflows. Publishing (a release, a public repository or gist, a repository made public) is
`publish`. `gh auth token` prints a credential. `gh api` is judged by its method and endpoint, GraphQL by
its mutations. A policy can place a repository explicitly through its `names` mapping (`org/sandbox-*`).

An alias (`gh alias set`, earlier in the line or in the config file) is expanded, a shell alias (`!…`,
`--shell`) handed to the walker; an installed extension (`gh NAME` runs gh-NAME) is read and judged.
`gh workflow run` reads the workflow file for the environments its jobs deploy to.

`gh NOUN VERB [ARGS]`: the table is keyed by `NOUN VERB`. An entry is `OPERATION WHERE` — where it acts:
`collab` (pull requests, issues: collaboration others review), `local` (this machine), `repo` (the shared
repository), `publish` (anyone), `account` (everything the token reaches) — or the method that handles it.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from typing import Any, ClassVar

import yaml

from changegate.environments import DEV, LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, lit
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.generic import classify_verb, verb_tokens
from changegate.understand.commands.net.requests import is_delete_word
from changegate.understand.commands.vcs.common import find_toplevel
from changegate.understand.execve import run_file
from changegate.understand.facts import is_file, list_dir, read_config
from changegate.understand.lex.graphql import graphql_operations
from changegate.understand.sensitive import secret_kind

READ_VERBS = frozenset({"list", "ls", "view", "status", "diff", "checks", "watch", "search", "browse", "get",
                        "verify", "verify-asset", "trace", "lint", "show", "contributors", "export", "help",
                        "check", "info", "ci-status", "issues"})
READ_NOUNS = frozenset({"status", "search", "browse", "org", "ruleset", "attestation", "gitignore", "license",
                        "completion", "version", "help", "copilot", "preview"})
API_OPTIONS = frozenset({"-X", "--method", "-f", "--raw-field", "-F", "--field", "-H", "--header", "--input", "-q",
                         "--jq", "-t", "--template", "--hostname", "-p", "--preview", "--cache", "-R", "--repo"})
# Endpoint segments of collaboration (issues, comments, reviews), and of access control.
COLLAB_SEGMENTS = frozenset({"issues", "comments", "pulls", "reactions", "labels", "reviews", "notes",
                             "discussions", "merge_requests", "assignees", "milestones"})
ACCESS_SEGMENTS = frozenset({"collaborators", "keys", "hooks", "protection", "rulesets", "teams", "members",
                             "invitations", "secrets", "variables", "deploy_keys", "permissions", "tokens",
                             "access_tokens", "protected_branches", "environments"})
DEPLOY_WORDS = frozenset({"deploy", "deployment", "release", "publish", "destroy", "teardown", "delete", "rollback",
                          "promote", "provision", "terraform", "apply", "prod", "production"})
MAX_WORKFLOWS = 64  # workflow files looked through for one named by its `name:`
MAX_ALIAS_DEPTH = 8
SWITCHED_ALIAS = "forge-alias:"  # `ctx.switched`: + forge + ":" + name -> an alias set earlier in the line
COLLAB_MUTATION_WORDS = frozenset({"comment", "issue", "pull", "request", "review", "reaction", "label", "discussion",
                                   "note", "draft", "assignees", "subscription", "star", "project", "item"})


def verb_of(call: Call) -> str:
    """The verb of a `NOUN VERB` call."""
    return call.verb.split(" ", 1)[-1]


class Gh(Cli):
    NAMES = ("gh",)
    FAMILY = "forge"
    VALUE_OPTIONS = frozenset({
        "-R", "--repo", "-b", "--body", "-F", "--body-file", "-t", "--title", "-B", "--base", "-H", "--head", "-l",
        "--label", "-a", "--assignee", "-r", "--reviewer", "-m", "--milestone", "--project", "--ref", "-f",
        "--raw-field", "--field", "-n", "--notes", "--notes-file", "--target", "--visibility", "--json", "-q",
        "--jq", "--template", "-L", "--limit", "-s", "--state", "-e", "--env", "-o", "--org", "-u", "--user", "-c",
        "--codespace", "--description", "--homepage", "--desc", "--hostname", "--match-head-commit", "-w",
        "--workflow", "--key", "--branch", "--source", "--remote", "--app", "--subject",
        "--author-email", "--pattern", "--dir", "--clobber-x", "--discussion-category", "--notes-start-tag",
        "--name", "--color", "--git-protocol", "--scopes", "--message", "-M", "--target-branch", "--source-branch",
        "--squash-message", "--sha", "--variables", "--default-branch", "--add-topic", "--remove-topic",
    })
    SCOPE_FLAGS = frozenset({"--all", "-A"})
    ADDRESS_OPTIONS = ("-R", "--repo", "--hostname")
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = ("GH_HOST", "GH_REPO", "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN",
                     "GITHUB_ENTERPRISE_TOKEN", "GH_CONFIG_DIR")
    # a verb another forge spells differently, by `NOUN VERB` or by verb alone (glab's `note` is a comment)
    VERB_ALIASES: ClassVar[dict[str, str]] = {}
    NOUNS = {"ext": "extension", "extensions": "extension", "cs": "codespace", "rs": "ruleset",
             "at": "attestation"}
    forge: ClassVar[str] = "github"
    # where aliases are kept: (the variable naming the config directory, its default under ~/.config, the
    # file, the mapping in it that holds them — "" for the whole file); extensions live in EXTENSIONS
    ALIAS_FILE: ClassVar[tuple[str, str, str, str]] = ("GH_CONFIG_DIR", "gh", "config.yml", "aliases")
    BUILTIN_ALIASES: ClassVar[dict[str, str]] = {"co": "pr checkout"}
    EXTENSIONS: ClassVar[str] = "gh/extensions"

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.run_line(inv, [w.value for w in inv.words], ())

    def run_line(self, inv: Invocation, words: list[str], expanding: tuple[str, ...]) -> list[Effect]:
        """One line; `expanding` names the aliases it was expanded from."""
        if words != [w.value for w in inv.words]:
            inv = Invocation(name=inv.name, words=[lit(w) for w in words], ctx=inv.ctx, walker=inv.walker,
                             stdin=inv.stdin, text=inv.text, args_unknown=inv.args_unknown)
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [self.read(inv, "help")]
        first = opts.positionals[0]
        if first not in self.NOUNS and not any(key.split(" ", 1)[0] == first for key in self.VERBS) \
                and first not in READ_NOUNS | {"api", "help"} and first not in expanding \
                and len(expanding) < MAX_ALIAS_DEPTH and UNKNOWN_PART not in first:
            expanded = self.alias_or_extension(inv, opts.positional_words[0], expanding)
            if expanded is not None:
                return expanded
        noun = self.NOUNS.get(first, first)
        if noun == "api":
            return self.api(inv)
        verb = opts.positionals[1] if len(opts.positionals) > 1 else "list"
        verb = self.VERB_ALIASES.get(f"{noun} {verb}", self.VERB_ALIASES.get(verb, verb))
        call = Call(inv, opts, f"{noun} {verb}", opts.positionals[2:], opts.positional_words[2:], nouns=[noun])
        if call.verb in self.VERBS:
            return self.dispatch(call)
        if noun in READ_NOUNS:
            return [self.read(inv, noun)]
        if verb in READ_VERBS or classify_verb(verb) == "read":
            return [self.read(inv, call.verb)]
        if classify_verb(verb) == "delete":
            return [self.effect(call, "delete", "repo")]
        return [inv.effect("unknown", f"forge:{self.repo(call)}/{noun}", self.placement(call),
                           summary=f"{inv.name} {call.verb}: not understood")]

    # --- aliases and extensions ---------------------------------------------------------------------------------
    def alias_or_extension(self, inv: Invocation, word: Word, expanding: tuple[str, ...]) -> list[Effect] | None:
        """`gh NAME …` where NAME is an alias or an installed extension; None when it is neither."""
        name = word.value
        index = next(i for i, w in enumerate(inv.words) if w is word)
        rest = [w.value for w in inv.words[index + 1:]]
        expansion = self.alias(inv, name)
        if expansion is not None:
            if expansion.startswith("!"):
                script = expansion[1:] + "".join(" " + shlex.quote(a) for a in rest)
                inv.run_script(script, origin=f"the {inv.name} alias {name}")
                return []
            try:
                expanded = shlex.split(expansion)
            except ValueError:
                return [inv.unknown(f"the alias {name}, which could not be read")]
            # `$1`, `$2` in an alias take the arguments in order; the others follow
            used = {i for i, _ in enumerate(rest, start=1) if any(f"${i}" in w for w in expanded)}
            for i, value in enumerate(rest, start=1):
                expanded = [w.replace(f"${i}", value) for w in expanded]
            words = [*(w.value for w in inv.words[:index]), *expanded,
                     *(a for i, a in enumerate(rest, start=1) if i not in used)]
            return self.run_line(inv, words, (*expanding, name))
        program = self.extension(inv, name)
        if program is not None:
            run_file(inv, program, inv.words[index + 1:])
            return []
        return None

    def alias(self, inv: Invocation, name: str) -> str | None:
        ctx = inv.ctx
        switched = ctx.switched.get(f"{SWITCHED_ALIAS}{self.forge}:{name}")
        if switched is not None:
            return switched
        if ctx.remote is None and ctx.home:
            variable, folder, filename, key = self.ALIAS_FILE
            base = ctx.env.get(variable) or posixpath.join(ctx.env.get("XDG_CONFIG_HOME") or
                                                           posixpath.join(ctx.home, ".config"), folder)
            doc = load_yaml(posixpath.join(base, filename))
            aliases = doc.get(key) if key and isinstance(doc, dict) else doc
            if isinstance(aliases, dict) and isinstance(aliases.get(name), str):
                ctx.consulted.setdefault(f"{inv.name}:alias.{name}", aliases[name])
                return str(aliases[name])
        return self.BUILTIN_ALIASES.get(name)

    def extension(self, inv: Invocation, name: str) -> str | None:
        ctx = inv.ctx
        if ctx.remote is not None or not ctx.home or not self.EXTENSIONS:
            return None
        data = ctx.env.get("XDG_DATA_HOME") or posixpath.join(ctx.home, ".local", "share")
        program = posixpath.join(data, self.EXTENSIONS, f"{inv.name}-{name}", f"{inv.name}-{name}")
        return program if is_file(program) else None

    def simple(self, call: Call, operation: str) -> Effect:
        """An entry `OPERATION WHERE`."""
        op, where = operation.split(" ", 1)
        return self.effect(call, op, where)  # type: ignore[arg-type]

    # --- where -----------------------------------------------------------------------------------------------
    def repo(self, call: Call) -> str:
        """`-R OWNER/REPO`, or the OWNER/REPO argument of `repo` commands; else the clone's own repository."""
        named = call.opts.value("-R", "--repo")
        if named:
            return named
        words = [w.value for w in call.inv.words if not w.value.startswith("-")]
        if words[:1] == ["repo"] and call.args and "/" in call.args[0] and not call.args[0].startswith(("/", ".")):
            return call.args[0]
        return "current-repo"

    def placement(self, call: Call) -> Placement:
        """The shared repository, unless the policy maps it somewhere."""
        repo = self.repo(call)
        mapped = call.inv.ctx.environments.mapped("names", repo)
        if mapped:
            return Placement(mapped, f"the repository {repo} is mapped to {mapped} by the policy")
        label = "this clone's repository" if repo == "current-repo" else f"the repository {repo}"
        return Placement(PROD, f"{label} on {self.forge} is shared: others build on it")

    def place(self, call: Call, where: str) -> Placement:
        inv = call.inv
        if where == "local":
            return inv.ctx.place_path(inv.ctx.cwd) if inv.ctx.cwd else Placement(LOCAL, "a local copy")
        if where == "collab":
            repo = self.repo(call)
            mapped = inv.ctx.environments.mapped("names", repo)
            if mapped:
                return Placement(mapped, f"the repository {repo} is mapped to {mapped} by the policy")
            return Placement(DEV, f"a {call.nouns[0]} is collaboration others review: it changes nothing that runs")
        if where == "account":
            return Placement(UNKNOWN, f"the {self.forge} account and everything its token can reach")
        return self.placement(call)

    # --- effects ----------------------------------------------------------------------------------------------
    def read(self, inv: Invocation, what: str) -> Effect:
        return inv.effect("read", f"forge:{self.forge}", Placement(LOCAL, "it only reads"), reversible="yes",
                          summary=f"{inv.name} {what} (reads)")

    def effect(self, call: Call, operation: Operation, where: str, *, tags: tuple[str, ...] = (),
               summary: str = "", scope: Scope = "one", suggestions: tuple[str, ...] = ()) -> Effect:
        noun, args = call.nouns[0], call.args
        repo = self.repo(call)
        target = next((a for a in args if a != repo), "")
        whole = noun == "repo" and operation == "delete"
        if call.opts.has(*self.SCOPE_FLAGS) and operation == "delete":
            scope = "all"
        return call.inv.effect(
            operation,
            f"forge:{self.forge}/{repo}/{noun}" + (f"/{target}" if target else ""),
            self.place(call, where),
            kind=noun,
            scope=scope,
            reversible="no" if operation in ("delete", "publish") else "yes" if where in ("collab", "local")
            else "unknown",
            whole_environment=whole,
            data_loss=whole or (noun in ("codespace", "gist", "release") and operation == "delete"),
            tags=tags,
            summary=summary or f"{call.inv.name} {call.verb} {' '.join(args[:2])}".rstrip(),
            suggestions=suggestions,
        )

    # --- verbs a table cannot say -----------------------------------------------------------------------------
    def pr_merge(self, call: Call) -> list[Effect]:
        admin = call.opts.has("--admin")
        what = f"{call.inv.name} {'mr' if self.forge == 'gitlab' else 'pr'} merge {' '.join(call.args[:1])}".rstrip()
        summary = what + ": lands the change on its base branch (usually the default branch)"
        if admin:
            summary += " with --admin, skipping the required reviews and checks"
        return [self.effect(call, "modify", "repo", tags=("merge", "bypass-review") if admin else ("merge",),
                            summary=summary,
                            suggestions=("let the reviewers merge it, or merge with --auto once checks pass",))]

    def pr_review(self, call: Call) -> list[Effect]:
        if call.opts.has("--approve", "-a"):
            return self.pr_approve(call)
        return [self.effect(call, "create", "collab")]

    def pr_approve(self, call: Call) -> list[Effect]:
        return [self.effect(call, "modify", "repo", tags=("approve",),
                            summary=f"{call.inv.name} approves a pull request: an approval counts toward the review "
                                    "that guards the default branch")]

    def repo_create(self, call: Call) -> list[Effect]:
        if call.opts.has("--public") or call.opts.value("--visibility") == "public":
            return [self.effect(call, "publish", "publish",
                                summary=f"{call.inv.name} repo create --public publishes a repository anyone can read")]
        return [self.effect(call, "create", "collab")]

    def repo_edit(self, call: Call) -> list[Effect]:
        if call.opts.value("--visibility") == "public":
            return [self.effect(call, "publish", "publish",
                                summary=f"{call.inv.name} repo edit --visibility public makes the code, history and "
                                        "issues readable by anyone")]
        return [self.effect(call, "modify", "repo")]

    def repo_sync(self, call: Call) -> list[Effect]:
        if call.opts.has("--force"):
            return [self.effect(call, "modify", "repo", tags=("force",),
                                summary=f"{call.inv.name} repo sync --force overwrites the destination branch")]
        return [self.effect(call, "modify", "collab")]

    def repo_delete(self, call: Call) -> list[Effect]:
        repo = self.repo(call)
        return [self.effect(call, "delete", "repo",
                            summary=f"{call.inv.name} repo delete {repo}: the code, history, issues and releases go",
                            suggestions=(f"archive it instead: {call.inv.name} repo archive {repo}",))]

    def release_create(self, call: Call) -> list[Effect]:
        name = call.inv.name
        if call.opts.has("--draft", "-d"):
            return [self.effect(call, "create", "collab",
                                summary=f"{name} release create --draft (visible to collaborators only)")]
        return [self.effect(call, "publish", "publish",
                            summary=f"{name} release create {' '.join(call.args[:1])} publishes a release",
                            suggestions=(f"{name} release create --draft, reviewed before it is published",))]

    def release_edit(self, call: Call) -> list[Effect]:
        if call.opts.value("--draft") == "false":
            return [self.effect(call, "publish", "publish",
                                summary=f"{call.inv.name} release edit --draft=false publishes a draft release")]
        return [self.effect(call, "modify", "repo")]

    def gist_create(self, call: Call) -> list[Effect]:
        inv = call.inv
        effects: list[Effect] = []
        for raw in call.args[:8]:
            path = inv.ctx.resolve(raw)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what:
                effects.append(inv.effect("exfiltrate", f"forge:{self.forge}/gist", Placement(
                    UNKNOWN, "a gist is readable by anyone who has its address"), kind="data", reversible="no",
                    tags=("secret",), summary=f"{inv.name} gist create uploads {path} ({what})"))
        public = call.opts.has("--public", "-p")
        effects.append(self.effect(call, "publish" if public else "create", "publish" if public else "collab"))
        return effects

    def codespace_delete(self, call: Call) -> list[Effect]:
        return [self.effect(call, "delete", "collab", tags=("unrecoverable",),
                            summary=f"{call.inv.name} codespace delete: uncommitted work in it is lost")]

    def cache_delete(self, call: Call) -> list[Effect]:
        return [self.effect(call, "delete", "repo", scope="all" if call.opts.has("--all", "-a") else "one",
                            summary=f"{call.inv.name} cache delete {' '.join(call.args[:1]) or '--all'}: caches every "
                                    "workflow run of the repository shares")]

    def auth_status(self, call: Call) -> list[Effect]:
        if call.opts.has("-t", "--show-token"):
            return [self.effect(call, "secret_read", "account",
                                summary=f"{call.inv.name} auth status --show-token prints the access token")]
        return [self.read(call.inv, "auth status")]

    def auth_token(self, call: Call) -> list[Effect]:
        name = call.inv.name
        return [self.effect(call, "secret_read", "account",
                            summary=f"{name} auth token prints the access token into the agent's context",
                            suggestions=(f"let {name} use the token itself ({name} api …) instead of printing it",))]

    def auth_setup_git(self, call: Call) -> list[Effect]:
        return [call.inv.fs("modify", "~/.gitconfig", reversible="yes",
                            summary=f"{call.inv.name} auth setup-git makes git use {self.forge} credentials")]

    def alias_set(self, call: Call) -> list[Effect]:
        expansion = call.args[1] if len(call.args) > 1 else ""
        shell = call.opts.has("--shell", "-s") or expansion.startswith("!")
        if call.args and UNKNOWN_PART not in call.args[0]:
            value = expansion if expansion.startswith("!") or not shell else "!" + expansion
            # a later step of this line may use it: `gh alias set x --shell '…' && gh x`
            call.inv.ctx.switched[f"{SWITCHED_ALIAS}{self.forge}:{call.args[0]}"] = value
        return [self.effect(call, "modify", "local", tags=("persistence",) if shell else (),
                            summary=f"{call.inv.name} alias set {' '.join(call.args[:1])}"
                                    + (": a shell command that runs whenever the alias is used" if shell else ""))]

    def workflow_run(self, call: Call) -> list[Effect]:
        """A CI run is the repository's own automation; one that deploys changes whatever it deploys to."""
        inv, opts = call.inv, call.opts
        workflow = call.args[0] if call.args else "?"
        inputs = [*opts.values("-f", "--raw-field", "--field", "-F", "--ref", "--variables", "--branch"), workflow]
        named = [inv.ctx.environments.by_name(v.split("=", 1)[-1]) for v in inputs]
        declared = [] if opts.value("-R", "--repo") else self.workflow_environments(inv, workflow)
        named += [inv.ctx.environments.by_name(e) for e in declared]
        environment = next((e for e in ("prod", "staging", "dev") if e in named), None)
        if declared and not environment:
            placement = Placement(UNKNOWN, f"the workflow {workflow} deploys to the environment "
                                           f"{', '.join(declared[:3])}, which says nothing about where it is")
        elif environment:
            placement = Placement(environment, f"the workflow {workflow} runs against {environment} (its name or "
                                               "inputs say so)")
        elif any(t in DEPLOY_WORDS for v in inputs for t in verb_tokens(v.rsplit(".", 1)[0])):
            placement = Placement(UNKNOWN, f"the workflow {workflow} deploys or releases; its target is not named "
                                           "(unknown is treated as prod)")
        else:
            placement = Placement(DEV, f"the workflow {workflow} is CI: the repository's own automation")
        return [inv.effect("modify", f"forge:{self.forge}/{self.repo(call)}/workflow/{workflow}",
                           placement, kind="workflow", reversible="unknown",
                           summary=f"{inv.name} {'ci' if self.forge == 'gitlab' else 'workflow'} run {workflow}: runs "
                                   "whatever the workflow does")]

    def workflow_environments(self, inv: Invocation, workflow: str) -> list[str]:
        """The environments (`jobs.*.environment`) of the workflow file, from this clone's
        `.github/workflows/` (by file name, or by its `name:`)."""
        top = find_toplevel(inv.ctx.cwd) if inv.ctx.remote is None else None
        if not top or UNKNOWN_PART in workflow:
            return []
        directory = posixpath.join(top, ".github", "workflows")
        if workflow.endswith((".yml", ".yaml")):
            doc = load_yaml(posixpath.join(directory, posixpath.basename(workflow)))
            return job_environments(doc) if isinstance(doc, dict) else []
        files = [posixpath.join(directory, n) for n in list_dir(directory) or [] if n.endswith((".yml", ".yaml"))]
        for path in files[:MAX_WORKFLOWS]:
            doc = load_yaml(path)
            if isinstance(doc, dict) and doc.get("name") == workflow:
                return job_environments(doc)
        return []

    # --- api -------------------------------------------------------------------------------------------------
    def api(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, takes_value=API_OPTIONS)
        endpoint = opts.positionals[1] if len(opts.positionals) > 1 else ""
        fields = opts.values("-f", "--raw-field", "-F", "--field")
        method = (opts.value("-X", "--method") or ("POST" if fields or opts.has("--input") else "GET")).upper()
        segments = [s for s in endpoint.split("?", 1)[0].strip("/").split("/") if s]
        repo = "/".join(segments[1:3]) if segments[:1] == ["repos"] and len(segments) >= 3 else "current-repo"
        resource = f"forge:{self.forge}/api/{endpoint.strip('/')}"
        if endpoint == "graphql":
            return [self.graphql(inv, resource, self.graphql_query(inv, fields, opts.value("--input")))]
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
        if any(f in ("visibility=public", "private=false") for f in fields):
            return [inv.effect("publish", resource, repo_placement, kind="repository",
                               summary=f"{inv.name} api {method} {endpoint} makes the repository public")]
        if "merge" in segments:
            return [inv.effect("modify", resource, repo_placement, kind="merge", tags=("merge",),
                               summary=f"{inv.name} api {method} {endpoint} merges a change")]
        if any(s in COLLAB_SEGMENTS for s in segments):
            return [inv.effect("create" if method == "POST" else "modify", resource,
                               Placement(DEV, "issues, comments and reviews are collaboration"),
                               summary=f"{inv.name} api {method} {endpoint}")]
        return [inv.effect("modify", resource, repo_placement, summary=f"{inv.name} api {method} {endpoint}")]

    @staticmethod
    def graphql_query(inv: Invocation, fields: list[str], body: str | None) -> str:
        """The document: `-f query=…`, `-F query=@file` (a file, or `-` for stdin), or `--input` JSON."""
        value = next((f.split("=", 1)[1] for f in fields if f.startswith("query=")), None)
        if value is not None and value.startswith("@"):
            source = value[1:]
            stream = inv.stdin if source == "-" else inv.walker.file_stream(source, inv.ctx)
            return (stream.text or "") if stream is not None else ""
        if value is not None or not body:
            return value or ""
        stream = inv.stdin if body == "-" else inv.walker.file_stream(body, inv.ctx)
        try:
            document = json.loads(stream.text or "") if stream is not None else None
        except ValueError:
            return ""
        query = document.get("query") if isinstance(document, dict) else None
        return query if isinstance(query, str) else ""

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

    VERBS = {
        **Cli.VERBS,
        "alias list": "read local",
        **{f"pr {v}": "create collab" for v in ("create", "comment", "revert")},
        **{f"pr {v}": "modify collab" for v in ("edit", "close", "reopen", "ready", "lock", "unlock", "update-branch",
                                                "subscribe", "unsubscribe", "rebase", "todo")},
        "pr checkout": "modify local",
        "pr delete": "delete repo",
        **{f"issue {v}": "create collab" for v in ("create", "comment", "develop")},
        **{f"issue {v}": "modify collab" for v in ("edit", "close", "reopen", "lock", "unlock", "pin", "unpin",
                                                   "subscribe", "unsubscribe", "move")},
        "issue delete": "delete repo",
        "issue transfer": "modify repo",
        "repo fork": "create collab",
        "repo clone": "create local",
        "repo set-default": "modify local",
        **{f"repo {v}": "modify repo" for v in ("archive", "unarchive", "rename", "transfer", "mirror")},
        "release upload": "publish publish",
        "release delete": "delete repo",
        "release delete-asset": "delete repo",
        "release download": "create local",
        "secret set": "permission repo",
        "secret delete": "delete repo",
        "secret remove": "delete repo",
        "variable set": "modify repo",
        "variable update": "modify repo",
        "variable delete": "delete repo",
        "workflow enable": "modify collab",
        "workflow disable": "modify repo",
        "run cancel": "modify collab",
        "run rerun": "modify collab",
        "run retry": "modify collab",
        "run delete": "delete repo",
        "run download": "create local",
        "run artifact": "create local",
        "label create": "create collab",
        "label edit": "modify collab",
        "label clone": "create collab",
        "label delete": "delete repo",
        "codespace create": "create collab",
        **{f"codespace {v}": "modify collab" for v in ("stop", "edit", "rebuild", "ports", "cp", "ssh", "code",
                                                       "jupyter", "logs")},
        "gist edit": "modify collab",
        "gist rename": "modify collab",
        "gist clone": "create local",
        "gist delete": "delete repo",
        **{f"{n} {v}": "permission repo" for n in ("ssh-key", "gpg-key", "deploy-key", "token")
           for v in ("add", "create", "delete", "revoke", "rotate")},
        "auth login": "permission account",
        "auth refresh": "permission account",
        "auth logout": "modify local",
        "auth switch": "modify local",
        "extension remove": "modify local",
        **{f"extension {v}": "execute_opaque account" for v in ("install", "upgrade", "exec")},
        **{f"alias {v}": "modify local" for v in ("delete", "import")},
        **{f"config {v}": "modify local" for v in ("set", "clear-cache")},
        **{f"project {v}": "modify collab" for v in ("create", "edit", "copy", "close", "item-add", "item-create",
                                                     "item-edit", "item-archive", "field-create", "link", "unlink",
                                                     "mark-template")},
        **{f"project {v}": "delete repo" for v in ("delete", "item-delete", "field-delete")},
        **{f"schedule {v}": "modify repo" for v in ("create", "update", "run")},
        "schedule delete": "delete repo",
        "ruleset delete": "delete repo",
        "pr merge": pr_merge, "pr review": pr_review, "pr approve": pr_approve,
        "repo create": repo_create, "repo edit": repo_edit, "repo sync": repo_sync, "repo delete": repo_delete,
        "release create": release_create, "release edit": release_edit, "gist create": gist_create,
        "codespace delete": codespace_delete, "cache delete": cache_delete, "auth status": auth_status,
        "auth token": auth_token, "auth setup-git": auth_setup_git, "alias set": alias_set,
        "workflow run": workflow_run,
    }


def load_yaml(path: str) -> Any:
    text = read_config(path, limit=512 * 1024)
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def job_environments(doc: dict[str, Any]) -> list[str]:
    """`jobs.<id>.environment`: a name, or a mapping with `name`."""
    jobs = doc.get("jobs")
    out: list[str] = []
    for job in jobs.values() if isinstance(jobs, dict) else ():
        environment = job.get("environment") if isinstance(job, dict) else None
        if isinstance(environment, dict):
            environment = environment.get("name")
        if isinstance(environment, str) and environment and "${{" not in environment:
            out.append(environment)
    return list(dict.fromkeys(out))
