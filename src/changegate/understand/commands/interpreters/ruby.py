"""Ruby: `system`/`exec`/backticks/`%x{}`/`IO.popen`/`Open3`, `FileUtils`, `File`, `Dir`, `Pathname`,
`fork`, `eval`/`send`, and the drivers and SDKs (`PG`, `Mysql2`, `SQLite3`, `Redis`, `Aws::*`)."""

from __future__ import annotations

import re

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters import scriptcalls as C
from changegate.understand.commands.interpreters.scripted import Handler, Language, Script, ScriptCall
from changegate.understand.commands.interpreters.services import http_request
from changegate.understand.commands.interpreters.tokens import Syntax
from changegate.understand.commands.interpreters.values import Val

SYNTAX = Syntax(line_comments=("#",), block_comments=(("=begin", "=end"),), sigils="@$", interpolating='"',
                backtick="command", percent_literals=True, regex=True, symbols=True, heredocs=True,
                interpolation="hash", newline_ends=True)


def send(script: Script, call: ScriptCall) -> Val:
    """`Kernel.send(:system, "…")`, `public_send`, `__send__`: the method named by the symbol."""
    name = call.arg(0).literal()
    if name is None:
        script.actions.opaque("sends a message whose name is only known at run time")
        return Val.unknown()
    target = f"{call.receiver.name}.{name}" if call.receiver is not None and call.receiver.kind == "module" else name
    return script.call_function(target, ScriptCall(target, Val("func", name=target), call.args[1:], call.kwargs))


def method_ref(script: Script, call: ScriptCall) -> Val:
    name = call.arg(0).literal()
    if name is None:
        script.actions.opaque("takes a method whose name is only known at run time")
        return Val.unknown()
    return Val("func", name=name)


def const_get(script: Script, call: ScriptCall) -> Val:
    name = call.arg(0).literal()
    if name is None:
        script.actions.opaque("takes a class whose name is only known at run time")
        return Val.unknown()
    return Val("module", name=name.replace("::", "."))


def require(script: Script, call: ScriptCall) -> Val:
    return Val("bool", text="true")


def load_file(script: Script, call: ScriptCall) -> Val:
    from changegate.understand.base import lit
    from changegate.understand.commands.interpreters.programs import read_program

    target = call.arg(0)
    if target.literal() is None:
        script.actions.opaque(f"{call.name} of a file only known at run time")
        return Val.unknown()
    raw = target.literal() or ""
    if call.name == "require_relative" and not raw.endswith(".rb"):
        raw += ".rb"
    program = read_program(script.actions.inv, lit(raw), f"{call.name} {raw}")
    if program.effect is not None:
        script.actions.add(program.effect)
        return Val.data()
    Script(script.actions, script.lang).run(program.text or "", f"the file {program.path}")
    return Val("bool", text="true")


def pathname(script: Script, call: ScriptCall) -> Val:
    return C.as_path(call.arg(0))


def path_method(script: Script, owner: Val, method: str, call: ScriptCall) -> Val | None:
    """Pathname's methods (and String paths): `Pathname.new(p).rmtree`, `.unlink`, `.write`."""
    if owner.kind != "path":
        return None
    actions = script.actions
    if method in ("rmtree",):
        actions.delete(owner, recursive=True)
    elif method in ("unlink", "delete"):
        actions.delete(owner)
    elif method == "rmdir":
        actions.remove_directory(owner)
    elif method == "rename":
        actions.move(owner, C.as_path(call.arg(0)))
    elif method in ("write", "binwrite"):
        actions.write(owner, content=call.arg(0))
    elif method in ("mkpath", "mkdir"):
        actions.make_directory(owner)
    elif method == "chmod":
        actions.chmod(owner, call.arg(0))
    elif method in ("children", "entries", "glob", "each_child"):
        return Val.list_of(elem=Val.path(owner.text_or_unknown() + "/*", glob=True))
    elif method in ("join", "+", "/"):
        return C.joins(script, ScriptCall("join", Val.data(), [owner, *call.args]))
    elif method in ("read", "readlines", "binread"):
        actions.read(owner)
        return Val.string(UNKNOWN_PART)
    elif method in ("exist?", "file?", "directory?", "size", "mtime", "basename", "dirname", "extname", "to_s",
                    "expand_path", "realpath", "parent", "relative_path_from", "absolute?", "empty?", "stat"):
        return owner if method in ("to_s", "expand_path", "realpath") else Val.data()
    else:
        return None
    return Val("none")


