"""firebase: `topic:command` (`firebase firestore:delete`), placed by --project."""

from __future__ import annotations

import msgspec

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Firebase(Platform):
    NAMES = ("firebase",)
    ENV_VARIABLES = ("FIREBASE_PROJECT", "GCLOUD_PROJECT", "FIREBASE_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS")
    COLON_TOPICS = True
    VALUE_OPTIONS = frozenset({"--project", "-P", "--only", "--except", "--token", "--message", "-m",
                               "--instance", "--data", "-d", "--database", "--shallow", "--order-by",
                               "--limit-to-first", "--format", "--site", "--expires"})
    CONTEXT_OPTIONS = ("--project", "-P")
    CONTEXT_VARIABLES = ("FIREBASE_PROJECT", "GCLOUD_PROJECT")
    WHERE_UNKNOWN = "no --project says which Firebase project this is (.firebaserc is not read)"
    DATA_NOUNS = frozenset({"firestore", "database", "storage"})
    SECRET_NOUNS = frozenset({"config", "secret", "secrets"})

    def delete(self, call: Call) -> list[Effect]:
        """`firestore:delete PATH` deletes a document, with -r a collection, with --all-collections all."""
        effects = self.effects(call, "delete")
        if call.nouns[:1] == ["firestore"]:
            every = call.opts.has("--all-collections")
            effects[0] = msgspec.structs.replace(
                effects[0], scope="all" if every else "many" if call.opts.has("-r", "--recursive") else "one",
                whole_environment=every, data_loss=True)
        return effects

    VERBS = {**Platform.VERBS, "delete": delete, "deploy": "modify", "disable": "modify",
             "export": "secret_read", "access": "secret_read", "use": "read", "serve": "read",
             "emulators": "read", "start": "read", "exec": "read", "sdkconfig": "read", "push": "modify",
             "set": "replace", "remove": "delete", "destroy": "delete", "indexes": "read", "profile": "read",
             "open": "read", "target": "read"}
