"""JavaScript as node, deno and bun run it: what its modules and globals do (`child_process`, `fs`,
`Deno.*`, `Bun.$`), the drivers and SDKs read as the commands they amount to, and the methods of plain
values that change nothing."""

from __future__ import annotations

import re

from changegate.understand.base import UNKNOWN_PART, lit
from changegate.understand.commands.interpreters import scriptcalls as C
from changegate.understand.commands.interpreters.programs import read_program
from changegate.understand.commands.interpreters.scripted import Handler, Language, Script, ScriptCall
from changegate.understand.commands.interpreters.tokens import Syntax
from changegate.understand.commands.interpreters.values import Val

SYNTAX = Syntax(line_comments=("//",), block_comments=(("/*", "*/"),), backtick="template", regex=True,
                interpolation="template", newline_ends=True, dollar_names=True)

MAX_MODULES = 16
PROJECT = "project:"


def module_name(raw: str) -> str:
    """`node:fs` -> fs; `fs/promises` -> fs; `mysql2/promise` -> mysql2; `@aws-sdk/client-s3` as it is."""
    name = raw.removeprefix("node:")
    if name.startswith("@"):
        return "/".join(name.split("/")[:2])
    return name.split("/", 1)[0]


def require(script: Script, call: ScriptCall) -> Val:
    target = call.arg(0)
    name = target.literal()
    if name is None:
        script.actions.opaque("require/import of a module whose name is only known at run time")
        return Val.unknown()
    if name.startswith((".", "/")) and name.endswith(".json"):
        C.reads(0)(script, call)
        return Val.data()
    if name.startswith((".", "/")):
        return project_module(script, name)
    return Val("module", name=module_name(name))


def project_module(script: Script, name: str) -> Val:
    """`require('./lib/x')`: the project's own module, read as well (each once, a bounded number)."""
    seen = script.actions.facts.setdefault("javascript-modules", Val.data()).fields
    base = script.actions.ctx.cwd or ""
    for candidate in (name, f"{name}.js", f"{name}.mjs", f"{name}.cjs", f"{name}/index.js", f"{name}.ts"):
        path = script.actions.ctx.resolve(candidate if candidate.startswith("/") else f"{base}/{candidate}")
        if path is None:
            continue
        if path in seen:
            return Val("module", name=PROJECT + path)
        program = read_program(script.actions.inv, lit(path), f"require('{name}')")
        if program.text is None:
            continue
        seen[path] = Val.data()
        if len(seen) > MAX_MODULES:
            script.actions.unknown(f"requires more than {MAX_MODULES} modules of the project")
            return Val.unknown()
        Script(script.actions, script.lang).run(program.text, f"the module {path}")
        return Val("module", name=PROJECT + path)
    script.actions.unknown(f"requires {name}, a module of the project that cannot be read")
    return Val.unknown()


def fs_open(script: Script, call: ScriptCall) -> Val:
    flags = call.arg(1).literal() or "r"
    path = C.as_path(call.arg(0))
    if any(c in flags for c in "wa+"):
        script.actions.write(path, append=flags.startswith("a"))
        return Val("num")
    script.actions.read(path)
    return Val("num")


def write_stream(script: Script, call: ScriptCall) -> Val:
    options = call.arg(1)
    flags = options.field("flags") if options.kind == "dict" else None
    script.actions.write(C.as_path(call.arg(0)), append=flags is not None and (flags.text or "").startswith("a"))
    return Val.obj("stream")


def child_fork(script: Script, call: ScriptCall) -> Val:
    """`child_process.fork(module)` runs another node process (in a loop that never ends: a fork bomb)."""
    script.forks += 1
    script.actions.fork(in_loop=script.in_endless_loop(), evidence=call.text or call.name)
    module = call.arg(0)
    script.actions.argv([Val.string("node"), module], call.name)
    return Val.obj("process")


def deno_command(script: Script, call: ScriptCall) -> Val:
    options = call.arg(1)
    args = options.field("args") if options.kind == "dict" else None
    rest = list(args.items) if args is not None and args.items is not None else []
    words = [call.arg(0), *rest]
    return Val.obj("command", argv=Val.list_of(words))