def open_file(script: Script, call: ScriptCall) -> Val:
    mode = call.arg(1).literal() if len(call.args) > 1 and call.args[1].textual else "r"
    path = C.as_path(call.arg(0))
    if mode is None or any(c in mode for c in "wa+"):
        script.actions.write(path, append=(mode or "").startswith("a"))
        return Val("file", fields={"path": path}, writable=True)
    script.actions.read(path)
    return Val("file", fields={"path": path})


def file_methods(script: Script, owner: Val, method: str, call: ScriptCall) -> Val | None:
    if method in ("read", "readlines", "each_line", "gets", "readline", "write", "puts", "print", "close", "flush",
                  "<<", "each", "lines", "eof?", "sync", "rewind"):
        return Val.string(UNKNOWN_PART) if method in ("read", "gets", "readline") else Val.data()
    return None


CLIENT = re.compile(r"Aws\.(\w+)\.(Client|Resource)\.new")
ITEM = re.compile(r"Aws\.(\w+)\.(Bucket|Object|Instance|Table|Queue|Volume)\.new")


def aws(script: Script, call: ScriptCall) -> Val:
    """`Aws::S3::Client.new(profile: …)`, `Aws::EC2::Resource.new`, `Aws::S3::Bucket.new(name, client: …)`."""
    name = call.name
    match = CLIENT.fullmatch(name)
    if match:
        fields = {"service": Val.string(match.group(1).lower())}
        for key in ("profile", "region"):
            if key in call.kwargs:
                fields[key] = call.kwargs[key]
        client = call.kwargs.get("client")
        if client is not None and client.kind == "obj":
            fields.update({k: v for k, v in client.fields.items() if k in ("profile", "region")})
        return Val.obj("aws-client" if match.group(2) == "Client" else "aws-resource", **fields)
    match = ITEM.fullmatch(name)
    if match:
        fields = {"service": Val.string(match.group(1).lower()), "item": Val.string(match.group(2)),
                  "ident": call.arg(0, "name")}
        client = call.kwargs.get("client")
        if client is not None and client.kind == "obj":
            fields.update({k: v for k, v in client.fields.items() if k in ("profile", "region")})
        return Val.obj("aws-item", **fields)
    return C.not_mine(script, call)


def postgres(script: Script, call: ScriptCall) -> Val:
    config = call.arg(0)
    if not config.textual:
        config = Val("dict", fields={**config.fields, **call.kwargs})
    return C.sql_connection(C.connection_url(config, "postgresql"), "pg")


def mysql(script: Script, call: ScriptCall) -> Val:
    return C.sql_connection(C.connection_url(Val("dict", fields=dict(call.kwargs)), "mysql"), "mysql2")


def sqlite(script: Script, call: ScriptCall) -> Val:
    return C.sql_connection(C.sql_path_url(call.arg(0)), "sqlite3")


def redis(script: Script, call: ScriptCall) -> Val:
    url = call.kwargs.get("url")
    if url is not None:
        return Val.obj("redis", url=url)
    fields = {"host": call.kwargs.get("host", Val.string("localhost"))}
    for key in ("port", "db"):
        if key in call.kwargs:
            fields[key] = call.kwargs[key]
    return Val.obj("redis", **fields)


def net_http(method: str) -> Handler:
    def handle(script: Script, call: ScriptCall) -> Val:
        target = call.arg(0)
        data = call.arg(1) if method == "post" and len(call.args) > 1 else None
        http_request(script.actions, method, target, {"data": data} if data is not None else {})
        return Val.data()

    return handle


def uri(script: Script, call: ScriptCall) -> Val:
    return call.arg(0)


