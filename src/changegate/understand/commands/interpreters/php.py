"""PHP: `shell_exec`/`exec`/`system`/`passthru`/`popen`/`proc_open`/backticks, file functions, variable
functions and callable strings (`$f = "sys"."tem"; $f(…)`, `array_map("unlink", …)`), `eval`, PDO and
mysqli."""

from __future__ import annotations

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters import scriptcalls as C
from changegate.understand.commands.interpreters.scripted import Handler, Language, Script, ScriptCall
from changegate.understand.commands.interpreters.tokens import Syntax
from changegate.understand.commands.interpreters.values import Val

SYNTAX = Syntax(line_comments=("//", "#"), block_comments=(("/*", "*/"),), sigils="$", interpolating='"',
                backtick="command", heredocs=True, interpolation="dollar")


def array_map(script: Script, call: ScriptCall) -> Val:
    """array_map($callback, $array): the callback (a function or a function's name) on each element."""
    return C.apply_each(script, call.arg(0), call.arg(1), call.name)


def array_walk(script: Script, call: ScriptCall) -> Val:
    """array_walk($array, $callback), array_filter($array, $callback), usort($array, $callback)."""
    if len(call.args) > 1:
        C.apply_each(script, call.arg(1), call.arg(0), call.name)
    return call.arg(0)


def call_user_func(script: Script, call: ScriptCall) -> Val:
    function = call.arg(0)
    rest = call.args[1:]
    if call.name == "call_user_func_array" and rest and rest[0].kind == "list":
        rest = list(rest[0].items or [rest[0].iterated()])
    if function.kind == "str":
        name = function.literal()
        if name is None:
            script.actions.opaque(f"{call.name} of a function only known at run time")
            return Val.unknown()
        function = Val("func", name=name)
    return script.call_value(function, rest, {}, None, call.name)


def pdo(script: Script, call: ScriptCall) -> Val:
    """new PDO("pgsql:host=h;dbname=d"), "mysql:…", "sqlite:path"."""
    dsn = call.arg(0).text_or_unknown()
    driver, _, rest = dsn.partition(":")
    if driver == "sqlite":
        return C.sql_connection(C.sql_path_url(Val.string(rest)), "PDO")
    scheme = {"pgsql": "postgresql", "mysql": "mysql"}.get(driver, "")
    pairs = dict(p.partition("=")[::2] for p in rest.split(";") if "=" in p)
    url = f"{scheme}://{pairs.get('host', 'localhost')}/{pairs.get('dbname', '')}" if scheme else UNKNOWN_PART
    return C.sql_connection(Val.string(url), "PDO")


def mysqli(script: Script, call: ScriptCall) -> Val:
    host = call.arg(0)
    database = call.arg(3) if len(call.args) > 3 else Val.string("")
    return C.sql_connection(C.connection_url(Val("dict", fields={"host": host, "database": database}), "mysql"),
                            "mysqli")


def mysqli_query(script: Script, call: ScriptCall) -> Val:
    connection = call.arg(0)
    if connection.kind == "obj":
        return script.call_method(connection, "query", ScriptCall("query", Val.data(), call.args[1:2], {}, connection))
    script.actions.sql(Val.unknown(), call.arg(1), driver="mysqli")
    return Val.data()


def file_put_contents(script: Script, call: ScriptCall) -> Val:
    flags = call.arg(2).text_or_unknown() if len(call.args) > 2 else ""
    script.actions.write(C.as_path(call.arg(0)), append="APPEND" in flags, content=call.arg(1))
    return Val("num")


