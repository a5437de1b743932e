"""knife (Chef): `knife NOUN VERB [ARGS] [OPTIONS]` against the Chef server (`-s`/`--server-url`, placed by
`-E`/`--environment`), and `knife ssh QUERY COMMAND`, which runs COMMAND on every node the search query
matches (`role:db`, `chef_environment:prod`, `*:*`; with `-m` the query is a list of hosts)."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, nouns
from changegate.understand.commands.platforms.fleet import place_fleet, run_on_fleet

EVERY_NODE = frozenset({"*:*", "*", "name:*"})


class Knife(Platform):
    NAMES = ("knife",)
    FAMILY = "chef"
    ENV_VARIABLES = ("CHEF_SERVER_URL", "KNIFE_HOME", "CHEF_CONFIG")
    VALUE_OPTIONS = frozenset({
        "-s", "--server-url", "-E", "--environment", "-c", "--config", "-u", "--user", "-k", "--key", "-x",
        "--ssh-user", "-P", "--ssh-password", "-p", "--ssh-port", "-i", "--ssh-identity-file", "-a", "--attribute",
        "-C", "--concurrency", "-G", "--ssh-gateway", "--ssh-gateway-identity", "-F", "--format", "--profile",
        "-r", "--run-list", "-N", "--node-name", "--secret", "--secret-file", "-o", "--config-option",
        "--chef-zero-port",
    })
    ADDRESS_OPTIONS = ("-s", "--server-url")
    ADDRESS_VARIABLES = ("CHEF_SERVER_URL",)
    CONTEXT_OPTIONS = ("-E", "--environment")
    DATA_NOUNS = frozenset({"data", "bag", "vault", "cookbook"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"environment", "org", "organization"})
    PERMISSION_NOUNS = frozenset({"acl", "user", "client", "group"})
    SECRET_NOUNS = frozenset({"vault"})
    NOUNS = nouns("node", "nodes", "role", "roles", "cookbook", "cookbooks", "environment", "client", "data",
                  "bag", "vault", "user", "org", "acl", "group", "tag", "supermarket")

    def ssh(self, call: Call) -> list[Effect]:
        inv = call.inv
        query = call.args[0] if call.args else "*:*"
        command = " ".join(call.args[1:])
        if call.opts.has("-m", "--manual-list"):
            fleet = place_fleet(inv, hosts=[",".join(query.split())], what="node")
        elif query in EVERY_NODE:
            fleet = place_fleet(inv, every=True, groups=call.opts.values("-E", "--environment"), what="node")
        else:
            terms = [t.split(":", 1)[-1] for t in query.replace(" AND ", " ").replace(" OR ", " ").split()]
            fleet = place_fleet(inv, groups=[*terms, *call.opts.values("-E", "--environment")], what="node")
        if not command:
            return [inv.unknown("knife ssh without a command")]
        run_on_fleet(inv, fleet, command, user=call.opts.value("-x", "--ssh-user"))
        return []

    VERBS = {**Platform.VERBS, "ssh": ssh, "bootstrap": "modify", "exec": "unknown"}
