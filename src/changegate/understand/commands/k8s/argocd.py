"""argocd: Argo CD applications, projects, clusters and repositories, through the Argo CD server.

`argocd NOUN VERB [ARGS]`. Reads (list, get, diff, history, manifests, logs) are reads. `app sync` deploys
what git says to the app's cluster (`--prune` also deletes what git no longer has); `app delete` removes the
application and, by default (`--cascade`), every object it manages — a whole application in its cluster;
`app rollback` returns it to an earlier revision. Removing a cluster, project or repository registration
changes what every app may deploy where; `account update-password` and `proj role` change who may do what.
`--dry-run` and `--preview-changes` change nothing.

Where: the Argo CD server (`--server`, `ARGOCD_SERVER`) or, with `--core`, the kube context; an app or
project named like an environment (`payments-prod`) is at least that.
"""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand import kube
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.placement import escalate_by_name, place_address

READS = ("list", "get", "diff", "history", "manifests", "logs", "resources", "wait", "version", "help")


class Argocd(Cli):
    NAMES = ("argocd",)
    FAMILY = "argocd"
    GLOBAL_OPTIONS = frozenset({
        "--server", "--auth-token", "--config", "--header", "-H", "--loglevel", "--logformat",
        "--client-crt", "--client-crt-key", "--server-crt", "--kube-context", "--port-forward-namespace",
        "--argocd-context", "--http-retry-max", "--redis-name", "--repo-server-name", "--server-name",
        "--redis-haproxy-name", "--redis-compress",
    })
    VALUE_OPTIONS = GLOBAL_OPTIONS | frozenset({
        "-o", "--output", "-l", "--selector", "-p", "--parameter", "--revision", "--resource", "--project",
        "--timeout", "--retry-limit", "--retry-backoff-duration", "--local", "--cascade", "--propagation-policy",
        "--repo", "--path", "--dest-server", "--dest-namespace", "--dest-name", "--sync-policy", "--name",
        "--values", "--helm-set", "--kustomize-image", "--group", "--kind", "--namespace", "-N", "--app-namespace",
        "--account", "--current-password", "--new-password", "--expires-in", "--id", "--description",
        "--username", "--password", "--ssh-private-key-path", "--type", "--label", "--annotation",
    })
    DRY_RUN_FLAGS = frozenset({"--dry-run", "--preview-changes"})
    SCOPE_FLAGS = frozenset({"--all", "-l", "--selector"})
    ENV_VARIABLES = ("ARGOCD_SERVER", "ARGOCD_AUTH_TOKEN", "ARGOCD_OPTS", "KUBECONFIG")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return self.no_verb(inv, opts)
        # `argocd login SERVER` is one word; `argocd app delete NAME` is a noun and a verb
        width = 1 if opts.positionals[0] in self.VERBS or len(opts.positionals) == 1 else 2
        command = opts.positionals[:width]
        call = Call(inv, opts, " ".join(command), opts.positionals[width:], opts.positional_words[width:],
                    nouns=command[:1])
        if command[-1] in READS or command[0] in ("version", "context") or opts.has(*self.DRY_RUN_FLAGS):
            return [self.simple(call, "read")]
        return self.dispatch(call)

    # --- where -----------------------------------------------------------------------------------------
    def placement(self, call: Call) -> Placement:
        opts, inv = call.opts, call.inv
        if opts.has("--core"):
            placed = kube.resolve_target(inv.ctx.environments, inv.ctx.env, inv.ctx.home, inv.ctx.consulted,
                                         context=opts.value("--kube-context"), context_flag="--kube-context",
                                         remote=inv.ctx.remote, remote_placement=inv.ctx.remote_placement
                                         ).place(None)
        else:
            server = opts.value("--server") or inv.ctx.getenv("ARGOCD_SERVER")
            placed = (place_address(inv.ctx.environments, server, "Argo CD server") if server else
                      Placement(UNKNOWN, "no --server or ARGOCD_SERVER says which Argo CD this is "
                                         "(unknown is treated as prod)"))
        target = call.args[0] if call.args else ""
        return escalate_by_name(placed, target, inv.ctx.environments, f"Argo CD {call.nouns[0]}")

    # --- verbs a table cannot say ----------------------------------------------------------------------
    def app_delete(self, call: Call) -> list[Effect]:
        cascade = call.opts.value("--cascade") not in ("false", "False")
        return [self.app_effect(call, "delete", whole=cascade,
                                doing="deletes the application" + (" and every object it manages" if cascade else ""))]

    def app_sync(self, call: Call) -> list[Effect]:
        effects = [self.app_effect(call, "modify", doing="deploys what git says to the application's cluster")]
        if call.opts.has("--prune"):
            effects.append(self.app_effect(call, "delete", doing="deletes the objects git no longer has (--prune)"))
        return effects

    def app_effect(self, call: Call, operation: Operation, *, doing: str, whole: bool = False) -> Effect:
        names = call.args[:1] if call.args else (["(selected)"] if call.opts.has(*self.SCOPE_FLAGS) else ["?"])
        many = call.opts.has(*self.SCOPE_FLAGS) or whole
        return call.inv.effect(
            operation, f"argocd:app/{names[0]}", self.placement(call),
            scope="many" if many else "one", kind="application", whole_environment=whole,
            reversible="no" if operation == "delete" else "unknown", summary=f"argocd {call.verb} {names[0]}: {doing}")

    VERBS = {
        **Cli.VERBS,
        "app sync": app_sync, "app delete": app_delete, "app rollback": "modify", "app set": "modify",
        "app unset": "modify", "app patch": "modify", "app edit": "modify", "app create": "create",
        "app terminate-op": "modify", "app actions": "modify", "app patch-resource": "modify",
        "app delete-resource": "delete",
        "cluster add": "create", "cluster rm": "delete", "cluster set": "modify", "cluster rotate-auth": "permission",
        "proj create": "create", "proj delete": "delete", "proj set": "modify", "proj edit": "modify",
        "proj add-destination": "permission", "proj remove-destination": "permission",
        "proj add-source": "permission", "proj remove-source": "permission", "proj role": "permission",
        "proj windows": "modify",
        "repo add": "create", "repo rm": "delete", "repocreds add": "create", "repocreds rm": "delete",
        "account update-password": "permission", "account generate-token": "permission",
        "account delete-token": "permission",
        "cert add-tls": "modify", "cert add-ssh": "modify", "cert rm": "delete",
        "gpg add": "modify", "gpg rm": "delete",
        "login": "modify", "logout": "modify", "relogin": "modify",
    }

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [inv.unknown("argocd without a command")]
