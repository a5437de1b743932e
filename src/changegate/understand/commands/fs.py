"""Files, directories and disks: rm, mv/cp onto existing targets, chmod -R, dd, mkfs, find -delete, …

Paths are resolved against the cwd the walker tracked (`cd` included) and placed by `environments`:
inside the workspace or /tmp is local, anything else unknown. What the policy then does with `fs:/etc`,
`fs:/home/dev/*` (scope all) or `dev:/dev/sda` is the policy's business, not this module's.
"""

from __future__ import annotations

import os
import posixpath
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word, is_harmless_path, lit
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.sensitive import persistence_kind, secret_kind

DEVICE_PREFIXES = ("/dev/sd", "/dev/hd", "/dev/vd", "/dev/xvd", "/dev/nvme", "/dev/mmcblk", "/dev/disk",
                   "/dev/md", "/dev/dm-", "/dev/mapper/", "/dev/loop", "/dev/rdisk", "/dev/sr", "/dev/fd0")
LIST_FIRST_STEP = "list what would go first: ls -la {}"


def is_device(path: str | None) -> bool:
    return bool(path) and path.startswith(DEVICE_PREFIXES)  # type: ignore[union-attr]


def disk_effect(inv: Invocation, device: str, what: str) -> Effect:
    return inv.effect(
        "delete",
        f"dev:{device}",
        Placement(UNKNOWN, f"{device} is a disk of the machine the command runs on"),
        scope="all",
        reversible="no",
        kind="disk",
        data_loss=True,
        tags=("disk",),
        summary=f"{what} {device}: everything on it is lost",
    )


def targets_of(inv: Invocation, words: list[Word]) -> list[Word]:
    """Operands; where more arrive at run time (xargs, find -exec {}), one for the paths that will."""
    targets = list(words)
    if not targets and inv.args_unknown:
        roots = inv.stdin.path_roots if inv.stdin is not None else ()
        if roots:
            targets = [stand_in(r, inv.stdin is not None and inv.stdin.every_path) for r in roots]
        else:
            targets = [Word(UNKNOWN_PART, text="(paths read from stdin)")]
    return targets


def stand_in(root: str, every_path: bool) -> Word:
    """The paths a producer (find, ls) hands on: all of a directory, or a selection known at run time."""
    if every_path:
        return Word(posixpath.join(root, "*"), glob=True, text=f"{root}/*")
    return Word(posixpath.join(root, UNKNOWN_PART), text=f"{root}/…")


class Remove(Cli):
    NAMES = ("rm", "rmdir", "unlink", "shred", "srm", "trash", "trash-put")
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--interactive", "--one-file-system-x", "-n", "--iterations",
                                                       "-s", "--size", "--random-source"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        recursive = inv.name in ("rm", "srm") and opts.has("-r", "-R", "--recursive")
        tags = ["force"] if opts.has("-f", "--force") else []
        if opts.has("--no-preserve-root"):
            tags.append("no-preserve-root")
        reversible: Reversible = "yes" if inv.name in ("trash", "trash-put") else "no"
        if inv.name == "rmdir":
            reversible = "yes"  # only empty directories
        effects: list[Effect] = []
        for word in targets_of(inv, opts.positional_words):
            path = inv.ctx.resolve(word.value)
            if inv.name == "shred" and is_device(path):
                effects.append(disk_effect(inv, path or word.value, "shreds the disk"))
                continue
            if path is not None and is_harmless_path(path):
                continue
            kind = "directory" if recursive else ("directory" if inv.name == "rmdir" else "file")
            base = posixpath.basename((path or word.value).rstrip("/"))
            history = base == ".git" or (word.glob and base in (".*", ".[!.]*", ".??*", "{*,.*}"))
            target_tags = [*tags, "unrecoverable"] if history and recursive else tags
            effects.append(inv.fs(
                "delete",
                word.value,
                kind=kind,
                recursive=recursive,
                glob=word.glob,
                reversible=reversible,
                tags=target_tags,
                summary=f"deletes {'recursively ' if recursive else ''}{word.shown() if path is None else path}"
                        + (" (every match of the pattern)" if word.glob else "")
                        + (", including the repository's history (.git)" if history and recursive else ""),
                suggestions=(LIST_FIRST_STEP.format(word.shown()),
                             "move it aside instead (mv PATH PATH.bak) so it can be restored"),
            ))
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement("local", "no operands"),
                                      summary=f"{inv.name} with nothing to remove")]


