"""redis-cli and valkey-cli: the server from -u/-h/-s and the database from -n; the command from the arguments
or, one per line, from stdin. Each command is judged by a table: what it does (FLUSHALL deletes every key of
every database) and which of its arguments are keys; keys fed from list output (`--scan | xargs … DEL`) are
every key. A Lua script (EVAL, --eval) is judged by the commands it calls, where it names them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    INTERACTIVE_TAGS,
    MAX_CLIENT_COMMANDS,
    absent_file,
    host_target,
    port_of,
    read_script,
    stdin_sql,
    url_target,
)
from changegate.understand.lex.lua import lua_calls, lua_values
from changegate.understand.lex.words import client_words
from changegate.understand.sql import parse_db_url

MAX_LUA_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class RedisVerb:
    operation: Operation
    what: str
    scope: Scope = "one"
    data_loss: bool = False
    whole: bool = False
    keys: str = "first"  # which arguments are keys: "first", "all", "pairs" (MSET), "none"


def _verbs(names: str, verb: RedisVerb) -> dict[str, RedisVerb]:
    return dict.fromkeys(names.upper().split(), verb)


REDIS_VERBS: dict[str, RedisVerb] = {
    **_verbs("get mget getrange strlen exists type ttl pttl expiretime pexpiretime keys scan hget hgetall hmget "
             "hkeys hvals hlen hexists hscan hstrlen hrandfield lrange llen lindex lpos smembers sismember smismember "
             "scard sscan srandmember sinter sunion sdiff sintercard zrange zrangebyscore zrangebylex zrevrange "
             "zrevrangebyscore zscore zmscore zcard zcount zlexcount zrank zrevrank zscan zrandmember zinter zunion "
             "zdiff xrange xrevrange xlen xread xinfo xpending info ping echo dbsize time lastsave monitor slowlog "
             "memory object dump randomkey pubsub subscribe psubscribe ssubscribe command latency role hello auth "
             "select bitcount getbit bitpos pfcount geopos geodist georadius_ro georadiusbymember_ro geosearch "
             "geohash wait waitaof readonly readwrite lolwut touch substr lcs sort_ro eval_ro evalsha_ro fcall_ro "
             "json.get json.mget json.type json.strlen json.arrlen json.objkeys json.objlen ft.search ft.info "
             "ft.aggregate ft._list ft.explain ts.get ts.mget ts.range ts.revrange ts.mrange ts.info bf.exists "
             "cf.exists quit reset multi exec discard watch unwatch asking",
             RedisVerb("read", "reads", keys="none")),
    **_verbs("set setex psetex setnx append incr incrby decr decrby incrbyfloat getset getex hset hsetnx hmset "
             "hincrby hincrbyfloat lpush rpush lpushx rpushx lset linsert lmove blmove rpoplpush brpoplpush sadd smove "
             "zadd zincrby xadd xgroup xack xclaim xautoclaim xsetid persist setrange setbit bitfield bitop pfadd "
             "pfmerge geoadd restore sort copy json.set json.arrappend json.arrinsert json.numincrby json.merge "
             "ts.add ts.madd ts.create bf.add cf.add publish spublish sinterstore sunionstore sdiffstore zunionstore "
             "zinterstore zdiffstore zrangestore georadius georadiusbymember geosearchstore lpop rpop blpop brpop "
             "lmpop blmpop spop zpopmin zpopmax bzpopmin bzpopmax zmpop bzmpop srem zrem hdel lrem ltrim xtrim xdel "
             "zremrangebyscore zremrangebyrank zremrangebylex json.arrpop json.arrtrim json.clear",
             RedisVerb("modify", "changes")),
    **_verbs("mset msetnx", RedisVerb("modify", "changes", scope="many", keys="pairs")),
    **_verbs("rename renamenx move", RedisVerb("modify", "renames or moves")),
    **_verbs("del unlink getdel json.del json.forget", RedisVerb("delete", "deletes", keys="all")),
    **_verbs("expire expireat pexpire pexpireat", RedisVerb("delete", "sets to expire (the key will be deleted)")),
    **_verbs("migrate", RedisVerb("delete", "moves keys to another server (they leave this one)", scope="many",
                                  keys="none")),
    "FLUSHDB": RedisVerb("delete", "deletes every key of the database (FLUSHDB)", "all", True, True, "none"),
    "FLUSHALL": RedisVerb("delete", "deletes every key of every database on the server (FLUSHALL)", "all", True,
                          True, "none"),
    "SWAPDB": RedisVerb("replace", "swaps two whole databases", "all", True, True, "none"),
    **_verbs("replicaof slaveof", RedisVerb("delete", "makes the server a replica: it discards its own data",
                                            "all", True, True, "none")),
    **_verbs("shutdown debug failover bgsave save bgrewriteaof", RedisVerb("host_control", "controls the server",
                                                                           keys="none")),
    **_verbs("eval evalsha fcall", RedisVerb("execute_opaque", "runs a Lua script on the server", keys="none")),
    **_verbs("psync sync", RedisVerb("read", "reads the whole dataset as a replica", keys="none")),
}
# Verbs whose subcommand decides: (verb, subcommand) -> effect; a missing pair is a read.
REDIS_SUBCOMMANDS: dict[tuple[str, str], RedisVerb] = {
    ("CONFIG", "SET"): RedisVerb("host_control", "changes the server configuration (CONFIG SET)", keys="none"),
    ("CONFIG", "REWRITE"): RedisVerb("host_control", "rewrites the server's config file", keys="none"),
    ("CONFIG", "RESETSTAT"): RedisVerb("modify", "resets server statistics", keys="none"),
    ("CLIENT", "KILL"): RedisVerb("host_control", "disconnects clients (CLIENT KILL)", "many", keys="none"),
    ("CLIENT", "PAUSE"): RedisVerb("host_control", "pauses every client (CLIENT PAUSE)", "all", keys="none"),
    **{("CLIENT", sub): RedisVerb("read", "sets this connection's own options", keys="none")
       for sub in ("SETNAME", "SETINFO", "REPLY", "TRACKING", "CACHING", "NO-EVICT", "NO-TOUCH", "UNPAUSE")},
    ("SCRIPT", "FLUSH"): RedisVerb("delete", "deletes every cached Lua script", "all", keys="none"),
    ("SCRIPT", "KILL"): RedisVerb("host_control", "kills the running script", keys="none"),
    ("SCRIPT", "LOAD"): RedisVerb("create", "loads a Lua script", keys="none"),
    ("FUNCTION", "FLUSH"): RedisVerb("delete", "deletes every function library", "all", keys="none"),
    ("FUNCTION", "DELETE"): RedisVerb("delete", "deletes a function library", keys="none"),
    ("FUNCTION", "LOAD"): RedisVerb("create", "loads a function library (code run later)", keys="none"),
    ("FUNCTION", "RESTORE"): RedisVerb("replace", "replaces the function libraries", keys="none"),
    ("MODULE", "LOAD"): RedisVerb("execute_opaque", "loads a native module into the server", keys="none"),
    ("MODULE", "LOADEX"): RedisVerb("execute_opaque", "loads a native module into the server", keys="none"),
    ("MODULE", "UNLOAD"): RedisVerb("host_control", "unloads a module", keys="none"),
    ("ACL", "SETUSER"): RedisVerb("permission", "creates or changes a user (ACL SETUSER)", keys="none"),
    ("ACL", "DELUSER"): RedisVerb("permission", "deletes users (ACL DELUSER)", keys="none"),
    ("ACL", "LOAD"): RedisVerb("permission", "reloads the users from the ACL file", keys="none"),
    ("ACL", "SAVE"): RedisVerb("permission", "saves the users to the ACL file", keys="none"),
    ("CLUSTER", "RESET"): RedisVerb("delete", "resets a cluster node (a hard reset drops its data)", "all", True,
                                    keys="none"),
    ("CLUSTER", "FLUSHSLOTS"): RedisVerb("host_control", "removes every slot from the node", "all", keys="none"),
    ("CLUSTER", "FORGET"): RedisVerb("host_control", "removes a node from the cluster", keys="none"),
    ("CLUSTER", "FAILOVER"): RedisVerb("host_control", "fails the cluster over", keys="none"),
    ("CLUSTER", "DELSLOTS"): RedisVerb("host_control", "removes slots from the node", "many", keys="none"),
    ("CLUSTER", "SETSLOT"): RedisVerb("host_control", "moves slots between nodes", keys="none"),
    ("CLUSTER", "MEET"): RedisVerb("host_control", "joins a node to the cluster", keys="none"),
    ("XGROUP", "DESTROY"): RedisVerb("delete", "destroys a consumer group"),
    ("MEMORY", "PURGE"): RedisVerb("modify", "purges allocator memory", keys="none"),
    ("OBJECT", "FREQ"): RedisVerb("read", "reads", keys="none"),
    ("LATENCY", "RESET"): RedisVerb("modify", "resets latency data", keys="none"),
    ("SLOWLOG", "RESET"): RedisVerb("modify", "clears the slow log", keys="none"),
}
# Subcommands of those verbs that only read.
REDIS_READ_SUBCOMMANDS = frozenset({
    "GET", "LIST", "INFO", "HELP", "NODES", "SLOTS", "SHARDS", "ID", "GETNAME", "WHOAMI", "USERS", "GETUSER", "CAT",
    "LOG", "EXISTS", "DUMP", "STATS", "KEYSLOT", "COUNTKEYSINSLOT", "GETKEYSINSLOT", "MYID", "LINKS", "DOCTOR",
    "USAGE", "ENCODING", "IDLETIME", "FREQ", "LATEST", "HISTORY", "GRAPH", "HISTOGRAM", "LEN", "GENPASS", "DRYRUN",
    "COUNT-FAILURE-REPORTS", "GETREDIR", "TRACKINGINFO",
})
REDIS_READ = RedisVerb("read", "reads", keys="none")
REDIS_WITH_SUBCOMMANDS = frozenset(verb for verb, _ in REDIS_SUBCOMMANDS) | {"CONFIG", "CLIENT", "SCRIPT",
                                                                            "FUNCTION", "MODULE", "ACL", "CLUSTER"}


class Redis(Cli):
    NAMES = ("redis-cli", "valkey-cli")
    FAMILY = "redis-cli"
    ENV_VARIABLES = ("REDISCLI_AUTH", "REDISCLI_CLUSTER_YES", "REDISCLI_RCFILE", "REDISCLI_HISTFILE")
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a", "--pass"})
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-h", "-p", "-s", "-a", "--user", "--pass", "-u", "-n", "-r", "-i", "-d", "-D", "-t", "--cacert",
        "--cacertdir", "--cert", "--key", "--sni", "--tls-ciphers", "--tls-ciphersuites", "--rdb",
        "--functions-rdb", "--pattern", "--quoted-pattern", "--count", "--memkeys-samples", "--eval",
        "--pipe-timeout", "--intrinsic-latency", "--lru-test", "--cluster-only-masters", "--keystats-samples",
        "--top", "--cursor",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        server, placement = self.server(inv, opts)
        if opts.has("--eval"):
            return self.eval_file(inv, opts, server, placement)
        if opts.has("--version", "-v", "--help", "--scan", "--bigkeys", "--memkeys", "--hotkeys", "--stat",
                    "--latency", "--latency-history", "--latency-dist", "--rdb", "--functions-rdb",
                    "--intrinsic-latency", "--keystats", "--replica"):
            return [inv.effect("read", f"redis:{server}", placement, kind="database", reversible="yes",
                               summary="reads from the server (keys, statistics or a dump)")]
        if opts.has("--cluster"):
            return self.cluster(inv, opts, server, placement)
        if opts.positionals:
            return self.command(inv, [w.value for w in opts.positional_words], server, placement,
                                args_unknown=inv.args_unknown, stdin_arg=opts.has("-x"))
        text, origin = stdin_sql(inv)
        if text is None:
            if origin:
                return [inv.effect("unknown", f"redis:{server}", placement, tags=("not-understood",),
                                   summary=f"runs redis commands that cannot be read ({origin})")]
            return [inv.effect("modify", f"redis:{server}", placement, tags=INTERACTIVE_TAGS,
                               summary="opens an interactive redis-cli (what is typed there is not visible)")]
        effects: list[Effect] = []
        for line in text.splitlines()[:MAX_CLIENT_COMMANDS]:
            words = client_words(line.strip())
            if words:
                effects.extend(self.command(inv, words, server, placement))
        return effects or [inv.effect("read", f"redis:{server}", placement, reversible="yes", summary="does nothing")]

    @staticmethod
    def server(inv: Invocation, opts: Options) -> tuple[str, Placement]:
        url = opts.value("-u")
        db = opts.value("-n") or "0"
        if url:
            parsed = parse_db_url(url)
            target = url_target(inv, url, "redis URL")
            if parsed is not None and parsed.database:
                db = parsed.database
            return f"{target.host}/{db}", target.placement
        host = opts.value("-h") or opts.value("-s")
        target = host_target(inv, host, "", "redis-cli", "127.0.0.1:6379", "redis host", None,
                             port=port_of(opts.value("-p")) or 6379, tcp_default=not opts.has("-s"))
        return f"{target.host}/{db}", target.placement

    def command(self, inv: Invocation, words: list[str], server: str, placement: Placement, *,
                args_unknown: bool = False, stdin_arg: bool = False) -> list[Effect]:
        verb_name = words[0].upper()
        sub = words[1].upper() if len(words) > 1 else ""
        verb = REDIS_SUBCOMMANDS.get((verb_name, sub))
        if verb is None and verb_name in REDIS_WITH_SUBCOMMANDS:
            verb = REDIS_READ if sub in REDIS_READ_SUBCOMMANDS else None
        if verb is None:
            verb = REDIS_VERBS.get(verb_name)
        if verb is None:
            return [inv.effect("unknown", f"redis:{server}", placement, tags=("not-understood",),
                               summary=f"runs the redis command {verb_name}, which changegate does not know")]
        if verb_name == "EVAL" and len(words) > 1:
            return self.lua(inv, words[1], words[2:], server, placement)
        keys = self.keys(verb, words[1:])
        run_time = args_unknown or any(UNKNOWN_PART in k for k in keys)
        many = len(keys) > 1 or run_time or stdin_arg
        scope: Scope = verb.scope if verb.scope != "one" else ("many" if many else "one")
        resource = f"redis:{server}" if verb.keys == "none" or not keys else f"redis:{server}/key/{keys[0]}"
        tags: tuple[str, ...] = ()
        if run_time:
            resource = f"redis:{server}/key/*"
            if verb.operation in ("delete", "modify") and verb.keys != "none":
                # keys fed from list output (SCAN, KEYS, a loop): every key it lists
                scope, tags = "all", ("dynamic",)
        shown = " ".join(words[:4]).replace(UNKNOWN_PART, "…")
        return [inv.effect(
            verb.operation, resource, placement, scope=scope, kind="keys" if verb.keys != "none" else "database",
            data_loss=verb.data_loss or (run_time and verb.operation == "delete"), whole_environment=verb.whole,
            reversible="yes" if verb.operation == "read" else "no" if verb.operation == "delete" else "unknown",
            summary=f"{verb.what}: {shown}" + (" (keys read at run time: judged as every key)" if tags else
                                               " (keys read at run time)" if run_time else ""),
            tags=tags,
            suggestions=("delete the keys you mean by name, after listing them with SCAN MATCH",) if verb.whole else (),
        )]

    # --- Lua scripts ------------------------------------------------------------------------------------------
    def eval_file(self, inv: Invocation, opts: Options, server: str, placement: Placement) -> list[Effect]:
        """`--eval script.lua key … , arg …`: the script is read and judged by the commands it calls."""
        raw = opts.value("--eval") or ""
        script = read_script(inv, raw, MAX_LUA_BYTES)
        if script.absent:
            return [absent_file(inv, script.path, "redis-cli --eval", placement)]
        keys = [p for p in opts.positionals if p != ","]
        if script.text is None:
            return [inv.effect("execute_opaque", f"redis:{server}/script", placement, kind="code",
                               summary=f"runs the Lua script {raw}, which cannot be read, on the server")]
        return self.lua(inv, script.text, [str(len(keys)), *keys], server, placement)

    def lua(self, inv: Invocation, code: str, rest: list[str], server: str, placement: Placement) -> list[Effect]:
        """EVAL: a script whose every `redis.call('COMMAND', …)` names its command is judged by those
        commands; one that builds a command, loads code or reaches redis another way is opaque."""
        calls = lua_calls(code, lua_values(rest))
        if calls is None:
            return [inv.effect("execute_opaque", f"redis:{server}/script", placement, kind="code",
                               summary=f"runs a Lua script on the server that changegate cannot follow: "
                                       f"{' '.join(code.split())[:80]}")]
        effects: list[Effect] = []
        for words in calls[:MAX_CLIENT_COMMANDS]:
            effects.extend(self.command(inv, words, server, placement))
        return effects or [inv.effect("read", f"redis:{server}", placement, reversible="yes",
                                      summary="runs a Lua script that calls no redis command")]

    @staticmethod
    def keys(verb: RedisVerb, args: list[str]) -> list[str]:
        if verb.keys == "none" or not args:
            return []
        if verb.keys == "all":
            return args
        if verb.keys == "pairs":
            return args[::2]
        return args[:1]

    def cluster(self, inv: Invocation, opts: Options, server: str, placement: Placement) -> list[Effect]:
        words = opts.values("--cluster")[:1] + opts.positionals
        sub = words[0].lower() if words else ""
        if sub in ("info", "check", "help"):
            return [inv.effect("read", f"redis:{server}", placement, reversible="yes", summary=f"cluster {sub}")]
        if sub == "call" and len(words) > 2:
            return self.command(inv, words[2:], "cluster", placement)
        return [inv.effect("host_control", f"redis:{server}/cluster", placement, kind="cluster",
                           summary=f"changes the cluster's layout (--cluster {sub})")]
