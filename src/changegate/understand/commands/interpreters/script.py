"""Interpreters other than Python: node/deno/bun, perl, ruby, php, lua, Rscript, and the rarer ones.

Code given inline (`-e`, `-r`, `eval`), read from stdin, or in a script on disk is read with the language's
tables (`scripted` with `javascript`, `perl`, `ruby`, `php`, `minor`): every call must be understood for
the code to be allowed. A script that does not exist runs nothing. Languages changegate has no tables for
are understood only when the code only prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit, project_work
from changegate.understand.cli import Cli, Item, Options
from changegate.understand.commands.interpreters import javascript, minor, perl, php, ruby, scripted
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.powershell import run_powershell
from changegate.understand.commands.interpreters.programs import read_program
from changegate.understand.commands.shell.common import opaque, value_word, walk_before_operands, words_after

QUIET = "the code only computes and prints"


def shlex_split(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
# a statement of a language without tables that only prints a literal
PRINT_ONLY = re.compile(r"""\s*(?:println|print|puts|echo|console\.log|Write-Host|Write-Output|display|cat)\s*\(?\s*"""
                        r"""(?:"[^"$\\]*"|'[^']*'|\d+(?:\.\d+)?)?\s*\)?\s*;?\s*""")
DO_SHELL_SCRIPT = re.compile(r"""do shell script\s+"((?:\\.|[^"\\])*)\"""")


