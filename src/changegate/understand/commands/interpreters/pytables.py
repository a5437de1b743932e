"""What Python's standard library and common libraries do, call by call: the tables `pycode` reads.

`HANDLERS` maps a qualified name (`shutil.rmtree`, `subprocess.run`, `boto3.Session`) to the function that
says what calling it does. `PURE_MODULES` are modules every function of which only computes (`json`, `re`,
`math`, `datetime`, `os.path`, …); `SAFE_METHODS` are the methods of plain data (str, list, dict, match
objects, loggers) that change nothing outside the program. A name in none of them is not understood.
"""

from __future__ import annotations

import ast
import builtins
import posixpath
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.services import http_request
from changegate.understand.commands.interpreters.values import Val, concat, merge
from changegate.understand.facts import Unreadable, read_config_bytes

if TYPE_CHECKING:
    from changegate.understand.commands.interpreters.pycode import Call, PythonCode

MAX_SOURCE = 512 * 1024

Handler = Callable[["PythonCode", "Call"], Val]
MethodHandler = Callable[["PythonCode", Val, str, "Call"], "Val | None"]

# --- plain values -------------------------------------------------------------------------------------------

BUILTINS = frozenset({
    "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr", "classmethod", "complex",
    "delattr", "dict", "dir", "divmod", "enumerate", "filter", "float", "format", "frozenset", "getattr", "hasattr",
    "hash", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max",
    "memoryview", "min", "next", "object", "oct", "ord", "pow", "print", "property", "range", "repr", "reversed",
    "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
    "zip", "exit", "quit", "globals", "open", "exec", "eval", "compile", "__import__", "breakpoint", "aiter",
    "anext", "NotImplemented", "Ellipsis", "help", "copyright", "credits", "license",
})
EXCEPTIONS = frozenset(name for name in vars(builtins) if name[:1].isupper()) | frozenset({
    "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError", "EOFError", "ImportError",
    "ModuleNotFoundError", "IndexError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError", "NameError",
    "NotImplementedError", "OSError", "IOError", "EnvironmentError", "OverflowError", "RecursionError",
    "RuntimeError", "StopIteration", "StopAsyncIteration", "SyntaxError", "SystemExit", "TypeError", "ValueError",
    "ZeroDivisionError", "FileNotFoundError", "FileExistsError", "PermissionError", "TimeoutError",
    "IsADirectoryError", "NotADirectoryError", "ConnectionError", "BrokenPipeError", "UnicodeDecodeError",
    "UnicodeEncodeError", "UnicodeError", "Warning", "UserWarning", "DeprecationWarning", "RuntimeWarning",
    "ProcessLookupError", "ChildProcessError", "InterruptedError", "BlockingIOError", "GeneratorExit",
})
PURE_MODULES = frozenset({
    "math", "cmath", "statistics", "random", "string", "textwrap", "itertools", "functools", "collections",
    "collections.abc", "datetime", "time", "calendar", "decimal", "fractions", "numbers", "re", "json", "base64",
    "binascii", "hashlib", "hmac", "uuid", "pprint", "typing", "typing_extensions", "dataclasses", "enum",
    "operator", "copy", "heapq", "bisect", "array", "struct", "shlex", "fnmatch", "difflib", "unicodedata", "locale",
    "html", "html.parser", "urllib.parse", "ipaddress", "keyword", "abc", "contextlib", "warnings", "traceback",
    "inspect", "types", "weakref", "secrets", "zlib", "codecs", "csv", "argparse", "getopt", "platform",
    "sysconfig", "colorsys", "graphlib", "zoneinfo", "ast", "tokenize", "email", "email.utils", "mimetypes",
    "quopri", "xml.etree.ElementTree", "xml.dom.minidom", "tomllib", "getpass", "sys", "os.path", "posixpath",
    "queue", "threading", "asyncio", "signal", "errno", "stat", "io", "gc", "gettext", "builtins", "unittest",
    "logging", "string.Template", "concurrent.futures", "multiprocessing", "glob",
    "socket", "select", "selectors", "dis", "timeit", "cProfile", "pstats", "linecache", "reprlib",
    "pydoc", "doctest", "this", "__future__", "site",
    # libraries of others that only compute or parse
    "yaml", "toml", "tomli", "tomli_w", "orjson", "ujson", "simplejson", "dateutil", "pytz", "tabulate",
    "numpy", "packaging", "semver", "jinja2", "markdown", "chardet", "attr", "attrs", "pydantic", "jsonschema",
    "jmespath", "jsonpath", "jsonpath_ng", "more_itertools", "toolz", "regex", "rich", "colorama", "termcolor",
})
# functions of pure modules that do more than compute
IMPURE_IN_PURE = frozenset({
    "socket.socket", "socket.create_connection", "socket.create_server", "socket.socketpair", "socket.fromfd",
    "asyncio.open_connection", "asyncio.start_server", "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell", "multiprocessing.Process", "signal.pthread_kill", "time.sleep",
    "unittest.main", "pydoc.pipepager", "pydoc.tempfilepager", "xml.etree.ElementTree.ElementTree.write",
    "site.main", "cProfile.run", "timeit.timeit", "timeit.repeat", "io.open", "codecs.open",
    "logging.basicConfig", "logging.FileHandler", "logging.handlers.RotatingFileHandler",
    "logging.handlers.TimedRotatingFileHandler", "glob.glob", "glob.iglob", "sys.exit", "os.path.expanduser",
    "os.path.expandvars", "os.path.join", "os.path.abspath", "os.path.realpath", "os.path.normpath",
    "os.path.dirname", "os.path.basename", "multiprocessing.Pool", "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor", "threading.Thread", "itertools.count", "itertools.cycle",
    "itertools.repeat", "functools.partial", "functools.reduce", "getpass.getpass", "posixpath.join",
    "posixpath.expanduser", "posixpath.abspath", "posixpath.normpath", "posixpath.dirname",
    "yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load", "numpy.save", "numpy.savez",
    "numpy.savez_compressed", "numpy.savetxt", "numpy.memmap", "numpy.load", "jinja2.Environment",
    "rich.console.Console", "toml.dump", "tomli_w.dump", "yaml.dump_all",
})
PURE_FUNCTIONS = frozenset({
    "os.getcwd", "os.getpid", "os.getppid", "os.getuid", "os.geteuid", "os.getgid", "os.getlogin", "os.cpu_count",
    "os.urandom", "os.get_terminal_size", "os.uname", "os.times", "os.access", "os.stat", "os.lstat", "os.fspath",
    "os.fsencode", "os.fsdecode", "os.getloadavg", "os.isatty", "os.strerror", "os.sched_getaffinity", "os.umask",
    "os.get_exec_path", "os.path.exists", "os.write", "os.read", "os.close", "os.dup", "os.dup2", "os.pipe",
    "os.waitpid", "os.wait", "os.WEXITSTATUS", "os.WIFEXITED", "os.getenvb", "os.device_encoding", "os.nice",
    "os.sync", "os.fsync", "os.fdopen", "os.get_blocking", "os.set_blocking", "os.abort", "os._exit", "os.readlink",
    "os.getpgid", "os.getsid", "os.ttyname", "os.getgroups", "os.statvfs",
    "shutil.which", "shutil.disk_usage", "shutil.get_terminal_size", "shutil.get_archive_formats",
    "shutil.get_unpack_formats", "importlib.reload", "importlib.invalidate_caches", "subprocess.list2cmdline",
    "sqlalchemy.MetaData", "sqlalchemy.Table", "sqlalchemy.Column", "sqlalchemy.select", "sqlalchemy.Integer",
    "sqlalchemy.String", "sqlalchemy.inspect", "redis.ConnectionPool", "kubernetes.client.ApiClient",
    "kubernetes.client.Configuration", "boto3.set_stream_logger", "requests.Request", "requests.adapters.HTTPAdapter",
    "requests.auth.HTTPBasicAuth", "httpx.Timeout", "httpx.Limits", "tempfile.gettempdir", "tempfile.gettempprefix",
    "psycopg2.extras.RealDictCursor", "psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT", "psycopg.rows.dict_row",
    "pymysql.cursors.DictCursor", "urllib.request.build_opener", "urllib.request.install_opener",
    "urllib.request.HTTPHandler", "importlib.metadata.version", "importlib.metadata.distributions",
    "importlib.resources.files", "pkg_resources.get_distribution",
})
PURE_CLASSES = frozenset({"datetime.datetime", "datetime.date", "datetime.timedelta", "collections.Counter",
                          "collections.OrderedDict", "collections.defaultdict", "collections.deque"})
