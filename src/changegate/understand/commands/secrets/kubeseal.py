"""kubeseal: seals a Secret with a cluster's public key (ciphertext); --recovery-unseal prints plain text."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.secrets.base import SecretTool

WRITTEN_TO = ("-w", "--sealed-secret-file", "--merge-into")


class Kubeseal(SecretTool):
    """No sub-commands: its options say what it does."""

    NAMES = ("kubeseal",)
    ENV_VARIABLES = ("KUBECONFIG", "SEALED_SECRETS_CONTROLLER_NAME", "SEALED_SECRETS_CONTROLLER_NAMESPACE",
                     "SEALED_SECRETS_CERT")
    VALUE_OPTIONS = frozenset({"--cert", "--controller-name", "--controller-namespace", "--context", "-n",
                               "--namespace", "--name", "--scope", "-o", "--format", "-w",
                               "--sealed-secret-file", "--secret-file", "-f", "--from-file", "--kubeconfig",
                               "--recovery-private-key", "--merge-into"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("--recovery-unseal"):
            return [inv.effect("secret_read", "kubeseal:recovery-unseal", Placement(LOCAL, "unsealing happens here"),
                               kind="sealed secret", reversible="yes",
                               summary="kubeseal --recovery-unseal prints the sealed secrets in plain text")]
        written = opts.value(*WRITTEN_TO)
        if written:
            return [inv.fs("modify", written, reversible="unknown", summary=f"kubeseal writes {written}")]
        return [inv.effect("read", "kubeseal:seal", Placement(LOCAL, "sealing encrypts on this machine"),
                           reversible="yes", summary="kubeseal seals a secret (prints ciphertext)")]
