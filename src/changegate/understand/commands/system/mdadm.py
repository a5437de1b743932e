"""mdadm (Linux software RAID): the mode is an option (`--detail`, `--examine`, `--create`, `--stop`, …).

Examining and detailing are reads; creating or building an array over disks, zeroing a superblock, failing
or removing members, growing or stopping an array put what is on them at risk and are denied; assembling,
adding a spare and monitoring ask.
"""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, devices, reads

READ_MODES = frozenset({"-D", "--detail", "-E", "--examine", "-Q", "--query", "--detail-platform", "-X",
                        "--examine-bitmap", "--examine-badblocks", "--dump", "--export", "--brief", "--scan",
                        "-h", "--help", "-V", "--version", "--wait", "-W", "--wait-clean"})
DESTROYING = {"--zero-superblock": "zeroes the RAID superblock of", "-C": "creates an array over",
              "--create": "creates an array over", "-B": "builds an array over", "--build": "builds an array over",
              "-S": "stops the array", "--stop": "stops the array", "-G": "reshapes", "--grow": "reshapes",
              "-f": "fails a member of", "--fail": "fails a member of", "-r": "removes a member from",
              "--remove": "removes a member from", "--kill-subarray": "deletes a subarray of",
              "--update": "rewrites the superblock of"}
CHANGING = frozenset({"-A", "--assemble", "-a", "--add", "--re-add", "--readonly", "-o", "--readwrite", "-w",
                      "-F", "--follow", "--monitor", "--run", "-R", "--replace", "--with", "--incremental", "-I",
                      "--action"})


class Mdadm(Cli):
    NAMES = ("mdadm",)
    FAMILY = STORAGE_FAMILY
    VALUE_OPTIONS = frozenset({"-l", "--level", "-n", "--raid-devices", "-x", "--spare-devices", "-c", "--chunk",
                               "--layout", "-p", "--parity", "--bitmap", "-b", "--metadata", "-e", "--name", "-N",
                               "--homehost", "--size", "-z", "--config", "--delay", "-d", "--mail", "-m",
                               "--program", "--alert", "--pid-file", "-i", "--backup-file", "--array-size",
                               "--update", "-U", "--uuid", "-u", "--super-minor", "--action", "--assume-clean-only"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        written = [item.option for item in opts.items if item.option is not None]
        targets = devices(inv, opts) or ["?"]
        for option in written:
            if option in DESTROYING:
                return [destroys(inv, t, f"mdadm {option} {DESTROYING[option]} {t}") for t in targets[:8]]
        program = opts.value("--program", "--alert")
        if program:
            inv.run_script(program, origin="the program mdadm --monitor runs")
        if any(o in CHANGING for o in written):
            return [changes(inv, targets[0], f"mdadm {' '.join(w.value for w in inv.words[:3])}", "host_control")]
        if any(o in READ_MODES for o in written) or not written:
            return [reads(inv, f"mdadm {' '.join(w.value for w in inv.words[:3])}".rstrip())]
        return [inv.unknown(f"mdadm {written[0]}: a mode changegate does not know")]