class Interpreter(Cli):
    """`PROGRAM [OPTIONS] (-e CODE | SCRIPT | -) [ARGS]`: the code, wherever it comes from, read with the
    language's tables (`LANGUAGE`); without tables only printing is understood."""

    FAMILY = "interpreter"
    LANGUAGE: ClassVar[scripted.Language | None] = None
    LABEL: ClassVar[str] = ""  # the language in evidence, where it is not the program's name
    CODE_NAME: ClassVar[str] = ""  # how code given inline is named in an opaque effect's resource
    CODE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e"})  # options whose value is code
    FILE_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # options whose value is the script (`php -f x.php`)
    CODE_VERBS: ClassVar[frozenset[str]] = frozenset()  # words whose next word is code (`deno eval CODE`)
    SCRIPT_VERBS: ClassVar[frozenset[str]] = frozenset()  # words whose next word is the script (`deno run x.ts`)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e"})
    # variables naming directories the interpreter loads code from before the program's own (`use strict`
    # finds strict.pm there first): outside the project, that code is not read
    SEARCH_PATHS: ClassVar[tuple[str, ...]] = ()

    def analyze(self, inv: Invocation) -> list[Effect]:
        for variable in self.SEARCH_PATHS:
            for entry in (inv.ctx.getenv(variable) or "").split(":"):
                path = inv.ctx.resolve(entry) if entry else None
                if entry and (path is None or not inside_project(inv, path)):
                    return [inv.unknown(f"{variable}={entry} loads code from outside the project first")]
        opts, words = walk_before_operands(self, inv.words)
        special = self.options(inv, opts)
        if special is not None:
            return special
        for item in opts.items:
            if item.option in self.CODE_OPTIONS:
                code = value_word(words, opts, item)
                if code is not None:
                    return self.inline(inv, words, opts, item, code)
            elif item.option in self.FILE_OPTIONS:
                script = value_word(words, opts, item)
                if script is not None:
                    return self.script(inv, script, words_after(words, opts, item), opts)
            elif item.option is None:
                if item.word.value in self.CODE_VERBS and item.index + 1 < len(words):
                    return self.inline(inv, words, opts, item, words[item.index + 1])
                if item.word.value in self.SCRIPT_VERBS:
                    # `deno run -A x.ts`: the first word after the verb that is no option
                    after = words[item.index + 1:]
                    index = next((i for i, w in enumerate(after) if not w.value.startswith("-")), None)
                    if index is None:
                        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "no script is named"),
                                           reversible="yes",
                                           summary=f"{inv.name} {item.word.value} without a script runs nothing")]
                    return self.script(inv, after[index], after[index + 1:], opts)
                if item.word.value == "-":
                    break
                return self.script(inv, item.word, words[item.index + 1:], opts)
        if inv.stdin is not None:
            if inv.stdin.text is not None and not inv.stdin.opaque:
                return self.code(inv, inv.stdin.text, f"{self.language()} read from stdin", opts)
            return [opaque(inv, inv.stdin.origin or f"{self.language()} read from stdin")]
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "an interactive session"), reversible="yes",
                           summary=f"{inv.name} (interactive)")]

    def language(self) -> str:
        return self.LABEL or (self.LANGUAGE.name if self.LANGUAGE is not None else type(self).__name__.lower())

    def options(self, inv: Invocation, opts: Options) -> list[Effect] | None:
        """What an option says before any code is read (`node --test`, `php -l`); None to go on."""
        return None

    def inline(self, inv: Invocation, words: Sequence[Word], opts: Options, item: Item, code: Word) -> list[Effect]:
        """Code given on the command line (`item` is the option or verb that gave it)."""
        if not code.known:
            return [opaque(inv, f"inline {self.CODE_NAME or inv.name} code only known at run time")]
        return self.code(inv, code.value, f"{inv.name} {item.option or item.word.value} code", opts)

    def code(self, inv: Invocation, text: str, origin: str, opts: Options) -> list[Effect]:
        actions = Actions(inv, self.language())
        if self.LANGUAGE is None:
            self.unread(actions, text, origin)
        else:
            scripted.run_code(actions, self.LANGUAGE, self.prelude(inv, opts) + text, origin)
        return [*actions.finish(QUIET), *self.after(inv, words_of(inv), opts)]

    def prelude(self, inv: Invocation, opts: Options) -> str:
        """Code the options (and the variables that hold options) add before the program
        (`perl -MFile::Path=rmtree`, `PERL5OPT=-M…`, `ruby -rfileutils`, `RUBYOPT=-r…`)."""
        return ""

    def after(self, inv: Invocation, words: Sequence[Word], opts: Options) -> list[Effect]:
        """What the options add after the code ran (`perl -i` edits the files named after it)."""
        return []

    def unread(self, actions: Actions, text: str, origin: str) -> None:
        """A language without tables: only statements that print a literal are understood."""
        statements = [s for s in re.split(r"[;\n]", text) if s.strip()]
        if not all(PRINT_ONLY.fullmatch(s) for s in statements):
            actions.unknown(f"is {self.language()} code ({origin}), which changegate reads only when it prints")

    def script(self, inv: Invocation, script: Word, rest: Sequence[Word], opts: Options) -> list[Effect]:
        program = read_program(inv, script, f"{inv.name} {script.shown()}")
        if program.effect is not None:
            return [program.effect]
        return self.code(inv, program.text or "", f"the script {program.path}", opts)


def words_of(inv: Invocation) -> list[Word]:
    return list(inv.words)


def inside_project(inv: Invocation, path: str) -> bool:
    """In the workspace (not merely local: /tmp is every process's to write)."""
    workspace = inv.ctx.workspace or ""
    return bool(workspace) and (path == workspace or path.startswith(workspace.rstrip("/") + "/"))


class Lua(Interpreter):
    NAMES = ("lua", "luajit", "lua5.1", "lua5.3", "lua5.4")
    LANGUAGE = minor.LUA
    VALUE_OPTIONS = frozenset({"-e", "-l"})
    ENV_VARIABLES = ("LUA_INIT", "LUA_PATH", "LUA_CPATH")
    SEARCH_PATHS = ("LUA_PATH", "LUA_CPATH")

    def prelude(self, inv: Invocation, opts: Options) -> str:
        """LUA_INIT runs before the program: its code, or (`@file`) the file it names."""
        init = inv.ctx.getenv("LUA_INIT") or ""
        if init.startswith("@"):
            return f"dofile({init[1:]!r})\n"
        return init + "\n" if init else ""