class Truncate(Cli):
    NAMES = ("truncate",)
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-s", "--size", "-r", "--reference", "-o"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        return [inv.fs("modify", w.value, glob=w.glob, tags=("overwrite",), summary=f"truncates {w.shown()}")
                for w in targets_of(inv, opts.positional_words)]


class Dd(Cli):
    NAMES = ("dd",)
    FAMILY = "fs"

    def analyze(self, inv: Invocation) -> list[Effect]:
        effects: list[Effect] = []
        for arg in inv.args:
            key, eq, value = arg.partition("=")
            if not eq:
                continue
            path = inv.ctx.resolve(value)
            if key == "of":
                if is_device(path):
                    effects.append(disk_effect(inv, path or value, "overwrites the disk"))
                elif path and not is_harmless_path(path):
                    effects.append(inv.fs("modify", value, tags=("overwrite",), summary=f"dd overwrites {path}"))
            elif key == "if" and path and secret_kind(path, inv.ctx.home):
                effects.append(inv.fs("secret_read", value, kind="secret", reversible="yes"))
        return effects or [inv.effect("read", "cmd:dd", Placement("local", "dd to stdout"), summary="dd to stdout")]


class Disk(Cli):
    NAMES = (
        "mkfs", "mke2fs", "mkswap", "wipefs", "fdisk", "sfdisk", "gdisk", "sgdisk", "cfdisk", "parted",
        "mkfs.ext2", "mkfs.ext3", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "mkfs.vfat", "mkfs.fat",
        "mkfs.ntfs", "mkfs.exfat", "mkfs.f2fs", "blkdiscard", "zpool",
    )
    NAME_PATTERNS = (r"mkfs\.\w+|mkswap|fsck\.\w+",)
    FAMILY = "fs"
    LISTING = frozenset({"-l", "--list", "-s", "--show", "print", "list", "status", "-h", "--help", "-V"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        if any(a in self.LISTING for a in inv.args) or not inv.args:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "it only lists"), reversible="yes",
                               summary=f"{inv.name} lists disks")]
        if inv.name == "zpool":
            return [inv.unknown("zpool")] if inv.args[0] not in ("destroy", "labelclear") else [
                inv.effect("delete", f"zpool:{inv.args[-1]}", Placement(UNKNOWN, "a storage pool of this machine"),
                           scope="all", reversible="no", kind="disk", data_loss=True, tags=("disk",),
                           summary=f"destroys the storage pool {inv.args[-1]}")]
        opts = parse_options(inv.words, frozenset({"-t", "-L", "-b", "-C", "-c", "-E", "-F", "-i", "-I", "-m",
                                                   "-N", "-O", "-U", "-n", "-o", "--type", "--label"}))
        devices = [p for p in opts.positionals if p.startswith("/dev/") or inv.ctx.resolve(p)]
        what = {"wipefs": "wipes the signatures of", "mkswap": "formats as swap"}.get(inv.name, "formats")
        if inv.name in ("fdisk", "sfdisk", "gdisk", "sgdisk", "cfdisk", "parted"):
            what = "repartitions"
        return [disk_effect(inv, inv.ctx.resolve(d) or d, what) for d in devices[:1]] or [
            inv.unknown("no device found")]


