"""curl: one request per URL, its method from its options, what it sends from its data, form, upload and
header options, where its body goes from `-o`/`-O`."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.net.common import PROXY_VARIABLES, NetTool, Walked, url_basename
from changegate.understand.commands.net.payloads import (
    Payload,
    credential_payloads,
    file_payload,
    header_payloads,
    inline_payload,
)
from changegate.understand.commands.net.requests import MAX_URLS, Request, request_effects
from changegate.understand.facts import read_config

CONFIG_MARK = "(from a curl config file)"  # the text of an option word a config file gave

DATA_OPTIONS = ("-d", "--data", "--data-ascii", "--data-binary", "--json")
SENDING_OPTIONS = frozenset({"-F", "--form", "--form-string", "-d", "--data", "--data-ascii", "--data-binary",
                             "--data-raw", "--data-urlencode", "--json"})
REMOTE_NAMES = ("-O", "--remote-name", "--remote-name-all")
NOT_FILES = frozenset({"-", "/dev/null", "/dev/stdout", "/dev/stderr"})


def data(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    """`-d @file` sends the file; `-d text` sends the text."""
    if word.value.startswith("@"):
        return [file_payload(inv, word.value[1:])]
    return raw_data(inv, word, body)


def raw_data(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    body.append(word.value)
    return inline_payload(inv, word)


def urlencoded(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    """`--data-urlencode name@file` and `@file` send the file."""
    key, at, path = word.value.partition("@")
    if at and "=" not in key:
        return [file_payload(inv, path)]
    return raw_data(inv, word, body)


def form(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    """`-F name=@file` and `-F name=<file` send the file."""
    _, _, content = word.value.partition("=")
    if content.startswith(("@", "<")):
        return [file_payload(inv, content[1:].split(";", 1)[0])]
    return inline_payload(inv, word)


def text(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    return inline_payload(inv, word)


def upload(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    return [file_payload(inv, word.value)]


def header(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    return header_payloads(inv, word)


def credential(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    return credential_payloads(inv, word)


def cookie(inv: Invocation, word: Word, body: list[str]) -> list[Payload]:
    """`-b name=value` sends a cookie (a credential); `-b FILE` reads a cookie jar."""
    return credential_payloads(inv, word) if "=" in word.value else []


# What each option sends (and adds to the body it sends).
PayloadReader = Callable[[Invocation, Word, list[str]], list[Payload]]
PAYLOADS: dict[str, PayloadReader] = {
    **dict.fromkeys(DATA_OPTIONS, data), "--data-raw": raw_data, "--data-urlencode": urlencoded,
    **dict.fromkeys(("-F", "--form"), form), "--form-string": text, "--url-query": text,
    **dict.fromkeys(("-T", "--upload-file"), upload),
    **dict.fromkeys(("-H", "--header", "--proxy-header"), header),
    **dict.fromkeys(("-u", "--user", "--oauth2-bearer", "-U", "--proxy-user", "--aws-sigv4"), credential),
    **dict.fromkeys(("-b", "--cookie"), cookie),
}


class Curl(NetTool):
    NAMES = ("curl",)
    SECRET_OPTIONS = frozenset({"--oauth2-bearer", "--pass"})
    USER_PASSWORD_OPTIONS = frozenset({"-u", "--user", "-U", "--proxy-user"})
    SECRET_HEADERS = True
    VALUE_OPTIONS = frozenset({
        "-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form",
        "--form-string", "-H", "--header", "-X", "--request", "-o", "--output", "-T", "--upload-file", "-u",
        "--user", "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-K", "--config",
        "-m", "--max-time", "--connect-timeout", "-w", "--write-out", "-x", "--proxy", "-U", "--proxy-user", "-r",
        "--range", "-C", "--continue-at", "-E", "--cert", "--key", "--cacert", "--capath", "--resolve",
        "--connect-to", "--retry", "--retry-delay", "--retry-max-time", "--limit-rate", "-y", "--speed-time", "-Y",
        "--speed-limit", "-z", "--time-cond", "--output-dir", "--json", "--url", "--unix-socket",
        "--abstract-unix-socket", "--interface", "--local-port", "--dns-servers", "--max-filesize",
        "--max-redirs", "--oauth2-bearer", "--proto", "--proto-redir", "--trace", "--trace-ascii", "--stderr",
        "--expect100-timeout", "-D", "--dump-header", "--variable", "--url-query", "--aws-sigv4",
        "--create-file-mode", "--hsts", "--alt-svc", "--etag-compare", "--etag-save", "--ciphers", "--tls-max",
        "--pinnedpubkey", "--mail-from", "--mail-rcpt", "-P", "--ftp-port", "-Q", "--quote", "--keepalive-time",
        "-t", "--telnet-option", "--socks4", "--socks5", "--socks5-hostname", "--preproxy", "--noproxy",
        "--request-target", "--key-type", "--cert-type", "--pass", "--proxy-header", "--retry-all-errors-x",
        "--happy-eyeballs-timeout-ms", "--parallel-max", "--rate", "--range-x",
    })
    ADDRESS_OPTIONS = ("--url", "--unix-socket", "--abstract-unix-socket", "--connect-to", "--resolve")
    ENV_VARIABLES = (*PROXY_VARIABLES, "CURL_HOME", "CURL_CA_BUNDLE", "SSL_CERT_FILE")

    def effects(self, inv: Invocation) -> list[Effect]:
        configured = self.config_words(inv)
        if configured is None:
            return [inv.unknown("curl reads its options from an input that cannot be seen")]
        words = [*configured, *inv.words]
        if nested_config(words):
            return [inv.unknown("curl's config file names another config file")]
        walked = self.walked(words)
        urls = walked.values("--url") + walked.positionals
        if not urls:
            return [inv.effect("read", "cmd:curl", Placement(LOCAL, "no URL: nothing is sent"), reversible="yes",
                               summary="curl without a URL")]
        payloads: list[Payload] = []
        body_parts: list[str] = []
        for name, word in walked.pairs:
            reader = PAYLOADS.get(name)
            if reader is not None:
                payloads.extend(reader(inv, word, body_parts))
        written = len(walked.values("-o", "--output")) + (len(urls) if walked.has(*REMOTE_NAMES) else 0)
        socket = next((w.value for w in walked.values("--unix-socket", "--abstract-unix-socket")), "")
        request = Request(method(walked, bool(body_parts)), urls, payloads, "".join(body_parts) or None,
                          outputs(walked, urls), to_stdout=written < len(urls), socket=socket)
        return request_effects(inv, request)

    def config_words(self, inv: Invocation) -> list[Word] | None:
        """The options curl reads from its config files: each `-K FILE` given (`-K -`: its input), and the
        user's own ~/.curlrc unless `-q` comes first. A file that cannot be read adds nothing (curl warns
        and goes on); None when the options come from an input nobody sees here."""
        paths = [w.value for name, w in self.walked(inv.words).pairs if name in CONFIG_OPTIONS]
        if not (inv.words and inv.words[0].value in DEFAULT_CONFIG_SKIPPED):
            home = inv.ctx.getenv("CURL_HOME") or inv.ctx.home
            if home:
                paths.insert(0, posixpath.join(home, ".curlrc"))
        words: list[Word] = []
        for raw in paths:
            if raw == "-" and (inv.stdin is None or inv.stdin.text is None):
                return None
            path = inv.ctx.resolve(raw) if raw != "-" else None
            text = inv.stdin.text if raw == "-" and inv.stdin is not None else read_config(path) if path else None
            for line in (text or "").splitlines()[:MAX_CONFIG_LINES]:
                words.extend(Word(part, text=CONFIG_MARK if i == 0 else part)
                             for i, part in enumerate(config_line(line)))
        return words


# --- config files ----------------------------------------------------------------------------------------

CONFIG_OPTIONS = ("-K", "--config")
DEFAULT_CONFIG_SKIPPED = ("-q", "--disable")
MAX_CONFIG_LINES = 200
CONFIG_ESCAPES = {"\\": "\\", '"': '"', "t": "\t", "n": "\n", "r": "\r", "v": "\v"}
CONFIG_LINE = re.compile(r"([^\s=:]+)\s*[=:]?\s*(.*)$")


def config_line(line: str) -> list[str]:
    """One line of a curl config file as command-line words: `url = "https://x"`, `--data "a=b"`,
    `silent`, `header: X-A: 1`."""
    text = line.strip()
    found = CONFIG_LINE.match(text)
    if not text or text.startswith("#") or found is None:
        return []
    name, value = found.groups()
    if not name.startswith("-"):
        name = ("-" if len(name) == 1 else "--") + name
    if not value:
        return [name]
    return [name, quoted_value(value) if value.startswith('"') else value.split()[0]]


def quoted_value(value: str) -> str:
    """A config value in double quotes, with curl's backslash escapes."""
    out: list[str] = []
    escaped = False
    for char in value[1:]:
        if escaped:
            out.append(CONFIG_ESCAPES.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            break
        else:
            out.append(char)
    return "".join(out)


def nested_config(words: list[Word]) -> bool:
    """A config option among the options a config file gave (curl would read that file too)."""
    return any(w.text == CONFIG_MARK and w.value in CONFIG_OPTIONS for w in words)


# --- the request -----------------------------------------------------------------------------------------

def method(walked: Walked, has_body: bool) -> str:
    explicit = next((w.value.upper() for w in reversed(walked.values("-X", "--request"))), None)
    sends = has_body or any(name in SENDING_OPTIONS for name, _ in walked.pairs)
    if explicit:
        return explicit
    if walked.has("-I", "--head"):
        return "HEAD"
    if walked.has("-T", "--upload-file"):
        return "PUT"
    if sends and not walked.has("-G", "--get"):
        return "POST"
    return "GET"


def outputs(walked: Walked, urls: list[Word]) -> list[str]:
    """The local files curl writes: its outputs, remote names, dumped headers and cookie jars."""
    written = [w.value for w in walked.values("-o", "--output") if w.value not in ("-", "/dev/stdout")]
    output_dir = next((w.value for w in walked.values("--output-dir")), None)
    if walked.has(*REMOTE_NAMES):
        written.extend(url_basename(u.value) for u in urls[:MAX_URLS][len(written):])
    if output_dir:
        written = [o if o.startswith("/") else posixpath.join(output_dir, o) for o in written]
    written.extend(w.value for w in walked.values("-D", "--dump-header", "-c", "--cookie-jar")
                   if w.value not in NOT_FILES)
    return [o for o in written if o != "/dev/null"]
