"""Perl: `system`/`exec`/backticks/`qx`, `open` of files and pipes, `unlink`/`rmdir`/`rename`/`chmod`,
`File::Path`, `File::Copy`, `fork`, `kill`, `eval STRING`, DBI."""

from __future__ import annotations

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters import scriptcalls as C
from changegate.understand.commands.interpreters.scripted import Handler, Language, Script, ScriptCall
from changegate.understand.commands.interpreters.tokens import Syntax
from changegate.understand.commands.interpreters.values import Val

SYNTAX = Syntax(line_comments=("#",), block_comments=(("\n=pod", "\n=cut"), ("\n=head", "\n=cut")), sigils="$@%",
                interpolating='"', backtick="command", quote_like=True, regex=True, heredocs=True,
                interpolation="dollar")


def open_file(script: Script, call: ScriptCall) -> Val:
    """open(FH, MODE, PATH…) and open(FH, "EXPR"): files read or written, pipes from and to commands."""
    actions = script.actions
    if len(call.args) >= 3:
        mode = (call.arg(1).literal() or "").strip()
        target = call.arg(2)
        if mode in ("-|", "|-"):
            if len(call.args) > 3:
                actions.argv(call.args[2:], "open")
            else:
                actions.shell(target, "open")
            return Val("num")
        if mode.startswith((">", "+")):
            actions.write(C.as_path(target), append=mode.startswith(">>"))
        else:
            actions.read(C.as_path(target))
        return Val("num")
    spec = call.arg(1) if len(call.args) > 1 else Val.unknown()
    text = spec.text_or_unknown().strip()
    if text.endswith("|"):
        actions.shell(Val.string(text[:-1]), "open")
    elif text.startswith("|"):
        actions.shell(Val.string(text[1:]), "open")
    elif text.startswith((">", "+>", "+<")):
        path = text.lstrip("+>").strip()
        actions.write(Val.path(path), append=text.startswith(">>"))
    elif text != UNKNOWN_PART:
        actions.read(Val.path(text.lstrip("<").strip()))
    else:
        actions.opaque("open() of a file or pipe only known at run time")
    return Val("num")


def dbi_connect(script: Script, call: ScriptCall) -> Val:
    """DBI->connect("dbi:Pg:dbname=app;host=h", …)."""
    dsn = call.arg(0).text_or_unknown()
    driver, _, rest = dsn.removeprefix("dbi:").partition(":")
    scheme = {"Pg": "postgresql", "mysql": "mysql", "SQLite": "sqlite", "MariaDB": "mysql"}.get(driver, "")
    pairs = dict(p.partition("=")[::2] for p in rest.split(";") if "=" in p)
    if scheme == "sqlite":
        return C.sql_connection(C.sql_path_url(Val.string(pairs.get("dbname", pairs.get("database", "")))), "DBI")
    host = pairs.get("host", "localhost")
    database = pairs.get("dbname", pairs.get("database", pairs.get("db", "")))
    url = f"{scheme}://{host}/{database}" if scheme else UNKNOWN_PART
    return C.sql_connection(Val.string(url), "DBI")


def sql_handle(script: Script, owner: Val, method: str, call: ScriptCall) -> Val | None:
    if method in ("do", "selectall_arrayref", "selectrow_array", "selectall_hashref", "selectcol_arrayref"):
        return script.call_method(owner, "execute", ScriptCall("execute", Val.data(), call.args[:1], {}, owner))
    return None


