"""VBoxManage: VirtualBox VMs and disks on this machine."""

from __future__ import annotations

import msgspec

from changegate.model import Effect, Operation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform

SNAPSHOT_ACTIONS: dict[str, Operation] = {"delete": "delete", "restore": "replace", "restorecurrent": "replace"}


class VBoxManage(Platform):
    NAMES = ("VBoxManage", "vboxmanage")
    ENV_VARIABLES = ("VBOX_USER_HOME",)
    ON_THIS_MACHINE = True
    VERBS = {
        **Platform.VERBS,
        "list": "read", "showvminfo": "read", "showmediuminfo": "read", "metrics": "read", "guestproperty": "read",
        "startvm": "modify", "modifyvm": "modify", "createvm": "create", "registervm": "create",
        "clonevm": "create", "import": "create", "export": "read", "storageattach": "modify",
        "sharedfolder": "modify", "unregistervm": "delete", "closemedium": "delete", "discardstate": "delete",
        "controlvm": "host_control", "snapshot": "modify", "createmedium": "create", "modifymedium": "modify",
    }

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        """The verb is the first word; `snapshot VM delete|restore` says what the snapshot verb does."""
        if not words or words[0].lower() not in self.VERBS:
            return None
        verb = words[0].lower()
        if verb == "snapshot" and len(words) > 2 and words[2] in SNAPSHOT_ACTIONS:
            return 0, SNAPSHOT_ACTIONS[words[2]]
        operation = self.operation_of(verb)
        return (0, operation) if operation is not None else None

    def effects(self, call: Call, operation: Operation) -> list[Effect]:
        """Unregistering with --delete, or deleting or restoring a snapshot, loses disk contents."""
        effects = super().effects(call, operation)
        if operation in ("delete", "replace") and (call.opts.has("--delete", "--delete-all")
                                                   or call.verb.lower() == "snapshot"):
            effects[0] = msgspec.structs.replace(effects[0], data_loss=True)
        return effects
