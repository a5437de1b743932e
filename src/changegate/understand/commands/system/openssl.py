"""openssl: `openssl COMMAND [OPTIONS]`. Inspecting, hashing, encoding and generating are local work on the
files it is given: `-in` reads (a private key or keystore is a secret read), `-out` writes. `s_client` connects
to a host and reads what it answers. Commands not in the table are not understood.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Cli
from changegate.understand.placement import place_host
from changegate.understand.sensitive import secret_kind

# every command here only reads its input and writes where -out (or -keyout) says
COMMANDS = frozenset({
    "version", "help", "list", "x509", "req", "verify", "crl", "crl2pkcs7", "pkcs7", "pkcs8", "pkcs12", "asn1parse",
    "dgst", "md5", "sha1", "sha256", "sha384", "sha512", "base64", "enc", "rand", "prime", "errstr", "ciphers",
    "genrsa", "genpkey", "gendsa", "dhparam", "dsaparam", "ecparam", "rsa", "ec", "pkey", "pkeyparam", "pkeyutl",
    "rsautl", "speed", "s_client", "ocsp", "storeutl", "kdf", "mac", "passwd", "cms", "smime", "spkac", "nseq",
    "sess_id", "ts", "info", "aes-256-cbc", "aes-128-cbc", "des3",
})
READ_OPTIONS = ("-in", "-inkey", "-key", "-CAfile", "-cert", "-signkey", "-CAkey", "-config", "-pass", "-passin")
WRITE_OPTIONS = ("-out", "-keyout")


class Openssl(Cli):
    NAMES = ("openssl",)
    FAMILY = "openssl"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        *READ_OPTIONS, *WRITE_OPTIONS, "-connect", "-servername", "-subj", "-days", "-newkey", "-algorithm",
        "-pkeyopt", "-name", "-passout", "-inform", "-outform", "-keyform", "-certform", "-md", "-sigopt",
        "-extensions", "-extfile", "-set_serial", "-CAserial", "-purpose", "-verify_hostname", "-host", "-port",
        "-proxy", "-starttls", "-cipher", "-ciphersuites", "-curves", "-groups", "-iter", "-K", "-iv", "-S",
        "-checkhost", "-checkemail", "-checkip", "-sigfile", "-signature", "-hmac", "-macopt", "-kdfopt"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        command = opts.positionals[0] if opts.positionals else "version"
        if command not in COMMANDS:
            return [inv.unknown(f"openssl {command} is not a command changegate knows")]
        effects: list[Effect] = []
        for raw in [*opts.values(*READ_OPTIONS[:7]), *opts.positionals[1:]]:
            path = inv.ctx.resolve(raw)
            what = secret_kind(path, inv.ctx.home) if path is not None else None
            if what:
                effects.append(inv.fs("secret_read", raw, kind="secret", reversible="yes",
                                      summary=f"openssl {command} reads {path}: {what}"))
        for raw in opts.values(*WRITE_OPTIONS):
            effects.append(inv.fs("create", raw, kind="file", reversible="yes",
                                  summary=f"openssl {command} writes {raw}"))
        if command == "s_client":
            target = opts.value("-connect") or opts.value("-host") or "localhost:443"
            effects.append(inv.effect("read", f"net:{target}", place_host(inv.ctx.environments, target.rsplit(":", 1)[0], "openssl host"),
                                      reversible="yes", kind="connection",
                                      summary=f"openssl s_client connects to {target}"))
        return effects or [local_work(inv, f"openssl {command}", "read")]
