"""nvme (nvme-cli): `nvme COMMAND DEVICE [OPTIONS]`. Listing and logs are reads; formatting, sanitizing,
deleting a namespace and writing raw blocks lose what is on the drive (denied); firmware, features and
resets ask; raw admin/io passthrough commands are not understood."""

from __future__ import annotations

from collections.abc import Mapping

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, devices, reads

READS = frozenset({
    "list", "list-subsys", "list-ns", "list-ctrl", "list-secondary", "list-endgrp", "smart-log", "id-ctrl",
    "id-ns", "id-iocs", "id-domain", "id-nvmset", "id-uuid", "id-ns-granularity", "id-ns-lba-format",
    "ns-descs", "nvm-id-ctrl", "nvm-id-ns", "error-log", "fw-log", "effects-log", "endurance-log",
    "predictable-lat-log", "persistent-event-log", "ana-log", "device-self-test-log", "self-test-log",
    "supported-log-pages", "telemetry-log", "changed-ns-list-log", "boot-part-log", "media-unit-stat-log",
    "resv-report", "get-feature", "get-log", "get-property", "show-regs", "show-topology", "discover",
    "version", "help", "gen-hostnqn", "show-hostnqn", "get-lba-status", "primary-ctrl-caps", "lockdown",
    "sanitize-log", "capacity-mgmt", "read", "compare", "verify", "id-ctrl-nvm",
})
DESTROYS: Mapping[str, str] = {
    "format": "formats", "sanitize": "sanitizes (erases)", "delete-ns": "deletes a namespace of",
    "write": "writes raw blocks to", "write-zeroes": "writes zeroes over", "write-uncor": "marks blocks unreadable on",
    "dsm": "deallocates blocks of", "detach-ns": "detaches a namespace of",
}
CHANGES: Mapping[str, Operation] = {
    "fw-download": "modify", "fw-commit": "modify", "fw-activate": "modify", "set-feature": "modify",
    "set-property": "modify", "create-ns": "create", "attach-ns": "modify", "reset": "host_control",
    "subsystem-reset": "host_control", "ns-rescan": "host_control", "connect": "host_control",
    "connect-all": "host_control", "disconnect": "host_control", "disconnect-all": "host_control",
    "device-self-test": "host_control", "resv-acquire": "modify", "resv-register": "modify",
    "resv-release": "modify", "flush": "host_control", "security-send": "modify", "security-recv": "read",
}


class Nvme(Cli):
    NAMES = ("nvme",)
    FAMILY = STORAGE_FAMILY
    VALUE_OPTIONS = frozenset({
        "-n", "--namespace-id", "-o", "--output-format", "-s", "--ses", "-l", "--lbaf", "-i", "--pi", "-p",
        "--pil", "-m", "--ms", "-f", "--feature-id", "-v", "--value", "-a", "--sanact", "--ovrpat", "-c",
        "--cdw10", "--data-len", "-t", "--timeout", "--block-count", "-z", "--data-size", "--start-block",
        "-d", "--data", "-b", "--block-size", "--nqn", "--traddr", "--transport", "--trsvcid", "--hostnqn",
        "--hostid", "-r", "--owpass", "-u",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals or opts.has("--help", "-h", "--version"):
            return [reads(inv, "nvme help or version")]
        command, rest = opts.positionals[0], devices(inv, opts)[1:]
        device = rest[0] if rest else "?"
        if command in READS:
            return [reads(inv, f"nvme {command} {device}".rstrip(" ?"))]
        if command in DESTROYS:
            return [destroys(inv, device, f"nvme {command} {DESTROYS[command]} {device}")]
        if command in CHANGES:
            return [changes(inv, device, f"nvme {command} {device}", CHANGES[command])]
        return [inv.unknown(f"nvme {command}: a command changegate does not know (raw or vendor commands "
                            "can erase a drive)")]