class MoveCopy(Cli):
    NAMES = ("mv", "cp", "install", "ln", "rename")
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target-directory", "-S", "--suffix", "-m",
                                                       "--mode", "-o", "--owner", "-g", "--group", "--backup"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positional_words
        target_dir = opts.value("-t", "--target-directory")
        if target_dir is not None:
            sources, dest = words, lit(target_dir)
        elif len(words) >= 2:
            sources, dest = words[:-1], words[-1]
        elif inv.args_unknown and words:
            sources, dest = [Word(UNKNOWN_PART)], words[-1]
        else:
            return [inv.unknown("missing operands")]
        if inv.name == "rename":
            return [inv.fs("modify", w.value, glob=w.glob, reversible="yes") for w in words[2:]]
        moving = inv.name == "mv"
        no_clobber = opts.has("-n", "--no-clobber", "--update=none") or (inv.name == "ln" and not opts.has(
            "-f", "--force"))
        backup = opts.has("-b", "--backup")
        effects: list[Effect] = []
        for src in sources:
            src_path = inv.ctx.resolve(src.value)
            if src_path and secret_kind(src_path, inv.ctx.home):
                effects.append(inv.fs("secret_read", src.value, kind="secret", reversible="yes",
                                      summary=f"copies {src_path}: {secret_kind(src_path, inv.ctx.home)}"))
            if moving:
                effects.append(inv.fs("modify", src.value, glob=src.glob, recursive=src.glob, reversible="yes",
                                      kind="moved", summary=f"moves {src.shown()} away"))
        dest_path = inv.ctx.resolve(dest.value)
        if dest_path and is_device(dest_path):
            return [*effects, disk_effect(inv, dest_path, "writes over")]
        overwrites = not no_clobber and self.overwrites(dest_path, sources, inv)
        persistence = persistence_kind(dest_path, inv.ctx.home) if dest_path else None
        tags = ["overwrite"] if overwrites else []
        if persistence:
            tags.append("persistence")
        verb = {"mv": "moves", "cp": "copies", "ln": "links", "install": "installs"}.get(inv.name, inv.name)
        if overwrites:
            effects.append(inv.fs("replace", dest.value, kind="file", reversible="yes" if backup else "no",
                                  tags=tags, summary=f"{verb} onto {dest_path or dest.shown()}, replacing what is there"))
        else:
            effects.append(inv.fs("create", dest.value, kind="file", reversible="yes", tags=tags,
                                  summary=f"{verb} into {dest_path or dest.shown()}"
                                          + (f" ({persistence})" if persistence else "")))
        return effects

    @staticmethod
    def overwrites(dest: str | None, sources: list[Word], inv: Invocation) -> bool:
        """Whether an existing file would be replaced: the destination file, or a same-named file inside
        the destination directory. Checked on disk, where the paths are this machine's."""
        if dest is None or inv.ctx.remote:
            return False
        try:
            if os.path.isdir(dest):
                return any(
                    src.known and not src.glob and os.path.isfile(posixpath.join(dest, posixpath.basename(
                        src.value.rstrip("/"))))
                    for src in sources
                )
            return os.path.isfile(dest)
        except (OSError, ValueError):
            return False


class Permissions(Cli):
    NAMES = ("chmod", "chown", "chgrp", "chattr", "setfacl")
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--reference", "--from"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positional_words
        if inv.name in ("chmod", "chown", "chgrp") and positionals and not opts.has("--reference"):
            spec, targets = positionals[0].value, positionals[1:]
        elif inv.name == "setfacl":
            spec, targets = " ".join(opts.values("-m", "-x", "--modify", "--remove")), positionals
            if not spec and positionals:
                spec, targets = positionals[0].value, positionals[1:]
        else:
            spec, targets = (positionals[0].value if positionals else ""), positionals[1:]
        recursive = opts.has("-R", "--recursive") or (inv.name == "setfacl" and opts.has("-R"))
        tags: list[str] = []
        if inv.name == "chmod" and any(t in spec for t in ("s", "4755", "2755", "6755", "4777")):
            tags.append("setuid")
        if inv.name == "chmod" and ("777" in spec or "o+w" in spec or "a+w" in spec):
            tags.append("world-writable")
        if inv.name == "chattr" and "+i" in spec:
            tags.append("immutable")
        return [inv.fs("permission", w.value, recursive=recursive, glob=w.glob, reversible="unknown", tags=tags,
                       kind="directory" if recursive else "file",
                       summary=f"{inv.name} {spec} {'-R ' if recursive else ''}{w.shown()}")
                for w in targets_of(inv, list(targets))]


