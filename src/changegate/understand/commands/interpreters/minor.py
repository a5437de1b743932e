"""Lua and R: their calls that run commands (`os.execute`, `io.popen`, `system`, `system2`), touch files
(`os.remove`, `io.open`, `unlink`, `file.remove`, `writeLines`) or evaluate strings (`load`, `eval(parse())`)."""

from __future__ import annotations

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters import scriptcalls as C
from changegate.understand.commands.interpreters.scripted import Handler, Language, Script, ScriptCall
from changegate.understand.commands.interpreters.tokens import Syntax
from changegate.understand.commands.interpreters.values import Val, concat

LUA_SYNTAX = Syntax(line_comments=("--",), long_strings=True, newline_ends=True)
R_SYNTAX = Syntax(line_comments=("#",), newline_ends=True, dotted_names=True, interpolating="")


def lua_pairs(script: Script, call: ScriptCall) -> Val:
    return Val.list_of(elem=call.arg(0).iterated())


def lua_file(script: Script, owner: Val, method: str, call: ScriptCall) -> Val | None:
    if method in ("write", "read", "lines", "close", "flush", "seek", "setvbuf"):
        return Val.string(UNKNOWN_PART) if method == "read" else Val.data()
    return None


def lua_open(script: Script, call: ScriptCall) -> Val:
    mode = call.arg(1).literal() if len(call.args) > 1 else "r"
    path = C.as_path(call.arg(0))
    if mode is None or any(c in mode for c in "wa+"):
        script.actions.write(path, append=(mode or "").startswith("a"))
        return Val("file", fields={"path": path}, writable=True)
    script.actions.read(path)
    return Val("file", fields={"path": path})


LUA_FUNCTIONS: dict[str, Handler] = {
    "os.execute": C.shell(0), "io.popen": C.shell(0), "os.remove": C.deletes(0), "os.rename": C.moves(0, 1),
    "io.open": lua_open, "io.lines": C.reads(0, gives="list"), "os.getenv": C.environment(0), "os.exit": C.nothing,
    "os.tmpname": C.temporary, "load": C.code(), "loadstring": C.code(),
    "loadfile": C.not_understood("loads a file as code"), "dofile": C.not_understood("runs a file"),
    "package.loadlib": C.opaque("it loads native code"), "pairs": lua_pairs, "ipairs": lua_pairs,
    "require": C.data,
}
LUA_PURE = frozenset({"print", "string", "table", "math", "tostring", "tonumber", "type", "select", "unpack",
                      "error", "assert", "pcall", "xpcall", "setmetatable", "getmetatable", "rawget", "rawset",
                      "rawequal", "rawlen", "next", "os.time", "os.clock", "os.date", "os.difftime", "io.write",
                      "io.read", "collectgarbage", "utf8", "coroutine"})
LUA_GLOBALS: dict[str, Val] = {"arg": Val.list_of(elem=Val.string(UNKNOWN_PART)), "_G": Val("module", name="_G"),
                               "io.stdout": Val("file"), "io.stderr": Val("file"), "io.stdin": Val("file"),
                               "_VERSION": Val.string(UNKNOWN_PART), "math.pi": Val("num")}
for _name in ("os", "io", "string", "table", "math", "package", "utf8", "coroutine", "debug"):
    LUA_GLOBALS[_name] = Val("module", name=_name)
LUA_METHODS = frozenset({"upper", "lower", "len", "sub", "gsub", "find", "match", "gmatch", "format", "rep",
                         "reverse", "byte", "char"})

LUA = Language(
    name="Lua", syntax=LUA_SYNTAX, functions=LUA_FUNCTIONS, globals=LUA_GLOBALS, pure=LUA_PURE,
    safe_methods=LUA_METHODS, block_style="end", concat_ops=frozenset({".."}), declarations=frozenset({"local"}),
    method_ops=frozenset({"."}), objects={"file": lua_file}, aliases={"_G.os.execute": "os.execute"},
)


def r_paste(script: Script, call: ScriptCall) -> Val:
    separator = "" if call.name == "paste0" else (call.kwargs.get("sep") or Val.string(" ")).text_or_unknown()
    parts: list[Val] = []
    for index, arg in enumerate(call.args):
        if index:
            parts.append(Val.string(separator))
        parts.append(arg)
    return concat(parts) if parts else Val.string("")


def r_write(index: int, keyword: str) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        target = call.kwargs.get(keyword) or (call.args[index] if index < len(call.args) else None)
        if target is not None and target.textual and target.text != "":
            append = call.kwargs.get("append")
            script.actions.write(C.as_path(target), append=C.truthy(append))
        return Val("none")

    return handle


