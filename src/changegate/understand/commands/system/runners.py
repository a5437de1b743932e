"""Programs that run the command after their own words: sshpass (with a password), tsp/ts (task spooler:
queued, run later in the background). The command is judged as itself."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.commands.shell.runner import Runner


class Sshpass(Runner):
    NAMES = ("sshpass",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-f", "-d", "-p", "-P"})
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-p"})  # the password, in clear
    SECRET_BEFORE_COMMAND = True


class TaskSpooler(Runner):
    NAMES = ("tsp", "task-spooler")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-L", "-D", "-W", "-N", "-S", "-c", "-t", "-p", "-i",
                                                       "-s", "-u", "-r", "-w", "-k", "-o", "-U", "-E", "-B"})
    # `tsp -l`, `tsp -c ID`: reading the queue, with no command
    LOOKUP_FLAGS: ClassVar[frozenset[str]] = frozenset({"-l", "-c", "-t", "-o", "-s", "-i", "-S", "-p", "-h",
                                                       "-V", "-M"})
