"""wget: downloads into files named after the URL (or `-O`), whole sites with `-r`/`-m`; `--post-*` and
`--body-*` send data; `-i` reads the URLs from a list nobody sees here."""

from __future__ import annotations

import posixpath

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import (
    PROXY_VARIABLES,
    NetTool,
    Walked,
    fails,
    parse_target,
    url_basename,
)
from changegate.understand.commands.net.payloads import (
    Payload,
    credential_payloads,
    file_payload,
    header_payloads,
    inline_payload,
)
from changegate.understand.commands.net.requests import MAX_URLS, Request, request_effects

BODY_OPTIONS = ("--post-data", "--body-data")
BODY_FILES = ("--post-file", "--body-file")
PASSWORDS = ("--password", "--http-password", "--ftp-password", "--proxy-password")
WHOLE_SITE = ("-r", "--recursive", "-m", "--mirror", "-p", "--page-requisites")
TO_STDOUT = ("-", "/dev/stdout")


class Wget(NetTool):
    NAMES = ("wget",)
    SECRET_OPTIONS = frozenset({"--password", "--http-password", "--ftp-password", "--proxy-password"})
    SECRET_HEADERS = True
    VALUE_OPTIONS = frozenset({
        "-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P", "--directory-prefix",
        "-i", "--input-file", "-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header", "--post-data",
        "--post-file", "--body-data", "--body-file", "--method", "-e", "--execute", "-l", "--level", "-A",
        "--accept", "-R", "--reject", "-D", "--domains", "--exclude-domains", "-I", "--include-directories", "-X",
        "--exclude-directories", "-Q", "--quota", "-w", "--wait", "--user", "--password", "--http-user",
        "--http-password", "--load-cookies", "--save-cookies", "--referer", "-B", "--base", "--limit-rate",
        "--bind-address", "--ca-certificate", "--certificate", "--private-key", "--progress", "--cut-dirs",
        "--config", "--default-page", "--restrict-file-names", "--dns-timeout", "--connect-timeout",
        "--read-timeout", "--waitretry", "--ftp-user", "--ftp-password", "--proxy-user", "--proxy-password",
        "--local-encoding", "--remote-encoding", "--backups", "--accept-regex", "--reject-regex", "--regex-type",
        "--ca-directory", "--certificate-type", "--private-key-type", "--secure-protocol", "--warc-file",
    })
    ENV_VARIABLES = (*PROXY_VARIABLES, "WGETRC", "SYSTEM_WGETRC")

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        urls = list(walked.positionals)
        effects = [inv.effect("read", "http:?", Placement(UNKNOWN, f"URLs listed in {listing.shown()}"),
                              reversible="yes", summary=f"wget downloads the URLs listed in {listing.shown()}")
                   for listing in walked.values("-i", "--input-file")]
        payloads: list[Payload] = []
        body_parts: list[str] = []
        for name, word in walked.pairs:
            if name in BODY_OPTIONS:
                body_parts.append(word.value)
                payloads.extend(inline_payload(inv, word))
            elif name in BODY_FILES:
                payloads.append(file_payload(inv, word.value))
            elif name == "--header":
                payloads.extend(header_payloads(inv, word))
            elif name in PASSWORDS:
                payloads.extend(credential_payloads(inv, word))
        explicit = next((w.value.upper() for w in reversed(walked.values("--method"))), None)
        sends = walked.has(*BODY_OPTIONS, *BODY_FILES)
        method = explicit or ("POST" if sends else "HEAD" if walked.has("--spider") else "GET")
        document = next((w.value for w in reversed(walked.values("-O", "--output-document"))), None)
        request = Request(method, urls, payloads, "".join(body_parts) or None, outputs(walked, urls, document),
                          to_stdout=document in TO_STDOUT)
        effects.extend(request_effects(inv, request))
        return effects or [fails(inv, "no URL is given")]


def outputs(walked: Walked, urls: list[Word], document: str | None) -> list[str]:
    """The files wget writes: what it downloads, and its logs."""
    logs = [log.value for log in walked.values("-o", "--output-file", "-a", "--append-output")]
    discarded = walked.has("--spider", "--delete-after") or document == "/dev/null"
    if document in TO_STDOUT or discarded:
        return logs
    return [*downloads(walked, urls, document), *logs]


def downloads(walked: Walked, urls: list[Word], document: str | None) -> list[str]:
    """`-O FILE`, else one file per URL (a directory per site when it fetches a whole site)."""
    if document:
        return [document]
    base = next((w.value for w in reversed(walked.values("-P", "--directory-prefix"))), None) or "."
    if walked.has(*WHOLE_SITE):
        return [posixpath.join(base, parse_target(u.value).host or "site") for u in urls[:MAX_URLS]]
    return [posixpath.join(base, url_basename(u.value)) for u in urls[:MAX_URLS]]