# names whose attributes are functions too (`pathlib.Path.home`, `redis.Redis.from_url`)
CLASSES_WITH_STATICS = frozenset({"pathlib.Path", "pathlib.PosixPath", "redis.Redis", "redis.StrictRedis",
                                  "psycopg.Connection", "psycopg.AsyncConnection", "google.cloud.storage.Client",
                                  "datetime.datetime", "datetime.date", "str", "builtins.str", "builtins.dict",
                                  "builtins.bytes", "builtins.int"})
MODULES = frozenset({"os.path", "google.cloud", "google.cloud.storage", "kubernetes.client", "kubernetes.config",
                     "urllib.request", "urllib.parse", "xml.etree", "xml.etree.ElementTree", "concurrent.futures",
                     "importlib.util", "importlib.metadata", "email.mime", "logging.handlers", "boto3.session",
                     "mysql.connector", "sqlalchemy.orm", "sqlalchemy.ext", "sqlalchemy.ext.asyncio",
                     "motor.motor_asyncio", "psycopg2.extras", "psycopg2.extensions", "psycopg.rows",
                     "pymysql.cursors", "requests.adapters", "requests.auth", "http.client", "http.server",
                     "os", "sys", "collections.abc"})
MODULE_ALIASES = {"posix": "os", "nt": "os", "posixpath": "os.path", "ntpath": "os.path", "_io": "io",
                  "subprocess32": "subprocess", "commands": "subprocess"}
FUNCTION_ALIASES = {"pathlib.PosixPath": "pathlib.Path", "pathlib.PurePath": "pathlib.Path",
                    "pathlib.PurePosixPath": "pathlib.Path", "pathlib.WindowsPath": "pathlib.Path",
                    "os.popen2": "os.popen", "os.popen3": "os.popen", "os.popen4": "os.popen",
                    "platform.popen": "os.popen", "io.open": "builtins.open", "codecs.open": "builtins.open",
                    "gzip.open": "builtins.open", "bz2.open": "builtins.open", "lzma.open": "builtins.open",
                    "pathlib.Path.cwd": "os.getcwd", "redis.StrictRedis": "redis.Redis",
                    "redis.StrictRedis.from_url": "redis.from_url", "redis.Redis.from_url": "redis.from_url",
                    "psycopg.Connection.connect": "psycopg.connect", "psycopg.AsyncConnection.connect": "psycopg.connect",
                    "psycopg2.connect": "psycopg.connect", "pg8000.connect": "psycopg.connect",
                    "pg8000.native.Connection": "psycopg.connect", "asyncpg.connect": "psycopg.connect",
                    "asyncpg.create_pool": "psycopg.connect", "psycopg_pool.ConnectionPool": "psycopg.connect",
                    "MySQLdb.connect": "pymysql.connect", "mysql.connector.connect": "pymysql.connect",
                    "mariadb.connect": "pymysql.connect", "aiomysql.connect": "pymysql.connect",
                    "pymysql.Connect": "pymysql.connect", "sqlalchemy.ext.asyncio.create_async_engine":
                    "sqlalchemy.create_engine", "motor.motor_asyncio.AsyncIOMotorClient": "pymongo.MongoClient",
                    "opensearchpy.OpenSearch": "elasticsearch.Elasticsearch", "boto3.session.Session": "boto3.Session",
                    "os.renames": "os.rename", "os.replace": "os.rename", "shutil.copy2": "shutil.copy",
                    "shutil.copyfile": "shutil.copy", "os.lchmod": "os.chmod", "os.lchown": "os.chown",
                    "shutil.chown": "os.chown", "os.link": "os.symlink", "os.makedirs": "os.mkdir",
                    "os.removedirs": "os.rmdir", "os.unlink": "os.remove", "subprocess.call": "subprocess.run",
                    "subprocess.check_call": "subprocess.run", "subprocess.check_output": "subprocess.run",
                    "subprocess.Popen": "subprocess.run", "subprocess.getstatusoutput": "os.system",
                    "subprocess.getoutput": "os.system", "os.popen": "os.system", "httpx.Client": "requests.Session",
                    "httpx.AsyncClient": "requests.Session", "requests.session": "requests.Session",
                    "os.forkpty": "os.fork", "pty.fork": "os.fork", "os.killpg": "os.kill",
                    "glob.iglob": "glob.glob", "tempfile.mkstemp": "tempfile.mkdtemp",
                    "tempfile.TemporaryDirectory": "tempfile.mkdtemp", "tempfile.TemporaryFile":
                    "tempfile.NamedTemporaryFile", "tempfile.SpooledTemporaryFile": "tempfile.NamedTemporaryFile",
                    "multiprocessing.Pool": "concurrent.futures.ThreadPoolExecutor",
                    "concurrent.futures.ProcessPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
                    "multiprocessing.pool.ThreadPool": "concurrent.futures.ThreadPoolExecutor",
                    "logging.handlers.RotatingFileHandler": "logging.FileHandler",
                    "logging.handlers.TimedRotatingFileHandler": "logging.FileHandler",
                    "posixpath.join": "os.path.join", "posixpath.expanduser": "os.path.expanduser",
                    "posixpath.abspath": "os.path.abspath", "posixpath.normpath": "os.path.normpath",
                    "posixpath.dirname": "os.path.dirname", "os.path.realpath": "os.path.abspath",
                    "itertools.cycle": "itertools.count", "itertools.repeat": "itertools.count",
                    "cloudpickle.loads": "pickle.loads", "dill.loads": "pickle.loads", "pickle.load": "pickle.loads",
                    "marshal.loads": "pickle.loads", "marshal.load": "pickle.loads", "shelve.open": "pickle.loads",
                    "ctypes.cdll.LoadLibrary": "ctypes.CDLL", "ctypes.CDLL": "ctypes.CDLL",
                    "ctypes.PyDLL": "ctypes.CDLL", "cffi.FFI": "ctypes.CDLL", "importlib.__import__":
                    "builtins.__import__", "asyncio.create_subprocess_shell": "os.system",
                    "runpy.run_module": "importlib.import_module", "code.InteractiveInterpreter": "builtins.exec",
                    "os.execle": "os.execl", "os.execlp": "os.execl", "os.execlpe": "os.execl",
                    "os.execve": "os.execv", "os.execvp": "os.execv", "os.execvpe": "os.execv",
                    "os.spawnle": "os.spawnl", "os.spawnlp": "os.spawnl", "os.spawnlpe": "os.spawnl",
                    "os.spawnve": "os.spawnv", "os.spawnvp": "os.spawnv", "os.spawnvpe": "os.spawnv",
                    "os.posix_spawnp": "os.posix_spawn", "google.cloud.storage.Client.from_service_account_json":
                    "google.cloud.storage.Client", "redis.client.Redis": "redis.Redis"}
TEST_CASE_METHODS = frozenset({"setUp", "tearDown", "setUpClass", "tearDownClass", "fail", "skipTest", "subTest",
                               "addCleanup", "run", "id", "shortDescription", "maxDiff"})