def r_source(script: Script, call: ScriptCall) -> Val:
    from changegate.understand.base import lit
    from changegate.understand.commands.interpreters.programs import read_program

    target = call.arg(0).literal()
    if target is None:
        script.actions.opaque("source() of a file only known at run time")
        return Val.unknown()
    program = read_program(script.actions.inv, lit(target), f"source({target!r})")
    if program.effect is not None:
        script.actions.add(program.effect)
        return Val.data()
    Script(script.actions, script.lang).run(program.text or "", f"the file {program.path}")
    return Val.data()


def r_parse(script: Script, call: ScriptCall) -> Val:
    text = call.kwargs.get("text")
    return Val.obj("r-code", text=text) if text is not None else Val.data()


def r_eval(script: Script, call: ScriptCall) -> Val:
    expression = call.arg(0)
    if expression.kind == "obj" and expression.name == "r-code":
        return C.code()(script, ScriptCall(call.name, call.callee, [expression.field("text") or Val.unknown()]))
    script.actions.opaque("eval() of an expression only known at run time")
    return Val.unknown()


def r_download(script: Script, call: ScriptCall) -> Val:
    script.actions.command("curl", "-o", C.as_path(call.arg(1, "destfile")), call.arg(0, "url"))
    return Val("num")


R_FUNCTIONS: dict[str, Handler] = {
    "system": C.shell(0), "shell": C.shell(0), "system2": C.argv(0, 1), "unlink": C.deletes(0, option="recursive"),
    "file.remove": C.deletes(0, every=True), "file.rename": C.moves(0, 1), "file.copy": C.copies(0, 1),
    "dir.create": C.makes_directory(0), "Sys.chmod": C.chmods(0, 1), "file.create": C.touches(0, every=True),
    "file.symlink": C.links(0, 1), "writeLines": r_write(1, "con"), "write": r_write(1, "file"),
    "write.csv": r_write(1, "file"), "write.table": r_write(1, "file"), "saveRDS": r_write(1, "file"),
    "save": r_write(99, "file"), "cat": r_write(99, "file"), "sink": r_write(0, "file"),
    "download.file": r_download, "source": r_source, "parse": r_parse, "eval": r_eval,
    "Sys.getenv": C.environment(0), "path.expand": C.expand_home, "file.path": C.joins, "normalizePath": C.resolves,
    "getwd": C.cwd, "setwd": C.chdir, "tempdir": C.temporary, "tempfile": C.temporary, "paste": r_paste,
    "paste0": r_paste, "Sys.setenv": C.data, "list.files": C.reads(0, gives="paths"), "dir": C.reads(0, gives="paths"),
    **{name: C.reads(0) for name in ("readLines", "read.csv", "read.table", "readRDS", "scan", "file.exists",
                                     "file.info", "load")},
}
R_PURE = frozenset({
    "print", "message", "c", "list", "data.frame", "sum", "mean", "median", "max", "min", "length", "nchar",
    "substr", "sprintf", "format", "toupper", "tolower", "seq", "rep", "seq_len", "seq_along", "sort", "order",
    "rev", "unique", "table", "head", "tail", "names", "nrow", "ncol", "dim", "str", "summary", "is.na", "which",
    "ifelse", "sapply", "lapply", "vapply", "mapply", "apply", "do.call", "Reduce", "Filter", "Map", "matrix",
    "array", "as.numeric", "as.integer", "as.character", "as.logical", "numeric", "character", "logical",
    "factor", "levels", "round", "abs", "sqrt", "exp", "log", "floor", "ceiling", "runif", "rnorm", "sample",
    "set.seed", "Sys.time", "Sys.Date", "Sys.sleep", "date", "stop", "warning", "tryCatch", "invisible",
    "library", "require", "suppressMessages", "suppressWarnings", "requireNamespace", "options", "identity",
    "strsplit", "gsub", "sub", "grepl", "grep", "regmatches", "trimws", "startsWith", "endsWith", "basename",
    "dirname", "file_ext", "cumsum", "prod", "var", "sd", "quantile", "range", "diff", "any", "all", "is.null",
    "exists", "stopifnot", "vector", "setNames", "unlist", "rbind", "cbind", "merge", "aggregate", "subset",
    "with", "within", "Sys.info", "R.version.string", "sessionInfo", "interactive", "quit", "q",
    "commandArgs", "print.default", "toString", "identical", "all.equal", "is.character", "is.numeric",
})

R = Language(
    name="R", syntax=R_SYNTAX, functions=R_FUNCTIONS, globals={"T": Val("bool", text="true"),
                                                             "F": Val("bool", text="false")},
    pure=R_PURE, block_style="brace", concat_ops=frozenset(), named_args="=", method_ops=frozenset({"$", "@"}),
)