def deno_run(script: Script, call: ScriptCall) -> Val:
    options = call.arg(0)
    command = options.field("cmd") if options.kind == "dict" else None
    if command is not None and command.items is not None:
        script.actions.argv(list(command.items), call.name)
    else:
        script.actions.opaque(f"{call.name} of a command only known at run time")
    return Val.obj("process")


def command_object(script: Script, owner: Val, method: str, call: ScriptCall) -> Val | None:
    if method in ("output", "outputSync", "spawn", "status"):
        argv = owner.field("argv")
        script.actions.argv(list(argv.items or ()) if argv is not None else [Val.unknown()], "Deno.Command")
        return Val.data()
    return None


def bun_shell(script: Script, call: ScriptCall) -> Val:
    script.actions.shell(call.arg(0), "Bun.$")
    return Val.obj("process")


def pg_client(script: Script, call: ScriptCall) -> Val:
    return C.sql_connection(C.connection_url(call.arg(0), "postgresql"), "pg")


def mysql_client(script: Script, call: ScriptCall) -> Val:
    return C.sql_connection(C.connection_url(call.arg(0), "mysql"), "mysql")


def sqlite_client(script: Script, call: ScriptCall) -> Val:
    return C.sql_connection(C.sql_path_url(call.arg(0)), "sqlite")


def mongo_client(script: Script, call: ScriptCall) -> Val:
    return Val.obj("mongo-client", url=call.arg(0))


def redis_client(script: Script, call: ScriptCall) -> Val:
    config = call.arg(0)
    if config.textual:
        return Val.obj("redis", url=config)
    if config.kind == "dict":
        url = config.field("url")
        if url is not None:
            return Val.obj("redis", url=url)
        fields = {"host": config.field("host") or Val.string("localhost")}
        port = config.field("port")
        if port is not None:
            fields["port"] = port
        return Val.obj("redis", **fields)
    return Val.obj("redis", host=Val.string("localhost"))


def es_client(script: Script, call: ScriptCall) -> Val:
    config = call.arg(0)
    node = config.field("node") if config.kind == "dict" else None
    return Val.obj("es-client", url=node or Val.string("http://localhost:9200"))


def gcs_client(script: Script, call: ScriptCall) -> Val:
    config = call.arg(0)
    project = config.field("projectId") if config.kind == "dict" else None
    return Val.obj("gcs-client", **({"project": project} if project is not None else {}))


def from_ini(script: Script, call: ScriptCall) -> Val:
    config = call.arg(0)
    profile = config.field("profile") if config.kind == "dict" else None
    return Val("dict", fields={"profile": profile} if profile is not None else {})


AWS_V3_CLIENT = re.compile(r"@aws-sdk/client-([\w-]+)\.(\w+)Client")
AWS_V3_COMMAND = re.compile(r"@aws-sdk/client-[\w-]+\.(\w+)Command")
AWS_V2_CLIENT = re.compile(r"aws-sdk\.(\w+)")
AWS_V2_SERVICES = {"S3": "s3", "EC2": "ec2", "DynamoDB": "dynamodb", "RDS": "rds", "Lambda": "lambda", "SQS": "sqs",
                   "SNS": "sns", "IAM": "iam", "CloudFormation": "cloudformation", "ECS": "ecs", "EKS": "eks",
                   "SecretsManager": "secretsmanager", "SSM": "ssm", "KMS": "kms", "Route53": "route53",
                   "CloudWatchLogs": "logs", "ECR": "ecr", "ElastiCache": "elasticache"}


def construct(script: Script, call: ScriptCall) -> Val:
    """`new X(…)` for the SDK clients and commands whose names follow a pattern."""
    name = call.name
    match = AWS_V3_CLIENT.fullmatch(name)
    if match:
        return C.aws_client(Val.string(match.group(1)), call.arg(0), script.actions)
    match = AWS_V3_COMMAND.fullmatch(name)
    if match:
        return Val.obj("aws-command", operation=Val.string(match.group(1)), params=call.arg(0))
    match = AWS_V2_CLIENT.fullmatch(name)
    if match and match.group(1) in AWS_V2_SERVICES:
        return C.aws_client(Val.string(AWS_V2_SERVICES[match.group(1)]), call.arg(0), script.actions)
    return C.not_mine(script, call)


