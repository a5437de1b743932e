"""Decoding payloads the way `base64 -d`, `xxd -r -p`, `rev` or `$'…'` would, to see what they carry."""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from changegate.understand.base import UNKNOWN_PART

ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
               "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?"}
ANSI_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.S)


def decode_ansi_c(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        head = code[0]
        try:
            if head == "x":
                return chr(int(code[1:], 16))
            if head in "uU":
                return chr(int(code[1:], 16))
            if head.isdigit():
                return chr(int(code, 8) & 0xFF)
            if head == "c" and len(code) == 2:
                return chr(ord(code[1].upper()) ^ 0x40)
        except (ValueError, OverflowError):
            return UNKNOWN_PART
        return ANSI_SIMPLE.get(code, "\\" + code)

    return ANSI_ESCAPE.sub(one, body)


def decode_payload(kind: str, text: str) -> str | None:
    """Decode a known payload the way `base64 -d`, `xxd -r -p` or `rev` would; None where it fails."""
    try:
        if kind == "base64":
            cleaned = "".join(text.split())
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=False).decode("utf-8")
        if kind == "base32":
            return base64.b32decode("".join(text.split())).decode("utf-8")
        if kind == "hex":
            return binascii.unhexlify("".join(text.split())).decode("utf-8")
        if kind == "rev":
            return "\n".join(line[::-1] for line in text.rstrip("\n").split("\n")) + "\n"
        if kind == "rot13":
            return codecs.decode(text, "rot13")
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    return None