class Rscript(Interpreter):
    NAMES = ("Rscript",)
    LANGUAGE = minor.R
    ENV_VARIABLES = ("R_PROFILE_USER", "R_ENVIRON_USER", "R_LIBS")
    VALUE_OPTIONS = frozenset({"-e", "--default-packages"})
    CODE_OPTIONS = frozenset({"-e"})


class Unread(Interpreter):
    """Interpreters changegate has no tables for: their code is understood only when it only prints."""

    NAMES = ("groovy", "scala", "kotlin", "julia", "tclsh", "jshell")
    VALUE_OPTIONS = frozenset({"-e", "--eval", "-c"})
    CODE_OPTIONS = frozenset({"-e", "--eval"})

    def language(self) -> str:
        return "this language"

    def script(self, inv: Invocation, script: Word, rest: Sequence[Word], opts: Options) -> list[Effect]:
        if "." not in script.value and "/" not in script.value:  # `scala compile`: a subcommand, not a file
            return [inv.unknown(f"{inv.name} {script.value}, a subcommand changegate does not know")]
        return super().script(inv, script, rest, opts)


class Osascript(Interpreter):
    NAMES = ("osascript",)
    LABEL = "AppleScript"
    VALUE_OPTIONS = frozenset({"-e", "-l"})

    def code(self, inv: Invocation, text: str, origin: str, opts: Options) -> list[Effect]:
        for match in DO_SHELL_SCRIPT.finditer(text):
            inv.run_script(match.group(1).replace('\\"', '"'), origin="AppleScript do shell script")
        rest = DO_SHELL_SCRIPT.sub("", text)
        actions = Actions(inv, "AppleScript")
        self.unread(actions, rest, origin)
        return actions.finish(QUIET)


class PowerShell(Interpreter):
    NAMES = ("pwsh", "powershell")
    LONG_SINGLE_DASH = True
    LABEL = "PowerShell"
    CODE_NAME = "powershell"
    VALUE_OPTIONS = frozenset({"-c", "-Command", "-command", "-EncodedCommand", "-enc", "-e", "-File", "-file",
                               "-ExecutionPolicy", "-WorkingDirectory"})
    CODE_OPTIONS = frozenset({"-c", "-Command", "-command", "-EncodedCommand", "-enc", "-e"})
    FILE_OPTIONS = frozenset({"-File", "-file"})
    ENCODED = frozenset({"-encodedcommand", "-enc", "-e"})

    def inline(self, inv: Invocation, words: Sequence[Word], opts: Options, item: Item, code: Word) -> list[Effect]:
        if code.known and (item.option or "").lower() in self.ENCODED:
            return [opaque(inv, "an encoded PowerShell command")]
        return super().inline(inv, words, opts, item, code)

    def code(self, inv: Invocation, text: str, origin: str, opts: Options) -> list[Effect]:
        actions = Actions(inv, "PowerShell")
        actions.allow_time(text)
        run_powershell(actions, text)
        return actions.finish(QUIET)


class Node(Interpreter):
    NAMES = ("node", "nodejs", "tsx", "ts-node", "ts-node-esm")  # tsx/ts-node run a script as node does
    LANGUAGE = javascript.LANGUAGE
    CODE_NAME = "node"
    VALUE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print", "-r", "--require", "--import", "--loader",
                               "--experimental-loader", "--input-type", "--env-file", "-C", "--conditions",
                               "--inspect-port", "--title", "--test-reporter", "--test-name-pattern", "--cpu-prof-dir",
                               "--redirect-warnings", "--stack-size", "--max-old-space-size"})
    CODE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print"})
    SCRIPT_VERBS = frozenset({"inspect"})  # `node inspect x.js` runs x.js under the debugger
    PRELOAD_OPTIONS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader"})
    ENV_VARIABLES = ("NODE_OPTIONS", "NODE_PATH")

    def options(self, inv: Invocation, opts: Options) -> list[Effect] | None:
        preloads = [v for o in self.PRELOAD_OPTIONS for v in opts.values(o)]
        preloads += re.findall(r"(?:--require|-r|--import|--loader|--experimental-loader)[ =](\S+)",
                               inv.ctx.getenv("NODE_OPTIONS") or "")
        effects: list[Effect] = []
        for module in preloads:
            path = inv.ctx.resolve(module) if module.startswith((".", "/", "~")) else None
            if path is not None and inside_project(inv, path):
                effects.extend(self.script(inv, lit(module), [], opts))
            else:
                effects.append(inv.unknown(f"preloads {module}, code from outside the project that changegate "
                                           "does not read"))
        if opts.has("--test"):
            return [*effects, project_work(inv, f"{inv.name} --test: runs the project's tests", "runs-project-tests")]
        if opts.has("--check", "-c", "-v", "--version", "-h", "--help"):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it checks syntax or prints"),
                               reversible="yes", summary=f"{inv.name} (checks the syntax or prints its version)")]
        return effects or None


