"""What code computes, as far as it can be known before it runs: the values an interpreter's analyzer
carries from one statement to the next.

A value is a string or path (its text, with `UNKNOWN_PART` where a part is computed at run time), plain
data of the language's own types, a list (its items, or what iterating it gives), a module or a function
named by its qualified name (`os.system`, `child_process.execSync`), an object a known library made
(`boto3` client, a database connection: its `kind` and the facts it was made with), code of the program's
own (`fn`, `class`, `instance`), or `unknown`: nothing is known about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from changegate.understand.base import UNKNOWN_PART, Word

Kind = Literal["str", "num", "bool", "none", "data", "path", "list", "dict", "module", "func", "ref", "obj",
               "fn", "class", "instance", "file", "environ", "unknown"]


@dataclass(slots=True)
class Val:
    kind: Kind
    text: str | None = None  # str/path: the text (UNKNOWN_PART where computed); num: its digits
    name: str = ""  # module/func/ref/obj/fn/class/instance: the qualified name or the attribute
    glob: bool = False  # path/str: a pattern that names every match (`*.tmp`)
    tree: bool = False  # path: every file below it (os.walk, rglob)
    items: tuple[Val, ...] | None = None  # list: its items, when they are known one by one
    fields: dict[str, Val] = field(default_factory=dict)  # dict/obj: its keys / the facts it was made with
    elem: Val | None = None  # list/obj: what iterating it gives
    bound: Val | None = None  # ref: the value the attribute was read from
    writable: bool = False  # file: opened for writing
    why: str = ""  # unknown: what it came from

    # --- builders ---------------------------------------------------------------------------------------
    @staticmethod
    def string(text: str) -> Val:
        return Val("str", text=text)

    @staticmethod
    def path(text: str, *, glob: bool = False, tree: bool = False) -> Val:
        return Val("path", text=text, glob=glob, tree=tree)

    @staticmethod
    def unknown(why: str = "") -> Val:
        return Val("unknown", why=why)

    @staticmethod
    def data() -> Val:
        return Val("data")

    @staticmethod
    def list_of(items: Iterable[Val] | None = None, elem: Val | None = None) -> Val:
        known = tuple(items) if items is not None else None
        if elem is None and known:
            elem = known[0] if len({(i.kind, i.text) for i in known}) == 1 else merge(known)
        return Val("list", items=known, elem=elem)

    @staticmethod
    def obj(kind: str, **facts: Val) -> Val:
        return Val("obj", name=kind, fields=dict(facts))

    # --- reading ----------------------------------------------------------------------------------------
    @property
    def textual(self) -> bool:
        return self.kind in ("str", "path")

    def as_text(self) -> str | None:
        """The text of a string, path or number (UNKNOWN_PART where computed); None for other values."""
        if self.kind in ("str", "path", "num"):
            return self.text if self.text is not None else UNKNOWN_PART
        if self.kind == "bool":
            return self.text or UNKNOWN_PART
        return None

    def text_or_unknown(self) -> str:
        """The text of a value used as a string: UNKNOWN_PART for whatever is not known text."""
        text = self.as_text()
        return UNKNOWN_PART if text is None else text

    def literal(self) -> str | None:
        """The text when all of it is known."""
        text = self.as_text()
        return text if text is not None and UNKNOWN_PART not in text else None

    def word(self) -> Word:
        """The value as one word of a command line."""
        text = self.text_or_unknown()
        return Word(text, glob=self.glob, text=text.replace(UNKNOWN_PART, "…"))

    def iterated(self) -> Val:
        """What a loop over this value gives."""
        if self.elem is not None:
            return self.elem
        if self.kind == "dict":
            return Val.string(UNKNOWN_PART)
        if self.kind in ("str", "data", "num"):
            return Val.data()
        if self.kind == "file":
            return Val.string(UNKNOWN_PART)
        return Val.unknown(f"an element of {self.describe()}")

    def field(self, key: str) -> Val | None:
        return self.fields.get(key)

    def describe(self) -> str:
        if self.kind in ("str", "path"):
            return repr((self.text or UNKNOWN_PART).replace(UNKNOWN_PART, "…"))
        if self.name:
            return self.name
        return self.why or self.kind


def merge(values: Sequence[Val]) -> Val:
    """One value standing for any of several: known text only where they all agree."""
    if not values:
        return Val.unknown("nothing")
    first = values[0]
    if all(v.kind == first.kind and v.text == first.text and v.name == first.name for v in values):
        return first
    if all(v.textual for v in values):
        return Val("path" if any(v.kind == "path" for v in values) else "str", text=UNKNOWN_PART,
                   glob=any(v.glob for v in values))
    if all(v.kind in ("str", "num", "bool", "none", "data") for v in values):
        return Val.data()
    return Val.unknown("one of several values")


def concat(parts: Iterable[Val]) -> Val:
    """Strings joined: known text kept, the rest run-time parts; a path stays a path."""
    pieces: list[str] = []
    kind: Kind = "str"
    glob = False
    for part in parts:
        pieces.append(part.text_or_unknown())
        glob = glob or part.glob
        if part.kind == "path" and not pieces[:-1]:
            kind = "path"
    text = "".join(pieces)
    while UNKNOWN_PART * 2 in text:
        text = text.replace(UNKNOWN_PART * 2, UNKNOWN_PART)
    return Val(kind, text=text, glob=glob)