SAFE_METHODS = frozenset({
    # str and bytes
    "capitalize", "casefold", "center", "count", "encode", "decode", "endswith", "expandtabs", "find", "format",
    "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
    "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans",
    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit",
    "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill", "hex",
    # list, dict, set
    "append", "extend", "insert", "pop", "remove", "clear", "copy", "reverse", "sort", "get", "items", "keys",
    "values", "setdefault", "update", "popitem", "fromkeys", "add", "discard", "union", "intersection",
    "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint", "most_common", "elements",
    "subtract", "appendleft", "popleft", "rotate", "extendleft", "total",
    # match objects and patterns, dates, numbers
    "group", "groups", "groupdict", "span", "start", "end", "match", "search", "findall", "finditer", "sub", "subn",
    "fullmatch", "strftime", "isoformat", "timestamp", "date", "time", "astimezone", "now", "today", "utcnow",
    "fromtimestamp", "fromisoformat", "strptime", "total_seconds", "weekday", "isoweekday", "isocalendar",
    "is_integer", "as_integer_ratio", "bit_length", "to_bytes", "from_bytes", "quantize", "conjugate",
    # hashing, templates, io buffers, csv, argparse, logging, threads, queues
    "digest", "hexdigest", "substitute", "safe_substitute", "getvalue", "read", "readline", "readlines", "seek",
    "tell", "flush", "close", "writerow", "writerows", "writeheader", "add_argument", "parse_args",
    "parse_known_args", "add_subparsers", "add_parser", "set_defaults", "add_mutually_exclusive_group",
    "add_argument_group", "print_help", "print_usage", "format_help", "error", "exit", "info", "debug", "warning",
    "warn", "critical", "exception", "log", "setLevel", "addHandler", "removeHandler", "setFormatter",
    "getLogger", "getChild", "isEnabledFor", "is_alive", "wait", "acquire", "release", "locked", "set",
    "is_set", "put", "put_nowait", "get_nowait", "task_done", "empty", "full", "qsize", "result", "done",
    "cancelled", "add_done_callback", "run_until_complete", "create_task", "gather", "findtext", "iter",
    "getroot", "iterfind", "itertext", "tolist", "pack", "unpack", "unpack_from", "to_dict", "model_dump",
    "dict", "json", "raise_for_status", "iter_content", "iter_lines", "__str__", "__repr__", "__format__",
    "__len__", "__iter__", "__next__", "__getitem__", "__contains__", "__eq__", "__hash__", "__enter__",
    "__exit__", "__init__", "__bool__", "getattr", "mro", "assertEqual", "assertTrue",
})
# methods harmless on a value nothing is known about (a parameter, a library's return): a name a client
# object could also have for a change (`remove`, `update`, `delete`, `clear`, `put`) is not among them
SAFE_ON_ANYTHING = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "split", "rsplit", "splitlines", "join", "startswith", "endswith",
    "replace", "format", "encode", "decode", "get", "items", "keys", "values", "append", "extend", "copy", "count",
    "index", "sort", "strftime", "isoformat", "group", "groups", "groupdict", "match", "search", "findall", "sub",
    "hexdigest", "digest", "most_common", "read", "readline", "readlines", "tell", "seek", "close", "flush",
    "is_alive", "result", "done", "json", "raise_for_status", "isdigit", "isalpha", "title", "capitalize", "find",
    "zfill", "ljust", "rjust", "center", "partition", "rpartition", "total_seconds", "timestamp", "tolist",
    "to_dict", "info", "debug", "warning", "error", "exception", "critical", "getvalue", "iter_lines",
})
STAR_EXPORTS = {"os": ("system", "remove", "unlink", "rmdir", "removedirs", "rename", "popen", "chmod", "kill",
                       "fork", "execv", "execvp", "execl", "execlp", "spawnv", "spawnl", "listdir", "walk", "getcwd",
                       "mkdir", "makedirs", "environ", "getenv", "chdir", "symlink", "path"),
                "shutil": ("rmtree", "move", "copy", "copy2", "copytree", "copyfile", "chown", "which"),
                "subprocess": ("run", "call", "check_call", "check_output", "Popen", "getoutput", "PIPE"),
                "pathlib": ("Path", "PurePath", "PosixPath"), "math": (), "json": ("dumps", "loads", "dump", "load")}
WRITE_MODES = frozenset("wax+")
OS_WRITE_FLAGS = re.compile(r"O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)")


# --- small helpers ------------------------------------------------------------------------------------------

def constant(value: object) -> Val:
    if isinstance(value, bool):
        return Val("bool", text="true" if value else "false")
    if isinstance(value, str):
        return Val.string(value)
    if isinstance(value, int):
        return Val("num", text=str(value))
    if value is None:
        return Val("none")
    if isinstance(value, bytes):
        try:
            return Val.string(value.decode("utf-8"))
        except UnicodeDecodeError:
            return Val.data()
    return Val("num") if isinstance(value, float | complex) else Val.data()