FUNCTIONS: dict[str, Handler] = {
    **{name: C.shell(0) for name in ("shell_exec", "exec", "system", "passthru", "popen", "proc_open")},
    "pcntl_exec": C.argv(0, 1), "pcntl_fork": C.forks, "posix_kill": C.kills(0, 1), "exit": C.nothing,
    "die": C.nothing, "unlink": C.deletes(0), "rmdir": C.deletes(0, directory=True), "rename": C.moves(0, 1),
    "copy": C.copies(0, 1), "mkdir": C.makes_directory(0), "chmod": C.chmods(0, 1), "chown": C.chowns(0, 1),
    "chgrp": C.chowns(0, 1), "symlink": C.links(0, 1), "link": C.links(0, 1), "touch": C.touches(0),
    "file_put_contents": file_put_contents, "fopen": C.writes(0, mode=1, content=None), "tempnam": C.temporary,
    "tmpfile": C.data, "sys_get_temp_dir": C.temporary,
    **{name: C.reads(0) for name in ("file_get_contents", "file", "readfile", "parse_ini_file", "fgets",
                                     "highlight_file", "show_source")},
    "scandir": C.reads(0, gives="list"), "glob": C.globs(0), "opendir": C.data, "readdir": C.data,
    "getenv": C.environment(0), "getcwd": C.cwd, "chdir": C.chdir, "realpath": C.resolves,
    "dirname": C.dirname, "basename": C.basename,
    "eval": C.code(), "assert": C.code(), "create_function": C.opaque("it builds a function from a string"),
    "array_map": array_map, "array_walk": array_walk, "array_filter": array_walk, "usort": array_walk,
    "uasort": array_walk, "uksort": array_walk, "call_user_func": call_user_func,
    "call_user_func_array": call_user_func, "new PDO": pdo, "new mysqli": mysqli, "mysqli_connect": mysqli,
    "mysqli_query": mysqli_query, "fsockopen": C.not_understood("opens a network connection"),
    "curl_exec": C.not_understood("sends a request with curl_*"), "mail": C.not_understood("sends mail"),
    "include": C.not_understood("includes a file"), "require": C.not_understood("includes a file"),
    "include_once": C.not_understood("includes a file"), "require_once": C.not_understood("includes a file"),
    "dl": C.opaque("it loads native code"), "ini_set": C.data,
}
GLOBALS: dict[str, Val] = {
    "$_SERVER": Val("environ"), "$_ENV": Val("environ"), "$argv": Val.list_of(elem=Val.string(UNKNOWN_PART)),
    "$argc": Val("num"), "PHP_EOL": Val.string("\n"), "STDIN": Val("file"), "STDOUT": Val("file"),
    "STDERR": Val("file"), "PHP_VERSION": Val.string(UNKNOWN_PART), "PHP_OS": Val.string(UNKNOWN_PART),
    "FILE_APPEND": Val.string("FILE_APPEND"), "LOCK_EX": Val.string("LOCK_EX"), "__DIR__": Val.path(UNKNOWN_PART),
    "__FILE__": Val.path(UNKNOWN_PART), "DIRECTORY_SEPARATOR": Val.string("/"), "E_ALL": Val("num"),
    "$this": Val("instance", name="$this"),
}
PURE = frozenset({
    "echo", "print", "printf", "sprintf", "vsprintf", "var_dump", "var_export", "print_r", "json_encode",
    "json_decode", "implode", "explode", "join", "strlen", "strtolower", "strtoupper", "ucfirst", "lcfirst",
    "ucwords", "substr", "strpos", "stripos", "strrpos", "str_replace", "str_ireplace", "str_repeat", "str_pad",
    "str_split", "str_contains", "str_starts_with", "str_ends_with", "trim", "ltrim", "rtrim", "nl2br",
    "htmlspecialchars", "strip_tags", "addslashes", "number_format", "count", "sizeof", "in_array",
    "array_keys", "array_values", "array_merge", "array_slice", "array_splice", "array_sum", "array_product",
    "array_unique", "array_reverse", "array_search", "array_key_exists", "array_flip", "array_fill",
    "array_combine", "array_column", "array_chunk", "array_pad", "array_diff", "array_intersect", "array_push",
    "array_pop", "array_shift", "array_unshift", "array_rand", "range", "sort", "rsort", "ksort", "krsort", "asort",
    "arsort", "shuffle", "min", "max", "abs", "floor", "ceil", "round", "sqrt", "pow", "intval", "floatval",
    "strval", "boolval", "settype", "gettype", "is_array", "is_string", "is_int", "is_numeric", "is_null",
    "is_bool", "is_float", "is_object", "is_callable", "isset", "empty", "unset", "date", "time", "mktime",
    "strtotime", "microtime", "hrtime", "sleep", "usleep", "rand", "mt_rand", "random_int", "uniqid", "md5",
    "sha1", "hash", "crc32", "base64_encode", "base64_decode", "urlencode", "urldecode", "rawurlencode",
    "http_build_query", "parse_url", "parse_str", "preg_match", "preg_match_all", "preg_replace_callback",
    "preg_split", "preg_quote", "preg_replace", "stream_get_contents", "fwrite", "fputs", "fclose", "fgetcsv",
    "fputcsv", "feof", "fflush", "file_exists", "is_file", "is_dir", "filesize", "filemtime", "is_readable",
    "is_writable", "pathinfo", "function_exists", "class_exists", "method_exists", "define", "defined",
    "constant", "compact", "extract", "list", "array", "error_reporting", "set_error_handler", "trigger_error",
    "error_log", "php_sapi_name", "phpversion", "memory_get_usage", "spl_autoload_register", "ob_start",
    "ob_get_clean", "header", "http_response_code", "serialize", "mb_strlen", "mb_substr", "mb_strtolower",
    "mb_strtoupper", "iterator_to_array", "array_key_first", "array_key_last", "ctype_digit", "ctype_alpha",
    "chr", "ord", "bin2hex", "hex2bin", "dechex", "hexdec", "octdec", "decoct", "str_word_count", "wordwrap",
    "levenshtein", "similar_text", "soundex", "metaphone", "array_walk_recursive", "gethostname", "version_compare", "date_default_timezone_set", "checkdate", "fread", "fscanf", "sscanf",
})
SAFE_METHODS = frozenset({"fetch", "fetchAll", "fetchColumn", "fetchObject", "rowCount", "bindParam", "bindValue",
                          "errorInfo", "errorCode", "format", "getTimestamp", "modify", "add", "sub", "diff",
                          "getMessage", "getCode", "getLine", "getFile", "getTrace", "setAttribute", "beginTransaction",
                          "commit", "rollBack", "close", "fetch_assoc", "fetch_all", "fetch_row", "free",
                          "real_escape_string", "escape_string", "num_rows", "prepare"})

LANGUAGE = Language(
    name="PHP", syntax=SYNTAX, functions=FUNCTIONS, globals=GLOBALS, pure=PURE, safe_methods=SAFE_METHODS,
    iterating=frozenset(), block_style="brace", concat_ops=frozenset({"."}), named_args=":",
    method_ops=frozenset({"->", "::", "?->"}), resolve_string_callee=True,
    paren_less=frozenset({"print", "include", "require", "include_once", "require_once"}),
    aliases={"exec": "exec", "pg_connect": "new PDO"},
)
