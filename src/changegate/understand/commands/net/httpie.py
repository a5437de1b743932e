"""httpie and xh: `http [METHOD] URL [ITEM…]`, where items are headers (`H:v`), query parameters (`q==v`),
data (`f=v`, `f:=1`) and files (`f@path`); `https` and `xhs` default to TLS, `:3000/x` is localhost."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import (
    PROXY_VARIABLES,
    NetTool,
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
    stdin_payload,
)
from changegate.understand.commands.net.requests import HTTP_METHODS, Request, request_effects

# Item separators, longest first: `f:=@path` before `f:=1`, `q==v` before `f=v`.
ITEM_SEPARATORS = ((":=@", "data-file"), ("=@", "data-file"), ("==", "query"), (":=", "data"), ("@", "file"),
                   ("=", "data"), (":", "header"))


def httpie_item(item: str) -> tuple[str, str]:
    """An httpie/xh request item: `H:v` header, `q==v` query, `f=v` data, `f:=1` JSON, `f@path` file,
    `f=@path` / `f:=@path` data read from a file."""
    for separator, kind in ITEM_SEPARATORS:
        key, found, value = item.partition(separator)
        if found and key and not any(c in key for c in "=@:"):
            return kind, value
    return "data", item


class Httpie(NetTool):
    NAMES: ClassVar[tuple[str, ...]] = ("http", "httpie", "xh")
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--bearer"})
    USER_PASSWORD_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a", "--auth"})
    SECRET_HEADERS = True
    DEFAULT_SCHEME: ClassVar[str] = "http"  # of a URL written without one
    VALUE_OPTIONS = frozenset({
        "-a", "--auth", "-A", "--auth-type", "-o", "--output", "--session", "--session-read-only", "--verify",
        "--cert", "--cert-key", "--cert-key-pass", "--proxy", "--timeout", "-p", "--print", "-P", "--history-print",
        "--pretty", "-s", "--style", "--format-options", "--max-redirects", "--ssl", "--ciphers", "--boundary",
        "--raw", "--response-charset", "--response-mime", "--default-scheme", "--max-headers", "--bearer",
        "--unix-socket",
    })
    ADDRESS_OPTIONS = ("--unix-socket",)
    ENV_VARIABLES = (*PROXY_VARIABLES, "HTTPIE_CONFIG_DIR", "REQUESTS_CA_BUNDLE")

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        positionals = walked.positionals
        if not positionals:
            return [fails(inv, "no URL is given")]
        method = ""
        first = positionals[0].value
        if first.isalpha() and first.upper() in HTTP_METHODS and len(positionals) > 1:
            method = first.upper()
            positionals = positionals[1:]
        url, items = positionals[0], positionals[1:]
        payloads: list[Payload] = []
        body_parts: list[str] = []
        sends = self.read_items(inv, items, payloads, body_parts)
        for word in walked.values("--raw"):
            sends = True
            body_parts.append(word.value)
            payloads.extend(inline_payload(inv, word))
        for word in walked.values("-a", "--auth", "--bearer"):
            payloads.extend(credential_payloads(inv, word))
        if inv.stdin is not None and not walked.has("--ignore-stdin", "-I") and not sends:
            sends = True
            payloads.append(stdin_payload(inv))
            if inv.stdin.text is not None:
                body_parts.append(inv.stdin.text)
        if walked.has("--offline"):
            return [inv.effect("read", f"http:{parse_target(url.value).shown}",
                               Placement(LOCAL, "--offline only prints the request"), reversible="yes",
                               summary=f"{inv.name} --offline prints a request without sending it")]
        outputs = [w.value for w in walked.values("-o", "--output")]
        if walked.has("-d", "--download") and not outputs:
            outputs.append(url_basename(url.value))
        request = Request(method or ("POST" if sends else "GET"), [url], payloads, "".join(body_parts) or None,
                          outputs, to_stdout=not outputs)
        return request_effects(inv, request, default_scheme=self.DEFAULT_SCHEME)

    @staticmethod
    def read_items(inv: Invocation, items: list[Word], payloads: list[Payload], body_parts: list[str]) -> bool:
        """What the request items carry; whether any of them is a body (data or a file)."""
        sends = False
        for item in items:
            kind, value = httpie_item(item.value)
            if kind == "header":
                payloads.extend(header_payloads(inv, item))
            elif kind in ("file", "data-file"):
                sends = True
                payloads.append(file_payload(inv, value))
            elif kind == "data":
                sends = True
                body_parts.append(item.value)
                payloads.extend(inline_payload(inv, item))
            elif kind == "query":
                payloads.extend(inline_payload(inv, item))
        return sends


class HttpieTls(Httpie):
    NAMES = ("https", "xhs")
    DEFAULT_SCHEME = "https"
