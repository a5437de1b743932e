"""vagrant: the VMs of this project, on this machine; `vagrant ssh -c CMD` runs CMD inside one."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform

PROJECT_VM = Placement(LOCAL, "a vagrant VM of this project")


class Vagrant(Platform):
    NAMES = ("vagrant",)
    ENV_VARIABLES = ("VAGRANT_CWD", "VAGRANT_VAGRANTFILE", "VAGRANT_DEFAULT_PROVIDER", "VAGRANT_HOME")
    VALUE_OPTIONS = frozenset({"-c", "--command", "--provider", "--provision-with"})
    ON_THIS_MACHINE = True

    def box(self, call: Call) -> list[Effect]:
        return self.effects(call, "delete" if call.args[:1] in (["remove"], ["prune"]) else "read")

    def ssh(self, call: Call) -> list[Effect]:
        command = call.opts.value("-c", "--command")
        if not command:
            return self.effects(call, "host_control")
        call.inv.run_script(command, ctx=call.inv.ctx.clone(remote="vagrant", remote_placement=PROJECT_VM),
                            origin="vagrant ssh -c")
        return []

    VERBS = {**Platform.VERBS, "destroy": "delete", "up": "modify", "halt": "host_control",
             "reload": "host_control", "provision": "modify", "suspend": "host_control", "resume": "modify",
             "ssh": ssh, "status": "read", "global-status": "read", "ssh-config": "read", "port": "read",
             "validate": "read", "box": box, "plugin": "read", "snapshot": "modify", "package": "create",
             "share": "permission", "cloud": "publish"}

    def placement(self, call: Call) -> Placement:
        return Placement(LOCAL, "vagrant VMs of this project run on this machine")