def eval_code(script: Script, call: ScriptCall) -> Val:
    return C.code()(script, call)


def timer(script: Script, call: ScriptCall) -> Val:
    """setTimeout('code', …) evaluates a string; setInterval(fn) runs for ever."""
    first = call.arg(0)
    if first.textual:
        return C.code()(script, call)
    return Val("num")


FS_FUNCTIONS: dict[str, Handler] = {}
for prefix in ("fs", "fs-extra", "graceful-fs"):
    FS_FUNCTIONS.update({
        **{f"{prefix}.{n}": C.deletes(0, option="recursive") for n in ("rmSync", "rm", "rmdirSync", "rmdir")},
        **{f"{prefix}.{n}": C.deletes(0) for n in ("unlinkSync", "unlink")},
        **{f"{prefix}.{n}": C.deletes(0, recursive=True) for n in ("removeSync", "remove", "emptyDirSync",
                                                                     "emptyDir")},
        **{f"{prefix}.{n}": C.writes(0) for n in ("writeFileSync", "writeFile", "truncateSync", "truncate",
                                                  "outputFileSync", "outputFile", "writeJsonSync", "writeJson")},
        **{f"{prefix}.{n}": C.writes(0, append=True) for n in ("appendFileSync", "appendFile")},
        **{f"{prefix}.{n}": C.makes_directory(0) for n in ("mkdirSync", "mkdir", "mkdirpSync", "ensureDirSync",
                                                           "ensureDir", "mkdtempSync", "mkdtemp")},
        **{f"{prefix}.{n}": C.moves(0, 1) for n in ("renameSync", "rename", "moveSync", "move")},
        **{f"{prefix}.{n}": C.copies(0, 1, option="recursive") for n in ("copyFileSync", "copyFile", "cpSync",
                                                                           "cp", "copySync", "copy")},
        **{f"{prefix}.{n}": C.chmods(0, 1) for n in ("chmodSync", "chmod", "lchmodSync")},
        **{f"{prefix}.{n}": C.chowns(0, 1) for n in ("chownSync", "chown", "lchownSync")},
        **{f"{prefix}.{n}": C.links(0, 1) for n in ("symlinkSync", "symlink", "linkSync", "link", "ensureSymlinkSync")},
        **{f"{prefix}.{n}": C.touches(0) for n in ("utimesSync", "utimes", "ensureFileSync", "ensureFile")},
        **{f"{prefix}.{n}": C.reads(0) for n in ("readFileSync", "readFile", "readJsonSync", "readJson")},
        **{f"{prefix}.{n}": C.reads(0, gives="list") for n in ("readdirSync", "readdir")},
        **{f"{prefix}.{n}": C.reads(0, gives="data") for n in ("statSync", "stat", "lstatSync", "lstat", "existsSync",
                                                               "exists", "accessSync", "access", "realpathSync",
                                                               "realpath", "readlinkSync", "readlink", "opendirSync",
                                                               "watch", "watchFile", "pathExistsSync", "pathExists")},
        f"{prefix}.createReadStream": C.reads(0, gives="file"), f"{prefix}.createWriteStream": write_stream,
        f"{prefix}.openSync": fs_open, f"{prefix}.open": fs_open,
        **{f"{prefix}.{n}": C.data for n in ("closeSync", "close", "writeSync", "readSync", "fsyncSync")},
    })

