"""Common system programs that only read or compute, not declared elsewhere: findmnt, getent, ipcs,
uuidgen, zipinfo, md5 (macOS), lsns, lslocks, pidof, locale, … and the shell's job-control builtins.
Each one's options are checked: one that writes or runs something is not a read (`lastlog --clear`), and
`getent shadow` prints password hashes (a secret)."""

from __future__ import annotations

from collections.abc import Mapping

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli

# options that make these programs change something: program -> options
WRITING: Mapping[str, frozenset[str]] = {
    "lastlog": frozenset({"-C", "--clear", "-S", "--set"}),
    "uuid": frozenset({"-o"}),
}
SECRET_DATABASES = frozenset({"shadow", "gshadow"})


class SystemReads(Cli):
    NAMES = (
        "findmnt", "getent", "ipcs", "uuidgen", "uuid", "zipinfo", "md5", "lsns", "lslocks", "lsipc", "lsirq",
        "lsmem", "lsinitramfs", "pidof", "hostid", "arch", "locale", "shasum", "numastat", "lsb_release",
        "systemd-detect-virt", "virt-what", "inxi", "acpi", "getfacl", "lastlog", "mpstat", "iotop", "iftop",
        "nethogs", "atq", "bg", "fg", "disown", "suspend", "times", "logout", "bind",
    )
    FAMILY = "read"
    VALUE_OPTIONS = frozenset({"-o", "--output", "-t", "--types", "-O", "--options", "-S", "--source", "-T",
                               "--target", "-s", "--service", "-i", "-n", "-N", "-v", "-u", "--user", "-b",
                               "--before", "--time", "-F", "--fstab", "-d", "-P", "-x", "-a", "-m", "-f", "-q",
                               "-r", "-c"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        writing = [o for o in (item.option for item in opts.items) if o in WRITING.get(inv.name, frozenset())]
        if writing:
            return [inv.effect("modify", f"cmd:{inv.name}", Placement(LOCAL, "this machine"), reversible="no",
                               summary=f"{inv.name} {writing[0]} changes what it would otherwise only show")
                    if inv.name != "lastlog" else inv.fs("modify", "/var/log/lastlog", reversible="no",
                                                         summary=f"lastlog {writing[0]} rewrites the login records")]
        if inv.name == "getent" and opts.positionals[:1] and opts.positionals[0] in SECRET_DATABASES:
            return [inv.fs("secret_read", f"/etc/{opts.positionals[0]}", kind="secret", reversible="yes",
                           summary=f"getent {opts.positionals[0]} prints password hashes")]
        if inv.name == "bind" and opts.has("-x", "-f"):
            return [inv.unknown("bind -x binds a key to a shell command (bind -f reads a file of bindings)")]
        return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it only reads"), reversible="yes",
                           summary=f"{inv.name} (it only reads)")]