class Rsync(Cli):
    NAMES = ("rsync",)
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "--rsh", "--exclude", "--include", "--exclude-from",
                                                       "--include-from", "--files-from", "--filter", "-f", "--chmod",
                                                       "--chown", "--port", "--password-file", "--log-file",
                                                       "--backup-dir", "--suffix", "-T", "--temp-dir",
                                                       "--bwlimit", "--timeout", "--max-size", "--min-size"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if len(opts.positionals) < 2:
            return [inv.effect("read", "cmd:rsync", Placement("local", "it only lists"), summary="rsync lists")]
        sources, dest = opts.positional_words[:-1], opts.positional_words[-1]
        deleting = [f for f in opts.flags if f.startswith("--delete") or f == "--remove-source-files"]
        effects: list[Effect] = []
        remote_host = remote_of(dest.value)
        for src in sources:
            src_remote = remote_of(src.value)
            src_path = None if src_remote else inv.ctx.resolve(src.value)
            if src_path and secret_kind(src_path, inv.ctx.home) and remote_host:
                effects.append(inv.effect("exfiltrate", f"host:{remote_host}", inv.ctx.environments.host(remote_host),
                                          kind="host", reversible="no", summary=f"uploads {src_path} to {remote_host}"))
            if "--remove-source-files" in opts.flags and not src_remote:
                effects.append(inv.fs("delete", src.value, recursive=True, summary=f"removes the sent files of {src.shown()}"))
        if remote_host:
            placement = inv.ctx.environments.host(remote_host, "rsync destination host")
            path = dest.value.split(":", 1)[1]
            operation: Operation = "delete" if any(f.startswith("--delete") for f in deleting) else "modify"
            effects.append(inv.effect(operation, f"fs://{remote_host}/{path.lstrip('/')}", placement,
                                      scope="many", kind="directory", reversible="no" if deleting else "unknown",
                                      tags=tuple(deleting), summary=f"syncs files to {remote_host}:{path}"
                                      + (" and deletes what is not in the source" if deleting else "")))
        else:
            if any(f.startswith("--delete") for f in deleting):
                effects.append(inv.fs("delete", dest.value, recursive=True, tags=deleting,
                                      summary=f"syncs into {dest.shown()} deleting what the source lacks",
                                      suggestions=(f"preview with rsync --dry-run --delete … {dest.shown()}",)))
            else:
                effects.append(inv.fs("modify", dest.value, recursive=True, reversible="unknown",
                                      summary=f"syncs files into {dest.shown()}"))
        return effects


def remote_of(arg: str) -> str | None:
    """`host:path` and `user@host:path` name a remote host; `./a:b` and `/x:y` do not."""
    if arg.startswith(("/", ".", "~")) or "://" in arg:
        if arg.startswith("rsync://"):
            return arg[8:].split("/", 1)[0]
        return None
    head, sep, _ = arg.partition(":")
    if not sep or "/" in head or not head:
        return None
    return head.split("@")[-1]


class Tee(Cli):
    NAMES = ("tee",)
    FAMILY = "fs"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        appending = opts.has("-a", "--append")
        inv.stdout = inv.stdin or Stream()
        effects: list[Effect] = []
        for word in opts.positional_words:
            path = inv.ctx.resolve(word.value)
            if path and inv.stdin is not None and inv.stdin.text is not None:
                inv.ctx.files[path] = inv.stdin.text
            if is_device(path):
                effects.append(disk_effect(inv, path or word.value, "writes over"))
            elif path is None or not is_harmless_path(path):
                effects.append(inv.fs("modify", word.value, tags=() if appending else ("overwrite",),
                                      reversible="unknown" if appending else "no",
                                      summary=f"{'appends to' if appending else 'writes'} {path or word.shown()}"))
        return effects or [inv.effect("read", "cmd:tee", Placement("local", "tee to stdout"), summary="tee")]


class Create(Cli):
    NAMES = ("touch", "mkdir", "mkfifo", "mktemp")
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-m", "--mode", "-d", "-t", "-r", "--reference", "-p",
                                                       "--tmpdir", "--suffix", "-Z", "--context"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "mktemp":
            inv.stdout = Stream(origin="a temporary path")
            return [inv.fs("create", "/tmp/tmp.X", reversible="yes", summary="creates a temporary file")]
        opts = parse_options(inv.words, frozenset({"-m", "--mode", "-d", "-t", "-r", "--reference", "-Z"}))
        return [inv.fs("create", w.value, glob=w.glob, reversible="yes", kind="directory" if inv.name == "mkdir"
                       else "file", summary=f"{inv.name} {w.shown()}")
                for w in opts.positional_words] or [inv.unknown("no operand")]


FIND_VALUE_TESTS = frozenset({
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-type", "-xtype",
    "-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-mmin", "-atime", "-amin", "-ctime",
    "-cmin", "-newer", "-anewer", "-cnewer", "-newermt", "-maxdepth", "-mindepth", "-links", "-inum",
    "-samefile", "-lname", "-ilname", "-fstype", "-used", "-printf", "-fprint", "-fprint0", "-fprintf",
    "-fls", "-context", "-regextype", "-files0-from", "-D", "-O",
})
FIND_SELECTIVE = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex",
                            "-iregex", "-newer", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin",
                            "-size", "-user", "-group", "-perm", "-inum", "-samefile", "-lname", "-empty",
                            "-newermt", "-links", "-uid", "-gid"})
