"""Inline code: `python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, awk programs.

Python is parsed with `ast`: deletions, subprocess/os.system strings (understood again as shell), writes,
network uploads and dynamic code are recognised; printing, arithmetic and reading stay harmless. The other
languages are read for the same calls by pattern — a literal shell string or path passed to a known call is
followed; any other I/O makes the snippet opaque code.
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, Word, lit
from changegate.understand.cli import Cli
from changegate.understand.commands.shells import opaque
from changegate.understand.sensitive import secret_kind

MAX_CODE = 64 * 1024

# --- Python ------------------------------------------------------------------------------------------------
DELETE_CALLS = frozenset({"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree", "remove",
                          "unlink", "rmtree", "rmdir", "send2trash", "os.truncate"})
PATH_DELETE_METHODS = frozenset({"unlink", "rmdir"})
SHELL_CALLS = frozenset({"os.system", "os.popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
                         "subprocess.check_output", "subprocess.Popen", "subprocess.getoutput",
                         "subprocess.getstatusoutput", "system", "popen", "run", "call", "check_call",
                         "check_output", "Popen", "getoutput", "pty.spawn", "commands.getoutput"})
EXEC_CALLS = frozenset({"os.execv", "os.execve", "os.execvp", "os.execvpe", "os.execl", "os.execlp", "os.spawnv",
                        "os.spawnvp", "os.posix_spawn", "os.posix_spawnp", "execv", "execvp", "execve"})
UPLOAD_CALLS = frozenset({"requests.post", "requests.put", "requests.patch", "requests.delete", "httpx.post",
                          "httpx.put", "httpx.patch", "httpx.delete", "urllib.request.urlopen", "urlopen",
                          "socket.socket", "socket.create_connection", "smtplib.SMTP", "ftplib.FTP",
                          "paramiko.SSHClient", "http.client.HTTPConnection", "http.client.HTTPSConnection"})
OPAQUE_CALLS = frozenset({"eval", "exec", "compile", "__import__", "importlib.import_module", "ctypes.CDLL",
                          "marshal.loads", "pickle.loads"})
PERMISSION_CALLS = frozenset({"os.chmod", "os.chown", "os.lchown", "shutil.chown"})
KILL_CALLS = frozenset({"os.kill", "os.killpg", "signal.pthread_kill"})
MOVE_CALLS = frozenset({"shutil.move", "os.rename", "os.replace", "shutil.copy", "shutil.copy2", "shutil.copyfile",
                        "shutil.copytree"})
WRITE_MODES = frozenset("wax+")


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func) + "()"
    return ""


def constant_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = constant_str(node.left), constant_str(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def constant_argv(node: ast.AST | None) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple):
        parts = [constant_str(e) for e in node.elts]
        if all(p is not None for p in parts):
            return [p for p in parts if p is not None]
    return None


class PythonCode:
    """Effects of a Python snippet, found by walking its syntax tree."""

    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.effects: list[Effect] = []
        self.aliases: dict[str, str] = {}

    def analyze(self, code: str, origin: str) -> list[Effect]:
        if len(code) > MAX_CODE:
            return [self.inv.effect("execute_opaque", "code:python", Placement(UNKNOWN, "too large to read"),
                                    kind="code", summary="runs a Python program too large to read")]
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            return [opaque(self.inv, f"{origin} that does not parse as Python ({type(exc).__name__})")]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.call(node)
        return self.effects

    def name_of(self, func: ast.AST) -> str:
        name = dotted(func)
        head, _, rest = name.partition(".")
        if head in self.aliases:
            return self.aliases[head] + (f".{rest}" if rest else "")
        return name

    def call(self, node: ast.Call) -> None:
        name = self.name_of(node.func)
        short = name.rsplit(".", 1)[-1]
        first = node.args[0] if node.args else None
        inv = self.inv
        if name in DELETE_CALLS or (name.endswith((".rmtree", ".remove", ".unlink", ".rmdir")) and name.startswith(
                ("os.", "shutil."))):
            self.path_effect("delete", first, recursive=short == "rmtree", verb=name)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in PATH_DELETE_METHODS and "Path" in name:
            self.path_effect("delete", _path_arg(node.func.value), recursive=False, verb=name)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("write_text", "write_bytes") and \
                "Path" in name:
            self.path_effect("modify", _path_arg(node.func.value), recursive=False, verb=name)
        elif name in SHELL_CALLS and (name.startswith(("os.", "subprocess.", "pty.", "commands.")) or
                                      self.aliases.get(short, "").startswith(("os.", "subprocess."))):
            self.shell(node, name)
        elif name in EXEC_CALLS:
            argv = constant_argv(node.args[1]) if len(node.args) > 1 else None
            if argv:
                inv.run_argv([lit(a) for a in argv])
            else:
                self.effects.append(opaque(inv, f"{name} of a program only known at run time"))
        elif name in UPLOAD_CALLS or (short in ("post", "put", "patch") and name.startswith(("requests", "httpx"))):
            url = constant_str(first) or ""
            placement = inv.ctx.environments.url(url, "URL") if url else Placement(UNKNOWN, "a network peer")
            self.effects.append(inv.effect("exfiltrate", f"net:{url or name}", placement, kind="network",
                                           reversible="no", summary=f"sends data over the network ({name})"))
        elif name in OPAQUE_CALLS:
            code = constant_str(first)
            if code is not None and short in ("exec", "eval"):
                self.effects.extend(PythonCode(inv).analyze(code, f"{short}() code"))
            elif short in ("eval", "exec", "compile") or name not in ("__import__", "importlib.import_module") \
                    or constant_str(first) is None:
                self.effects.append(opaque(inv, f"{name}() of code only known at run time"))
        elif name in PERMISSION_CALLS:
            self.path_effect("permission", first, recursive=False, verb=name)
        elif name in KILL_CALLS:
            self.effects.append(inv.effect("host_control", "host:processes", Placement(UNKNOWN, "a process"),
                                           kind="process", summary=f"signals a process ({name})"))
        elif name in MOVE_CALLS:
            dest = node.args[1] if len(node.args) > 1 else None
            if short in ("move", "rename", "replace"):
                self.path_effect("modify", first, recursive=True, verb=name)
            self.path_effect("create", dest, recursive=False, verb=name)
        elif short == "open" and name in ("open", "io.open", "builtins.open", "codecs.open"):
            mode = constant_str(node.args[1]) if len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "mode":
                    mode = constant_str(kw.value)
            if mode and WRITE_MODES & set(mode):
                self.path_effect("modify", first, recursive=False, verb="open for writing")
            else:
                path = constant_str(first)
                resolved = inv.ctx.resolve(path) if path else None
                if resolved and secret_kind(resolved, inv.ctx.home):
                    self.effects.append(inv.fs("secret_read", path or "", kind="secret", reversible="yes"))

    def shell(self, node: ast.Call, name: str) -> None:
        first = node.args[0] if node.args else None
        for kw in node.keywords:
            if kw.arg == "args" and first is None:
                first = kw.value
        text = constant_str(first)
        argv = constant_argv(first)
        if text is not None:
            shell_flag = any(kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value
                             for kw in node.keywords)
            if name.startswith("subprocess.") and name not in ("subprocess.getoutput", "subprocess.getstatusoutput") \
                    and not shell_flag:
                self.inv.run_argv([lit(text)])
            else:
                self.inv.run_script(text, origin=f"{name}()")
        elif argv:
            self.inv.run_argv([lit(a) for a in argv])
        else:
            self.effects.append(opaque(self.inv, f"{name}() of a command only known at run time"))

    def path_effect(self, operation: str, node: ast.AST | None, *, recursive: bool, verb: str) -> None:
        path = constant_str(node)
        inv = self.inv
        if path is None:
            self.effects.append(inv.effect(operation, "fs:?", Placement(UNKNOWN, "the path is computed at run time"),  # type: ignore[arg-type]
                                           scope="many", kind="file", tags=("dynamic",),
                                           summary=f"{verb} on a path computed at run time"))
            return
        self.effects.append(inv.fs(operation, path, recursive=recursive, summary=f"{verb} {path}"))  # type: ignore[arg-type]


def _path_arg(node: ast.AST) -> ast.AST | None:
    """`Path('x').unlink()` -> the 'x' node."""
    if isinstance(node, ast.Call) and node.args:
        return node.args[0]
    return None


class Python(Cli):
    NAMES = (
        "python", "python2", "python3", "pypy", "pypy3", "python3.8", "python3.9", "python3.10",
        "python3.11", "python3.12", "python3.13", "python3.14", "ipython",
    )
    NAME_PATTERNS = (r"python\d(\.\d+)?m?",)
    FAMILY = "interpreter"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "-m", "-W", "-X", "--check-hash-based-pycs"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        i = 0
        while i < len(words):
            arg = words[i].value
            if arg == "-c" and i + 1 < len(words):
                return self.code(inv, words[i + 1], "python -c code")
            if arg.startswith("-c") and len(arg) > 2:
                return self.code(inv, Word(arg[2:]), "python -c code")
            if arg == "-m" and i + 1 < len(words):
                return self.module(inv, words[i + 1].value, words[i + 2:])
            if arg in ("-W", "-X"):
                i += 2
                continue
            if arg == "-":
                break
            if arg.startswith("-"):
                i += 1
                continue
            return self.script(inv, words[i], words[i + 1:])
        if inv.stdin is not None:
            if inv.stdin.text is not None and not inv.stdin.opaque:
                return PythonCode(inv).analyze(inv.stdin.text, "Python from stdin")
            return [opaque(inv, inv.stdin.origin or "Python read from stdin")]
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "an interactive interpreter"),
                           reversible="yes", summary=f"{inv.name} (interactive)")]

    @staticmethod
    def code(inv: Invocation, code: Word, origin: str) -> list[Effect]:
        if not code.known:
            return [opaque(inv, f"{origin} only known at run time")]
        before = len(inv.walker.effects)
        effects = PythonCode(inv).analyze(code.value, origin)
        if not effects and len(inv.walker.effects) == before:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "the code only computes and prints"),
                               reversible="yes", summary=f"{inv.name} -c: computes and prints")]
        return effects

    @staticmethod
    def module(inv: Invocation, module: str, rest: list[Word]) -> list[Effect]:
        if module in ("pip", "pip3", "uv", "poetry"):
            inv.run_argv([lit(module), *rest])
            return []
        if module in ("http.server", "SimpleHTTPServer", "json.tool", "pydoc", "timeit", "site", "this",
                      "platform", "sysconfig", "tokenize", "ast", "dis", "py_compile", "compileall", "venv",
                      "pytest", "unittest", "doctest", "mypy", "ruff", "black", "isort", "flake8", "pylint",
                      "coverage", "cProfile", "pdb", "build", "twine", "alembic", "django", "flask", "uvicorn",
                      "gunicorn"):
            if module in ("twine", "alembic", "django"):
                name = "django-admin" if module == "django" else module
                inv.run_argv([lit(name), *rest])
                return []
            return [inv.effect("read" if module not in ("venv", "build", "compileall", "py_compile") else "create",
                               f"python:-m {module}", inv.arguments_placement(), reversible="yes",
                               summary=f"python -m {module}")]
        return [inv.unknown(f"python -m {module}")]

    @staticmethod
    def script(inv: Invocation, script: Word, rest: list[Word]) -> list[Effect]:
        path = inv.ctx.resolve(script.value)
        if script.value.endswith("manage.py") and rest:
            inv.run_argv([lit("django-admin"), *rest])
            return []
        if path and path in inv.ctx.files:
            # written earlier in this same command line: what it does is known
            return PythonCode(inv).analyze(inv.ctx.files[path], f"the script {script.value}")
        placement = inv.ctx.place_path(path)
        if placement.environment == LOCAL:
            placement = inv.arguments_placement()
        return [inv.effect("unknown", f"script:{path or script.value}", placement, kind="script",
                           summary=f"runs the Python script {script.value}")]


# --- other languages, by pattern --------------------------------------------------------------------------
SHELL_STRING = re.compile(
    r"""(?:\b(?:system|exec|shell_exec|passthru|popen|proc_open|execSync|spawnSync|exec_command|execFileSync|"""
    r"""spawn|execFile|IO\.popen|Open3\.\w+|Runtime\.getRuntime\(\)\.exec)\s*\(?\s*|%x\{)(['"])((?:\\.|(?!\1).)*)\1""",
    re.S)
BACKTICKS = re.compile(r"`([^`]+)`")
QX = re.compile(r"\bqx\s*[({/]([^)}/]*)[)}/]")
DELETE_STRING = re.compile(
    r"""\b(?:unlink|unlinkSync|rmSync|rmdirSync|rm_rf|rm_r|rm|rmtree|remove_tree|rmdir|removeSync|rimraf|"""
    r"""File\.delete|FileUtils\.\w+|fs\.rm|delete|Remove-Item)\s*\(?\s*(['"])((?:\\.|(?!\1).)*)\1""", re.S)
IO_MARKERS = re.compile(
    r"""child_process|\bfs\b|\bfs\.|require\(|import\s|\bopen\s*\(|fopen|file_put_contents|file_get_contents|"""
    r"""\bFile\.|FileUtils|\bIO\.|Net::|LWP|HTTP|http|fetch\(|socket|Socket|curl_|\bsystem\b|\bexec\b|`|%x|"""
    r"""qx|unlink|rmdir|mkdir|writeFile|process\.env|ENV\[|\$ENV|getenv|eval|Deno\.|Bun\.|spawn|popen|"""
    r"""Remove-Item|Invoke-|Start-Process|Set-Content|Out-File|do shell script|\bos\.""")
CODE_FLAGS = {"node": ("-e", "--eval", "-p", "--print"), "nodejs": ("-e", "--eval", "-p", "--print"),
              "deno": ("eval",), "bun": ("-e", "--eval"), "perl": ("-e", "-E"), "ruby": ("-e",), "php": ("-r",),
              "lua": ("-e",), "luajit": ("-e",), "Rscript": ("-e",), "osascript": ("-e",),
              "pwsh": ("-c", "-Command", "-command", "-EncodedCommand", "-enc", "-e"),
              "powershell": ("-c", "-Command", "-command", "-EncodedCommand", "-enc", "-e"),
              "tclsh": (), "julia": ("-e", "--eval"), "groovy": ("-e",), "scala": ("-e",), "kotlin": ("-e",),
              "jshell": ()}


def scripted_effects(inv: Invocation, code: str, language: str) -> list[Effect]:
    """Effects of a snippet in a language we read by pattern."""
    found = False
    for match in SHELL_STRING.finditer(code):
        inv.run_script(match.group(2).encode().decode("unicode_escape", "replace"), origin=f"{language} exec")
        found = True
    for match in (*BACKTICKS.finditer(code), *QX.finditer(code)):
        if language in ("perl", "ruby", "php"):
            inv.run_script(match.group(1), origin=f"{language} backticks")
            found = True
    effects: list[Effect] = []
    for match in DELETE_STRING.finditer(code):
        effects.append(inv.fs("delete", match.group(2), recursive=True, summary=f"{language} deletes {match.group(2)}"))
    if effects or found:
        return effects
    if IO_MARKERS.search(code):
        return [opaque(inv, f"inline {language} code that does I/O")]
    return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "the code only computes and prints"),
                       reversible="yes", summary=f"{inv.name}: computes and prints")]