FUNCTIONS: dict[str, Handler] = {
    "require": require, "import": require, "eval": eval_code, "Function": C.code(), "new Function": C.code(),
    "vm.runInThisContext": C.code(), "vm.runInNewContext": C.code(), "vm.runInContext": C.code(),
    "new vm.Script": C.code(), "setTimeout": timer, "setInterval": timer, "setImmediate": C.data,
    "queueMicrotask": C.data, "clearTimeout": C.data, "clearInterval": C.data, "structuredClone": C.identity,
    # processes
    **{f"child_process.{n}": C.shell(0) for n in ("exec", "execSync")},
    **{f"child_process.{n}": C.argv(0, 1, options=2) for n in ("execFile", "execFileSync", "spawn", "spawnSync")},
    "child_process.fork": child_fork, "process.kill": C.kills(0, 1), "process.exit": C.nothing,
    "process.cwd": C.cwd, "process.chdir": C.chdir, "process.binding": C.opaque("it reaches node's internals"),
    "process._linkedBinding": C.opaque("it reaches node's internals"),
    "process.dlopen": C.opaque("it loads native code"), "process.on": C.data, "process.nextTick": C.data,
    "process.hrtime": C.data, "process.memoryUsage": C.data, "process.uptime": C.data,
    "process.stdout.write": C.data, "process.stderr.write": C.data, "process.stdin.on": C.data,
    "process.emitWarning": C.data, "process.umask": C.data,
    "execa": C.argv(0, 1), "execa.execa": C.argv(0, 1), "execa.execaSync": C.argv(0, 1),
    "execa.execaCommand": C.shell(0), "shelljs.exec": C.shell(0), "shelljs.rm": C.deletes(1, recursive=True),
    "zx.$``": bun_shell,
    # files
    **FS_FUNCTIONS, "rimraf": C.deletes(0, recursive=True), "rimraf.sync": C.deletes(0, recursive=True),
    "rimraf.rimraf": C.deletes(0, recursive=True), "rimraf.rimrafSync": C.deletes(0, recursive=True),
    "del": C.deletes(0, recursive=True), "del.deleteSync": C.deletes(0, recursive=True),
    "del.deleteAsync": C.deletes(0, recursive=True), "trash": C.deletes(0, recursive=True),
    "mkdirp": C.makes_directory(0), "mkdirp.sync": C.makes_directory(0),
    "os.homedir": C.home, "os.tmpdir": C.temporary, "path.join": C.joins, "path.resolve": C.resolves,
    "path.dirname": C.dirname, "path.basename": C.basename, "path.normalize": C.joins,
    "glob.sync": C.globs(0), "glob.globSync": C.globs(0), "glob": C.globs(0), "glob.glob": C.globs(0),
    "fast-glob.sync": C.globs(0), "fast-glob": C.globs(0),
    # Deno and Bun
    "Deno.removeSync": C.deletes(0, option="recursive"), "Deno.remove": C.deletes(0, option="recursive"),
    **{f"Deno.{n}": C.writes(0) for n in ("writeTextFileSync", "writeTextFile", "writeFileSync", "writeFile",
                                         "truncateSync", "truncate")},
    **{f"Deno.{n}": C.reads(0) for n in ("readTextFileSync", "readTextFile", "readFileSync", "readFile")},
    **{f"Deno.{n}": C.reads(0, gives="data") for n in ("statSync", "stat", "lstatSync", "lstat", "readDirSync",
                                                      "readDir", "realPathSync", "realPath")},
    "Deno.mkdirSync": C.makes_directory(0), "Deno.mkdir": C.makes_directory(0), "Deno.renameSync": C.moves(0, 1),
    "Deno.rename": C.moves(0, 1), "Deno.copyFileSync": C.copies(0, 1), "Deno.copyFile": C.copies(0, 1),
    "Deno.chmodSync": C.chmods(0, 1), "Deno.chmod": C.chmods(0, 1), "Deno.symlinkSync": C.links(0, 1),
    "Deno.env.get": C.environment(0), "Deno.cwd": C.cwd, "Deno.chdir": C.chdir, "Deno.exit": C.nothing,
    "Deno.run": deno_run, "new Deno.Command": deno_command, "Deno.kill": C.kills(0, 1),
    "Deno.openSync": fs_open, "Deno.open": fs_open, "Deno.makeTempDirSync": C.temporary,
    "Bun.$``": bun_shell, "Bun.spawn": C.argv(0, None), "Bun.spawnSync": C.argv(0, None),
    "Bun.write": C.writes(0), "Bun.file": C.reads(0, gives="file"), "Bun.env.get": C.environment(0),
    "Bun.sleep": C.data,
    # network
    "fetch": C.requests(None, 0), **{f"axios.{m}": C.requests(m, 0) for m in ("get", "delete", "head", "options")},
    **{f"axios.{m}": C.requests(m, 0, options=1) for m in ("post", "put", "patch")},
    "axios": C.requests(None, 0), "axios.request": C.requests(None, 0), "got": C.requests("get", 0),
    "node-fetch": C.requests(None, 0), "https.get": C.requests("get", 0), "http.get": C.requests("get", 0),
    "https.request": C.requests(None, 0), "http.request": C.requests(None, 0),
    "net.connect": C.not_understood("opens a network connection"),
    "net.createConnection": C.not_understood("opens a network connection"),
    # databases and clouds
    "new pg.Client": pg_client, "new pg.Pool": pg_client, "pg.Client": pg_client, "pg.Pool": pg_client,
    "postgres": pg_client, "new mysql.createConnection": mysql_client, "mysql.createConnection": mysql_client,
    "mysql.createPool": mysql_client, "mysql2.createConnection": mysql_client, "mysql2.createPool": mysql_client,
    "better-sqlite3": sqlite_client, "new better-sqlite3": sqlite_client, "new sqlite3.Database": sqlite_client,
    "new mongodb.MongoClient": mongo_client, "mongodb.MongoClient.connect": mongo_client,
    "redis.createClient": redis_client, "new ioredis": redis_client, "ioredis": redis_client,
    "new @elastic/elasticsearch.Client": es_client, "new @google-cloud/storage.Storage": gcs_client,
    "@aws-sdk/credential-providers.fromIni": from_ini, "@aws-sdk/credential-provider-ini.fromIni": from_ini,
    "new *": construct,
}
# values every script starts with
GLOBALS: dict[str, Val] = {
    "process.env": Val("environ"), "Bun.env": Val("environ"), "process.argv": Val.list_of(elem=Val.string(UNKNOWN_PART)),
    "process.platform": Val.string(UNKNOWN_PART), "process.version": Val.string(UNKNOWN_PART),
    "process.versions": Val.data(), "process.pid": Val("num"), "process.arch": Val.string(UNKNOWN_PART),
    "process.stdout": Val("module", name="process.stdout"), "process.stderr": Val("module", name="process.stderr"),
    "process.stdin": Val("module", name="process.stdin"), "process.exitCode": Val("num"),
    "fs.promises": Val("module", name="fs"), "fs.constants": Val.data(), "Deno.args": Val.list_of(elem=Val.data()),
    "Deno.env": Val("module", name="Deno.env"), "Deno.build": Val.data(), "Deno.version": Val.data(),
    "Deno.pid": Val("num"), "__dirname": Val.path(UNKNOWN_PART), "__filename": Val.path(UNKNOWN_PART),
    "module": Val.data(), "exports": Val.data(), "path.sep": Val.string("/"), "os.EOL": Val.string("\n"),
    "Bun.argv": Val.list_of(elem=Val.data()), "Bun.version": Val.string(UNKNOWN_PART),
    "global": Val("module", name="globalThis"), "globalThis": Val("module", name="globalThis"),
    "window": Val("module", name="globalThis"), "self": Val("module", name="globalThis"),
    "Math.PI": Val("num"), "Number.MAX_SAFE_INTEGER": Val("num"),
}
for name in ("console", "JSON", "Math", "Object", "Array", "String", "Number", "Boolean", "Date", "Promise",
             "Buffer", "Symbol", "Reflect", "Intl", "process", "Deno", "Bun", "Atomics", "BigInt", "RegExp",
             "Error", "Map", "Set", "WeakMap", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "crypto",
             "performance", "Proxy", "globalThis"):
    GLOBALS.setdefault(name, Val("module", name=name))
