"""run0 (systemd): `run0 [OPTIONS] [COMMAND [ARGS]]` runs the command as root in a transient service;
with no command, an interactive root shell."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.commands.shell.sudo import Elevating


class Run0(Elevating):
    NAMES = ("run0",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--user", "-g", "--group", "--nice", "-D", "--chdir",
                                                       "--setenv", "--unit", "-p", "--property", "--description",
                                                       "--slice", "--background", "--machine"})
    CHDIR_OPTIONS = ("-D", "--chdir")
    READ_ONLY = ("-h", "--help", "--version")