FUNCTIONS: dict[str, Handler] = {
    **{name: C.shell(0) for name in ("system", "exec", "spawn", "Kernel.system", "Kernel.exec", "Kernel.spawn",
                                     "Process.spawn", "IO.popen", "Open3.capture2", "Open3.capture2e",
                                     "Open3.capture3", "Open3.popen3", "Open3.popen2", "Open3.pipeline",
                                     "Kernel.`", "PTY.spawn")},
    "fork": C.forks, "Kernel.fork": C.forks, "Process.fork": C.forks, "Process.kill": C.kills(1, 0, signal_first=True),
    "Process.daemon": C.forks, "exit": C.nothing, "exit!": C.nothing, "abort": C.nothing, "Process.exit": C.nothing,
    **{f"FileUtils.{n}": C.deletes(0, recursive=True) for n in ("rm_rf", "rm_r", "remove_dir", "remove_entry",
                                                                 "remove_entry_secure", "rmtree", "rmdir_p")},
    **{f"FileUtils.{n}": C.deletes(0) for n in ("rm", "rm_f", "remove", "remove_file", "safe_unlink")},
    "FileUtils.rmdir": C.deletes(0, directory=True), "FileUtils.mv": C.moves(0, 1), "FileUtils.move": C.moves(0, 1),
    **{f"FileUtils.{n}": C.copies(0, 1) for n in ("cp", "copy", "copy_file", "install")},
    **{f"FileUtils.{n}": C.copies(0, 1, recursive=True) for n in ("cp_r", "copy_entry", "cp_lr")},
    **{f"FileUtils.{n}": C.makes_directory(0) for n in ("mkdir_p", "mkdir", "makedirs", "mkpath")},
    "FileUtils.chmod": C.chmods(1, 0), "FileUtils.chmod_R": C.chmods(1, 0, recursive=True),
    "FileUtils.chown": C.chowns(2, 0), "FileUtils.chown_R": C.chowns(2, 0, recursive=True),
    **{f"FileUtils.{n}": C.links(0, 1) for n in ("ln_s", "ln_sf", "symlink", "ln", "link")},
    "FileUtils.touch": C.touches(0), "FileUtils.pwd": C.cwd, "FileUtils.cd": C.chdir,
    "File.delete": C.deletes(0, every=True), "File.unlink": C.deletes(0, every=True),
    "File.write": C.writes(0), "File.binwrite": C.writes(0), "File.open": open_file, "File.new": open_file,
    "File.rename": C.moves(0, 1), "File.chmod": C.chmods(1, 0, every=True), "File.lchmod": C.chmods(1, 0, every=True),
    "File.chown": C.chowns(2, 0, every=True), "File.symlink": C.links(0, 1), "File.link": C.links(0, 1),
    "File.truncate": C.writes(0), "File.expand_path": C.expand_home, "File.absolute_path": C.resolves,
    "File.join": C.joins, "File.dirname": C.dirname, "File.basename": C.basename, "File.utime": C.touches(2),
    **{f"File.{n}": C.reads(0) for n in ("read", "readlines", "binread", "foreach")},
    **{f"File.{n}": C.reads(0, gives="data") for n in ("exist?", "exists?", "file?", "directory?", "size", "size?",
                                                      "mtime", "stat", "lstat", "extname", "readable?", "writable?",
                                                      "executable?", "symlink?", "zero?", "empty?", "realpath",
                                                      "readlink", "ftype", "identical?")},
    "Dir.rmdir": C.deletes(0, directory=True), "Dir.delete": C.deletes(0, directory=True),
    "Dir.unlink": C.deletes(0, directory=True), "Dir.glob": C.globs(0), "Dir.[]": C.globs(0),
    **{f"Dir.{n}": C.reads(0, gives="paths") for n in ("entries", "children", "each_child", "foreach")},
    "Dir.home": C.home, "Dir.pwd": C.cwd, "Dir.getwd": C.cwd, "Dir.chdir": C.chdir, "Dir.mkdir": C.makes_directory(0),
    "Dir.exist?": C.data, "Dir.exists?": C.data, "Dir.tmpdir": C.temporary, "Dir.mktmpdir": C.temporary,
    "Dir.empty?": C.data, "Pathname.new": pathname, "Pathname": pathname, "ENV.fetch": C.environment(0),
    "ENV.[]": C.environment(0), "Etc.getlogin": C.text, "Etc.getpwuid": C.data,
    **{name: C.code() for name in ("eval", "instance_eval", "class_eval", "module_eval", "Kernel.eval",
                                   "binding.eval", "TOPLEVEL_BINDING.eval", "instance_exec")},
    "send": send, "public_send": send, "__send__": send, "Kernel.send": send, "Kernel.public_send": send,
    "Object.send": send, "method": method_ref, "Kernel.method": method_ref, "Object.const_get": const_get,
    "Kernel.const_get": const_get, "const_get": const_get, "require": require, "require_relative": load_file,
    "load": load_file, "gem": require,
    "Net.HTTP.get": net_http("get"), "Net.HTTP.get_response": net_http("get"), "Net.HTTP.post": net_http("post"),
    "Net.HTTP.post_form": net_http("post"), "URI": uri, "URI.parse": uri, "URI.open": net_http("get"),
    "PG.connect": postgres, "PG.Connection.new": postgres, "PG.Connection.open": postgres,
    "Mysql2.Client.new": mysql, "SQLite3.Database.new": sqlite, "SQLite3.Database.open": sqlite,
    "Redis.new": redis, "*": aws,
}
GLOBALS: dict[str, Val] = {
    "ENV": Val("environ"), "ARGV": Val.list_of(elem=Val.string(UNKNOWN_PART)), "$stdout": Val("file"),
    "$stderr": Val("file"), "$stdin": Val("file"), "STDOUT": Val("file"), "STDERR": Val("file"), "STDIN": Val("file"),
    "$0": Val.string(UNKNOWN_PART), "$PROGRAM_NAME": Val.string(UNKNOWN_PART), "__FILE__": Val.string(UNKNOWN_PART),
    "__dir__": Val.path(UNKNOWN_PART), "RUBY_VERSION": Val.string(UNKNOWN_PART), "$?": Val.data(),
    "RUBY_PLATFORM": Val.string(UNKNOWN_PART),
}
PURE = frozenset({
    "puts", "p", "pp", "print", "printf", "format", "sprintf", "gets", "sleep", "rand", "srand", "raise", "fail",
    "loop", "catch", "throw", "lambda", "proc", "at_exit", "trap", "Integer", "Float", "String", "Array", "Hash",
    "Rational", "Complex", "block_given?", "binding", "caller", "freeze", "frozen?", "warn", "attr_accessor",
    "attr_reader", "attr_writer", "include", "extend", "private", "public", "protected", "module_function",
    "define_method", "respond_to?", "is_a?", "kind_of?", "nil?", "autoload", "Math", "JSON", "Time", "Date",
    "DateTime", "Comparable", "Enumerable", "Struct", "OpenStruct", "Set", "YAML.safe_load", "YAML.dump",
    "YAML.load_file", "Psych.safe_load", "Base64", "Digest", "SecureRandom", "Shellwords", "CSV.parse",
    "CSV.generate", "ERB.new", "Benchmark", "Logger.new", "Socket.gethostname", "Process.pid", "Process.clock_gettime",
    "Process.wait", "Process.waitpid", "Process.wait2", "Process.detach", "Kernel.puts", "Kernel.print",
    "Kernel.sleep", "Kernel.rand", "Kernel.loop", "Kernel.format", "Kernel.sprintf", "Kernel.raise", "Kernel.exit",
    "STDOUT.puts", "STDERR.puts", "$stdout.puts", "$stderr.puts", "Float::INFINITY", "Regexp", "Range", "Symbol",
    "Object.new", "Class.new", "Module.new", "Thread.new", "Mutex.new", "Queue.new", "ObjectSpace", "GC",
    "Etc.nprocessors", "RbConfig", "ENV.to_h", "ENV.key?", "ENV.keys", "Gem", "Bundler.require", "Bundler.setup",
    "name", "object_id", "instance_variable_get", "instance_variable_set", "instance_variables", "tap",
})
SAFE_METHODS = frozenset({
    # strings, symbols, numbers
    "to_s", "to_i", "to_f", "to_sym", "to_a", "to_h", "to_json", "to_r", "inspect", "length", "size", "upcase",
    "downcase", "capitalize", "swapcase", "strip", "lstrip", "rstrip", "chomp", "chop", "chars", "bytes", "lines",
    "split", "sub", "gsub", "tr", "delete", "squeeze", "reverse", "include?", "start_with?", "end_with?", "index",
    "rindex", "match", "match?", "scan", "=~", "center", "ljust", "rjust", "format", "%", "*", "+", "-", "<=>",
    "==", "empty?", "nil?", "zero?", "positive?", "negative?", "even?", "odd?", "succ", "pred", "abs", "round",
    "floor", "ceil", "times", "upto", "downto", "step", "between?", "clamp", "hex", "oct", "ord", "chr", "unpack",
    "unpack1", "pack", "encode", "force_encoding", "unicode_normalize", "each_char", "each_byte", "each_line",
    "freeze", "dup", "clone", "hash", "eql?", "equal?", "frozen?", "is_a?", "kind_of?", "respond_to?", "class",
    "then", "tap", "itself", "instance_of?", "slice", "[]", "dig", "fetch", "first", "last", "take", "drop",
    # arrays, hashes, enumerables
    "each", "each_with_index", "each_with_object", "map", "collect", "flat_map", "select", "filter", "reject",
    "find", "detect", "find_index", "reduce", "inject", "sum", "count", "min", "max", "min_by", "max_by",
    "sort", "sort_by", "group_by", "partition", "chunk_while", "slice_when", "each_slice", "each_cons", "zip",
    "uniq", "compact", "flatten", "push", "pop", "shift", "unshift", "<<", "concat", "insert", "join", "keys",
    "values", "key?", "has_key?", "value?", "merge", "merge!", "update", "store", "to_set", "any?", "all?", "none?",
    "one?", "tally", "sample", "shuffle", "rotate", "transpose", "product", "combination", "permutation",
    "each_pair", "each_key", "each_value", "transform_values", "transform_keys", "filter_map", "minmax",
    "lazy", "force", "with_index", "with_object", "entries", "assoc", "invert", "sort!", "map!", "select!",
    "reject!", "uniq!", "compact!", "flatten!", "reverse!", "strip!", "chomp!", "gsub!", "sub!", "downcase!",
    "upcase!", "key", "id", "name", "strftime", "iso8601", "year", "month", "day", "hour", "sec", "to_date",
    "to_time", "now", "call", "to_proc", "arity", "parameters", "puts", "print", "write", "read", "close",
    "readlines", "exitstatus", "success?", "pid", "value", "alive?", "status", "body",
    "code", "message", "[]=", "fetch_values", "values_at", "each_entry",
})
ITERATING = frozenset({"each", "each_with_index", "map", "collect", "flat_map", "select", "filter", "reject", "find",
                       "detect", "each_with_object", "sort_by", "group_by", "partition", "min_by", "max_by",
                       "each_slice", "filter_map", "sum", "count", "any?", "all?", "none?", "each_char",
                       "each_line", "each_pair", "each_key", "each_value", "each_entry", "reduce", "inject",
                       "then", "tap", "times", "upto", "downto"})

LANGUAGE = Language(
    name="Ruby", syntax=SYNTAX, functions=FUNCTIONS, globals=GLOBALS, pure=PURE, safe_methods=SAFE_METHODS,
    iterating=ITERATING, block_style="end", bareword_calls=True, concat_ops=frozenset({"+"}), named_args=":",
    method_ops=frozenset({".", "&."}), objects={"path": path_method, "file": file_methods},
    aliases={"Kernel.open": "File.open", "open": "File.open", "IO.read": "File.read", "IO.write": "File.write",
             "IO.readlines": "File.readlines", "FileUtils.remove_dir": "FileUtils.rm_rf", "Dir.entries": "Dir.entries",
             "`": "Kernel.`", "YAML.load": "YAML.unsafe_load", "Marshal.load": "Marshal.load"},
)
