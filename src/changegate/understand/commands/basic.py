"""Commands that read and compute: harmless unless what they read or print is a secret.

They also carry text between commands: `echo`/`printf` make known text, `cat` passes files and stdin on,
`base64 -d`/`xxd -r`/`rev` decode it (so `echo cm0gLXJmIC8K | base64 -d | sh` is understood as
`rm -rf /`), and where the input is not known, their output is marked opaque.
"""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream
from changegate.understand.cli import Cli, parse_options
from changegate.understand.sensitive import is_secret_variable, secret_kind

# Commands whose arguments are data, not files.
NO_PATH_ARGS = frozenset({
    "echo", "printf", "test", "[", "[[", "expr", "bc", "dc", "seq", "sleep", "yes", "true", "false", "date",
    "cal", "factor", "numfmt", "type", "which", "whereis", "man", "info", "help", "alias", "unalias", "hash",
    "tput", "stty", "clear", "jobs", "wait", "read", "shopt", "whoami", "id", "groups", "uname", "uptime",
    "ps", "pgrep", "pstree", "top", "htop", "btop", "free", "vmstat", "iostat", "nproc", "getconf", "tldr",
    "whatis", "apropos", "fc", "logname", "tty", "users", "who", "w", "last", "lsmod", "ping", "ping6",
    "traceroute", "tracepath", "dig", "nslookup", "host", "whois", "ss", "netstat", "ifconfig", "arp", "route",
    "mtr", "nmap", "lsusb", "lspci", "lshw", "dmidecode", "sensors", "locate", "history", "pwd", "lscpu",
    "lsblk", "blkid", "envsubst", "gettext", "printenv", "shuf", "basename", "dirname", "pbcopy", "pbpaste",
    "xclip", "xsel", "open", "xdg-open", "journalctl", "dmesg", "lsof", "df",
})
# The first positional is a pattern, not a file (unless -e/-f gave the pattern).
PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep"})
TAKES_VALUE: dict[str, frozenset[str]] = {
    "grep": frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "--include", "--exclude", "--exclude-dir", "-d", "-D",
                       "--color", "--label", "--max-count", "--context", "--after-context", "--before-context",
                       "--regexp", "--file"}),
    "rg": frozenset({"-e", "-f", "-g", "--glob", "-t", "--type", "-T", "--type-not", "-m", "-A", "-B", "-C",
                     "--max-count", "-j", "--threads", "-M", "--max-columns", "--sort", "--iglob", "-r",
                     "--replace"}),
    "head": frozenset({"-n", "-c", "--lines", "--bytes"}),
    "tail": frozenset({"-n", "-c", "--lines", "--bytes", "-s", "--pid", "--sleep-interval"}),
    "sort": frozenset({"-k", "-t", "-o", "-S", "-T", "--key", "--field-separator", "--output",
                       "--buffer-size", "--temporary-directory", "--parallel"}),
    "cut": frozenset({"-d", "-f", "-c", "-b", "--delimiter", "--fields", "--characters", "--bytes"}),
    "jq": frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile", "--indent", "-L", "--tab", "--args"}),
    "xxd": frozenset({"-c", "-g", "-l", "-s", "-o", "-C", "-n"}),
    "tree": frozenset({"-L", "-P", "-I", "-o", "--charset", "--filelimit"}),
    "du": frozenset({"-d", "--max-depth", "-B", "--block-size", "--exclude", "-t", "--threshold"}),
    "ls": frozenset({"-I", "--ignore", "-w", "--width", "--color", "--format", "--sort", "--time-style",
                     "-T", "--tabsize", "--hide", "--block-size"}),
    "split": frozenset({"-l", "-b", "-n", "-C", "-a", "--lines", "--bytes", "--number", "--suffix-length"}),
    "file": frozenset({"-m", "-f", "-F", "-e", "-P"}),
    "stat": frozenset({"-c", "--format", "--printf", "-f"}),
    "tr": frozenset(),
    "base64": frozenset({"-w", "--wrap"}),
    "diff": frozenset({"-U", "-C", "--unified", "--context", "-x", "--exclude", "-X", "-I", "-F", "-L", "--label",
                       "--line-format", "--to-file", "--from-file"}),
}
SECRET_PRINTERS = frozenset({"echo", "printf", "printenv", "print"})
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
DECODERS = {"base64": "base64", "base32": "base32", "xxd": "hex", "rev": "rev", "basenc": "base64"}


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
    NAMES = (
        "ls", "ll", "la", "dir", "vdir", "cat", "bat", "batcat", "less", "more", "most", "head", "tail",
        "grep", "egrep", "fgrep", "rg", "ag", "ack", "sort", "uniq", "wc", "cut", "tr", "paste", "join",
        "comm", "diff", "diff3", "sdiff", "cmp", "colordiff", "file", "stat", "du", "df", "tree", "which",
        "whereis", "type", "echo", "printf", "pwd", "date", "whoami", "id", "groups", "uname", "uptime",
        "ps", "pgrep", "pstree", "top", "htop", "btop", "free", "vmstat", "iostat", "lsof", "printenv",
        "true", "false", "test", "[", "[[", "sleep", "yes", "seq", "basename", "dirname", "realpath",
        "readlink", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum",
        "cksum", "sum", "base32", "base64", "xxd", "od", "hexdump", "strings", "jq", "yq", "gojq", "column",
        "fold", "fmt", "nl", "rev", "tac", "expand", "unexpand", "bc", "dc", "expr", "cal", "man", "info",
        "help", "history", "locate", "jobs", "wait", "read", "shopt", "alias", "unalias", "hash", "clear",
        "tput", "stty", "lscpu", "lsblk", "blkid", "nproc", "getconf", "ldd", "nm", "objdump", "readelf",
        "tldr", "whatis", "apropos", "fc", "logname", "tty", "users", "who", "w", "last", "lsmod", "dmesg",
        "journalctl", "ping", "ping6", "traceroute", "tracepath", "dig", "nslookup", "host", "whois", "ss",
        "netstat", "ifconfig", "arp", "route", "mtr", "nmap", "lsusb", "lspci", "lshw", "dmidecode",
        "sensors", "vim", "vi", "nvim", "nano", "emacs", "code", "open", "xdg-open", "pbcopy", "pbpaste",
        "xclip", "xsel", "numfmt", "set", "unset", "export", "declare", "local", "readonly", "typeset",
        "shift", "return", "exit", "break", "continue", "trap", "umask", "ulimit", "getopts", "let",
        "finger", "shuf", "factor", "iconv", "dos2unix", "unix2dos", "look", "csplit", "split", "pr", "ts",
        "pv", "watchman", "fzf", "fd", "fdfind", "exa", "eza", "tokei", "cloc", "scc", "envsubst", "gettext",
        "csvlook", "xmllint", "tidy", "sqlfluff", "shellcheck", "hadolint", "yamllint", "markdownlint",
        "actionlint", "zcat", "zless", "zmore", "zgrep", "zdiff", "bzcat", "bzless", "xzcat", "xzless",
        "zstdcat", "lzcat", "view", "pdfinfo", "identify", "mediainfo", "ffprobe",
    )
    FAMILY = "read"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset()

    def analyze(self, inv: Invocation) -> list[Effect]:
        name = inv.name
        opts = parse_options(inv.words, TAKES_VALUE.get(name, frozenset()))
        effects: list[Effect] = []
        if name in SECRET_PRINTERS or name == "printenv":
            effects.extend(self.printed_secrets(inv, opts.positionals))
        self.stream(inv, opts.positionals, opts.flags)
        if name in NO_PATH_ARGS:
            return effects or [self.read_effect(inv, None)]
        paths = list(opts.positionals)
        if name in PATTERN_FIRST and paths and not opts.has("-e", "-f", "--regexp", "--file"):
            paths = paths[1:]
        for flag in ("-f", "--file", "--slurpfile", "--rawfile"):
            paths.extend(opts.values(flag))
        for raw in paths:
            if not raw or raw == "-":
                continue
            path = inv.ctx.resolve(raw)
            if path is None:
                continue
            what = secret_kind(path, inv.ctx.home)
            if what:
                effects.append(inv.fs("secret_read", raw, kind="secret", reversible="yes",
                                      summary=f"reads {path}: {what}"))
        writes = self.writes(inv, opts.positionals, opts)
        effects.extend(writes)
        if not effects:
            effects.append(self.read_effect(inv, paths[0] if paths else None))
        return effects

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

    def writes(self, inv: Invocation, positionals: list[str], opts: object) -> list[Effect]:
        from changegate.understand.cli import Options

        assert isinstance(opts, Options)
        out: list[Effect] = []
        if inv.name == "sort" and opts.value("-o", "--output"):
            out.append(inv.fs("modify", opts.value("-o", "--output") or "", tags=("overwrite",)))
        if inv.name in ("vim", "vi", "nvim", "nano", "emacs", "code"):
            out.extend(inv.fs("modify", p, reversible="unknown") for p in positionals[:4])
        if inv.name == "split" or inv.name == "csplit":
            out.append(inv.fs("create", positionals[-1] if len(positionals) > 1 else "x", reversible="yes"))
        if inv.name == "journalctl" and any(f.startswith("--vacuum") or f == "--rotate" for f in opts.flags):
            out.append(inv.effect("delete", "host:journal", Placement(UNKNOWN, "the system journal"),
                                  kind="logs", scope="many", reversible="no", summary="deletes system logs"))
        if inv.name == "history" and opts.has("-c", "-w"):
            out.append(inv.fs("delete", "~/.bash_history", summary="clears the shell history"))
        return out

    # --- text flowing on ---------------------------------------------------------------------------
    def stream(self, inv: Invocation, positionals: list[str], flags: dict[str, list[str]]) -> None:
        name = inv.name
        stdin = inv.stdin
        if name == "echo":
            words = [w.value for w in inv.words]
            newline = True
            while words and words[0] in ("-n", "-e", "-E", "-ne", "-en"):
                newline = newline and "n" not in words[0]
                words = words[1:]
            text = " ".join(words) + ("\n" if newline else "")
            inv.stdout = Stream(text=text) if UNKNOWN_PART not in text else Stream(origin="echo of run-time values")
        elif name == "printf":
            args = [w.value for w in inv.words]
            if args and args[0] == "-v":
                return
            text = printf_text(args)
            inv.stdout = Stream(text=text) if UNKNOWN_PART not in text else Stream(origin="printf of run-time values")
        elif name in ("cat", "tac", "bat", "batcat"):
            inv.stdout = self.concatenated(inv, positionals)
        elif name in DECODERS and self.decoding(name, flags):
            from changegate.understand.shell import decode_payload

            source = self.concatenated(inv, positionals) if positionals else (stdin or Stream())
            if source.text is not None:
                decoded = decode_payload(DECODERS[name], source.text)
                if decoded is not None:
                    inv.stdout = Stream(text=decoded, origin=f"decoded by {name}")
                    return
            inv.stdout = Stream(origin=f"a payload decoded by {name}", opaque=True)
        elif name in ("tr", "sed", "awk", "perl", "cut", "head", "tail", "sort", "uniq", "grep", "xargs") and \
                stdin is not None and stdin.opaque:
            inv.stdout = Stream(origin=stdin.origin, opaque=True)
        elif name in ("ls", "tree", "fd", "fdfind", "locate"):
            roots = tuple(p for p in positionals if not p.startswith("-")) or (".",)
            inv.stdout = Stream(origin=f"{name} output", path_roots=roots)

    @staticmethod
    def decoding(name: str, flags: dict[str, list[str]]) -> bool:
        if name in ("rev",):
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
            if stream.text is None:
                return Stream(origin=f"the file {raw}")
            texts.append(stream.text)
        return Stream(text="".join(texts), origin=f"the file {files[0]}")