class Deno(Interpreter):
    NAMES = ("deno",)
    ENV_VARIABLES = ("DENO_DIR", "DENO_AUTH_TOKENS", "DENO_CERT", "DENO_TLS_CA_STORE", "DENO_V8_FLAGS",
                     "DENO_INSTALL_ROOT", "NPM_CONFIG_REGISTRY")
    LANGUAGE = javascript.LANGUAGE
    VALUE_OPTIONS = frozenset({"--config", "-c", "--import-map", "--allow-read", "--allow-write", "--allow-net",
                               "--allow-env", "--allow-run", "--location", "--seed", "--v8-flags", "--lock"})
    CODE_OPTIONS = frozenset()
    CODE_VERBS = frozenset({"eval"})
    SCRIPT_VERBS = frozenset({"run"})

    def options(self, inv: Invocation, opts: Options) -> list[Effect] | None:
        verb = opts.positionals[0] if opts.positionals else ""
        if verb in ("test", "bench"):
            return [project_work(inv, f"deno {verb}: runs the project's tests", "runs-project-tests")]
        if verb in ("fmt", "lint", "check", "info", "doc", "types", "completions", "--version", "help"):
            return [project_work(inv, f"deno {verb}: formats or checks the project", "project-tool")]
        return None

    def script(self, inv: Invocation, script: Word, rest: Sequence[Word], opts: Options) -> list[Effect]:
        if "://" in script.value:
            return [opaque(inv, f"a module downloaded from {script.value}")]
        return super().script(inv, script, rest, opts)


class Bun(Node):
    """bun's runtime half (`bun -e`, `bun x.ts`); its package-manager half is build/node.py."""

    CODE_NAME = ""
    VALUE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print", "-r", "--preload", "--cwd", "--config", "-c"})
    CODE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print"})
    PRELOAD_OPTIONS = frozenset({"-r", "--preload"})
    SCRIPT_VERBS = frozenset({"run"})


class Perl(Interpreter):
    NAMES = ("perl", "perl5")
    LANGUAGE = perl.LANGUAGE
    VALUE_OPTIONS = frozenset({"-e", "-E", "-M", "-m", "-I", "-F", "-x", "-C"})
    CODE_OPTIONS = frozenset({"-e", "-E"})
    ENV_VARIABLES = ("PERL5OPT", "PERL5LIB", "PERLLIB")
    SEARCH_PATHS = ("PERL5LIB", "PERLLIB")

    def prelude(self, inv: Invocation, opts: Options) -> str:
        lines = []
        switches = self.walk([lit(w) for w in shlex_split(inv.ctx.getenv("PERL5OPT") or "")])
        for module in [*switches.values("-M"), *switches.values("-m"), *opts.values("-M"), *opts.values("-m")]:
            name, _, imports = module.lstrip("-").partition("=")
            words = " ".join(imports.split(","))
            lines.append(f"use {name}{' qw(' + words + ')' if words else ''};")
        return "\n".join(lines) + ("\n" if lines else "")

    def inline(self, inv: Invocation, words: Sequence[Word], opts: Options, item: Item, code: Word) -> list[Effect]:
        effects = super().inline(inv, words, opts, item, code)
        if code.known and any(o.option == "-i" for o in opts.items if o.index <= item.index):
            # -i (`-pi -e`, `-i.bak`): the files after the code are edited in place
            effects += [inv.fs("modify", f.value, reversible="unknown") for f in words_after(words, opts, item)
                        if not f.value.startswith("-")]
        return effects