EXEC_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


class Find(Cli):
    NAMES = ("find",)
    FAMILY = "fs"

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        roots: list[str] = []
        i = 0
        while i < len(words) and words[i].value in ("-H", "-L", "-P", "-O", "-D"):
            i += 2 if words[i].value in ("-O", "-D") else 1
        while i < len(words) and not words[i].value.startswith(("-", "(", "!", ")")):
            roots.append(words[i].value)
            i += 1
        roots = roots or ["."]
        expression = words[i:]
        selective = False
        negated = False
        effects: list[Effect] = []
        j = 0
        while j < len(expression):
            token = expression[j].value
            if token in ("!", "-not"):
                negated = True
                j += 1
                continue
            if token in FIND_SELECTIVE and not negated:
                selective = True
            negated = False
            if token == "-delete":
                effects.extend(self.deleted(inv, roots, selective))
            elif token in EXEC_ACTIONS:
                end = j + 1
                while end < len(expression) and expression[end].value not in (";", "+"):
                    end += 1
                command = expression[j + 1:end]
                self.executed(inv, command, roots, selective)
                j = end
            elif token in ("-fprint", "-fprint0", "-fprintf", "-fls") and j + 1 < len(expression):
                effects.append(inv.fs("modify", expression[j + 1].value, tags=("overwrite",)))
            if token in FIND_VALUE_TESTS:
                j += 1
            j += 1
        if not effects:
            effects = [inv.fs("read", roots[0], kind="directory", reversible="yes", summary=f"find in {roots[0]}")]
        inv.stdout = Stream(origin="find output", path_roots=tuple(roots), every_path=not selective)
        return effects

    def deleted(self, inv: Invocation, roots: list[str], selective: bool) -> list[Effect]:
        out = []
        for root in roots:
            target = stand_in(root, not selective)
            out.append(inv.fs("delete", target.value, glob=target.glob, recursive=True,
                              summary=f"deletes {'matching' if selective else 'every'} file under {root}",
                              suggestions=("run the same find without -delete first to see what it matches",)))
        return out

    @staticmethod
    def executed(inv: Invocation, command: list[Word], roots: list[str], selective: bool) -> None:
        if not command:
            return
        # {} becomes each path find selects: everything under the root, or a selection known at run time
        for root in roots[:4]:
            path = stand_in(root, not selective)
            words = [Word(w.value.replace("{}", path.value), glob=path.glob and w.value == "{}", text=w.text)
                     if "{}" in w.value else w for w in command]
            stream = Stream(origin="find output", path_roots=(root,), every_path=not selective)
            inv.run_argv(words, stdin=stream)


class Sed(Cli):
    NAMES = ("sed", "gsed")
    FAMILY = "fs"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "-f", "--expression", "--file", "-l",
                                                       "--line-length"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        in_place = any(f == "-i" or f.startswith("--in-place") for f in opts.flags) or any(
            w.value.startswith("-i") and len(w.value) > 2 and not w.value.startswith("--") for w in inv.words)
        files = opts.positional_words if opts.has("-e", "-f", "--expression", "--file") else \
            opts.positional_words[1:]
        if in_place:
            return [inv.fs("modify", w.value, glob=w.glob, reversible="unknown", summary=f"edits {w.shown()} in place")
                    for w in files] or [inv.unknown("sed -i without files")]
        if inv.stdin is not None and inv.stdin.opaque:
            inv.stdout = Stream(origin=inv.stdin.origin, opaque=True)
        effects: list[Effect] = []
        for w in files:
            path = inv.ctx.resolve(w.value)
            if path and secret_kind(path, inv.ctx.home):
                effects.append(inv.fs("secret_read", w.value, kind="secret", reversible="yes"))
        return effects or [inv.effect("read", "cmd:sed", Placement("local", "sed prints"), reversible="yes",
                                      summary="sed (prints)")]