class Script(Cli):
    NAMES = (
        "node", "nodejs", "deno", "perl", "ruby", "php", "lua", "luajit", "Rscript", "osascript", "pwsh",
        "powershell", "tclsh", "jshell", "groovy", "scala", "kotlin", "julia",
    )
    FAMILY = "interpreter"

    def analyze(self, inv: Invocation) -> list[Effect]:
        flags = CODE_FLAGS.get(inv.name, ("-e",))
        words = inv.words
        language = {"nodejs": "node", "pwsh": "powershell"}.get(inv.name, inv.name)
        for i, w in enumerate(words):
            value = w.value
            code: Word | None = None
            if value in flags and i + 1 < len(words):
                code = words[i + 1]
            elif inv.name == "perl" and value.startswith("-") and not value.startswith("--") and value[-1] in "eE" \
                    and i + 1 < len(words):
                code = words[i + 1]  # perl -ne, -pie, -lne …
            if code is not None:
                if not code.known:
                    return [opaque(inv, f"inline {language} code only known at run time")]
                if value.lower() in ("-encodedcommand", "-enc") or (language == "powershell" and value == "-e"):
                    return [opaque(inv, "an encoded PowerShell command")]
                in_place = inv.name == "perl" and any(
                    x.value.startswith("-") and not x.value.startswith("--") and "i" in x.value[1:]
                    for x in words[:i + 1])
                effects = scripted_effects(inv, code.value, language)
                if in_place:
                    effects += [inv.fs("modify", f.value, reversible="unknown") for f in words[i + 2:]
                                if not f.value.startswith("-")]
                return effects
            if not value.startswith("-"):
                return self.script(inv, w)
        if inv.stdin is not None:
            if inv.stdin.text is not None and not inv.stdin.opaque:
                return scripted_effects(inv, inv.stdin.text, language)
            return [opaque(inv, inv.stdin.origin or f"{language} read from stdin")]
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "interactive"), reversible="yes",
                           summary=f"{inv.name} (interactive)")]

    @staticmethod
    def script(inv: Invocation, script: Word) -> list[Effect]:
        path = inv.ctx.resolve(script.value)
        if script.value.rsplit("/", 1)[-1] == "artisan" and inv.name == "php":  # php artisan X: Laravel's migrations
            inv.run_argv([lit("artisan"), *inv.words[inv.words.index(script) + 1:]])
            return []
        if path and path in inv.ctx.files:
            return scripted_effects(inv, inv.ctx.files[path], inv.name)
        placement = inv.ctx.place_path(path)
        if placement.environment == LOCAL:
            placement = inv.arguments_placement()
        return [inv.effect("unknown", f"script:{path or script.value}", placement, kind="script",
                           summary=f"runs {inv.name} {script.value}")]


