"""fab (Fabric): `fab -H HOSTS -- COMMAND…` runs COMMAND on the hosts; `fab [-H HOSTS] TASK…` runs tasks
of the project's fabfile — Python code changegate does not follow (when there is no fabfile, nothing
runs); `fab -l` lists them."""

from __future__ import annotations

import posixpath

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import Fleet, place_fleet, run_on_fleet
from changegate.understand.facts import exists

FABFILES = ("fabfile.py", "fabfile")


class Fab(Cli):
    NAMES = ("fab", "fab2")
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-H", "--hosts", "-i", "--identity", "-c", "--collection", "-f", "--config", "-r",
                               "--search-root", "-S", "--ssh-config", "-t", "--connect-timeout", "-R", "--roles",
                               "-u", "--user", "-x", "--exclude-hosts", "-p", "--password", "-w", "--warn-only",
                               "--prompt-for-passphrase", "-T", "--command-timeout", "-z", "--pool-size"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-l", "--list", "-V", "--version", "-h", "--help", "--complete", "--dry"):
            return [inv.effect("read", "fab:tasks", Placement(LOCAL, "it lists tasks or runs nothing"),
                               reversible="yes", summary="fab lists its tasks")]
        fleet = self.fleet(inv, opts)
        if opts.dashdash:
            run_on_fleet(inv, fleet, " ".join(w.value for w in opts.rest), user=opts.value("-u", "--user"))
            return []
        return self.tasks(inv, opts, fleet)

    @staticmethod
    def fleet(inv: Invocation, opts: Options) -> Fleet:
        hosts = [h for value in opts.values("-H", "--hosts") for h in value.split(",")]
        return place_fleet(inv, hosts=[",".join(hosts)] if hosts else [], groups=opts.values("-R", "--roles"))

    @staticmethod
    def tasks(inv: Invocation, opts: Options, fleet: Fleet) -> list[Effect]:
        root = inv.ctx.resolve(opts.value("-r", "--search-root") or ".") or ""
        named = opts.value("-c", "--collection")
        candidates = [posixpath.join(root, f"{named}.py"), posixpath.join(root, named)] if named else [
            posixpath.join(root, f) for f in FABFILES]
        tasks = " ".join(opts.positionals[:3])
        if root and not any(exists(c) or c in inv.ctx.files for c in candidates):
            return [inv.effect("read", f"fab:{tasks}", Placement(LOCAL, "there is no fabfile: nothing runs"),
                               reversible="yes", tags=("absent-program",),
                               summary=f"fab {tasks}: there is no fabfile in {root}, so it fails and runs nothing")]
        return [inv.effect("unknown", f"fab:{tasks}", fleet.placement, scope=fleet.scope, kind="hosts",
                           summary=f"fab runs the fabfile tasks {tasks} on {fleet.label} (Python code changegate "
                                   "does not follow)")]
