"""aria2c: downloads into `-d`/`-o`, lists of URLs, torrents and metalinks; its `--on-download-*` hooks run
commands."""

from __future__ import annotations

import posixpath

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.net.common import PROXY_VARIABLES, NetTool, fails, url_basename
from changegate.understand.commands.net.payloads import header_payloads
from changegate.understand.commands.net.requests import Request, request_effects

LISTINGS = ("-i", "--input-file", "-T", "--torrent-file", "-M", "--metalink-file")


class Aria2c(NetTool):
    NAMES = ("aria2c",)
    VALUE_OPTIONS = frozenset({
        "-o", "--out", "-d", "--dir", "-i", "--input-file", "-x", "-s", "-k", "-j", "--header", "--http-user",
        "--http-passwd", "--on-download-complete", "--on-download-start", "--on-download-error",
        "--on-download-stop", "--on-bt-download-complete", "--on-download-pause", "-T", "--torrent-file", "-M",
        "--metalink-file", "--conf-path",
    })
    ENV_VARIABLES = PROXY_VARIABLES

    def effects(self, inv: Invocation) -> list[Effect]:
        walked = self.walked(inv.words)
        for name, hook in walked.pairs:
            if name.startswith("--on-"):
                inv.run_argv([hook])
        directory = next((w.value for w in reversed(walked.values("-d", "--dir"))), ".")
        out = next((w.value for w in reversed(walked.values("-o", "--out"))), None)
        outputs = [posixpath.join(directory, out or url_basename(u.value)) for u in walked.positionals[:1]]
        payloads = [p for w in walked.values("--header", "--http-passwd") for p in header_payloads(inv, w)]
        request = Request("GET", walked.positionals, payloads, None, outputs, to_stdout=False)
        effects = request_effects(inv, request)
        for listing in walked.values(*LISTINGS):
            effects.append(inv.fs("create", directory, recursive=True, reversible="yes",
                                  summary=f"aria2c downloads what {listing.shown()} lists into {directory}"))
        return effects or [fails(inv, "no URL, list, torrent or metalink is given")]
