"""Converters and viewers that read files and write at most the files they are told to: ffmpeg, pdftotext,
pandoc, cpio, compress, mogrify, convert/magick, latexmk, mpv/mplayer, ssh-keygen.

Each tool's table says which options name an output (a write of that path) and which run something (not
understood: `ffmpeg -f lavfi` is fine, but a filter script or `-dump_attachment` writes where its value
says). Inputs are reads, outputs are writes placed like any path (the workspace is ordinary work, elsewhere
asks); an in-place tool (mogrify, compress) modifies its operands.
"""

from __future__ import annotations

from collections.abc import Mapping

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options


class Converter(Cli):
    """`TOOL [OPTIONS] INPUT… [OUTPUT]`: what each option and operand is comes from the tables below."""

    FAMILY = "convert"
    OUTPUT_OPTIONS: frozenset[str] = frozenset()  # options whose value is a file written
    RUNS: frozenset[str] = frozenset()  # options that run a command or load code: not understood
    LAST_OPERAND_IS_OUTPUT = False  # `ffmpeg -i in out`, `pdftotext in out`
    IN_PLACE = False  # mogrify, compress: the operands themselves are rewritten
    READ_ONLY_FLAGS: frozenset[str] = frozenset()  # flags that make the run only show something

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        running = [item.option for item in opts.items if item.option in self.RUNS]
        if running:
            return [inv.unknown(f"{inv.name} {running[0]} runs or loads something changegate cannot see")]
        if opts.has(*self.READ_ONLY_FLAGS) or (not opts.positionals and not opts.has(*self.OUTPUT_OPTIONS)):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it only shows something"),
                               reversible="yes", summary=f"{inv.name} (it only reads)")]
        return self.files(inv, opts)

    def files(self, inv: Invocation, opts: Options) -> list[Effect]:
        operands = [w.value for w in opts.positional_words]
        outputs = [v for o in self.OUTPUT_OPTIONS for v in opts.values(o) if v and v != "-"]
        if self.LAST_OPERAND_IS_OUTPUT and len(operands) > 1 and operands[-1] != "-":
            outputs.append(operands.pop())
        effects = [inv.fs("read", path, reversible="yes") for path in operands if path != "-"][:16]
        for path in (operands if self.IN_PLACE else outputs)[:16]:
            effects.append(inv.fs("modify", path, reversible="unknown", tags=("overwrite",),
                                  summary=f"{inv.name} writes {path}"))
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it writes to stdout"),
                                      reversible="yes", summary=f"{inv.name} (to stdout)")]


class Ffmpeg(Converter):
    NAMES = ("ffmpeg", "ffplay")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-i", "-f", "-c", "-codec", "-c:v", "-c:a", "-vcodec", "-acodec", "-b:v", "-b:a",
                               "-r", "-s", "-ss", "-t", "-to", "-vf", "-af", "-filter:v", "-filter:a", "-map",
                               "-preset", "-crf", "-q:v", "-q:a", "-ar", "-ac", "-pix_fmt", "-loglevel", "-threads",
                               "-metadata", "-frames:v", "-vframes", "-aspect", "-movflags", "-filter_complex",
                               "-framerate", "-pattern_type", "-start_number", "-tune", "-profile:v", "-level",
                               "-g", "-bf", "-maxrate", "-bufsize", "-shortest", "-hls_time", "-segment_time"})
    RUNS = frozenset({"-filter_script", "-filter_complex_script", "-dump_attachment", "-attach"})
    READ_ONLY_FLAGS = frozenset({"-version", "-formats", "-codecs", "-encoders", "-decoders", "-h", "-help"})
    LAST_OPERAND_IS_OUTPUT = True

    def files(self, inv: Invocation, opts: Options) -> list[Effect]:
        inputs = [inv.fs("read", v, reversible="yes") for v in opts.values("-i") if v and v != "-"
                  and "://" not in v]
        outputs = [inv.fs("modify", p, reversible="unknown", tags=("overwrite",), summary=f"ffmpeg writes {p}")
                   for p in opts.positionals[:8] if p != "-" and "://" not in p]
        return [*inputs, *outputs] or [inv.effect("read", "cmd:ffmpeg", Placement(LOCAL, "no output file"),
                                                  reversible="yes", summary="ffmpeg (no output file)")]


class Pdftotext(Converter):
    NAMES = ("pdftotext", "pdftohtml", "pdftoppm", "pdfimages", "pdfseparate", "pdfunite")
    VALUE_OPTIONS = frozenset({"-f", "-l", "-r", "-x", "-y", "-W", "-H", "-enc", "-eol", "-opw", "-upw"})
    READ_ONLY_FLAGS = frozenset({"-v", "-h", "-help", "--help"})
    LAST_OPERAND_IS_OUTPUT = True


class Pandoc(Converter):
    NAMES = ("pandoc",)
    VALUE_OPTIONS = frozenset({"-o", "--output", "-f", "--from", "-t", "--to", "--template", "-M", "--metadata",
                               "-V", "--variable", "--pdf-engine", "--css", "-c", "--resource-path"})
    OUTPUT_OPTIONS = frozenset({"-o", "--output"})
    RUNS = frozenset({"--filter", "-F", "--lua-filter", "-L", "--pdf-engine-opt"})
    READ_ONLY_FLAGS = frozenset({"--version", "-v", "--help", "-h", "--list-input-formats", "--list-output-formats"})


class ImageMagick(Converter):
    NAMES = ("convert", "magick", "montage", "composite")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-resize", "-quality", "-crop", "-rotate", "-density", "-geometry", "-gravity",
                               "-background", "-fill", "-font", "-pointsize", "-format", "-depth", "-colorspace",
                               "-define", "-extent", "-thumbnail", "-strip", "-border", "-bordercolor", "-alpha"})
    READ_ONLY_FLAGS = frozenset({"-version", "-help", "-list"})
    LAST_OPERAND_IS_OUTPUT = True


