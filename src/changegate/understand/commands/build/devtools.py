"""Everyday development tools, each judged by what it does with the project:

- `coverage run [-m MODULE | SCRIPT] ARGS` is that Python program run under coverage; its other verbs
  (report, html, xml, json, erase, combine) work on the project's coverage data;
- application servers (uvicorn, gunicorn, hypercorn, daphne) and `flask run` serve the project's own app;
- local clusters (kind, minikube, k3d) live on this machine, in its container engine: creating, stopping or
  deleting one is local work;
- `kustomize build` prints manifests, `kustomize edit` changes the project's kustomization;
- scanners and linters (tflint, checkov, trivy fs/config/repo) read;
- grpcurl `list`/`describe` ask a server what it offers; any other call is a request that may change it,
  placed by the host it goes to.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, lit, local_work, project_work
from changegate.understand.cli import Cli
from changegate.understand.placement import place_host

READ_ONLY = Placement(LOCAL, "it only reads")


class Coverage(Cli):
    NAMES = ("coverage",)
    FAMILY = "build"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--rcfile", "--source", "--omit", "--include", "-m",
                                                       "--data-file", "--context", "--concurrency", "-o",
                                                       "--fail-under", "--precision", "--format"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        verb = words[0].value if words else ""
        if verb != "run":
            return [local_work(inv, f"coverage {verb}: the project's coverage data".rstrip())]
        rest = list(words[1:])
        while rest and rest[0].value.startswith("-") and rest[0].value != "-m":
            takes = rest[0].value in self.VALUE_OPTIONS and "=" not in rest[0].value
            rest = rest[2:] if takes else rest[1:]
        if not rest:
            return [inv.unknown("coverage run with nothing to run")]
        inv.run_argv([lit("python"), *rest], stdin=inv.stdin)  # `-m MODULE …` or `SCRIPT …`, as python runs it
        return []


class AppServer(Cli):
    """An ASGI/WSGI server: it imports the project's app and serves it on a local port."""

    NAMES = ("uvicorn", "gunicorn", "hypercorn", "daphne")
    FAMILY = "build"

    def analyze(self, inv: Invocation) -> list[Effect]:
        return [project_work(inv, f"{inv.name}: serves the project's app", "runs-project-code")]


class Flask(Cli):
    NAMES = ("flask",)
    FAMILY = "build"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--app", "-A", "--env-file", "-e"})
    VERBS_SERVING: ClassVar[frozenset[str]] = frozenset({"run", "routes", "shell", "--version", "--help"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        verb = opts.positionals[0] if opts.positionals else "--help"
        if verb in self.VERBS_SERVING:
            return [project_work(inv, f"flask {verb}: the project's app", "runs-project-code")]
        # `flask db upgrade` and other plugin commands act where the app is configured to
        return [inv.unknown(f"flask {verb}, a command of the app or a plugin")]


class LocalCluster(Cli):
    """kind, minikube, k3d: a Kubernetes cluster in this machine's container engine."""

    NAMES = ("kind", "minikube", "k3d")
    FAMILY = "k8s-local"
    READS: ClassVar[frozenset[str]] = frozenset({"get", "list", "status", "version", "ip", "logs", "profile",
                                                "docker-env", "podman-env", "kubectl", "--version", "--help"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else "--help"
        if verb in self.READS or (len(opts.positionals) > 1 and opts.positionals[1] in ("list", "get")):
            return [inv.effect("read", f"host:{inv.name}", READ_ONLY, reversible="yes",
                               summary=f"{inv.name} {verb} (reads)")]
        return [inv.effect("modify", f"host:{inv.name}/cluster", Placement(LOCAL, "a local cluster in this "
                                                                                 "machine's container engine"),
                           reversible="yes", kind="cluster",
                           summary=f"{inv.name} {' '.join(opts.positionals[:2])}: a local development cluster")]


class Kustomize(Cli):
    NAMES = ("kustomize",)
    FAMILY = "k8s"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else "--help"
        if verb in ("build", "cfg", "version", "--help", "--version"):
            return [inv.effect("read", "cmd:kustomize", READ_ONLY, reversible="yes",
                               summary=f"kustomize {verb} (prints manifests)")]
        if verb in ("edit", "create", "init"):
            return [local_work(inv, f"kustomize {verb}: the project's kustomization")]
        return [inv.unknown(f"kustomize {verb}")]


class Scanner(Cli):
    NAMES = ("tflint", "checkov", "trivy", "tfsec", "kube-linter", "kubeconform", "kubeval", "conftest",
             "semgrep", "gitleaks", "bandit", "safety")
    FAMILY = "lint"
    REMOTE_TARGETS: ClassVar[frozenset[str]] = frozenset({"image", "k8s", "kubernetes", "aws", "vm", "sbom"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else ""
        if inv.name == "trivy" and verb in self.REMOTE_TARGETS:
            return [inv.effect("read", f"cmd:trivy/{verb}", Placement(LOCAL, "it scans and reports"),
                               reversible="yes", summary=f"trivy {verb}: scans and reports (reads)")]
        if inv.name in ("gitleaks", "semgrep") and opts.has("--report-path", "-o", "--output", "--autofix"):
            return [local_work(inv, f"{inv.name}: writes its report or fixes in the project")]
        return [inv.effect("read", f"cmd:{inv.name}", READ_ONLY, reversible="yes",
                           summary=f"{inv.name} {verb} (scans and reports)".replace("  ", " "))]


class Grpcurl(Cli):
    NAMES = ("grpcurl",)
    FAMILY = "net"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "-H", "-rpc-header", "-reflect-header", "-proto",
                                                       "-import-path", "-protoset", "-cacert", "-cert", "-key",
                                                       "-authority", "-servername", "-connect-timeout",
                                                       "-max-time", "-format", "-user-agent"})
    LONG_SINGLE_DASH = True

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        target = opts.positionals[0] if opts.positionals else ""
        host = target.rsplit(":", 1)[0] if target else None
        placement = place_host(inv.ctx.environments, host, "grpcurl host")
        verb = opts.positionals[1] if len(opts.positionals) > 1 else "list"
        if verb in ("list", "describe"):
            return [inv.effect("read", f"grpc:{target}", placement, reversible="yes",
                               summary=f"grpcurl {verb} on {target} (reads what the server offers)")]
        return [inv.effect("modify", f"grpc:{target}/{verb}", placement, reversible="unknown",
                           summary=f"grpcurl calls {verb} on {target}: a request that may change it")]
