"""zip/unzip, 7z and the compressors (gzip, bzip2, xz, zstd): extracting writes into a directory,
archiving may take secrets along, and a compressor replaces each file with its other form."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool, secret_sources

SEVEN_ZIP = frozenset({"7z", "7za"})
TO_STDOUT = ("-c", "--stdout", "-l", "--list", "-t", "--test")


class Archive(FileTool):
    NAMES = (
        "zip", "unzip", "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "7z", "7za",
    )
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "-x", "-o", "-P", "-S", "-b", "-t", "-TT",
                                                       "--unzip-command"})
    ENV_VARIABLES = ("GZIP", "XZ_OPT", "ZSTD_CLEVEL", "ZIPOPT")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        tester = opts.value("-TT", "--unzip-command") if inv.name == "zip" else None
        if tester:
            inv.run_script(f"{tester} {opts.positionals[0] if opts.positionals else 'archive.zip'}",
                           origin="zip's test command")
        files = opts.positional_words
        # 7z's first operand is its command letter: x/e extract, a adds, d deletes, l lists
        command = files[0].value if inv.name in SEVEN_ZIP and files else ""
        if inv.name == "unzip" or command in ("x", "e"):
            return self.extract(inv, opts, files)
        if inv.name == "zip" or command == "a":
            return self.archive(inv, opts, files)
        if command == "d":
            return [inv.fs("modify", files[1].value if len(files) > 1 else "archive", reversible="no")]
        if opts.has(*TO_STDOUT) or not files:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "to stdout"), reversible="yes",
                               summary=f"{inv.name} to stdout")]
        return [inv.fs("modify", w.value, glob=w.glob, reversible="yes", summary=f"{inv.name} {w.shown()} in place")
                for w in files]

    @staticmethod
    def extract(inv: Invocation, opts: Options, files: list[Word]) -> list[Effect]:
        dest = opts.value("-d") or "."
        if opts.has("-l") or (files and files[0].value == "l"):
            return [inv.fs("read", files[0].value if files else ".", reversible="yes")]
        return [inv.fs("modify", dest, recursive=True, reversible="unknown", summary=f"extracts into {dest}")]

    @staticmethod
    def archive(inv: Invocation, opts: Options, files: list[Word]) -> list[Effect]:
        secret = secret_sources(inv, files[1:]) if len(files) > 1 else None
        out = [secret] if secret is not None else []
        if opts.has("-m"):  # zip -m moves the files into the archive
            out.extend(inv.fs("delete", w.value, glob=w.glob, summary=f"zip -m removes {w.shown()}") for w in files[1:])
        return [*out, inv.fs("create", files[0].value if files else "archive.zip", reversible="yes")]