class Mogrify(Converter):
    NAMES = ("mogrify",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = ImageMagick.VALUE_OPTIONS | frozenset({"-path"})
    IN_PLACE = True


class Compress(Converter):
    NAMES = ("compress", "uncompress", "lzma", "unlzma", "lz4", "unlz4", "brotli", "pigz", "unpigz", "pbzip2")
    VALUE_OPTIONS = frozenset({"-b", "-o", "--output", "-S", "--suffix", "-p", "--processes"})
    READ_ONLY_FLAGS = frozenset({"-c", "--stdout", "-l", "--list", "-t", "--test", "-V", "--version", "-h", "--help"})
    IN_PLACE = True


class Cpio(Converter):
    """cpio -o writes an archive to stdout (reads names from stdin); -i extracts into the working directory;
    -p copies into the directory named."""

    NAMES = ("cpio",)
    VALUE_OPTIONS = frozenset({"-H", "--format", "-F", "--file", "-O", "-I", "-E", "--pattern-file", "-R",
                               "--owner", "-D", "--directory", "-M", "--message", "--rsh-command"})
    RUNS = frozenset({"--rsh-command", "-M", "--message"})

    def files(self, inv: Invocation, opts: Options) -> list[Effect]:
        return self.mode(inv, opts)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if any(item.option in self.RUNS for item in opts.items):
            return [inv.unknown("cpio --rsh-command / -M run something changegate cannot see")]
        return self.mode(inv, opts)

    @staticmethod
    def mode(inv: Invocation, opts: Options) -> list[Effect]:
        archive = opts.value("-F", "--file", "-O")
        if opts.has("-o", "--create"):
            if archive:
                return [inv.fs("modify", archive, reversible="unknown", tags=("overwrite",),
                               summary=f"cpio writes the archive {archive}")]
            return [inv.effect("read", "cmd:cpio", Placement(LOCAL, "it writes an archive to stdout"),
                               reversible="yes", summary="cpio -o (an archive to stdout)")]
        if opts.has("-t", "--list"):
            return [inv.effect("read", "cmd:cpio", Placement(LOCAL, "it lists"), reversible="yes",
                               summary="cpio -t (lists an archive)")]
        target = opts.value("-D", "--directory") or (opts.positionals[-1] if opts.has("-p", "--pass-through")
                                                       and opts.positionals else ".")
        return [inv.fs("create", target, recursive=True, reversible="unknown",
                       summary=f"cpio extracts files into {target}")]


class Latexmk(Converter):
    NAMES = ("latexmk", "pdflatex", "xelatex", "lualatex", "bibtex", "biber", "makeindex")
    VALUE_OPTIONS = frozenset({"-output-directory", "-outdir", "-auxdir", "-jobname", "-interaction", "-r"})
    LONG_SINGLE_DASH = True
    RUNS = frozenset({"-r", "-e", "-pdflatex", "-lualatex", "-xelatex", "-shell-escape", "--shell-escape",
                      "-enable-write18"})
    READ_ONLY_FLAGS = frozenset({"-version", "--version", "-help", "--help"})

    def files(self, inv: Invocation, opts: Options) -> list[Effect]:
        where = opts.value("-output-directory", "-outdir") or "."
        return [inv.fs("modify", where, recursive=True, reversible="yes",
                       summary=f"{inv.name} builds the document into {where}")]


class MediaPlayer(Converter):
    NAMES = ("mpv", "mplayer", "vlc", "cvlc", "aplay", "paplay", "afplay", "play")
    VALUE_OPTIONS = frozenset({"--volume", "--start", "--length", "-ss", "-endpos", "--ao", "--vo"})
    RUNS = frozenset({"--script", "--input-ipc-server", "--input-conf"})

    def files(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [inv.fs("read", w.value, reversible="yes") for w in opts.positional_words[:16]
                if "://" not in w.value] or [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it plays"),
                                                        reversible="yes", summary=f"{inv.name} plays a stream")]


KEYGEN_READS: Mapping[str, str] = {"-l": "shows a key's fingerprint", "-y": "prints the public half of a key",
                                   "-F": "looks a host up in known_hosts", "-B": "shows a key's bubblebabble"}


class SshKeygen(Converter):
    """ssh-keygen: `-l/-y/-F` read; making a key writes the key files (`-f PATH`, else ~/.ssh/id_*); `-R`
    edits known_hosts; `-p` rewrites a key's passphrase."""

    NAMES = ("ssh-keygen",)
    VALUE_OPTIONS = frozenset({"-t", "-b", "-f", "-C", "-N", "-P", "-F", "-R", "-a", "-m", "-O", "-Y", "-n",
                               "-I", "-s", "-V", "-z", "-E", "-D", "-w"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        for flag, what in KEYGEN_READS.items():
            if opts.has(flag):
                return [inv.effect("read", "cmd:ssh-keygen", Placement(LOCAL, "it only reads"), reversible="yes",
                                   summary=f"ssh-keygen {flag} {what}")]
        if opts.has("-R"):
            return [inv.fs("modify", opts.value("-f") or "~/.ssh/known_hosts", reversible="unknown",
                           summary="ssh-keygen -R removes a host from known_hosts")]
        key = opts.value("-f") or f"~/.ssh/id_{opts.value('-t') or 'ed25519'}"
        return [inv.fs("create", key, kind="key", reversible="unknown", summary=f"ssh-keygen writes the key {key}")]
