"""Commands that read and compute: harmless unless what they read or print is a secret.

They also carry text between commands: `echo`/`printf` make known text, `cat` passes files and stdin on,
`base64 -d`/`xxd -r`/`rev` decode it (so `echo cm0gLXJmIC8K | base64 -d | sh` is understood as
`rm -rf /`), and where the input is not known, their output is marked opaque.

`ReadOnly` covers them all; the few whose options take values (and whose operands are files) say which
in a subclass of their own.
"""

from __future__ import annotations

import re
from itertools import takewhile
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement, is_within
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.shell.common import program_paths
from changegate.understand.facts import is_dir, lexists
from changegate.understand.sensitive import is_secret_variable, secret_kind

# Commands whose arguments are data, not files.
NO_PATH_ARGS = frozenset({
    "echo", "printf", "test", "[", "[[", "expr", "bc", "dc", "seq", "sleep", "yes", "true", "false", "date",
    "cal", "factor", "numfmt", "type", "which", "whereis", "man", "info", "help", "alias", "unalias", "hash",
    "tput", "stty", "clear", "jobs", "wait", "read", "shopt", "whoami", "id", "groups", "uname", "uptime",
    "ps", "pgrep", "pstree", "top", "htop", "btop", "free", "vmstat", "iostat", "nproc", "getconf", "tldr",
    "whatis", "apropos", "fc", "logname", "tty", "users", "who", "w", "last", "lsmod", "ping", "ping6",
    "traceroute", "tracepath", "dig", "nslookup", "host", "whois", "ss", "netstat",
    "mtr", "nmap", "lsusb", "lspci", "lshw", "dmidecode", "sensors", "locate", "history", "pwd", "lscpu",
    "lsblk", "blkid", "envsubst", "gettext", "printenv", "shuf", "basename", "dirname", "pbcopy", "pbpaste",
    "xclip", "xsel", "open", "xdg-open", "journalctl", "dmesg", "lsof", "df",
})
# The first positional is a pattern, not a file (unless -e/-f gave the pattern).
PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep", "zegrep", "zfgrep", "bzgrep",
                           "xzgrep", "zstdgrep"})
# what a search for secrets looks for
# what a search for secrets looks for: their names, and the shapes of well-known tokens (AKIA…, ghp_…, sk-…)
SECRET_WORDS = re.compile(r"(?i)passw|secret|token|api.?key|private.?key|credential|aws_access|BEGIN .*PRIVATE|"
                          r"bearer|authorization|auth_?key|AKIA|ASIA\[|gh[pousr]_|github_pat|glpat|xox[abposr]|"
                          r"\bsk[-_]|AIza|npm_|pypi-|hf_|id_rsa|id_ed25519|\.pem\b|\.pgpass|netrc")
SECRET_PRINTERS = frozenset({"echo", "printf", "printenv", "print"})
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
DECODERS = {"base64": "base64", "base32": "base32", "xxd": "hex", "rev": "rev", "basenc": "base64"}
ECHO_FLAGS = frozenset({"-n", "-e", "-E", "-ne", "-en"})
EDITORS = frozenset({"nano", "code"})
CONCATENATORS = frozenset({"cat", "tac", "bat", "batcat"})
# they pass an opaque input on as opaque output
FILTERS = frozenset({"tr", "sed", "awk", "perl", "cut", "head", "tail", "sort", "uniq", "grep", "xargs"})
PATH_LISTERS = frozenset({"ls", "tree", "fd", "fdfind", "locate"})
FILE_VALUE_OPTIONS = ("-f", "--file", "--slurpfile", "--rawfile")  # options whose value is a file read


def absent(inv: Invocation, raw: str) -> bool:
    """A file that is not on this machine (nor written earlier on this command line)."""
    path = inv.ctx.resolve(raw)
    return path is not None and UNKNOWN_PART not in path and inv.absent_here(path)


