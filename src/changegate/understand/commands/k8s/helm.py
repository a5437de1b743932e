"""helm: releases are whole applications in a cluster.

`install`/`upgrade` change the release's objects (create or modify; `--force` deletes and re-creates what it
cannot patch, so it is a replace); `uninstall` removes the whole release — every object the chart made —
and whether that loses data depends on what the chart owns (PVCs from volumeClaimTemplates usually stay,
PVCs in the chart itself go), which cannot be known from the command: it is said, and the release counts as
a whole application. `rollback` returns a release to an earlier revision. `get values|manifest|all` print
what the release stores, secrets included. Charts rendered locally (`template`, `lint`, `show`, `pull`,
`package`) and repositories are local. `--dry-run` changes nothing.

The cluster comes from `--kube-context`/`--kubeconfig` (or HELM_KUBECONTEXT), what an earlier step of the
line switched to, and the kubeconfig, as for kubectl (`understand/kube.py`); `-n` (or HELM_NAMESPACE) makes
the answer stricter when it names an environment.

helm runs code of this machine: a `--post-renderer` program (read and judged; helm refuses to start when
it does not exist), plugins (`helm NAME` runs the command of the installed plugin NAME, read from its
plugin.yaml; `plugin install` runs the plugin's install hook, and a plugin fetched from a URL cannot be
read first).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand import kube
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, lit
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.k8s.common import show, verbs
from changegate.understand.execve import program_exists, run_file, which
from changegate.understand.facts import is_dir, list_dir

SECRET_GETS = frozenset({"values", "manifest", "all"})
# verbs that would change the cluster, and so are reads under --dry-run
CHANGING = frozenset({"install", "upgrade", "uninstall", "delete", "del", "un", "rollback"})
MAX_PLUGINS = 200  # plugin directories looked through for `helm NAME`
REPLICA_KEYS = ("replicacount", "replicas", "replicaCount")


def read(inv: Invocation, resource: str, placement: Placement, summary: str) -> Effect:
    return inv.effect("read", resource, placement, reversible="yes", summary=summary)


@dataclass(kw_only=True)
class Release(Call):
    """One helm call on one release, in the cluster and namespace it resolved to."""

    target: kube.KubeTarget
    namespace: str
    release: str

    @property
    def uri(self) -> str:
        return self.uri_of(self.release)

    def uri_of(self, release: str) -> str:
        return f"k8s:{self.target.context_label}/{self.namespace}/helm-release/{release}"

    @property
    def placement(self) -> Placement:
        return self.target.place(self.namespace)

    def read(self, summary: str) -> Effect:
        return read(self.inv, self.uri if self.args else f"k8s:{self.target.context_label}", self.placement, summary)

    def tags(self) -> tuple[str, ...]:
        out = []
        if self.opts.has("--force"):
            out.append("force")
        if self.opts.has("--post-renderer"):
            out.append("post-renderer")
        return tuple(out)

    def release_effect(self, operation: Operation, summary: str, *, reversible: Reversible,
                       tags: tuple[str, ...] = (), whole_environment: bool = False,
                       suggestions: tuple[str, ...] = (), release: str | None = None, scope: Scope = "one") -> Effect:
        return self.inv.effect(operation, self.uri_of(release or self.release), self.placement, kind="helm-release",
                               reversible=reversible, tags=tuple(dict.fromkeys((*self.tags(), *tags))),
                               summary=summary, whole_environment=whole_environment, suggestions=suggestions,
                               scope=scope)


class Helm(Cli):
    NAMES = ("helm",)
    FAMILY = "helm"
    GLOBAL_OPTIONS = frozenset({
        "--kube-context", "--kubeconfig", "-n", "--namespace", "--kube-apiserver", "--kube-as-user",
        "--kube-as-group", "--kube-token", "--kube-ca-file", "--kube-tls-server-name", "--registry-config",
        "--repository-cache", "--repository-config", "--burst-limit", "--qps", "--kube-insecure-skip-tls-verify",
    })
    VALUE_OPTIONS = GLOBAL_OPTIONS | frozenset({
        "-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal", "--version",
        "--timeout", "--description", "--post-renderer", "--post-renderer-args", "--repo", "--username",
        "--password", "--ca-file", "--cert-file", "--key-file", "--keyring", "--name-template", "--output", "-o",
        "--revision", "--max", "--history-max", "--cascade", "--wait-for", "--label", "-l", "--selector",
        "--filter", "--deployed-only", "--template", "-d", "--destination", "--untardir", "--app-version",
        "--labels", "--dry-run", "--show-only", "-s", "--api-versions", "--kube-version", "--output-dir",
    })
    DRY_RUN_FLAGS = frozenset({"--dry-run"})
    ADDRESS_OPTIONS = ("--kube-context", "--kubeconfig", "--kube-apiserver", "-n", "--namespace")
    ENV_VARIABLES = ("HELM_NAMESPACE", "HELM_KUBECONTEXT", "HELM_DRIVER", "KUBECONFIG", "HELM_KUBEAPISERVER",
                     "HELM_KUBETOKEN", "HELM_KUBEASUSER", "HELM_POST_RENDERER", "HELM_PLUGINS",
                     "HELM_REPOSITORY_CONFIG", "HELM_REGISTRY_CONFIG")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [read(inv, "helm", Placement(LOCAL, "helm without a verb prints its help"), "helm (help)")]
        verb, args = opts.positionals[0], opts.positionals[1:]
        ctx = inv.ctx
        context = opts.value("--kube-context") or ctx.getenv("HELM_KUBECONTEXT") or None
        namespace = opts.value("-n", "--namespace") or ctx.getenv("HELM_NAMESPACE") or None
        target = kube.resolve_target(
            ctx.environments, ctx.env, ctx.home, ctx.consulted, context=context,
            kubeconfig=opts.value("--kubeconfig"), namespace=namespace,
            server=opts.value("--kube-apiserver") or ctx.getenv("HELM_KUBEAPISERVER") or None,
            context_flag="--kube-context" if opts.has("--kube-context") else "HELM_KUBECONTEXT",
            remote=ctx.remote, remote_placement=ctx.remote_placement, switched=ctx.switched)
        release = Release(inv, opts, verb, args, opts.positional_words[1:], target=target,
                          namespace=namespace or target.namespace, release=show(args[0] if args else "?"))
        mode = opts.value(*self.DRY_RUN_FLAGS)
        if mode is not None and mode not in ("none", "false") and verb in CHANGING:
            return [release.read(f"helm {verb} --dry-run changes nothing")]
        if verb in ("install", "upgrade"):
            missing = self.missing_renderer(release)
            if missing is not None:
                return missing
        return self.dispatch(release)

    def simple(self, call: Call, operation: str) -> Effect:
        """Reads are the only bare operations in helm's table: they read the release's cluster."""
        return on_release(call).read(f"helm {call.verb} (reads)")

    def unknown_verb(self, call: Call) -> list[Effect]:
        """A plugin: `helm NAME` runs the command in the plugin.yaml of the installed plugin NAME."""
        release = on_release(call)
        ctx = call.inv.ctx
        if ctx.remote is None and UNKNOWN_PART not in call.verb:
            directory = plugins_directory(ctx)
            plugin = find_plugin(directory, call.verb) if directory else None
            if plugin is not None:
                return self.run_plugin(release, *plugin)
            if directory is not None or which(ctx, "helm"):
                return [read(call.inv, "helm:plugins", Placement(LOCAL, "helm refuses an unknown command"),
                             f"helm {call.verb}: neither a helm command nor an installed plugin, so helm refuses "
                             "it and runs nothing")]
        return [call.inv.effect("unknown", release.uri, release.placement, reversible="unknown",
                                summary=f"runs helm {call.verb}: a plugin or a verb changegate does not know, on "
                                        f"{release.target.cluster_label}")]

    def run_plugin(self, call: Release, path: str, command: str) -> list[Effect]:
        """A plugin's command, with HELM_PLUGIN_DIR and the cluster's settings in its environment."""
        ctx = plugin_context(call, path)
        words = " ".join(w.value for w in call.opts.positional_words[1:])
        call.inv.run_script(f"{command} {words}".strip(), ctx=ctx, origin=f"the helm plugin {call.verb}")
        return []

    # --- on this machine -----------------------------------------------------------------------------
    def local_read(self, call: Release) -> list[Effect]:
        return [read(call.inv, f"helm:{call.verb}", Placement(LOCAL, f"helm {call.verb} works on local charts"),
                     f"helm {call.verb} (local, reads)")]

    def local(self, call: Release) -> list[Effect]:
        verb = call.verb
        sub = call.args[0] if call.args else ""
        if verb == "plugin" and sub in ("install", "update", "add", "upgrade"):
            return self.plugin_install(call, sub)
        if verb == "repo" and sub in ("list", "ls", "index"):
            return [read(call.inv, "helm:repositories", Placement(LOCAL, "helm's local repository list"),
                         f"helm {verb} {sub} (reads)")]
        return [call.inv.effect("modify", f"helm:{verb}", Placement(LOCAL, f"helm {verb} works on local files"),
                                reversible="yes", kind="chart", summary=f"helm {verb} {sub} (local files)".strip())]

    def plugin_install(self, call: Release, sub: str) -> list[Effect]:
        """A plugin from a directory here: its install hook runs now (read and judged), its command later.
        From a URL (or `update`, which fetches): code that cannot be read before it runs."""
        source = call.args[1] if len(call.args) > 1 else ""
        ctx = call.inv.ctx
        path = ctx.resolve(source) if sub in ("install", "add") and source and "://" not in source else None
        manifest = kube.load_small_yaml(posixpath.join(path, "plugin.yaml")) if path else None
        if path is not None and isinstance(manifest, dict):
            hook = plugin_hook(manifest, "install")
            if hook:
                call.inv.run_script(hook, ctx=plugin_context(call, path), origin=f"the install hook of {source}")
            return [call.inv.effect("modify", "helm:plugins", Placement(LOCAL, "helm plugins live on this machine"),
                                    reversible="yes", kind="plugin", tags=("persistence",),
                                    summary=f"helm plugin {sub} {source}: adds `helm "
                                            f"{manifest.get('name', '?')}`, code that runs whenever it is used")]
        what = source or "the installed plugins' sources"
        return [call.inv.effect(
            "execute_opaque", f"code:{what}", Placement(UNKNOWN, "a helm plugin fetched when the command runs"),
            reversible="unknown", kind="plugin",
            summary=f"helm plugin {sub} {what}: downloads code whose install hook runs now and whose command runs "
                    "whenever helm uses it; it cannot be read first",
            suggestions=("clone the plugin into the workspace, read it, and install it from there",))]

    # --- on the release ------------------------------------------------------------------------------
    def install(self, call: Release) -> list[Effect]:
        chart = call.args[1] if len(call.args) > 1 else call.args[0] if call.args else "?"
        name = "(generated)" if call.opts.has("--generate-name", "-g") else call.release
        effect = call.release_effect(
            "create", f"helm install {name} ({show(chart)}) in namespace {call.namespace} on "
                      f"{call.target.cluster_label}",
            reversible="yes", release=name, suggestions=("render it first: helm template … | kubectl diff -f -",))
        return [effect, *self.shared_effects(call)]

    def upgrade(self, call: Release) -> list[Effect]:
        chart = call.args[1] if len(call.args) > 1 else "?"
        tags = values_tags(call)
        if call.opts.has("--force"):
            effect = call.release_effect(
                "replace", f"helm upgrade --force {call.release}: objects it cannot patch are deleted and created "
                           f"again, in namespace {call.namespace} on {call.target.cluster_label}",
                reversible="no", tags=tags,
                suggestions=("upgrade without --force; see the change first with helm diff upgrade",))
        else:
            created = " (installs it if missing)" if call.opts.has("--install", "-i") else ""
            effect = call.release_effect(
                "modify", f"helm upgrade {call.release} ({show(chart)}){created} in namespace "
                          f"{call.namespace} on {call.target.cluster_label}" + values_note(tags),
                reversible="yes", tags=tags,
                suggestions=("see the change first: helm diff upgrade (the helm-diff plugin) or "
                             "helm template … | kubectl diff -f -",))
        return [effect, *self.shared_effects(call)]

    def shared_effects(self, call: Release) -> list[Effect]:
        """What install and upgrade do besides the release: a namespace, a local program run."""
        effects: list[Effect] = []
        if call.opts.has("--create-namespace"):
            effects.append(call.inv.effect("create", f"k8s:{call.target.context_label}/namespace/{call.namespace}",
                                           call.placement, kind="namespace", reversible="yes",
                                           summary=f"creates namespace {call.namespace}"))
        renderer = call.opts.value("--post-renderer")
        if renderer:
            args = [lit(a) for a in call.opts.values("--post-renderer-args")]
            # the rendered manifests reach it on stdin; what it does with them (and anything else) is its own
            run_file(call.inv, self.renderer_path(call.inv.ctx, renderer) or renderer, args)
        return effects

    @staticmethod
    def renderer_path(ctx: Context, renderer: str) -> str | None:
        """Where the post-renderer is: a path, or a program on the PATH; None when helm would not find it."""
        if "/" in renderer:
            path = ctx.resolve(renderer)
            return path if path is not None and (UNKNOWN_PART in path or program_exists(ctx, path)) else None
        if ctx.remote is not None or UNKNOWN_PART in renderer:
            return renderer
        return which(ctx, renderer)

    def missing_renderer(self, call: Release) -> list[Effect] | None:
        """helm looks the post-renderer up before it does anything: without it, nothing happens."""
        renderer = call.opts.value("--post-renderer")
        if not renderer or call.inv.ctx.remote is not None or self.renderer_path(call.inv.ctx, renderer):
            return None
        return [call.inv.effect("read", call.uri, Placement(LOCAL, "helm refuses to start"), reversible="yes",
                                tags=("absent-program",),
                                summary=f"helm {call.verb}: the post-renderer {renderer} does not exist, so helm "
                                        "refuses and changes nothing")]

    def uninstall(self, call: Release) -> list[Effect]:
        keep = ("keep-history",) if call.opts.has("--keep-history") else ()
        hooks = ("no-hooks",) if call.opts.has("--no-hooks") else ()
        names = [show(a) for a in call.args] or ["?"]
        scope: Scope = "one"
        if call.inv.args_unknown:  # `helm list -q | xargs helm uninstall`: every release the listing gives
            names, scope = [*[n for n in names if n != "?"], "…"], "all"
        return [call.release_effect(
            "delete", f"helm uninstall {name} deletes every object of the release in namespace {call.namespace} "
                      f"on {call.target.cluster_label}; whether data goes with it depends on the PVCs the chart "
                      "owns, which cannot be seen from here"
                      + ("; --no-hooks skips the chart's pre-delete hooks (backups, clean shutdown)" if hooks else "")
                      + ("; the names come from a listing at run time: every release it gives" if name == "…" else ""),
            reversible="no", whole_environment=True, release=name, scope=scope,
            tags=("release", "data-loss-unknown", *keep, *hooks),
            suggestions=("list what it owns first: helm get manifest RELEASE | kubectl get -f - ",
                         "scale the release down instead of uninstalling it"))
            for name in names]

    def rollback(self, call: Release) -> list[Effect]:
        revision = call.args[1] if len(call.args) > 1 else "the previous revision"
        return [call.release_effect("modify", f"helm rollback {call.release} to {revision} in namespace "
                                              f"{call.namespace} on {call.target.cluster_label}",
                                    reversible="yes", tags=("rollback",))]

    def test(self, call: Release) -> list[Effect]:
        return [call.release_effect("modify", f"helm test {call.release} runs the chart's test pods in namespace "
                                              f"{call.namespace} on {call.target.cluster_label}", reversible="yes")]

    def get(self, call: Release) -> list[Effect]:
        what = call.args[0] if call.args else ""
        name = show(call.args[1] if len(call.args) > 1 else "?")
        if what in SECRET_GETS:
            return [call.inv.effect(
                "secret_read", call.uri_of(name), call.placement, reversible="yes", kind="secret",
                summary=f"helm get {what} {name} prints what the release stores, Secrets and passwords included",
                suggestions=("helm get values RELEASE -o json | jq 'keys' shows the keys without the values",))]
        return [read(call.inv, call.uri_of(name) if call.args else f"k8s:{call.target.context_label}",
                     call.placement, f"helm get {what} (reads)")]

    def push(self, call: Release) -> list[Effect]:
        destination = call.args[1] if len(call.args) > 1 else "?"
        return [call.inv.effect("publish", f"oci:{destination}",
                                call.inv.ctx.environments.url(destination, "registry"),
                                reversible="no", kind="chart", summary=f"helm push publishes a chart to {destination}")]

    VERBS = verbs({
        **Cli.VERBS,
        **dict.fromkeys(("list", "ls", "status", "history", "hist", "diff"), "read"),
        **dict.fromkeys(("template", "lint", "show", "inspect", "search", "version", "env", "completion", "help",
                         "verify"), local_read),
        **dict.fromkeys(("pull", "fetch", "package", "create", "dependency", "dep", "dependencies", "repo",
                         "plugin", "registry"), local),
        "install": install, "upgrade": upgrade, "rollback": rollback, "test": test, "get": get, "push": push,
        **dict.fromkeys(("uninstall", "delete", "del", "un"), uninstall),
    })


def values_tags(call: Release) -> tuple[str, ...]:
    """What `--reset-values` and `--set …replicaCount=0` do to a running release."""
    tags: list[str] = []
    if call.opts.has("--reset-values"):
        tags.append("reset-values")
    for assignment in call.opts.values("--set", "--set-string"):
        for part in assignment.split(","):
            key, _, value = part.partition("=")
            if key.rsplit(".", 1)[-1] in REPLICA_KEYS and value.strip() == "0":
                tags.append("scale-to-zero")
    return tuple(dict.fromkeys(tags))


def values_note(tags: tuple[str, ...]) -> str:
    notes = {"reset-values": "; --reset-values drops every value earlier installs set (back to the chart's "
                             "defaults)",
             "scale-to-zero": "; it sets replicas to 0, which stops every pod"}
    return "".join(notes[t] for t in tags if t in notes)


def plugins_directory(ctx: Context) -> str | None:
    """Where helm keeps plugins: HELM_PLUGINS, else the data directory (Linux, then macOS)."""
    configured = ctx.env.get("HELM_PLUGINS")
    home = ctx.home or ""
    data = ctx.env.get("XDG_DATA_HOME") or posixpath.join(home, ".local", "share")
    for candidate in (configured, posixpath.join(data, "helm", "plugins") if home else None,
                      posixpath.join(home, "Library", "helm", "plugins") if home else None):
        if candidate and is_dir(candidate):
            return candidate
    return None


def find_plugin(directory: str, name: str) -> tuple[str, str] | None:
    """(the plugin's directory, its command) for the installed plugin called `name`."""
    for entry in (list_dir(directory) or [])[:MAX_PLUGINS]:
        plugin = posixpath.join(directory, entry)
        manifest = kube.load_small_yaml(posixpath.join(plugin, "plugin.yaml"))
        if isinstance(manifest, dict) and manifest.get("name") == name:
            return plugin, plugin_command(manifest)
    return None


def plugin_command(manifest: dict[str, Any]) -> str:
    command = manifest.get("command")
    if isinstance(command, str) and command:
        return command
    platforms = manifest.get("platformCommand")
    first = platforms[0] if isinstance(platforms, list) and platforms else None
    if isinstance(first, dict):
        found = first.get("command")
        args = first.get("args")
        return " ".join([str(found or ""), *(str(a) for a in args or () if isinstance(args, list))]).strip()
    return ""


def plugin_hook(manifest: dict[str, Any], event: str) -> str:
    hooks = manifest.get("hooks")
    hook = hooks.get(event) if isinstance(hooks, dict) else None
    return hook if isinstance(hook, str) else ""


def plugin_context(call: Release, path: str) -> Context:
    """A plugin runs with HELM_PLUGIN_DIR and the cluster helm was pointed at in its environment."""
    env = {**call.inv.ctx.env, "HELM_PLUGIN_DIR": path, "HELM_PLUGIN_NAME": posixpath.basename(path),
           "HELM_NAMESPACE": call.namespace}
    if call.target.context:
        env["HELM_KUBECONTEXT"] = call.target.context
    return call.inv.ctx.clone(env=env)


def on_release(call: Call) -> Release:
    """The call `analyze` built (the base's hooks are typed on the base `Call`)."""
    assert isinstance(call, Release)
    return call
