"""Static file servers (http-server, miniserve, darkhttpd, simple-http-server) and ngrok: what they hand out
to whoever connects. Serving a project directory is ordinary work; serving the root, a home directory,
system directories or credentials carries them off (`served_directory`). ngrok puts a local service (or a
directory, `file://PATH`) on a public address, placed by the address it is given."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.net.common import NetTool, is_loopback, served_directory
from changegate.understand.placement import place_host


class StaticServer(NetTool):
    """`TOOL [OPTIONS] [DIRECTORY]`: the directory (the current one when none is given) served on a port."""

    NAMES: ClassVar[tuple[str, ...]] = ("http-server",)
    VALUE_OPTIONS = frozenset({"-p", "--port", "-a", "-c", "-e", "--ext", "-P", "--proxy", "--proxy-options",
                               "--username", "--password", "-C", "--cert", "-K", "--key", "-t", "--timeout",
                               "-r", "--robots", "--log-ip", "-m"})
    BIND_OPTIONS: ClassVar[tuple[str, ...]] = ("-a",)
    PORT_OPTIONS: ClassVar[tuple[str, ...]] = ("-p", "--port")
    DEFAULT_BIND: ClassVar[str] = "0.0.0.0"

    def analyze(self, inv: Invocation) -> list[Effect]:
        """Without arguments it serves the current directory."""
        return self.effects(inv) if not inv.words else super().analyze(inv)

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        directory = walked.positionals[0].value if walked.positionals else "."
        bind = next((w.value for w in reversed(walked.values(*self.BIND_OPTIONS))), self.DEFAULT_BIND)
        port = next((w.value for w in reversed(walked.values(*self.PORT_OPTIONS))), "")
        return served_directory(inv, directory, bind, port)


class Miniserve(StaticServer):
    NAMES = ("miniserve",)
    VALUE_OPTIONS = frozenset({"-i", "--interfaces", "-p", "--port", "-a", "--auth", "--auth-file", "-c",
                               "--color-scheme", "-d", "--color-scheme-dark", "-t", "--title", "--header",
                               "--index", "--route-prefix", "--tls-cert", "--tls-key", "--random-route",
                               "--spa-index", "--pretty-urls", "-F"})
    BIND_OPTIONS = ("-i", "--interfaces")


class Darkhttpd(StaticServer):
    NAMES = ("darkhttpd",)
    VALUE_OPTIONS = frozenset({"--port", "--addr", "--maxconn", "--log", "--index", "--mimetypes",
                               "--default-mimetype", "--uid", "--gid", "--pidfile", "--auth", "--header",
                               "--forward", "--forward-all", "--timeout", "--ipv6"})
    BIND_OPTIONS = ("--addr",)
    PORT_OPTIONS = ("--port",)


class SimpleHttpServer(StaticServer):
    NAMES = ("simple-http-server",)
    VALUE_OPTIONS = frozenset({"-p", "--port", "--ip", "-a", "--auth", "-c", "--compress", "--cert",
                               "--certpass", "-l", "--log", "-s", "--sort", "-t", "--threads", "--redirect",
                               "--base-url", "--coop", "--coep", "--csp"})
    BIND_OPTIONS = ("--ip",)


class Ngrok(Cli):
    """`ngrok [GLOBALS] VERB ADDRESS [OPTIONS]`: `http`/`tcp`/`tls` put a local address on a public one."""

    NAMES = ("ngrok",)
    FAMILY = "net"
    VALUE_OPTIONS = frozenset({"--config", "--log", "--log-format", "--log-level", "--authtoken", "--region",
                               "--url", "--domain", "--hostname", "--subdomain", "--basic-auth", "--oauth",
                               "--oauth-allow-domain", "--oauth-allow-email", "--oidc", "--traffic-policy-file",
                               "--host-header", "--request-header-add", "--response-header-add", "--cidr-allow",
                               "--cidr-deny", "--remote-addr", "--scheme", "--name", "--metadata", "--binding",
                               "--upstream-protocol", "--pooling-enabled", "--api-key"})
    ADDRESS_OPTIONS = ("--url", "--domain", "--hostname", "--remote-addr")
    ENV_VARIABLES = ("NGROK_AUTHTOKEN", "NGROK_CONFIG", "NGROK_API_KEY")

    def expose(self, call: Call) -> list[Effect]:
        """The local address (a port, `host:port`, a URL or `file://PATH`) on a public address."""
        inv = call.inv
        local = call.args[0] if call.args else "80"
        public = call.opts.value(*self.ADDRESS_OPTIONS)
        audience = (place_host(inv.ctx.environments, public.split("://")[-1].split("/")[0], "ngrok public address")
                    if public else Placement(UNKNOWN, "a public address anyone on the internet can reach"))
        if local.startswith("file://"):
            return served_directory(inv, local.removeprefix("file://") or "/", public or "0.0.0.0")
        host = local.split("://")[-1].rsplit(":", 1)[0] if ":" in local.split("://")[-1] else "localhost"
        if not is_loopback(host):
            audience = Placement(audience.environment if public else UNKNOWN,
                                 f"{host} is put on {public or 'a public address'}")
        return [inv.effect("modify", f"net:ngrok/{public or '?'}", audience, kind="public endpoint",
                           tags=("exposed-port",), reversible="yes",
                           summary=f"ngrok {call.verb} puts {local} on {public or 'a public address'}: anyone who "
                                   "reaches it reaches the service",
                           suggestions=("name a dev address (--url dev-….ngrok.app) and protect it (--basic-auth)",))]

    def configures(self, call: Call) -> list[Effect]:
        return [call.inv.effect("modify", "net:ngrok/config", Placement(LOCAL, "the agent's own ngrok settings"),
                                reversible="yes", summary=f"ngrok {call.verb} {' '.join(call.args[:1])}")]

    VERBS = {**Cli.VERBS, **dict.fromkeys(("http", "tcp", "tls"), expose), "config": configures,
             "authtoken": configures,
             **dict.fromkeys(("version", "help", "diagnose", "completion", "--help", "-h", "--version"), "read")}

    def simple(self, call: Call, operation: str) -> Effect:
        if operation == "read":
            return call.inv.effect("read", "cmd:ngrok", Placement(LOCAL, "it only prints"), reversible="yes",
                                   summary=f"ngrok {call.verb}")
        return super().simple(call, operation)