FUNCTIONS: dict[str, Handler] = {
    **{name: C.shell(0) for name in ("system", "exec", "CORE::system", "CORE::exec", "readpipe")},
    "open": open_file, "CORE::open": open_file, "sysopen": open_file,
    "unlink": C.deletes(0, every=True), "CORE::unlink": C.deletes(0, every=True),
    "rmdir": C.deletes(0, directory=True), "rename": C.moves(0, 1), "chmod": C.chmods(1, 0, every=True),
    "chown": C.chowns(2, 0, every=True), "mkdir": C.makes_directory(0), "symlink": C.links(0, 1),
    "link": C.links(0, 1), "truncate": C.writes(0), "utime": C.touches(2, every=True),
    **{name: C.deletes(0, recursive=True, every=True) for name in ("File::Path::rmtree", "File::Path::remove_tree",
                                                                  "rmtree", "remove_tree")},
    **{name: C.makes_directory(0, every=True) for name in ("File::Path::mkpath", "File::Path::make_path", "mkpath",
                                                           "make_path")},
    "File::Copy::copy": C.copies(0, 1), "File::Copy::cp": C.copies(0, 1), "File::Copy::move": C.moves(0, 1),
    "File::Copy::mv": C.moves(0, 1), "copy": C.copies(0, 1), "move": C.moves(0, 1), "cp": C.copies(0, 1),
    "mv": C.moves(0, 1), "glob": C.globs(0), "CORE::glob": C.globs(0), "opendir": C.data, "readdir": C.data,
    "chdir": C.chdir, "Cwd::getcwd": C.cwd, "Cwd::cwd": C.cwd, "getcwd": C.cwd, "cwd": C.cwd,
    "Cwd::abs_path": C.resolves, "File::Spec::catfile": C.joins, "File::Spec::catdir": C.joins,
    "fork": C.forks, "CORE::fork": C.forks, "kill": C.kills(1, 0, signal_first=True), "exit": C.nothing,
    "eval": C.code(), "do": C.not_understood("runs a file"), "DBI::connect": dbi_connect,
    "DBI->connect": dbi_connect, "File::Temp::tempfile": C.temporary, "tempfile": C.temporary,
    "File::Temp::tempdir": C.temporary, "tempdir": C.temporary,
}
GLOBALS: dict[str, Val] = {
    "$ENV": Val("environ"), "%ENV": Val("environ"), "@ARGV": Val.list_of(elem=Val.string(UNKNOWN_PART)),
    "$ARGV": Val.list_of(elem=Val.string(UNKNOWN_PART)), "$_": Val.string(UNKNOWN_PART),
    "@_": Val.list_of(elem=Val.unknown("an argument")), "$0": Val.string(UNKNOWN_PART),
    "$1": Val.string(UNKNOWN_PART), "$2": Val.string(UNKNOWN_PART), "$!": Val.data(), "$@": Val.data(),
    "$/": Val.data(), "$\\": Val.data(), "$,": Val.data(), "$;": Val.data(), "$.": Val("num"), "$$": Val("num"),
    "$&": Val.string(UNKNOWN_PART), "@F": Val.list_of(elem=Val.string(UNKNOWN_PART)),
    "$F": Val.list_of(elem=Val.string(UNKNOWN_PART)), "$a": Val.data(), "$b": Val.data(), "STDIN": Val("file"),
    "STDOUT": Val("file"), "STDERR": Val("file"), "$ARGV0": Val.data(), "$@0": Val.data(), "DBI": Val("module", name="DBI"),
}
PURE = frozenset({
    "print", "printf", "say", "sprintf", "join", "split", "lc", "uc", "lcfirst", "ucfirst", "length", "substr",
    "index", "rindex", "sort", "reverse", "keys", "values", "each", "exists", "defined", "delete", "push", "pop",
    "shift", "unshift", "splice", "scalar", "wantarray", "ref", "bless", "chomp", "chop", "chr", "ord", "hex",
    "oct", "abs", "int", "sqrt", "rand", "srand", "time", "localtime", "gmtime", "sleep", "local", "die", "warn",
    "return", "map", "grep", "quotemeta", "pack", "unpack", "select", "binmode", "close", "eof", "readline",
    "closedir", "stat", "lstat", "caller", "lock", "pos", "reset", "study", "wait", "waitpid", "exp", "log", "sin",
    "cos", "atan2", "undef", "not", "my", "our", "first", "sum", "max", "min",
    "uniq", "List::Util", "Scalar::Util", "Data::Dumper", "POSIX", "JSON", "JSON::PP", "Time::HiRes",
    "Time::Local", "Getopt::Long", "File::Basename", "basename", "dirname", "fileparse", "strftime", "floor", "ceil",
    "Dumper", "encode_json", "decode_json", "GetOptions", "usleep", "gettimeofday", "seek", "tell", "fileno",
    "chdir", "qw", "x", "prototype", "utf8", "Encode",
    "Carp", "croak", "confess", "carp", "Storable::dclone", "MIME::Base64", "Digest::MD5", "Digest::SHA",
    "Text::Wrap", "Term::ANSIColor", "strict", "warnings", "constant", "lib", "vars", "feature", "sysread",
    "syswrite", "read", "getc", "fcntl", "flock", "truncate_no",
})
SAFE_METHODS = frozenset({"new", "print", "printf", "close", "autoflush", "getline", "getlines", "opened", "fileno",
                          "binmode", "eof", "prepare", "fetchrow_array", "fetchrow_hashref", "fetchall_arrayref",
                          "finish", "disconnect", "commit", "rollback", "errstr", "rows", "bind_param", "quote"})

LANGUAGE = Language(
    name="Perl", syntax=SYNTAX, functions=FUNCTIONS, globals=GLOBALS, pure=PURE, safe_methods=SAFE_METHODS,
    iterating=frozenset(), block_style="brace", bareword_calls=True, concat_ops=frozenset({"."}),
    declarations=frozenset({"my", "our", "local"}), method_ops=frozenset({"->"}), unary_file_tests=True,
    resolve_string_callee=True,
    objects={"obj": sql_handle},
    aliases={"File::Path::rmtree": "File::Path::rmtree", "CORE::GLOBAL::system": "system"},
)
