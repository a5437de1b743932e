"""Handlers the scripting languages share: a table entry says which argument is the path, the command or
the URL (`deletes(0, recursive_option="recursive")` is `fs.rmSync(path, {recursive})`, `FileUtils.rm_rf`,
`unlink`, `os.remove`), and the handler hands the call to `Actions` as the command that does the same."""

from __future__ import annotations

import posixpath

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.scripted import (
    NOT_MINE,
    Handler,
    Language,
    Script,
    ScriptCall,
)
from changegate.understand.commands.interpreters.services import http_request
from changegate.understand.commands.interpreters.values import Val, concat

MAX_EACH = 16  # items of a known list handled one by one


def each_path(value: Val) -> list[Val]:
    """A path argument, or each path of a list of them (`unlink glob "…"`, `FileUtils.rm_rf([a, b])`)."""
    if value.kind == "list":
        if value.items is not None and len(value.items) <= MAX_EACH:
            return [as_path(v) for v in value.items]
        return [as_path(value.iterated())]
    return [as_path(value)]


def as_path(value: Val) -> Val:
    if value.kind == "path":
        return value
    if value.kind == "file" and value.field("path") is not None:
        return value.field("path") or value
    return Val("path", text=value.text_or_unknown(), glob=value.glob, tree=value.tree)


def paths_of(call: ScriptCall, index: int, *, every: bool) -> list[Val]:
    """The path at `index`, or every argument from there (`unlink($a, $b)`, `File.delete(a, b)`)."""
    values = call.args[index:] if every else call.args[index:index + 1]
    out: list[Val] = []
    for value in values:
        if value.kind == "dict" or value.kind == "fn":
            continue
        out.extend(each_path(value))
    return out or [Val.unknown("no path")]


def truthy(value: Val | None) -> bool:
    return value is not None and value.kind in ("bool", "num", "str") and value.text not in (None, "false", "0", "")


