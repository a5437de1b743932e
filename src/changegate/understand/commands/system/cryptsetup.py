"""cryptsetup: `cryptsetup [OPTIONS] ACTION ARGS` (LUKS, plain dm-crypt, TrueCrypt, BitLocker).

Formatting, erasing the key slots, restoring a header, converting or re-encrypting lose what is on the
device, and removing a key slot can lock it for good (denied). `luksDump` and `status` are reads — but
`--dump-master-key`/`--dump-volume-key` print the key (a secret). Opening, closing and adding keys ask.
"""

from __future__ import annotations

from collections.abc import Mapping

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, machine, reads

READS = frozenset({"status", "luksDump", "isLuks", "luksUUID", "tcryptDump", "bitlkDump", "fvault2Dump",
                   "benchmark", "help"})
KEY_DUMPS = frozenset({"--dump-master-key", "--dump-volume-key", "--dump-json-metadata"})
DESTROYS: Mapping[str, str] = {
    "luksFormat": "formats as LUKS", "erase": "erases every key slot of", "luksErase": "erases every key slot of",
    "luksHeaderRestore": "overwrites the LUKS header of", "reencrypt": "re-encrypts in place",
    "convert": "converts the LUKS header of", "luksKillSlot": "removes a key slot (possibly the last) of",
    "luksRemoveKey": "removes a key (possibly the last) of", "repair": "rewrites the metadata of",
    "create": "maps plain dm-crypt over",
}
CHANGES: Mapping[str, Operation] = {
    "open": "host_control", "luksOpen": "host_control", "plainOpen": "host_control", "loopaesOpen": "host_control",
    "tcryptOpen": "host_control", "bitlkOpen": "host_control", "fvault2Open": "host_control",
    "close": "host_control", "luksClose": "host_control", "remove": "host_control", "luksSuspend": "host_control",
    "luksResume": "host_control", "refresh": "host_control", "resize": "modify", "config": "modify",
    "luksAddKey": "permission", "luksChangeKey": "permission", "luksConvertKey": "permission",
    "token": "permission", "luksHeaderBackup": "create",
}


class Cryptsetup(Cli):
    NAMES = ("cryptsetup",)
    FAMILY = STORAGE_FAMILY
    VALUE_OPTIONS = frozenset({
        "-c", "--cipher", "-h", "--hash", "-s", "--key-size", "-S", "--key-slot", "-d", "--key-file", "-l",
        "--keyfile-size", "--keyfile-offset", "--new-keyfile-size", "--new-keyfile-offset", "-b", "--size", "-o",
        "--offset", "-p", "--skip", "-i", "--iter-time", "--pbkdf", "--pbkdf-memory", "--pbkdf-parallel",
        "--pbkdf-force-iterations", "-T", "--tries", "--header", "--header-backup-file", "--master-key-file",
        "--volume-key-file", "--uuid", "--label", "--subsystem", "--type", "-M", "--integrity", "--sector-size",
        "--luks2-metadata-size", "--luks2-keyslots-size", "--token-id", "--token-type", "--key-description",
        "--priority", "-t", "--timeout", "--align-payload", "--hotzone-size", "--reduce-device-size",
        "--resilience", "--resilience-hash", "--device-size", "--new-key-slot", "--key-slot-cipher",
        "--keyslot-key-size", "--external-tokens-path", "--veracrypt-pim", "--json-file",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals or opts.has("--help", "--version", "-V"):
            return [reads(inv, "cryptsetup help or version")]
        action, args = opts.positionals[0], opts.positionals[1:]
        device = args[0] if args else "?"
        shown = f"cryptsetup {action} {device}"
        if opts.has(*KEY_DUMPS) and action in ("luksDump", "tcryptDump", "bitlkDump", "fvault2Dump"):
            return [inv.effect("secret_read", f"storage:{device}", machine(inv, "disks"),
                               reversible="yes", kind="encryption key", summary=f"{shown} prints the volume key")]
        if action in READS or (action == "luksUUID" and not opts.has("--uuid")):
            return [reads(inv, shown)]
        if action in DESTROYS:
            return [destroys(inv, device, f"cryptsetup {action} {DESTROYS[action]} {device}")]
        if action in CHANGES:
            return [changes(inv, device, shown, CHANGES[action])]
        return [inv.unknown(f"cryptsetup {action}: an action changegate does not know")]
