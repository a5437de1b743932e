"""jenkins-cli: `jenkins-cli -s URL COMMAND`; a job's name (deploy-prod) says more than the Jenkins host."""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform
from changegate.understand.placement import place_name


class JenkinsCli(Platform):
    NAMES = ("jenkins-cli",)
    ENV_VARIABLES = ("JENKINS_URL", "JENKINS_USER_ID", "JENKINS_API_TOKEN")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-s", "-auth", "-i", "-p", "-logger", "-user", "-f"})
    ADDRESS_OPTIONS = ("-s",)
    ADDRESS_VARIABLES = ("JENKINS_URL",)
    WHERE_UNKNOWN = "no -s or JENKINS_URL says which Jenkins this is"
    VERBS = {
        **Platform.VERBS,
        "who-am-i": "read", "console": "read", "groovy": "execute_opaque", "groovysh": "execute_opaque",
        "safe-restart": "host_control", "restart": "host_control", "shutdown": "host_control",
        "safe-shutdown": "host_control", "quiet-down": "host_control", "cancel-quiet-down": "modify",
        "offline-node": "host_control", "online-node": "modify", "disconnect-node": "host_control",
        "connect-node": "modify", "build": "modify", "copy-job": "create", "clear-queue": "modify",
        "get-credentials-as-xml": "secret_read", "install-plugin": "modify", "reload-configuration": "modify",
    }
    HYPHEN_VERBS = True
    KINDS_FROM_WHOLE_VERB = True
    DATA_NOUNS = frozenset({"job", "build", "credential", "credentials-domain"})

    def placement(self, call: Call) -> Placement:
        # job and view names say more than a jenkins host: deploy-prod is a production job
        first = self.names(call)[:1]
        if first and first[0]:
            named = place_name(call.inv.ctx.environments, first[0], "the job name")
            if named.environment != UNKNOWN:
                return named
        return self.place(call, ())