for name in ("parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent", "decodeURIComponent", "encodeURI",
             "decodeURI", "atob", "btoa", "require", "fetch", "setTimeout", "setInterval", "eval", "Function",
             "structuredClone", "queueMicrotask", "clearTimeout", "clearInterval", "setImmediate", "import"):
    GLOBALS.setdefault(name, Val("func", name=name))

PURE = frozenset({
    "console", "JSON", "Math", "Object", "Array", "String", "Number", "Boolean", "Date", "Promise", "Buffer",
    "Symbol", "Intl", "Atomics", "BigInt", "RegExp", "Error", "Map", "Set", "WeakMap", "URL", "URLSearchParams",
    "TextEncoder", "TextDecoder", "performance", "parseInt", "parseFloat", "isNaN", "isFinite",
    "encodeURIComponent", "decodeURIComponent", "encodeURI", "decodeURI", "atob", "btoa", "path", "util", "url",
    "querystring", "crypto", "os", "assert", "events", "zlib", "string_decoder", "timers", "test", "node:test",
    "readline", "process.stdout", "process.stderr", "process.stdin", "process.memoryUsage", "stream", "buffer",
    "lodash", "underscore", "dayjs", "moment", "chalk", "uuid", "yaml", "js-yaml", "semver", "minimist", "commander",
    "yargs", "dotenv.config", "Deno.inspect", "Bun.inspect", "Bun.hash", "Bun.nanoseconds", "Deno.env.toObject",
    "globalThis.console", "globalThis.JSON", "globalThis.Math", "Deno.args", "Reflect.ownKeys", "Reflect.has",
})
SAFE_METHODS = frozenset({
    # strings
    "charAt", "charCodeAt", "codePointAt", "concat", "endsWith", "includes", "indexOf", "lastIndexOf",
    "localeCompare", "match", "matchAll", "normalize", "padEnd", "padStart", "repeat", "replace", "replaceAll",
    "search", "slice", "split", "startsWith", "substring", "substr", "toLowerCase", "toUpperCase", "trim",
    "trimStart", "trimEnd", "toLocaleLowerCase", "toLocaleUpperCase", "at", "toString", "valueOf", "toFixed",
    "toPrecision", "toLocaleString", "toJSON", "toISOString", "getTime", "getFullYear", "getMonth", "getDate",
    "getDay", "getHours", "getMinutes", "getSeconds", "getMilliseconds", "getTimezoneOffset", "toDateString",
    "toTimeString", "toUTCString", "setDate", "setHours", "setMonth", "setFullYear",
    # arrays, maps, sets
    "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "join", "map", "filter", "reduce", "reduceRight",
    "forEach", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "flat", "flatMap", "fill",
    "keys", "values", "entries", "get", "set", "has", "add", "delete", "clear", "copyWithin", "toSorted",
    "toReversed", "with", "length", "size",
    # promises, regexes, buffers, misc
    "then", "catch", "finally", "test", "exec", "readUInt8", "readUInt32LE", "writeUInt8", "equals", "compare",
    "subarray", "digest", "update", "json", "text", "arrayBuffer", "blob", "log", "error", "warn", "info",
    "debug", "table", "dir", "time", "timeEnd", "trace", "assert", "count", "group", "groupEnd", "bind", "call",
    "apply", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "on", "once", "emit", "pipe", "resume",
    "setEncoding", "end", "write", "close", "question", "createInterface", "unref", "ref",
})
ITERATING = frozenset({"forEach", "map", "filter", "reduce", "some", "every", "find", "findIndex", "flatMap",
                       "sort", "each", "findLast", "then"})
ALIASES = {"child_process.execSync": "child_process.execSync", "globalThis.eval": "eval", "globalThis.Function": "Function",
           "globalThis.require": "require", "globalThis.process": "process", "globalThis.fetch": "fetch",
           "globalThis.setTimeout": "setTimeout", "node-fetch.default": "fetch", "cross-fetch": "fetch",
           "axios.default": "axios", "pg.default.Client": "pg.Client", "mysql2.createConnection": "mysql2.createConnection",
           "shelljs.rm": "shelljs.rm"}

LANGUAGE = Language(
    name="JavaScript", syntax=SYNTAX, functions=FUNCTIONS, globals=GLOBALS, pure=PURE, safe_methods=SAFE_METHODS,
    iterating=ITERATING, block_style="brace", concat_ops=frozenset({"+"}), declarations=frozenset({"const", "let",
                                                                                                  "var"}),
    method_ops=frozenset({".", "?."}), aliases=ALIASES, objects={"command": command_object},
)