class Archive(Cli):
    NAMES = (
        "tar", "zip", "unzip", "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "7z",
        "7za",
    )
    FAMILY = "fs"
    TAR_VALUES: ClassVar[frozenset[str]] = frozenset({"-f", "--file", "-C", "--directory", "-T", "--files-from",
                                                      "-X", "--exclude-from", "--exclude", "-b", "-N", "--newer"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        name = inv.name
        if name == "tar":
            return self.tar(inv)
        opts = parse_options(inv.words, frozenset({"-d", "-x", "-o", "-P", "-S", "-b", "-t"}))
        files = opts.positional_words
        if name == "unzip" or (name in ("7z", "7za") and files and files[0].value in ("x", "e")):
            dest = opts.value("-d") or "."
            if opts.has("-l") or (files and files[0].value == "l"):
                return [inv.fs("read", files[0].value if files else ".", reversible="yes")]
            return [inv.fs("modify", dest, recursive=True, reversible="unknown", summary=f"extracts into {dest}")]
        if name == "zip" or (name in ("7z", "7za") and files and files[0].value == "a"):
            effects = [self.secret_sources(inv, files[1:])] if len(files) > 1 else []
            out = [e for e in effects if e is not None]
            if opts.has("-m"):
                out.extend(inv.fs("delete", w.value, glob=w.glob, summary=f"zip -m removes {w.shown()}")
                           for w in files[1:])
            return [*out, inv.fs("create", files[0].value if files else "archive.zip", reversible="yes")]
        if name in ("7z", "7za") and files and files[0].value == "d":
            return [inv.fs("modify", files[1].value if len(files) > 1 else "archive", reversible="no")]
        # gzip and friends replace each file with its compressed (or decompressed) form
        if opts.has("-c", "--stdout", "-l", "--list", "-t", "--test") or not files:
            return [inv.effect("read", f"cmd:{name}", Placement("local", "to stdout"), reversible="yes",
                               summary=f"{name} to stdout")]
        return [inv.fs("modify", w.value, glob=w.glob, reversible="yes", summary=f"{name} {w.shown()} in place")
                for w in files]

    def tar(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        # old-style bundled first argument: `tar xzf file.tgz`
        if words and not words[0].value.startswith("-") and words[0].value.isalpha():
            bundle = words[0].value
            rest = words[1:]
            expanded: list[Word] = []
            for letter in bundle:
                expanded.append(lit("-" + letter))
                if letter in "fCTXbN" and rest:
                    expanded.append(rest.pop(0))
            words = expanded + rest
        opts = parse_options(words, self.TAR_VALUES)
        archive = opts.value("-f", "--file") or "-"
        effects: list[Effect] = []
        if opts.has("-x", "--extract", "--get"):
            dest = opts.value("-C", "--directory") or "."
            effects.append(inv.fs("modify", dest, recursive=True, reversible="unknown",
                                  summary=f"extracts {archive} into {dest}"))
        elif opts.has("-c", "--create", "-r", "--append", "-u", "--update"):
            secret = self.secret_sources(inv, opts.positional_words)
            if secret is not None:
                effects.append(secret)
            if archive != "-":
                effects.append(inv.fs("create", archive, reversible="yes", summary=f"creates the archive {archive}"))
            if opts.has("--remove-files"):
                effects.extend(inv.fs("delete", w.value, recursive=True, glob=w.glob,
                                      summary=f"tar --remove-files deletes {w.shown()}")
                               for w in opts.positional_words)
        elif opts.has("--delete"):
            effects.append(inv.fs("modify", archive, reversible="no", summary=f"deletes members of {archive}"))
        if not effects:
            effects.append(inv.fs("read", archive if archive != "-" else ".", reversible="yes",
                                  summary=f"lists {archive}"))
        return effects

    @staticmethod
    def secret_sources(inv: Invocation, words: list[Word]) -> Effect | None:
        for w in words:
            path = inv.ctx.resolve(w.value)
            what = secret_kind(path, inv.ctx.home) if path else None
            if what is None and path and inv.ctx.home and path.rstrip("/") in (
                    f"{inv.ctx.home}/.ssh", f"{inv.ctx.home}/.aws", f"{inv.ctx.home}/.kube", f"{inv.ctx.home}/.gnupg"):
                what = "a directory of credentials"
            if what:
                return inv.fs("secret_read", w.value, kind="secret", reversible="yes",
                              summary=f"archives {path}: {what}")
        return None


__all__ = [
    "Archive",
    "Create",
    "Dd",
    "Disk",
    "Find",
    "MoveCopy",
    "Options",
    "Permissions",
    "Remove",
    "Rsync",
    "Sed",
    "Tee",
    "Truncate",
]
