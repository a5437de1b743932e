"""sops: encrypted files. Decrypting prints secrets; `exec-env FILE CMD` runs CMD with them instead."""

from __future__ import annotations

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import DYNAMIC_WORD, Invocation
from changegate.understand.commands.secrets.base import SecretTool

SUB_COMMANDS = frozenset({"decrypt", "encrypt", "edit", "exec-env", "exec-file", "publish", "keyservice",
                          "updatekeys", "rotate", "set", "unset", "filestatus", "groups"})
READ_ONLY = ("filestatus", "groups", "keyservice")
EXEC_SUGGESTION = "use `sops exec-env FILE CMD` so the values go to the program, not the screen"


class Sops(SecretTool):
    """Its flags (`-d`, `-e`, `-i`, `--output`) say what it does as much as its sub-commands do, so it reads
    both itself rather than through a sub-command table."""

    NAMES = ("sops",)
    ENV_VARIABLES = ("SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY", "SOPS_KMS_ARN", "SOPS_PGP_FP", "SOPS_CONFIG")
    VALUE_OPTIONS = frozenset({"--output", "--extract", "--input-type", "--output-type", "--kms", "--pgp",
                               "--age", "--gcp-kms", "--azure-kv", "--hc-vault-transit", "--set", "--config",
                               "--filename-override", "--encryption-context", "--shamir-secret-sharing-threshold",
                               "--unencrypted-suffix", "--encrypted-suffix", "--unencrypted-regex",
                               "--encrypted-regex", "-k", "-p", "-a", "--aws-profile", "--indent", "--user"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positionals
        sub = positionals[0] if positionals and positionals[0] in SUB_COMMANDS else ""
        files = positionals[1:] if sub else positionals
        if sub in ("exec-env", "exec-file") and len(files) >= 2:
            script = files[1].replace("{}", DYNAMIC_WORD) if sub == "exec-file" else files[1]
            inv.run_script(script, origin=f"sops {sub}")
            return []
        in_place = opts.has("-i", "--in-place")
        output = opts.value("--output")
        path = files[0] if files else "-"
        shown = f"fs:{inv.ctx.resolve(path) or path}"
        if sub == "decrypt" or opts.has("-d", "--decrypt"):
            effects = [inv.effect("secret_read", shown, Placement(LOCAL, "decrypting happens on this machine"),
                                  kind="encrypted file", reversible="yes", summary=f"sops decrypts {path}",
                                  suggestions=(EXEC_SUGGESTION,))]
            if in_place or output:
                effects.append(inv.fs("modify", output or path, tags=("overwrite",),
                                      summary=f"writes the decrypted secrets of {path} to disk"))
            return effects
        encrypting = sub == "encrypt" or opts.has("-e", "--encrypt")
        if sub in READ_ONLY or (encrypting and not in_place and not output):
            return [inv.effect("read", shown, Placement(LOCAL, "a local file"), reversible="yes",
                               summary=f"sops {sub or 'encrypt'} {path} (prints the result)")]
        if sub == "publish":
            return [inv.effect("modify", f"sops:publish/{path}",
                               Placement(UNKNOWN, "sops publish writes to a configured remote store"),
                               summary=f"sops publish {path}")]
        target = output or path
        return [inv.fs("modify", target, tags=("overwrite",), reversible="unknown",
                       summary=f"sops {sub or 'edit'} changes {target}")]