AWK_SYSTEM = re.compile(r"""\bsystem\s*\(\s*"((?:\\.|[^"\\])*)"\s*\)""")
AWK_PIPE = re.compile(r"""\|\s*"((?:\\.|[^"\\])*)\"""")
AWK_REDIRECT = re.compile(r""">>?\s*"((?:\\.|[^"\\])*)\"""")


class Awk(Cli):
    NAMES = ("awk", "gawk", "mawk", "nawk")
    FAMILY = "interpreter"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-F", "-v", "-f", "--field-separator", "--assign", "--file"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        program = opts.positional_words[0] if opts.positional_words and not opts.has("-f", "--file") else None
        files = opts.positional_words[1:] if program is not None else opts.positional_words
        effects: list[Effect] = []
        if program is not None:
            if not program.known:
                return [opaque(inv, "an awk program only known at run time")]
            text = program.value
            for match in (*AWK_SYSTEM.finditer(text), *AWK_PIPE.finditer(text)):
                inv.run_script(match.group(1), origin="awk system()")
            for match in AWK_REDIRECT.finditer(text):
                effects.append(inv.fs("modify", match.group(1), tags=("overwrite",)))
            if "system(" in text and not AWK_SYSTEM.search(text):
                effects.append(opaque(inv, "awk system() of a command built at run time"))
        for w in files:
            path = inv.ctx.resolve(w.value)
            if path and secret_kind(path, inv.ctx.home):
                effects.append(inv.fs("secret_read", w.value, kind="secret", reversible="yes"))
        if inv.stdin is not None and inv.stdin.opaque:
            inv.stdout = Stream(origin=inv.stdin.origin, opaque=True)
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "awk prints"), reversible="yes",
                                      summary=f"{inv.name} (prints)")]