def printf_text(args: list[str]) -> str:
    """What `printf FORMAT ARGS…` prints, closely enough to follow a payload into a pipe."""
    if not args:
        return ""
    fmt, rest = args[0], list(args[1:])
    fmt = fmt.encode("utf-8", "surrogatepass").decode("unicode_escape", "replace") if "\\" in fmt else fmt
    out: list[str] = []
    pieces = re.split(r"(%[-+ #0-9.]*[sdibqcxXoefgu%])", fmt)
    for _ in range(8):
        for piece in pieces:
            if piece.startswith("%") and len(piece) > 1:
                if piece == "%%":
                    out.append("%")
                elif piece.endswith("b"):
                    arg = rest.pop(0) if rest else ""
                    out.append(arg.encode("utf-8", "surrogatepass").decode("unicode_escape", "replace"))
                else:
                    out.append(rest.pop(0) if rest else "")
            else:
                out.append(piece)
        if not rest or not any(p.startswith("%") and p != "%%" for p in pieces):
            break
    return "".join(out)


class ReadOnly(Cli):
    NAMES: ClassVar[tuple[str, ...]] = (
        "ll", "la", "dir", "vdir", "cat", "more", "most", "egrep", "fgrep", "ag", "ack", "uniq", "wc", "tr",
        "paste", "join", "comm", "diff3", "sdiff", "cmp", "colordiff", "df", "which", "whereis", "type", "echo",
        "printf", "pwd", "date", "whoami", "id", "groups", "uname", "uptime", "ps", "pgrep", "pstree", "top",
        "htop", "btop", "free", "vmstat", "iostat", "lsof", "printenv", "true", "false", "test", "[", "[[", "sleep",
        "yes", "seq", "basename", "dirname", "realpath", "readlink", "md5sum", "sha1sum", "sha224sum", "sha256sum",
        "sha384sum", "sha512sum", "b2sum", "cksum", "sum", "base32", "od", "hexdump", "strings", "yq", "gojq",
        "column", "fold", "fmt", "nl", "rev", "tac", "expand", "unexpand", "bc", "dc", "expr", "cal", "info",
        "help", "history", "locate", "jobs", "wait", "read", "shopt", "clear", "tput", "stty", "lscpu", "lsblk",
        "blkid", "nproc", "getconf", "ldd", "nm", "objdump", "readelf", "tldr", "whatis", "apropos", "fc",
        "logname", "tty", "users", "who", "w", "last", "lsmod", "dmesg", "journalctl", "ping", "ping6",
        "traceroute", "tracepath", "dig", "nslookup", "host", "whois", "ss", "netstat",
        "mtr", "nmap", "lsusb", "lspci", "lshw", "dmidecode", "sensors", "nano", "code", "open", "xdg-open",
        "pbcopy", "pbpaste", "xclip", "xsel", "numfmt", "set", "unset", "export", "declare", "local", "readonly",
        "typeset", "shift", "return", "exit", "break", "continue", "umask", "ulimit", "getopts", "let", "finger",
        "shuf", "factor", "iconv", "dos2unix", "unix2dos", "look", "csplit", "pr", "ts", "pv", "fd", "fdfind",
        "exa", "eza", "tokei", "cloc", "scc", "envsubst", "gettext", "csvlook", "xmllint", "tidy", "sqlfluff",
        "shellcheck", "hadolint", "yamllint", "markdownlint", "actionlint", "zcat", "gzcat", "zmore", "zgrep", "zdiff",
        "zegrep", "zfgrep", "zcmp", "bzgrep", "xzgrep", "zstdgrep", "bzmore", "xzmore",
        "bzcat", "xzcat", "zstdcat", "lzcat", "pdfinfo", "identify", "mediainfo", "ffprobe", "lesspipe",
        "lesspipe.sh", "lessfile",
    )
    FAMILY = "read"

    def analyze(self, inv: Invocation) -> list[Effect]:
        name = inv.name
        opts = self.walk(inv.words)
        effects: list[Effect] = []
        if name in SECRET_PRINTERS:
            effects.extend(self.printed_secrets(inv, opts.positionals))
        self.stream(inv, opts.positionals, opts.flags)
        if name in NO_PATH_ARGS:
            return effects or [self.read_effect(inv, None)]
        paths = self.paths(inv, opts)
        pattern = opts.value("-e", "--regexp") or ""
        if name in PATTERN_FIRST and paths and not opts.has("-e", "-f", "--regexp", "--file"):
            pattern, paths = paths[0], paths[1:]
        if name in PATTERN_FIRST:
            effects.extend(self.secret_search(inv, opts, pattern, paths))
        paths.extend(opts.values(*FILE_VALUE_OPTIONS))
        for raw in paths:
            path = inv.ctx.resolve(raw) if raw and raw != "-" else None
            what = secret_kind(path, inv.ctx.home) if path is not None else None
            if what:
                effects.append(inv.fs("secret_read", raw, kind="secret", reversible="yes",
                                      summary=f"reads {path}: {what}"))
        effects.extend(self.writes(inv, opts.positionals, opts))
        if not effects:
            effects.append(self.read_effect(inv, paths[0] if paths else None))
        return effects

    @staticmethod
    def secret_search(inv: Invocation, opts: Options, pattern: str, paths: list[str]) -> list[Effect]:
        """`grep -r password ~`, `rg -i 'api_key' /`: hunting a home directory or the machine for secrets
        brings whatever matches into the agent's context. The workspace is the project's own code."""
        recursive = inv.name in ("rg", "ag", "ack") or opts.has("-r", "-R", "--recursive", "--dereference-recursive")
        if not recursive or not SECRET_WORDS.search(pattern):
            return []
        found = []
        for raw in paths or ["."]:
            path = inv.ctx.resolve(raw)
            if path is None or (inv.ctx.workspace and is_within(path, inv.ctx.workspace)):
                continue
            found.append(inv.fs("secret_read", raw, kind="secret", recursive=True, reversible="yes",
                                summary=f"searches {path} for {pattern!r}: whatever secrets match reach the agent"))
        return found

    def paths(self, inv: Invocation, opts: Options) -> list[str]:
        """The operands that name files it reads (those that are not patterns or commands)."""
        return list(opts.positionals)

    def read_effect(self, inv: Invocation, raw: str | None) -> Effect:
        if raw:
            return inv.fs("read", raw, kind="file", reversible="yes", summary=f"{inv.name} reads {raw}")
        placement = inv.ctx.remote_placement or Placement(LOCAL, "it only reads")
        return inv.effect("read", f"cmd:{inv.name}", placement, reversible="yes", summary=f"{inv.name} (read-only)")

    def printed_secrets(self, inv: Invocation, positionals: list[str]) -> list[Effect]:
        names: list[str] = []
        if inv.name == "printenv":
            names = [p for p in positionals if is_secret_variable(p)]
            if not positionals:
                return [self.whole_environment(inv)]
        else:
            # from the text as written: an unset variable expands to nothing, but printing it is the intent
            names.extend(n for n in _VARIABLE.findall(inv.text) if is_secret_variable(n))
        return [
            inv.effect("secret_read", f"env:{n}", Placement(UNKNOWN, "a secret printed into the agent's context"),
                       kind="variable", reversible="yes", summary=f"prints the secret variable {n}")
            for n in dict.fromkeys(names)
        ]

    @staticmethod
    def whole_environment(inv: Invocation) -> Effect:
        return inv.effect("secret_read", "env:*", Placement(UNKNOWN, "the whole environment, secrets included"),
                          kind="variable", scope="all", reversible="yes",
                          summary="prints every environment variable, secrets included",
                          suggestions=("print only the variables you need: printenv PATH HOME",))

    def writes(self, inv: Invocation, positionals: list[str], opts: Options) -> list[Effect]:
        """What the few that write do: sort -o, editors, split, journalctl's vacuum, history -c."""
        out: list[Effect] = []
        sorted_into = opts.value("-o", "--output")
        if inv.name == "sort" and sorted_into:
            out.append(inv.fs("modify", sorted_into, tags=("overwrite",)))
        if inv.name in EDITORS:
            out.extend(inv.fs("modify", p, reversible="unknown") for p in positionals[:4])
        if inv.name in ("split", "csplit"):
            out.append(inv.fs("create", positionals[-1] if len(positionals) > 1 else "x", reversible="yes"))
        if inv.name == "journalctl" and any(f.startswith("--vacuum") or f == "--rotate" for f in opts.flags):
            out.append(inv.effect("delete", "host:journal", Placement(UNKNOWN, "the system journal"),
                                  kind="logs", scope="many", reversible="no", summary="deletes system logs"))
        if inv.name == "dmesg" and opts.has("-c", "--read-clear", "-C", "--clear"):
            out.append(inv.effect("delete", "host:kernel-log", Placement(UNKNOWN, "the kernel's message buffer"),
                                  kind="logs", scope="all", reversible="no", summary="clears the kernel's messages"))
        if inv.name == "history" and opts.has("-c", "-w"):
            out.append(inv.fs("delete", "~/.bash_history", summary="clears the shell history"))
        return out

    # --- text flowing on ---------------------------------------------------------------------------
    def stream(self, inv: Invocation, positionals: list[str], flags: dict[str, list[str]]) -> None:
        name = inv.name
        stdin = inv.stdin
        if name == "echo":
            inv.stdout = self.echoed(inv)
        elif name == "printf":
            args = [w.value for w in inv.words]
            if args and args[0] == "-v":
                return
            # a NUL in what it prints is real (`printf '%s\0' …` for `xargs -0`); only its words can be unknown
            known = not any(UNKNOWN_PART in arg for arg in args)
            inv.stdout = Stream(text=printf_text(args)) if known else Stream(origin="printf of run-time values")
        elif name in CONCATENATORS:
            inv.stdout = self.concatenated(inv, positionals)
        elif name in DECODERS and self.decoding(name, flags):
            inv.stdout = self.decoded(inv, positionals)
        elif name in FILTERS and stdin is not None and stdin.opaque:
            inv.stdout = Stream(origin=stdin.origin, opaque=True)
        elif (name == "which" or (name == "type" and ("-P" in flags or "-p" in flags))) and positionals:
            inv.stdout = program_paths(inv, positionals)
        elif name in PATH_LISTERS:
            roots = tuple(p for p in positionals if not p.startswith("-")) or (".",)
            inv.stdout = Stream(origin=f"{name} output", path_roots=roots,
                                every_path=name == "ls" and self.lists_whole_directories(inv, roots, flags))

    @staticmethod
    def lists_whole_directories(inv: Invocation, roots: tuple[str, ...], flags: dict[str, list[str]]) -> bool:
        """`ls DIR`: every entry of each directory, not a selection (unless `-d`, or a pattern or a file
        is listed)."""
        if "-d" in flags or "--directory" in flags or any(w.glob for w in inv.words):
            return False
        paths = [inv.ctx.resolve(root) for root in roots]
        # a directory not on this machine is taken at its most dangerous: all of it
        return all(path is not None and (root.endswith("/") or root in (".", "/", "~") or path == inv.ctx.home
                                         or is_dir(path) or not lexists(path))
                   for root, path in zip(roots, paths, strict=True))

    @staticmethod
    def echoed(inv: Invocation) -> Stream:
        """echo's options are only the leading words that are exactly its flags (`echo -x` prints -x)."""
        words = [w.value for w in inv.words]
        flags = list(takewhile(lambda word: word in ECHO_FLAGS, words))
        newline = not any("n" in flag for flag in flags)
        text = " ".join(words[len(flags):]) + ("\n" if newline else "")
        return Stream(text=text) if UNKNOWN_PART not in text else Stream(origin="echo of run-time values")

    def decoded(self, inv: Invocation, positionals: list[str]) -> Stream:
        from changegate.understand.lex.encodings import decode_payload

        name = inv.name
        source = self.concatenated(inv, positionals) if positionals else (inv.stdin or Stream())
        if source.text is not None:
            decoded = decode_payload(DECODERS[name], source.text)
            if decoded is not None:
                return Stream(text=decoded, origin=f"decoded by {name}")
        return Stream(origin=f"a payload decoded by {name}", opaque=True)

    @staticmethod
    def decoding(name: str, flags: dict[str, list[str]]) -> bool:
        if name == "rev":
            return True
        if name == "xxd":
            return "-r" in flags
        return any(f in flags for f in ("-d", "--decode", "-D"))

    @staticmethod
    def concatenated(inv: Invocation, positionals: list[str]) -> Stream:
        files = [p for p in positionals if p != "-"]
        if not files:
            return inv.stdin or Stream()
        texts: list[str] = []
        for raw in files:
            stream = inv.walker.file_stream(raw, inv.ctx)
            if stream.text is None and absent(inv, raw):
                continue  # cat prints nothing for a file that is not there
            if stream.text is None:
                return Stream(origin=f"the file {raw}")
            texts.append(stream.text)
        return Stream(text="".join(texts), origin=f"the file {files[0]}")