def truthy_constant(node: ast.expr, value: Val) -> bool:
    """`while True`, `while 1`, `while "x"`: a loop that does not end by itself."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return value.kind == "bool" and value.text == "true"


def written(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:60]
    except (ValueError, RecursionError, AttributeError):
        return type(node).__name__


def as_path(value: Val) -> Val:
    if value.kind == "file" and value.field("path") is not None:
        return value.field("path") or value
    return value if value.kind == "path" else Val("path", text=value.text_or_unknown(), glob=value.glob,
                                                 tree=value.tree)


def join_path(left: Val, right: Val) -> Val:
    base = left.text_or_unknown()
    tail = right.text_or_unknown()
    text = tail if tail.startswith("/") else (base.rstrip("/") + "/" + tail if base else tail)
    return Val.path(text, glob=left.glob or right.glob, tree=left.tree or right.tree)


def join_all(parts: list[Val]) -> Val:
    if not parts:
        return Val.path(".")
    joined = as_path(parts[0])
    for part in parts[1:]:
        joined = join_path(joined, part)
    return joined


def path_attribute(owner: Val, name: str) -> Val | None:
    text = owner.text_or_unknown()
    if name == "parent":
        return Val.path(posixpath.dirname(text.rstrip("/")) or ("/" if text.startswith("/") else "."))
    if name in ("name", "stem", "suffix"):
        base = posixpath.basename(text.rstrip("/"))
        if UNKNOWN_PART in base or owner.glob:
            return Val("str", text=base if name == "name" else UNKNOWN_PART, glob=owner.glob)
        stem, dot, suffix = base.rpartition(".")
        if name == "name":
            return Val.string(base)
        return Val.string((stem if dot else base) if name == "stem" else (dot + suffix if dot else ""))
    if name in ("parts", "parents", "suffixes"):
        return Val.list_of(elem=Val.string(UNKNOWN_PART))
    if name in ("anchor", "root", "drive"):
        return Val.string("/" if text.startswith("/") else "")
    return None


def format_percent(template: str, values: Val) -> str:
    items = list(values.items) if values.kind == "list" and values.items is not None else [values]
    parts = template.split("%")
    out = [parts[0]]
    skip = False
    for part in parts[1:]:
        if skip or not part:
            out.append("%" + part if skip else "%")
            skip = not part and not skip
            continue
        item = items.pop(0) if items else Val.unknown()
        spec = part.lstrip("-+ #0123456789.()abcdefghijklmnopqrstuvwxyz_")
        consumed = len(part) - len(spec)
        out.append(item.text_or_unknown() + part[max(consumed, 1):] if consumed <= 1 else
                   item.text_or_unknown() + spec)
    return "".join(out)


def env_value(actions: Actions, name: str, default: Val | None = None) -> Val:
    if name == "HOME":
        home = actions.ctx.getenv("HOME") or actions.ctx.home
        return Val.path(home) if home else Val.string(UNKNOWN_PART)
    value = actions.ctx.getenv(name)
    if value is not None:
        return Val.string(value)
    return default if default is not None else Val.string(UNKNOWN_PART)


def expand_user(actions: Actions, value: Val) -> Val:
    text = value.text_or_unknown()
    if text == "~" or text.startswith("~/"):
        home = actions.ctx.getenv("HOME") or actions.ctx.home
        return Val.path((home or UNKNOWN_PART) + text[1:], glob=value.glob)
    return as_path(value)


VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def expand_vars(actions: Actions, value: Val) -> Val:
    text = value.text_or_unknown()
    expanded = VARIABLE.sub(lambda m: env_value(actions, m.group(1) or m.group(2)).text_or_unknown(), text)
    return Val(value.kind if value.textual else "str", text=expanded, glob=value.glob)


def is_file(path: str) -> bool:
    try:
        return read_config_bytes(path, limit=MAX_SOURCE) is not None
    except Unreadable:
        return True


def read_source(path: str) -> str | None:
    try:
        data = read_config_bytes(path, limit=MAX_SOURCE)
    except Unreadable:
        return None
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def first(call: Call, *names: str) -> Val:
    return call.arg(0, *names) or Val.unknown()


def second(call: Call, *names: str) -> Val:
    return call.arg(1, *names) or Val.unknown()


def truthy(value: Val | None) -> bool:
    return value is not None and value.kind in ("bool", "num", "str") and value.text not in (None, "false", "0", "")


# --- handlers: processes ------------------------------------------------------------------------------------

def shell_string(code: PythonCode, call: Call) -> Val:
    code.actions.shell(first(call, "cmd", "command"), f"{written(call.node.func)}()")
    return Val.obj("subprocess-result")


def subprocess_run(code: PythonCode, call: Call) -> Val:
    command = first(call, "args")
    program = call.kwargs.get("executable")
    shell = truthy(call.kwargs.get("shell"))
    directory = call.kwargs.get("cwd")
    actions = code.actions
    saved = actions.ctx
    if directory is not None:
        actions.ctx = actions.ctx.clone(cwd=actions.ctx.resolve(directory.text_or_unknown()))
    try:
        origin = f"{written(call.node.func)}()"
        if command.kind == "list" and command.items is not None:
            items = list(command.items)
            if shell and items:
                actions.shell(items[0], origin)
            else:
                actions.argv([program, *items[1:]] if program is not None and items else items, origin)
        elif command.kind == "list":
            actions.argv([command.iterated()], origin)
        elif command.textual:
            actions.shell(command, origin)  # a string: run by a shell with shell=True (and often without)
        else:
            actions.opaque(f"{origin} of a command only known at run time")
    finally:
        actions.ctx = saved
    return Val.obj("popen" if call.callee.name.endswith("Popen") else "subprocess-result")


def exec_list(code: PythonCode, call: Call) -> Val:
    """os.execl(file, arg0, arg1, …) and os.spawnl(mode, file, arg0, …)."""
    offset = 1 if ".spawn" in call.callee.name else 0
    program = call.arg(offset) or Val.unknown()
    arguments = call.args[offset + 2:]
    if call.callee.name.endswith("e"):
        arguments = arguments[:-1]
    code.actions.argv([program, *arguments], f"{call.callee.name}()")
    return Val.data()


def exec_vector(code: PythonCode, call: Call) -> Val:
    """os.execv(file, argv), os.spawnv(mode, file, argv), os.posix_spawn(path, argv, env)."""
    offset = 1 if ".spawn" in call.callee.name else 0
    program = call.arg(offset) or Val.unknown()
    argv = call.arg(offset + 1) or Val.unknown()
    if argv.kind == "list" and argv.items is not None:
        code.actions.argv([program, *argv.items[1:]], f"{call.callee.name}()")
    else:
        code.actions.argv([program, argv.iterated()], f"{call.callee.name}()")
    return Val.data()


def pty_spawn(code: PythonCode, call: Call) -> Val:
    argv = first(call, "argv")
    if argv.kind == "list" and argv.items is not None:
        code.actions.argv(list(argv.items), "pty.spawn()")
    else:
        code.actions.argv([argv], "pty.spawn()")
    return Val.data()


def exec_argv(code: PythonCode, call: Call) -> Val:
    """asyncio.create_subprocess_exec(program, *args)."""
    code.actions.argv(call.args, f"{call.callee.name}()")
    return Val.obj("popen")


def fork(code: PythonCode, call: Call) -> Val:
    code.actions.fork(in_loop=code.in_endless_loop(), looped=bool(code.loops), evidence=written(call.node))
    return Val("num")


def start_process(code: PythonCode, call: Call) -> Val:
    if code.in_endless_loop():
        code.actions.fork(in_loop=True, evidence=written(call.node))
    return Val.obj("process")


def kill(code: PythonCode, call: Call) -> Val:
    signal = second(call)
    number = signal.literal() if signal.kind == "num" else None
    code.actions.command("kill", f"-{number or 'TERM'}", first(call))
    return Val("none")


# --- handlers: files ----------------------------------------------------------------------------------------

def open_file(code: PythonCode, call: Call) -> Val:
    target = first(call, "file")
    mode = call.arg(1, "mode")
    text = mode.literal() if mode is not None else "r"
    path = as_path(target)
    if target.kind == "num":
        return Val("file")
    if text is None or WRITE_MODES & set(text):
        code.actions.write(path, append=text is not None and "a" in text and "w" not in text)
        return Val("file", fields={"path": path}, writable=True)
    code.actions.read(path)
    return Val("file", fields={"path": path})


def os_open(code: PythonCode, call: Call) -> Val:
    flags = call.node.args[1] if len(call.node.args) > 1 else None
    path = as_path(first(call, "path"))
    if flags is not None and OS_WRITE_FLAGS.search(written(flags)):
        code.actions.write(path)
    else:
        code.actions.read(path)
    return Val("num")


def remove(code: PythonCode, call: Call) -> Val:
    code.actions.delete(as_path(first(call, "path")))
    return Val("none")


def rmtree(code: PythonCode, call: Call) -> Val:
    code.actions.delete(as_path(first(call, "path")), recursive=True)
    return Val("none")


def rmdir(code: PythonCode, call: Call) -> Val:
    code.actions.remove_directory(as_path(first(call, "path", "name")))
    return Val("none")


def move(code: PythonCode, call: Call) -> Val:
    target = as_path(second(call, "dst"))
    code.actions.move(as_path(first(call, "src")), target)
    return target


def copy(code: PythonCode, call: Call) -> Val:
    target = as_path(second(call, "dst"))
    code.actions.copy(as_path(first(call, "src")), target)
    return target


def copytree(code: PythonCode, call: Call) -> Val:
    target = as_path(second(call, "dst"))
    code.actions.copy(as_path(first(call, "src")), target, recursive=True)
    return target


def make_directory(code: PythonCode, call: Call) -> Val:
    code.actions.make_directory(as_path(first(call, "path", "name")))
    return Val("none")


def chmod(code: PythonCode, call: Call) -> Val:
    code.actions.chmod(as_path(first(call, "path")), second(call, "mode"))
    return Val("none")


def chown(code: PythonCode, call: Call) -> Val:
    code.actions.chown(as_path(first(call, "path")), second(call, "uid", "user"))
    return Val("none")


def symlink(code: PythonCode, call: Call) -> Val:
    code.actions.link(as_path(first(call, "src")), as_path(second(call, "dst")))
    return Val("none")


def truncate(code: PythonCode, call: Call) -> Val:
    code.actions.write(as_path(first(call, "path")))
    return Val("none")


def touch(code: PythonCode, call: Call) -> Val:
    code.actions.touch(as_path(first(call, "path")))
    return Val("none")


def chdir(code: PythonCode, call: Call) -> Val:
    target = first(call, "path").literal()
    code.actions.ctx.cwd = code.actions.ctx.resolve(target) if target is not None else None
    return Val("none")


def make_archive(code: PythonCode, call: Call) -> Val:
    base = first(call, "base_name")
    kind = second(call, "format")
    target = concat([base, Val.string("." + (kind.literal() or "zip").replace("gztar", "tar.gz"))])
    code.actions.write(as_path(target))
    return as_path(target)


def unpack_archive(code: PythonCode, call: Call) -> Val:
    destination = call.arg(1, "extract_dir") or Val.path(".")
    code.actions.command("tar", "-xf", first(call, "filename"), "-C", destination)
    return Val("none")


def archive(code: PythonCode, call: Call) -> Val:
    path = as_path(first(call, "file", "name"))
    mode = call.arg(1, "mode")
    text = mode.literal() if mode is not None else "r"
    if text is None or text[:1] in ("w", "a", "x"):
        code.actions.write(path, append=text is not None and text.startswith("a"))
    return Val.obj("archive", path=path, tool=Val.string("unzip" if "zip" in call.callee.name else "tar"))


def walk(code: PythonCode, call: Call) -> Val:
    top = as_path(first(call, "top"))
    root = Val.path(top.text_or_unknown(), tree=True)
    names = Val.list_of(elem=Val("str", text="*", glob=True))
    return Val.list_of(elem=Val.list_of([root, names, names]))


def listdir(code: PythonCode, call: Call) -> Val:
    return Val.list_of(elem=Val("str", text="*", glob=True))


def scandir(code: PythonCode, call: Call) -> Val:
    directory = as_path(call.arg(0, "path") or Val.path("."))
    entry = join_path(directory, Val("str", text="*", glob=True))
    return Val.list_of(elem=Val.obj("dir-entry", path=entry, name=Val("str", text="*", glob=True)))


def glob_(code: PythonCode, call: Call) -> Val:
    pattern = first(call, "pathname")
    tree = "**" in pattern.text_or_unknown() and truthy(call.kwargs.get("recursive"))
    return Val.list_of(elem=Val.path(pattern.text_or_unknown(), glob=True, tree=tree))


def temporary(code: PythonCode, call: Call) -> Val:
    directory = call.kwargs.get("dir")
    base = directory.text_or_unknown() if directory is not None else "/tmp"
    return Val.path(f"{base.rstrip('/')}/{UNKNOWN_PART}")


def named_temporary(code: PythonCode, call: Call) -> Val:
    path = temporary(code, call)
    if call.kwargs.get("dir") is not None:
        code.actions.write(path)
    return Val("file", fields={"path": path, "name": path}, writable=True)


def pathlib_path(code: PythonCode, call: Call) -> Val:
    return join_all(call.args)


def home(code: PythonCode, call: Call) -> Val:
    return env_value(code.actions, "HOME")


def getcwd(code: PythonCode, call: Call) -> Val:
    return Val.path(code.actions.ctx.cwd or UNKNOWN_PART)


def getenv(code: PythonCode, call: Call) -> Val:
    name = first(call, "key").literal()
    default = call.arg(1, "default")
    return env_value(code.actions, name, default) if name is not None else Val.string(UNKNOWN_PART)


def putenv(code: PythonCode, call: Call) -> Val:
    name = first(call, "key").literal()
    if name is not None:
        code.actions.ctx.env[name] = second(call, "value").text_or_unknown()
    return Val("none")


def expanduser(code: PythonCode, call: Call) -> Val:
    return expand_user(code.actions, first(call, "path"))


def expandvars(code: PythonCode, call: Call) -> Val:
    return expand_vars(code.actions, first(call, "path"))


def path_join(code: PythonCode, call: Call) -> Val:
    return join_all(call.args)


def abspath(code: PythonCode, call: Call) -> Val:
    text = first(call, "path").text_or_unknown()
    resolved = code.actions.ctx.resolve(text)
    return Val.path(resolved if resolved is not None else text, glob=first(call).glob, tree=first(call).tree)


def dirname(code: PythonCode, call: Call) -> Val:
    return Val.path(posixpath.dirname(first(call, "p").text_or_unknown()))


def basename(code: PythonCode, call: Call) -> Val:
    value = first(call, "p")
    return Val("str", text=posixpath.basename(value.text_or_unknown()), glob=value.glob)


def sys_exit(code: PythonCode, call: Call) -> Val:
    return Val("none")


# --- handlers: code that cannot be read, modules ------------------------------------------------------------

def exec_code(code: PythonCode, call: Call) -> Val:
    source = first(call, "source", "object")
    text = source.literal()
    if source.kind == "obj" and source.name == "code":
        return Val.data()
    if text is None:
        code.actions.opaque(f"{call.callee.name.rsplit('.', 1)[-1]}() of code only known at run time")
        return Val.unknown()
    nested = type(code)(code.actions, code.search, loaded=code.loaded)
    nested.globals = code.globals
    nested.run(text, f"{call.callee.name.rsplit('.', 1)[-1]}() code")
    return Val.obj("code") if call.callee.name.endswith("compile") else Val.data()


def import_module(code: PythonCode, call: Call) -> Val:
    name = first(call, "name").literal()
    if name is None:
        code.actions.opaque("imports a module whose name is only known at run time")
        return Val.unknown()
    return code.module(name)


def get_attribute(code: PythonCode, call: Call) -> Val:
    owner = first(call, "object")
    name = second(call, "name").literal()
    if name is not None:
        return code.attribute(owner, name)
    if owner.kind in ("module", "obj", "func"):
        code.actions.opaque(f"gets a function of {owner.describe()} whose name is only known at run time")
        return Val.unknown()
    return Val.unknown("an attribute named at run time")


def run_path(code: PythonCode, call: Call) -> Val:
    path = first(call, "path_name").literal()
    resolved = code.actions.ctx.resolve(path) if path else None
    text = read_source(resolved) if resolved else None
    if text is None:
        code.actions.unknown(f"runs the file {path or 'named at run time'}, which cannot be read")
        return Val.data()
    type(code)(code.actions, [posixpath.dirname(resolved or "")], loaded=code.loaded).run(text, f"the file {path}")
    return Val.data()


def deserialize(code: PythonCode, call: Call) -> Val:
    code.actions.opaque(f"{call.callee.name}() (loading it runs whatever code the data names)")
    return Val.unknown()


def native(code: PythonCode, call: Call) -> Val:
    code.actions.opaque(f"{call.callee.name}() loads native code")
    return Val.unknown()


# --- handlers: builtins that pass values on -----------------------------------------------------------------

def to_str(code: PythonCode, call: Call) -> Val:
    value = call.arg(0)
    if value is None:
        return Val.string("")
    return Val("str", text=value.text_or_unknown(), glob=value.glob) if value.kind in ("str", "path", "num") \
        else Val.string(UNKNOWN_PART)


def to_list(code: PythonCode, call: Call) -> Val:
    value = call.arg(0)
    if call.callee.name == "builtins.iter" and len(call.args) > 1:
        return Val("obj", name="endless", elem=Val.data())  # iter(f, sentinel): until f returns it
    if value is None:
        return Val.list_of([])
    if value.kind == "list":
        return value
    return Val.list_of(elem=value.iterated())


def next_item(code: PythonCode, call: Call) -> Val:
    return first(call).iterated()


MAX_EACH = 16  # items of a known list a function is applied to one by one


def map_(code: PythonCode, call: Call) -> Val:
    function = first(call)
    iterables = call.args[1:]
    if function.kind not in ("func", "ref", "fn"):
        return Val.list_of(elem=iterables[0].iterated() if iterables else Val.unknown())
    if len(iterables) == 1 and iterables[0].items is not None and len(iterables[0].items) <= MAX_EACH:
        results = [code.invoke(type_call(call, function, [item])) for item in iterables[0].items]
        return Val.list_of(results)
    return Val.list_of(elem=code.invoke(type_call(call, function, [i.iterated() for i in iterables])))


def filter_(code: PythonCode, call: Call) -> Val:
    function = first(call)
    iterable = second(call)
    if function.kind in ("func", "ref", "fn"):
        code.invoke(type_call(call, function, [iterable.iterated()]))
    return Val.list_of(elem=iterable.iterated())


def reduce_(code: PythonCode, call: Call) -> Val:
    function = first(call)
    iterable = second(call)
    if function.kind in ("func", "ref", "fn"):
        return code.invoke(type_call(call, function, [Val.unknown(), iterable.iterated()]))
    return Val.unknown()


def sorted_(code: PythonCode, call: Call) -> Val:
    key = call.kwargs.get("key")
    iterable = first(call)
    if key is not None and key.kind in ("func", "ref", "fn"):
        code.invoke(type_call(call, key, [iterable.iterated()]))
    return Val.list_of(elem=iterable.iterated())


def enumerate_(code: PythonCode, call: Call) -> Val:
    return Val.list_of(elem=Val.list_of([Val("num"), first(call).iterated()]))


def zip_(code: PythonCode, call: Call) -> Val:
    return Val.list_of(elem=Val.list_of([a.iterated() for a in call.args]))


def range_(code: PythonCode, call: Call) -> Val:
    return Val.list_of(elem=Val("num"))


def endless(code: PythonCode, call: Call) -> Val:
    times = call.arg(1, "times")
    if call.callee.name.endswith("repeat") and times is not None:
        return Val.list_of(elem=first(call))
    return Val("obj", name="endless", elem=Val("num") if call.callee.name.endswith("count") else first(call).iterated())


def partial(code: PythonCode, call: Call) -> Val:
    function = first(call)
    if function.kind in ("func", "ref"):
        code.invoke(type_call(call, function, [*call.args[1:], Val.unknown("a later argument")]))
    return Val("fn", name="partial")


def make_dict(code: PythonCode, call: Call) -> Val:
    base = call.arg(0)
    return Val("dict", fields={**(base.fields if base is not None and base.kind == "dict" else {}), **call.kwargs})


def data(code: PythonCode, call: Call) -> Val:
    return Val.data()


def text_result(code: PythonCode, call: Call) -> Val:
    return Val.string(UNKNOWN_PART)


def logging_file(code: PythonCode, call: Call) -> Val:
    target = call.arg(0, "filename")
    if call.callee.name.endswith("basicConfig"):
        target = call.kwargs.get("filename")
    if target is not None:
        code.actions.write(as_path(target), append=True)
    return Val.data()


def type_call(call: Call, function: Val, args: list[Val]) -> Call:
    return type(call)(call.node, function, args, {}, True)


def executor(code: PythonCode, call: Call) -> Val:
    return Val.obj("executor")


def thread(code: PythonCode, call: Call) -> Val:
    return Val.obj("thread")


# --- handlers: network, databases, clouds ------------------------------------------------------------------

def http(method: str) -> Handler:
    def send(code: PythonCode, call: Call) -> Val:
        url = call.arg(0, "url") or Val.unknown()
        http_request(code.actions, method, url, call.kwargs)
        return Val.obj("http-response")

    return send


def http_any(code: PythonCode, call: Call) -> Val:
    method = first(call, "method").text_or_unknown()
    http_request(code.actions, method.lower() if UNKNOWN_PART not in method else "unknown", second(call, "url"),
                 call.kwargs)
    return Val.obj("http-response")


def urlopen(code: PythonCode, call: Call) -> Val:
    target = first(call, "url")
    if target.kind == "obj" and target.name == "http-request":
        method = target.field("method")
        payload = target.field("data")
        http_request(code.actions, (method.literal() or "post") if method is not None else
                     ("post" if payload is not None else "get"), target.field("url") or Val.unknown(),
                     {"data": payload} if payload is not None else {})
        return Val.obj("http-response")
    payload = call.arg(1, "data")
    http_request(code.actions, "post" if payload is not None else "get", target,
                 {"data": payload} if payload is not None else {})
    return Val.obj("http-response")


def url_request(code: PythonCode, call: Call) -> Val:
    fields = {"url": first(call, "url")}
    for name in ("data", "method"):
        value = call.arg(1, name) if name == "data" else call.kwargs.get(name)
        if value is not None:
            fields[name] = value
    return Val.obj("http-request", **fields)


def urlretrieve(code: PythonCode, call: Call) -> Val:
    target = call.arg(1, "filename")
    if target is None:
        code.actions.http("GET", first(call, "url"))
    else:
        code.actions.command("curl", "-o", as_path(target), first(call, "url"))
    return Val.data()


def http_session(code: PythonCode, call: Call) -> Val:
    return Val.obj("http-session")


def socket(code: PythonCode, call: Call) -> Val:
    code.actions.unknown(f"opens a network connection ({call.callee.name})")
    return Val.unknown()


def postgres_url(call: Call, scheme: str = "postgresql") -> Val:
    dsn = call.arg(0, "dsn", "conninfo", "url")
    if dsn is not None and dsn.textual:
        return dsn
    host = call.kwargs.get("host", Val.string("localhost"))
    database = call.kwargs.get("dbname", call.kwargs.get("database", call.kwargs.get("db", Val.string(""))))
    user = call.kwargs.get("user", Val.string(""))
    port = call.kwargs.get("port")
    authority = concat([user, Val.string("@")]) if user.text else Val.string("")
    server = concat([host, Val.string(":"), port]) if port is not None else host
    return concat([Val.string(f"{scheme}://"), authority, server, Val.string("/"), database])


def postgres(code: PythonCode, call: Call) -> Val:
    return Val.obj("sql-connection", url=postgres_url(call), driver=Val.string(call.callee.name.split(".")[0]))


def mysql(code: PythonCode, call: Call) -> Val:
    return Val.obj("sql-connection", url=postgres_url(call, "mysql"), driver=Val.string(call.callee.name.split(".")[0]))


def sqlite(code: PythonCode, call: Call) -> Val:
    path = first(call, "database")
    text = path.text_or_unknown()
    url = "sqlite://" if text == ":memory:" else "sqlite:///" + text
    return Val.obj("sql-connection", url=Val.string(url), driver=Val.string("sqlite3"))


def sqlalchemy_engine(code: PythonCode, call: Call) -> Val:
    return Val.obj("sql-connection", url=first(call, "url"), driver=Val.string("sqlalchemy"))


def sql_text(code: PythonCode, call: Call) -> Val:
    return Val.obj("sql-text", text=first(call, "text"))


def redis_client(code: PythonCode, call: Call) -> Val:
    url = call.arg(0, "url") if call.callee.name.endswith("from_url") else call.kwargs.get("url")
    if url is not None:
        return Val.obj("redis", url=url)
    fields = {"host": call.arg(0, "host") or Val.string("localhost")}
    for index, name in ((1, "port"), (2, "db")):
        value = call.arg(index, name)
        if value is not None:
            fields[name] = value
    return Val.obj("redis", **fields)


def mongo_client(code: PythonCode, call: Call) -> Val:
    target = call.arg(0, "host") or Val.string("mongodb://localhost")
    if target.kind == "list" and target.items:
        target = target.items[0]
    text = target.text_or_unknown()
    return Val.obj("mongo-client", url=target if "://" in text else Val.string(f"mongodb://{text}"))


def elasticsearch(code: PythonCode, call: Call) -> Val:
    target = call.arg(0, "hosts") or Val.string("http://localhost:9200")
    if target.kind == "list":
        target = target.items[0] if target.items else target.iterated()
    if target.kind == "dict":
        host = target.field("host") or Val.unknown()
        port = target.field("port") or Val.string("9200")
        scheme = target.field("scheme") or Val.string("http")
        target = concat([scheme, Val.string("://"), host, Val.string(":"), port])
    text = target.text_or_unknown()
    return Val.obj("es-client", url=target if "://" in text else Val.string(f"http://{text}"))


def kube_config(code: PythonCode, call: Call) -> Val:
    context = call.kwargs.get("context")
    config = call.kwargs.get("config_file")
    if context is not None:
        code.actions.facts["kube-context"] = context
    if config is not None:
        code.actions.facts["kubeconfig"] = config
    if call.callee.name.endswith("load_incluster_config"):
        code.actions.facts["kube-context"] = Val.unknown("the cluster the program runs in")
    return Val("none")


def kube_api(code: PythonCode, call: Call) -> Val:
    return Val.obj("k8s-api")


def kube_model(code: PythonCode, call: Call) -> Val:
    return Val("dict", fields=dict(call.kwargs))


def aws_session(code: PythonCode, call: Call) -> Val:
    fields: dict[str, Val] = {}
    for option, name in (("profile_name", "profile"), ("region_name", "region")):
        value = call.kwargs.get(option)
        if value is not None:
            fields[name] = value
    return Val.obj("aws-session", **fields)


def aws_default_session(code: PythonCode, call: Call) -> Val:
    profile = call.kwargs.get("profile_name")
    if profile is not None:
        code.actions.facts["aws-profile"] = profile
    return Val("none")


def aws_client(kind: str) -> Handler:
    def make(code: PythonCode, call: Call) -> Val:
        fields: dict[str, Val] = {"service": first(call, "service_name")}
        profile = code.actions.facts.get("aws-profile")
        if profile is not None:
            fields["profile"] = profile
        region = call.kwargs.get("region_name")
        if region is not None:
            fields["region"] = region
        return Val.obj(kind, **fields)

    return make


def gcs_client(code: PythonCode, call: Call) -> Val:
    project = call.kwargs.get("project")
    return Val.obj("gcs-client", **({"project": project} if project is not None else {}))


HANDLERS: dict[str, Handler] = {
    # processes
    "os.system": shell_string, "subprocess.run": subprocess_run, "os.execl": exec_list, "os.spawnl": exec_list,
    "os.execv": exec_vector, "os.spawnv": exec_vector, "os.posix_spawn": exec_vector, "pty.spawn": pty_spawn,
    "asyncio.create_subprocess_exec": exec_argv, "os.fork": fork, "multiprocessing.Process": start_process,
    "os.kill": kill,
    # files
    "builtins.open": open_file, "os.open": os_open, "os.remove": remove, "shutil.rmtree": rmtree,
    "os.rmdir": rmdir, "os.rename": move, "shutil.move": move, "shutil.copy": copy, "shutil.copytree": copytree,
    "os.mkdir": make_directory, "os.chmod": chmod, "os.chown": chown, "os.symlink": symlink,
    "os.truncate": truncate, "os.utime": touch, "os.mkfifo": touch, "os.mknod": touch, "os.chdir": chdir,
    "shutil.make_archive": make_archive, "shutil.unpack_archive": unpack_archive, "zipfile.ZipFile": archive,
    "tarfile.open": archive, "tarfile.TarFile": archive, "os.walk": walk, "os.listdir": listdir,
    "os.scandir": scandir, "glob.glob": glob_, "tempfile.mkdtemp": temporary,
    "tempfile.NamedTemporaryFile": named_temporary, "pathlib.Path": pathlib_path, "pathlib.Path.home": home,
    "os.getcwd": getcwd, "os.getenv": getenv, "os.environ.get": getenv, "os.putenv": putenv,
    "os.path.expanduser": expanduser, "os.path.expandvars": expandvars, "os.path.join": path_join,
    "os.path.abspath": abspath, "os.path.normpath": abspath, "os.path.dirname": dirname,
    "os.path.basename": basename, "sys.exit": sys_exit, "time.sleep": data, "getpass.getpass": text_result,
    "logging.basicConfig": logging_file, "logging.FileHandler": logging_file,
    # code
    "builtins.exec": exec_code, "builtins.eval": exec_code, "builtins.compile": exec_code,
    "builtins.__import__": import_module, "importlib.import_module": import_module,
    "builtins.getattr": get_attribute, "runpy.run_path": run_path, "pickle.loads": deserialize,
    "ctypes.CDLL": native,
    # builtins that pass values on
    "builtins.str": to_str, "builtins.repr": to_str, "builtins.list": to_list, "builtins.tuple": to_list,
    "builtins.set": to_list, "builtins.frozenset": to_list, "builtins.reversed": to_list, "builtins.iter": to_list,
    "builtins.next": next_item, "builtins.map": map_, "builtins.filter": filter_, "builtins.sorted": sorted_,
    "builtins.enumerate": enumerate_, "builtins.zip": zip_, "builtins.range": range_, "builtins.dict": make_dict,
    "builtins.input": text_result, "itertools.count": endless, "atexit.register": data, "atexit.unregister": data, "functools.partial": partial,
    "functools.reduce": reduce_, "concurrent.futures.ThreadPoolExecutor": executor, "threading.Thread": thread,
    # network
    **{f"{library}.{method}": http(method) for library in ("requests", "httpx")
       for method in ("get", "post", "put", "patch", "delete", "head", "options")},
    "requests.request": http_any, "httpx.request": http_any, "urllib.request.urlopen": urlopen,
    "urllib.request.Request": url_request, "urllib.request.urlretrieve": urlretrieve,
    "requests.Session": http_session, "socket.socket": socket, "socket.create_connection": socket,
    "http.client.HTTPConnection": socket, "http.client.HTTPSConnection": socket, "smtplib.SMTP": socket,
    "smtplib.SMTP_SSL": socket, "ftplib.FTP": socket, "paramiko.SSHClient": socket, "telnetlib.Telnet": socket,
    # databases
    "psycopg.connect": postgres, "pymysql.connect": mysql, "sqlite3.connect": sqlite,
    "sqlalchemy.create_engine": sqlalchemy_engine, "sqlalchemy.text": sql_text, "sqlalchemy.sql.text": sql_text,
    "redis.Redis": redis_client, "redis.from_url": redis_client, "pymongo.MongoClient": mongo_client,
    "elasticsearch.Elasticsearch": elasticsearch,
    # clouds and clusters
    "kubernetes.config.load_kube_config": kube_config, "kubernetes.config.load_incluster_config": kube_config,
    "boto3.Session": aws_session, "boto3.setup_default_session": aws_default_session,
    "boto3.client": aws_client("aws-client"), "boto3.resource": aws_client("aws-resource"),
    "google.cloud.storage.Client": gcs_client,
}
CALLBACK_TAKERS = frozenset({"builtins.map", "builtins.filter", "builtins.sorted", "functools.reduce",
                             "functools.partial", "builtins.getattr", "builtins.isinstance", "builtins.hasattr",
                             "builtins.print", "builtins.callable", "builtins.id", "builtins.repr",
                             "builtins.type", "functools.wraps", "builtins.staticmethod", "builtins.classmethod",
                             "builtins.property"})
KUBERNETES_MODELS = re.compile(r"kubernetes\.client\.V\d\w*")
KUBERNETES_APIS = re.compile(r"kubernetes\.client\.\w+Api")


def handler_for(name: str) -> Handler | None:
    """The handler of a qualified name, including the families of names a pattern covers."""
    found = HANDLERS.get(name)
    if found is not None:
        return found
    if KUBERNETES_APIS.fullmatch(name):
        return kube_api
    if KUBERNETES_MODELS.fullmatch(name):
        return kube_model
    return None


def is_pure(name: str) -> bool:
    """A function of a module that only computes (every dotted prefix of the name is checked)."""
    if name in PURE_FUNCTIONS:
        return True
    if name in IMPURE_IN_PURE:
        return False
    parts = name.split(".")
    return any(".".join(parts[:i]) in PURE_MODULES for i in range(1, len(parts)))


# --- methods of values --------------------------------------------------------------------------------------

def path_method(code: PythonCode, path: Val, method: str, call: Call) -> Val:
    actions = code.actions
    if method in ("unlink",):
        actions.delete(path)
        return Val("none")
    if method == "rmdir":
        actions.remove_directory(path)
        return Val("none")
    if method in ("rename", "replace"):
        target = as_path(first(call, "target"))
        actions.move(path, target)
        return target
    if method in ("write_text", "write_bytes"):
        actions.write(path, content=first(call, "data"))
        return Val("num")
    if method in ("read_text", "read_bytes"):
        actions.read(path)
        return Val.string(UNKNOWN_PART)
    if method == "open":
        return open_file(code, type(call)(call.node, call.callee, [path, *call.args], call.kwargs, call.starred))
    if method == "touch":
        actions.touch(path)
        return Val("none")
    if method == "mkdir":
        actions.make_directory(path)
        return Val("none")
    if method in ("chmod", "lchmod"):
        actions.chmod(path, first(call, "mode"))
        return Val("none")
    if method in ("symlink_to", "hardlink_to", "link_to"):
        actions.link(as_path(first(call, "target")), path)
        return Val("none")
    if method == "iterdir":
        return Val.list_of(elem=join_path(path, Val("str", text="*", glob=True)))
    if method in ("glob", "rglob"):
        pattern = first(call, "pattern")
        return Val.list_of(elem=Val.path(join_path(path, pattern).text_or_unknown(), glob=True,
                                         tree=method == "rglob" or "**" in pattern.text_or_unknown()))
    if method in ("joinpath",):
        return join_all([path, *call.args])
    if method in ("resolve", "absolute"):
        resolved = actions.ctx.resolve(path.text_or_unknown())
        return Val.path(resolved or path.text_or_unknown(), glob=path.glob, tree=path.tree)
    if method == "expanduser":
        return expand_user(actions, path)
    if method in ("with_name", "with_suffix", "with_stem"):
        return Val.path(posixpath.join(posixpath.dirname(path.text_or_unknown()), UNKNOWN_PART))
    if method in ("home", "cwd"):
        return home(code, call) if method == "home" else getcwd(code, call)
    if method in ("exists", "is_file", "is_dir", "is_symlink", "stat", "lstat", "owner", "group", "match",
                  "samefile", "relative_to", "as_posix", "as_uri", "is_absolute", "is_relative_to", "readlink",
                  "__str__", "__fspath__", "is_mount", "is_socket", "is_fifo", "full_match", "walk"):
        if method == "walk":
            return walk(code, type(call)(call.node, call.callee, [path], {}, False))
        return Val("str", text=path.text) if method in ("as_posix", "__str__", "__fspath__") else Val.data()
    actions.unknown(f"calls .{method}() on the path {path.describe()}")
    return Val.unknown()


def file_method(code: PythonCode, file: Val, method: str, call: Call) -> Val:
    if method in ("read", "readline", "readlines", "__iter__", "__next__"):
        return Val.string(UNKNOWN_PART)
    if method == "__enter__":
        return file
    if method in ("write", "writelines", "close", "flush", "seek", "tell", "fileno", "truncate", "__exit__",
                  "readable", "writable", "seekable", "isatty", "detach", "reconfigure"):
        return Val.data()
    code.actions.unknown(f"calls .{method}() on a file")
    return Val.unknown()


def environ_method(code: PythonCode, method: str, call: Call) -> Val:
    if method == "get":
        return getenv(code, call)
    if method in ("setdefault", "__setitem__"):
        return putenv(code, call)
    if method == "update":
        for name, value in {**first(call).fields, **call.kwargs}.items():
            code.actions.ctx.env[name] = value.text_or_unknown()
        return Val("none")
    if method in ("pop", "__delitem__"):
        removed = first(call).literal()
        if removed is not None:
            code.actions.ctx.env.pop(removed, None)
        return Val.string(UNKNOWN_PART)
    return Val.data()


def plain_method(owner: Val, method: str, call: Call) -> Val:
    """What a method of plain data returns, computed where it is easy and it matters (strings of paths)."""
    if owner.kind in ("str", "path"):
        text = owner.text_or_unknown()
        if method in ("strip", "lstrip", "rstrip", "lower", "upper") and not call.args:
            return Val("str", text=getattr(text, method)(), glob=owner.glob)
        if method == "replace" and len(call.args) >= 2:
            old, new = call.args[0].literal(), call.args[1].literal()
            if old is not None and new is not None:
                return Val("str", text=text.replace(old, new), glob=owner.glob)
        if method == "join" and call.args:
            parts = call.args[0]
            if parts.kind == "list" and parts.items is not None:
                return Val.string(text.join(p.text_or_unknown() for p in parts.items))
            return Val.string(UNKNOWN_PART)
        if method in ("split", "rsplit", "splitlines", "partition", "rpartition"):
            return Val.list_of(elem=Val.string(UNKNOWN_PART))
        if method == "format":
            return Val.string(text if "{" not in text else UNKNOWN_PART)
        if method in ("encode", "decode", "removeprefix", "removesuffix", "title", "capitalize", "zfill"):
            return Val.string(UNKNOWN_PART)
        return Val.data()
    if owner.kind == "dict":
        if method == "get" and call.args:
            key = call.args[0].literal()
            if key is not None and key in owner.fields:
                return owner.fields[key]
            return call.args[1] if len(call.args) > 1 else Val.data()
        if method in ("values", "items", "keys"):
            return Val.list_of(elem=merge(list(owner.fields.values())) if method == "values" and owner.fields
                               else Val.data())
        return Val.data()
    if owner.kind == "list":
        if method == "pop":
            return owner.iterated()
        if method in ("copy",):
            return owner
        return Val.data()
    return Val.data()


def archive_method(code: PythonCode, owner: Val, method: str, call: Call) -> Val | None:
    if method in ("extractall", "extract"):
        destination = call.arg(0 if method == "extractall" else 1, "path") or Val.path(".")
        tool = (owner.field("tool") or Val.string("tar")).literal()
        path = owner.field("path") or Val.unknown()
        if tool == "unzip":
            code.actions.command("unzip", "-o", path, "-d", destination)
        else:
            code.actions.command("tar", "-xf", path, "-C", destination)
        return Val("none")
    if method == "__enter__":
        return owner
    return Val.data()


def executor_method(code: PythonCode, owner: Val, method: str, call: Call) -> Val | None:
    if method in ("map", "imap", "imap_unordered", "starmap"):
        function = first(call)
        if function.kind in ("func", "ref", "fn"):
            return Val.list_of(elem=code.invoke(type_call(call, function, [a.iterated() for a in call.args[1:]])))
        return Val.list_of(elem=Val.unknown())
    if method in ("submit", "apply_async", "apply"):
        function = first(call)
        if function.kind in ("func", "ref", "fn"):
            code.invoke(type_call(call, function, list(call.args[1:])))
        return Val.obj("future")
    if method == "__enter__":
        return owner
    return Val.data()


def dir_entry(code: PythonCode, owner: Val, method: str, call: Call) -> Val | None:
    return Val.data()


def anything(code: PythonCode, owner: Val, method: str, call: Call) -> Val | None:
    return owner if method == "__enter__" else Val.data()


def process(code: PythonCode, owner: Val, method: str, call: Call) -> Val | None:
    if method == "start" and code.in_endless_loop():
        code.actions.fork(in_loop=True, evidence=written(call.node))
    return Val.data()


OBJECT_METHODS: dict[str, MethodHandler] = {
    "archive": archive_method, "executor": executor_method, "dir-entry": dir_entry, "http-response": anything,
    "popen": anything, "subprocess-result": anything, "thread": anything, "process": process, "future": anything,
    "code": anything, "endless": anything, "http-request": anything,
}


def constant_environ(actions: Actions) -> Val:
    return Val("environ")


def constant_stdin(actions: Actions) -> Val:
    return Val("file", fields={"path": Val.path("/dev/stdin")})


def constant_stdout(actions: Actions) -> Val:
    return Val("file", fields={"path": Val.path("/dev/stdout")}, writable=True)


def constant_argv(actions: Actions) -> Val:
    if actions.program_argv is not None:  # `python3 x.py out.json`: sys.argv is what the command line passes
        return Val.list_of([Val.string(a) for a in actions.program_argv], elem=Val.string(UNKNOWN_PART))
    return Val.list_of(elem=Val.string(UNKNOWN_PART))


def constant_path(actions: Actions) -> Val:
    return Val.list_of(elem=Val.string(UNKNOWN_PART))


def constant_text(actions: Actions) -> Val:
    return Val.string(UNKNOWN_PART)


def constant_data(actions: Actions) -> Val:
    return Val.data()


CONSTANTS: dict[str, Callable[[Actions], Val]] = {
    "os.environ": constant_environ, "sys.stdin": constant_stdin, "sys.stdout": constant_stdout,
    "sys.stderr": constant_stdout, "sys.argv": constant_argv, "sys.executable": constant_text,
    "sys.platform": constant_text, "sys.version": constant_text, "sys.path": constant_path,
    "sys.modules": constant_data, "sys.version_info": constant_data, "os.sep": constant_text,
    "os.linesep": constant_text, "os.name": constant_text, "os.curdir": constant_text, "os.pardir": constant_text,
    "os.devnull": constant_text, "os.pathsep": constant_text, "subprocess.PIPE": constant_data,
    "subprocess.DEVNULL": constant_data, "subprocess.STDOUT": constant_data, "os.P_WAIT": constant_data,
    "os.P_NOWAIT": constant_data, "os.P_NOWAITO": constant_data, "signal.SIGKILL": constant_data,
    "signal.SIGTERM": constant_data, "signal.SIGINT": constant_data, "signal.SIGHUP": constant_data,
    "string.ascii_letters": constant_text, "string.digits": constant_text, "math.pi": constant_data,
    "os.O_RDONLY": constant_data, "os.O_WRONLY": constant_data, "os.O_RDWR": constant_data,
    "os.O_CREAT": constant_data, "os.O_TRUNC": constant_data, "os.O_APPEND": constant_data,
}
