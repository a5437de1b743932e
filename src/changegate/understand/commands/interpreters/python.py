"""python: inline code (`-c`), modules (`-m pip`, `-m pytest`, `-m tools.wipe`), scripts, and code on stdin.

The code is read with `ast` and followed (`pycode`): deletions, moves, writes, processes (understood again
as shell), requests, SQL through drivers, cloud SDK calls, dynamic imports and code. A script or module of
the project is read from disk; one that does not exist runs nothing. Code that calls something changegate
does not know is not understood, and says which call.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit, project_work
from changegate.understand.cli import Cli, parse_options
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.programs import absent, read_program
from changegate.understand.commands.interpreters.pycode import PythonCode
from changegate.understand.commands.shell.common import opaque, value_word, walk_before_operands, words_after
from changegate.understand.facts import is_dir

QUIET = "the code only computes and prints"
# `python -m X ARGS`: these hand their arguments to a tool judged by its own name
MODULE_TOOLS = {"pip": "pip", "pip3": "pip3", "uv": "uv", "poetry": "poetry", "twine": "twine",
                "alembic": "alembic", "django": "django-admin", "mypy": "mypy", "ruff": "ruff", "black": "black",
                "isort": "isort", "flake8": "flake8", "pylint": "pylint", "pytest": "pytest", "tox": "tox",
                "nox": "nox", "pre_commit": "pre-commit", "pipx": "pipx", "conda": "conda", "poetry_core": "poetry"}
# modules that run the project's tests: the project's own code, ordinary work
TEST_MODULES = frozenset({"unittest", "doctest", "nose2", "nose", "coverage", "hypothesis", "ward"})
# modules that run the project's app or build it: the project's own code too
PROJECT_MODULES = frozenset({"flask", "uvicorn", "gunicorn", "hypercorn", "streamlit", "build", "setuptools",
                             "compileall", "py_compile", "venv", "virtualenv", "ensurepip"})
READING_MODULES = frozenset({"http.server", "SimpleHTTPServer", "json.tool", "pydoc", "site", "this", "platform",
                             "sysconfig", "tokenize", "ast", "dis", "calendar", "zipfile", "tarfile", "base64",
                             "uuid", "webbrowser", "pip._internal", "pyclbr", "tabnanny", "pickletools",
                             "sqlite3", "encodings.rot_13", "gzip"})
# modules that run a script or code given as their argument
SCRIPT_MODULES = frozenset({"cProfile", "profile", "pdb", "trace"})
CODE_MODULES = frozenset({"timeit"})


def foreign_python_path(inv: Invocation) -> Effect | None:
    """PYTHONPATH naming a directory outside the project: its `sitecustomize`, its modules that shadow the
    ones asked for (`-m pytest`), run before anything else — code changegate does not read."""
    for entry in (inv.ctx.getenv("PYTHONPATH") or "").split(":"):
        if not entry:
            continue
        path = inv.ctx.resolve(entry)
        workspace = inv.ctx.workspace or ""
        if path is None or not workspace or not (path == workspace or path.startswith(workspace.rstrip("/") + "/")):
            return inv.unknown(f"PYTHONPATH={entry} loads Python from outside the project first")
    return None


def serves(inv: Invocation, rest: Sequence[Word]) -> Effect:
    """`python -m http.server`: the directory it serves is readable by whoever reaches the port."""
    opts = parse_options(rest, frozenset({"-d", "--directory", "-b", "--bind", "-p", "--protocol"}))
    directory = inv.ctx.resolve(opts.value("-d", "--directory") or ".")
    port = opts.positionals[0] if opts.positionals else "8000"
    workspace = inv.ctx.workspace or ""
    inside = bool(directory) and bool(workspace) and (directory == workspace or
                                                       (directory or "").startswith(workspace.rstrip("/") + "/"))
    if inside:
        return inv.effect("read", f"python:-m http.server {port}", inv.arguments_placement(), reversible="yes",
                          summary=f"serves {directory} over HTTP on port {port}")
    return inv.effect("exfiltrate", f"net:0.0.0.0:{port}", Placement(UNKNOWN, "whoever can reach the port reads it"),
                      kind="data", reversible="no",
                      summary=f"serves {directory or 'a directory only known at run time'} to anyone who reaches "
                              f"port {port}: everything in it can be read")


class Python(Cli):
    NAMES = (
        "python", "python2", "python3", "pypy", "pypy3", "python3.8", "python3.9", "python3.10",
        "python3.11", "python3.12", "python3.13", "python3.14", "ipython",
    )
    NAME_PATTERNS = (r"python\d(\.\d+)?m?",)
    FAMILY = "interpreter"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "-m", "-W", "-X", "--check-hash-based-pycs"})
    ENV_VARIABLES = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONINSPECT", "PYTHONSAFEPATH")

    def analyze(self, inv: Invocation) -> list[Effect]:
        foreign = foreign_python_path(inv)
        if foreign is not None:
            return [foreign]
        # the first of `-c CODE`, `-m MODULE` and `SCRIPT` decides; the words after it are its arguments
        opts, words = walk_before_operands(self, inv.words)
        for item in opts.items:
            value = value_word(words, opts, item) if item.option in ("-c", "-m") else None
            if item.option == "-c" and value is not None:
                return self.code(inv, value, "python -c code", self.search_path(inv, inv.ctx.cwd))
            if item.option == "-m" and value is not None:
                return self.module(inv, value, words_after(words, opts, item))
            if item.option is None:
                if item.word.value == "-":
                    break
                return self.script(inv, item.word, words[item.index + 1:])
        if inv.stdin is not None:
            if inv.stdin.text is not None and not inv.stdin.opaque:
                return self.run(inv, inv.stdin.text, "Python from stdin", self.search_path(inv, inv.ctx.cwd))
            return [opaque(inv, inv.stdin.origin or "Python read from stdin")]
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "an interactive interpreter"),
                           reversible="yes", summary=f"{inv.name} (interactive)")]

    @staticmethod
    def search_path(inv: Invocation, first: str | None) -> list[str]:
        """Where `import x` looks for the project's modules: the script's directory (the cwd for -c, -m and
        stdin), then PYTHONPATH."""
        extra = inv.ctx.getenv("PYTHONPATH") or ""
        entries = [first] if first else []
        entries += [p for p in (inv.ctx.resolve(e) for e in extra.split(":") if e) if p]
        # a project in the src layout is importable from its src/ (an editable install puts it on the path)
        if inv.ctx.workspace and first == inv.ctx.cwd and is_dir(posixpath.join(inv.ctx.workspace, "src")):
            entries.append(posixpath.join(inv.ctx.workspace, "src"))
        return [e for e in entries if e]

    @classmethod
    def code(cls, inv: Invocation, code: Word, origin: str, search: Sequence[str]) -> list[Effect]:
        if not code.known:
            return [opaque(inv, f"{origin} only known at run time")]
        return cls.run(inv, code.value, origin, search)

    @staticmethod
    def run(inv: Invocation, code: str, origin: str, search: Sequence[str],
            argv: list[str] | None = None) -> list[Effect]:
        actions = Actions(inv, "Python")
        actions.program_argv = argv
        PythonCode(actions, search).run(code, origin)
        return actions.finish(QUIET)

    def module(self, inv: Invocation, module: Word, rest: list[Word]) -> list[Effect]:
        name = module.value
        if not module.known:
            return [opaque(inv, f"python -m of a module only known at run time ({module.shown()})")]
        tool = MODULE_TOOLS.get(name)
        if tool is not None:
            inv.run_argv([lit(tool), *rest])
            return []
        search = self.search_path(inv, inv.ctx.cwd)
        path = self.project_module(inv, name, search)
        if path is not None:
            return self.script(inv, lit(path), rest, origin=f"python -m {name}")
        if name in TEST_MODULES or name.split(".")[0] in TEST_MODULES:
            return [project_work(inv, f"python -m {name}: runs the project's tests", "runs-project-tests")]
        if name in PROJECT_MODULES:
            return [project_work(inv, f"python -m {name}: the project's own code", "runs-project-code")]
        if name == "http.server":
            return [serves(inv, rest)]
        if name in READING_MODULES:
            return [inv.effect("read", f"python:-m {name}", inv.arguments_placement(), reversible="yes",
                               summary=f"python -m {name}")]
        if name in SCRIPT_MODULES:
            target = next((w for w in rest if not w.value.startswith("-")), None)
            if target is None:
                return [inv.effect("read", f"python:-m {name}", Placement(LOCAL, "an interactive session"),
                                   reversible="yes", summary=f"python -m {name} (interactive)")]
            return self.script(inv, target, [], origin=f"python -m {name}")
        if name in CODE_MODULES:
            statements = [w.value for w in rest if not w.value.startswith("-")]
            return self.run(inv, "\n".join(statements), f"python -m {name} code", search)
        return [inv.unknown(f"python -m {name}, a module changegate does not know")]

    @staticmethod
    def project_module(inv: Invocation, name: str, search: Sequence[str]) -> str | None:
        """`tools.wipe` -> tools/wipe.py (or tools/wipe/__main__.py) in the project, when it is there."""
        relative = name.replace(".", "/")
        for directory in search:
            for candidate in (f"{relative}.py", f"{relative}/__main__.py"):
                path = posixpath.join(directory, candidate)
                if path in inv.ctx.files or posixpath.isfile(path):
                    return path
        return None

    def script(self, inv: Invocation, script: Word, rest: Sequence[Word], origin: str = "") -> list[Effect]:
        if script.value.endswith("manage.py") and rest:
            inv.run_argv([lit("django-admin"), *rest])
            return []
        what = origin or f"{inv.name} {script.shown()}"
        program = read_program(inv, script, what)
        if program.effect is not None:
            return [program.effect]
        if program.text is None:
            return [absent(inv, program.path, what)]
        search = self.search_path(inv, posixpath.dirname(program.path))
        if origin.startswith("python -m"):
            search = self.search_path(inv, inv.ctx.cwd)
        return self.run(inv, program.text, f"the script {program.path}", search,
                        argv=[program.path, *(w.value for w in rest)])