class Grep(ReadOnly):
    NAMES = ("grep",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-e", "-f", "-m", "-A", "-B", "-C", "--include", "--exclude", "--exclude-dir", "-d", "-D", "--color",
        "--label", "--max-count", "--context", "--after-context", "--before-context", "--regexp", "--file"})


class Ripgrep(ReadOnly):
    NAMES = ("rg",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-e", "-f", "-g", "--glob", "-t", "--type", "-T", "--type-not", "-m", "-A", "-B", "-C", "--max-count",
        "-j", "--threads", "-M", "--max-columns", "--sort", "--iglob", "-r", "--replace"})
    ENV_VARIABLES = ("RIPGREP_CONFIG_PATH",)


class Head(ReadOnly):
    NAMES = ("head",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-n", "-c", "--lines", "--bytes"})


class Tail(ReadOnly):
    NAMES = ("tail",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-n", "-c", "--lines", "--bytes", "-s", "--pid",
                                                       "--sleep-interval"})


class Sort(ReadOnly):
    NAMES = ("sort",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-k", "-t", "-o", "-S", "-T", "--key",
                                                       "--field-separator", "--output", "--buffer-size",
                                                       "--temporary-directory", "--parallel"})


class Cut(ReadOnly):
    NAMES = ("cut",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "-f", "-c", "-b", "--delimiter", "--fields",
                                                       "--characters", "--bytes"})