def deletes(index: int = 0, *, recursive: bool = False, option: str = "", every: bool = False,
            directory: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        deep = recursive or (bool(option) and truthy(call.option(option)))
        for path in paths_of(call, index, every=every):
            if directory and not deep:
                script.actions.remove_directory(path)
            else:
                script.actions.delete(path, recursive=deep)
        return Val("num")

    return handle


def writes(index: int = 0, *, append: bool = False, content: int | None = 1, mode: int | None = None) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        opened = call.arg(mode).literal() if mode is not None else None
        if mode is not None and opened is not None and not any(c in opened for c in "wax+"):
            script.actions.read(as_path(call.arg(index)))
            return Val("file", fields={"path": as_path(call.arg(index))})
        data = call.arg(content) if content is not None and content < len(call.args) else None
        for path in paths_of(call, index, every=False):
            script.actions.write(path, append=append or (opened or "").startswith("a"), content=data)
        return Val("file", fields={"path": as_path(call.arg(index))}, writable=True)

    return handle


def reads(index: int = 0, *, gives: str = "text") -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        path = as_path(call.arg(index))
        script.actions.read(path)
        if gives == "list":
            return Val.list_of(elem=Val("str", text="*", glob=True))
        if gives == "paths":
            return Val.list_of(elem=Val.path(posixpath.join(path.text_or_unknown(), "*"), glob=True))
        if gives == "file":
            return Val("file", fields={"path": path})
        return Val.string(UNKNOWN_PART) if gives == "text" else Val.data()

    return handle


def moves(source: int = 0, target: int = 1) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        destination = as_path(call.arg(target))
        for path in paths_of(call, source, every=False):
            script.actions.move(path, destination)
        return destination

    return handle


def copies(source: int = 0, target: int = 1, *, recursive: bool = False, option: str = "") -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        destination = as_path(call.arg(target))
        deep = recursive or (bool(option) and truthy(call.option(option)))
        for path in paths_of(call, source, every=False):
            script.actions.copy(path, destination, recursive=deep)
        return destination

    return handle


def makes_directory(index: int = 0, *, every: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        for path in paths_of(call, index, every=every):
            script.actions.make_directory(path)
        return Val("none")

    return handle


def chmods(path: int = 0, mode: int = 1, *, every: bool = False, recursive: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        for target in paths_of(call, path, every=every):
            script.actions.chmod(target, call.arg(mode), recursive=recursive)
        return Val("none")

    return handle


def chowns(path: int = 0, owner: int = 1, *, every: bool = False, recursive: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        for target in paths_of(call, path, every=every):
            script.actions.chown(target, call.arg(owner), recursive=recursive)
        return Val("none")

    return handle


def links(target: int = 0, link: int = 1) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        script.actions.link(as_path(call.arg(target)), as_path(call.arg(link)))
        return Val("none")

    return handle


def touches(index: int = 0, *, every: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        for path in paths_of(call, index, every=every):
            script.actions.touch(path)
        return Val("none")

    return handle


def shell(index: int = 0) -> Handler:
    """A string run by a shell (`exec('…')`, `system("…")`, `os.execute("…")`); a list is a program and its
    arguments."""
    def handle(script: Script, call: ScriptCall) -> Val:
        command = call.arg(index)
        if command.kind == "list" and command.items is not None:
            script.actions.argv(list(command.items), call.name)
        elif len(call.args) > index + 1 and all(a.textual for a in call.args[index:]) and \
                call.name in LIST_FORMS:
            script.actions.argv(call.args[index:], call.name)  # system("rm", "-rf", $x): no shell
        else:
            script.actions.shell(command, call.name)
        return Val.string(UNKNOWN_PART)

    return handle


# calls that run a program with its arguments (no shell) when given more than one argument
LIST_FORMS = frozenset({"system", "exec", "Kernel.system", "Kernel.exec", "Process.spawn", "spawn", "IO.popen",
                        "Kernel.spawn", "Open3.capture2", "Open3.capture2e", "Open3.capture3", "Open3.popen3",
                        "Open3.popen2", "pcntl_exec", "system2", "CORE::system", "CORE::exec"})


def argv(program: int = 0, arguments: int | None = 1, *, options: int | None = None) -> Handler:
    """A program and its arguments (`spawnSync('rm', ['-rf', p])`, `Bun.spawn([...])`); with `{shell: true}`
    the command is run by a shell."""
    def handle(script: Script, call: ScriptCall) -> Val:
        head = call.arg(program)
        opts = call.arg(options) if options is not None else None
        shell_option = opts.field("shell") if opts is not None and opts.kind == "dict" else None
        if head.kind == "list" and head.items is not None:
            words = list(head.items)
        elif arguments is None:
            words = [head, *call.args[program + 1:]]
        else:
            rest = call.arg(arguments)
            if rest.kind == "list" and rest.items is not None:
                words = [head, *rest.items]
            elif rest.kind == "dict" or arguments >= len(call.args):
                words = [head]
                shell_option = shell_option or (rest.field("shell") if rest.kind == "dict" else None)
            else:
                words = [head, rest.iterated()]
        if truthy(shell_option):
            script.actions.shell(concat([Val.string(" ".join(w.text_or_unknown() for w in words))]), call.name)
        else:
            script.actions.argv(words, call.name)
        return Val.obj("process")

    return handle


def environment(index: int = 0) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        name = call.arg(index).literal()
        return script.env_value(name) if name is not None else Val.string(UNKNOWN_PART)

    return handle


def home(script: Script, call: ScriptCall) -> Val:
    return script.env_value("HOME")


def cwd(script: Script, call: ScriptCall) -> Val:
    return Val.path(script.actions.ctx.cwd or UNKNOWN_PART)


def temporary(script: Script, call: ScriptCall) -> Val:
    return Val.path("/tmp")


def chdir(script: Script, call: ScriptCall) -> Val:
    target = call.arg(0).literal()
    ctx = script.actions.ctx
    ctx.cwd = ctx.resolve(target) if target is not None else None
    return Val("none")


def expand_home(script: Script, call: ScriptCall) -> Val:
    value = call.arg(0)
    text = value.text_or_unknown()
    if text == "~" or text.startswith("~/"):
        home_dir = script.env_value("HOME").text_or_unknown()
        return Val.path(home_dir + text[1:], glob=value.glob)
    return as_path(value)


def joins(script: Script, call: ScriptCall) -> Val:
    parts = [a for a in call.args if a.kind != "dict"]
    if not parts:
        return Val.path(".")
    text = parts[0].text_or_unknown()
    for part in parts[1:]:
        tail = part.text_or_unknown()
        text = tail if tail.startswith("/") else text.rstrip("/") + "/" + tail
    return Val.path(text, glob=any(p.glob for p in parts))


def resolves(script: Script, call: ScriptCall) -> Val:
    joined = joins(script, call)
    resolved = script.actions.ctx.resolve(joined.text_or_unknown())
    return Val.path(resolved or joined.text_or_unknown(), glob=joined.glob)


def dirname(script: Script, call: ScriptCall) -> Val:
    return Val.path(posixpath.dirname(call.arg(0).text_or_unknown()))


def basename(script: Script, call: ScriptCall) -> Val:
    value = call.arg(0)
    return Val("str", text=posixpath.basename(value.text_or_unknown()), glob=value.glob)


def globs(index: int = 0) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        pattern = call.arg(index)
        patterns = pattern.items if pattern.kind == "list" and pattern.items is not None else (pattern,)
        elems = [Val.path(p.text_or_unknown(), glob=True, tree="**" in p.text_or_unknown()) for p in patterns]
        return Val.list_of(elem=elems[0] if len(elems) == 1 else Val.path(UNKNOWN_PART, glob=True))

    return handle


def code(language: Language | None = None, *, what: str = "eval") -> Handler:
    """eval of a string: read as code of the language when it is known, opaque otherwise."""
    def handle(script: Script, call: ScriptCall) -> Val:
        source = call.arg(0)
        text = source.literal()
        if text is None or source.kind not in ("str", "path"):
            script.actions.opaque(f"{call.name}() of code only known at run time")
            return Val.unknown()
        nested = Script(script.actions, language or script.lang)
        nested.scopes = script.scopes
        nested.functions = script.functions
        nested.run(text, f"{call.name}() code")
        return Val.data()

    return handle


def opaque(why: str) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        script.actions.opaque(f"{call.name}(): {why}")
        return Val.unknown()

    return handle


def not_understood(why: str) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        script.actions.unknown(f"{why} ({call.name})")
        return Val.unknown()

    return handle


def forks(script: Script, call: ScriptCall) -> Val:
    script.forks += 1
    script.actions.fork(in_loop=script.in_endless_loop(), looped=script.in_loop(), evidence=call.text or call.name)
    return Val("num")


def kills(pid: int = 0, signal: int = 1, *, signal_first: bool = False) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        sig = call.arg(0 if signal_first else signal)
        target = call.arg(1 if signal_first else pid)
        name = (sig.literal() or "TERM").lstrip("-").removeprefix("SIG")
        script.actions.command("kill", f"-{name}", target)
        return Val("num")

    return handle


def requests(method: str | None, url: int = 0, *, options: int | None = 1) -> Handler:
    """An HTTP request (`fetch(url, {method, body})`, `axios.delete(url)`), judged as curl would be."""
    def handle(script: Script, call: ScriptCall) -> Val:
        target = call.arg(url)
        opts: dict[str, Val] = {}
        if options is not None and options < len(call.args) and call.args[options].kind == "dict":
            opts = dict(call.args[options].fields)
        if target.kind == "dict":  # axios({method, url, data})
            opts = dict(target.fields)
            target = opts.get("url", Val.unknown())
        verb = method or (opts.get("method") or Val.string("get")).text_or_unknown().lower()
        if UNKNOWN_PART in verb:
            verb = "post"
        if method in ("post", "put", "patch") and options is not None and options < len(call.args) and \
                call.args[options].kind != "dict":
            opts = {"data": call.args[options]}
        http_request(script.actions, verb, target, opts)
        return Val.obj("http-response")

    return handle


def data(script: Script, call: ScriptCall) -> Val:
    return Val.data()


def text(script: Script, call: ScriptCall) -> Val:
    return Val.string(UNKNOWN_PART)


def nothing(script: Script, call: ScriptCall) -> Val:
    return Val("none")


def identity(script: Script, call: ScriptCall) -> Val:
    return call.arg(0)


def apply_each(script: Script, function: Val, items: Val, name: str) -> Val:
    """A function named by a string or passed as a value, applied to each element (`array_map("unlink", …)`)."""
    if function.kind == "str":
        target = function.literal()
        if target is None:
            script.actions.opaque(f"{name} of a function only known at run time")
            return Val.unknown()
        function = Val("func", name=script.lang.aliases.get(target, target))
    if function.kind in ("func", "ref"):
        return script.call_value(function, [items], {}, None, name)
    return Val.list_of(elem=items.iterated())


def not_mine(script: Script, call: ScriptCall) -> Val:
    return Val.unknown(NOT_MINE)


def sql_connection(url: Val, driver: str) -> Val:
    return Val.obj("sql-connection", url=url, driver=Val.string(driver))


def connection_url(config: Val, scheme: str) -> Val:
    """A connection given as a URL, or as `{host, database, user, port}`."""
    if config.textual:
        return config
    if config.kind != "dict":
        return Val.unknown("a connection")
    for key in ("connectionString", "url", "uri", "connection_string"):
        if key in config.fields:
            return config.fields[key]
    host = config.fields.get("host", Val.string("localhost"))
    database = config.fields.get("database", config.fields.get("dbname", config.fields.get("db", Val.string(""))))
    port = config.fields.get("port")
    server = concat([host, Val.string(":"), port]) if port is not None else host
    return concat([Val.string(f"{scheme}://"), server, Val.string("/"), database])


def sql_path_url(path: Val) -> Val:
    text = path.text_or_unknown()
    return Val.string("sqlite://" if text == ":memory:" else "sqlite:///" + text)


def aws_client(service: Val, config: Val | None, actions: Actions) -> Val:
    fields: dict[str, Val] = {"service": service}
    if config is not None and config.kind == "dict":
        region = config.fields.get("region")
        if region is not None:
            fields["region"] = region
        profile = config.fields.get("profile")
        credentials = config.fields.get("credentials")
        if profile is None and credentials is not None and credentials.kind == "dict":
            profile = credentials.fields.get("profile")
        if profile is not None:
            fields["profile"] = profile
    return Val.obj("aws-client", **fields)