class Ruby(Interpreter):
    NAMES = ("ruby", "jruby", "truffleruby")
    LANGUAGE = ruby.LANGUAGE
    VALUE_OPTIONS = frozenset({"-e", "-r", "-I", "-C", "-E", "-F", "-x"})
    ENV_VARIABLES = ("RUBYOPT", "RUBYLIB")
    SEARCH_PATHS = ("RUBYLIB",)

    def prelude(self, inv: Invocation, opts: Options) -> str:
        switches = self.walk([lit(w) for w in shlex_split(inv.ctx.getenv("RUBYOPT") or "")])
        return "".join(f"require '{library}'\n" if not library.startswith(("/", ".", "~")) else
                       f"load '{library}'\n" for library in [*switches.values("-r"), *opts.values("-r")])

    def inline(self, inv: Invocation, words: Sequence[Word], opts: Options, item: Item, code: Word) -> list[Effect]:
        effects = super().inline(inv, words, opts, item, code)
        if code.known and opts.has("-i"):
            effects += [inv.fs("modify", f.value, reversible="unknown") for f in words_after(words, opts, item)
                        if not f.value.startswith("-")]
        return effects


class Php(Interpreter):
    NAMES = ("php", "php7", "php8", "php-cli")
    LANGUAGE = php.LANGUAGE
    VALUE_OPTIONS = frozenset({"-r", "-f", "-d", "-c", "-S", "-t", "-z", "-B", "-R", "-E", "-F"})
    CODE_OPTIONS = frozenset({"-r", "-B", "-R", "-E"})
    FILE_OPTIONS = frozenset({"-f", "-F"})
    ENV_VARIABLES = ("PHP_INI_SCAN_DIR", "PHPRC")

    def options(self, inv: Invocation, opts: Options) -> list[Effect] | None:
        settings = " ".join(opts.values("-d")).lower()
        if "auto_prepend_file" in settings or "auto_append_file" in settings:
            return [inv.unknown("php -d auto_prepend_file/auto_append_file: runs a file before or after the code")]
        for variable in ("PHPRC", "PHP_INI_SCAN_DIR"):
            value = inv.ctx.getenv(variable)
            path = inv.ctx.resolve(value) if value else None
            if value and (path is None or not inside_project(inv, path)):
                return [inv.unknown(f"{variable}={value}: a php.ini from outside the project (it can run code)")]
        if opts.has("-l", "-v", "--version", "-i", "-m", "-h", "--help", "--ini"):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it checks syntax or prints"),
                               reversible="yes", summary=f"{inv.name} (checks syntax or prints its setup)")]
        if opts.has("-S"):
            return [project_work(inv, "php -S: serves the project with PHP's built-in server", "runs-project-code")]
        return None

    def code(self, inv: Invocation, text: str, origin: str, opts: Options) -> list[Effect]:
        if "<?" in text:  # a file: what is outside <?php … ?> is printed as it is
            text = re.sub(r"\?>.*?(<\?(php|=)?|\Z)", ";\n", text.split("<?", 1)[1].removeprefix("php"), flags=re.S)
        return super().code(inv, text, origin, opts)

    def script(self, inv: Invocation, script: Word, rest: Sequence[Word], opts: Options) -> list[Effect]:
        if script.value.rsplit("/", 1)[-1] == "artisan":  # php artisan X: Laravel's migrations and the like
            inv.run_argv([lit("artisan"), *rest])
            return []
        return super().script(inv, script, rest, opts)