class Jq(ReadOnly):
    NAMES = ("jq",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile",
                                                       "--indent", "-L", "--tab", "--args"})


class Xxd(ReadOnly):
    NAMES = ("xxd",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "-g", "-l", "-s", "-o", "-C", "-n"})


class Tree(ReadOnly):
    NAMES = ("tree",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-L", "-P", "-I", "-o", "--charset", "--filelimit"})


class Du(ReadOnly):
    NAMES = ("du",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "--max-depth", "-B", "--block-size", "--exclude",
                                                       "-t", "--threshold"})


class Ls(ReadOnly):
    NAMES = ("ls",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-I", "--ignore", "-w", "--width", "--color", "--format",
                                                       "--sort", "--time-style", "-T", "--tabsize", "--hide",
                                                       "--block-size"})


class Split(ReadOnly):
    NAMES = ("split",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-l", "-b", "-n", "-C", "-a", "--lines", "--bytes",
                                                       "--number", "--suffix-length"})


class File(ReadOnly):
    NAMES = ("file",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-m", "-f", "-F", "-e", "-P"})


class Stat(ReadOnly):
    NAMES = ("stat",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--format", "--printf", "-f"})


class Base64(ReadOnly):
    NAMES = ("base64",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-w", "--wrap"})


class Diff(ReadOnly):
    NAMES = ("diff",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-U", "-C", "--unified", "--context", "-x", "--exclude",
                                                       "-X", "-I", "-F", "-L", "--label", "--line-format",
                                                       "--to-file", "--from-file"})

