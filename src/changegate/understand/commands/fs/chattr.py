"""chattr: `chattr [-RVf] [-v VERSION] [-p PROJECT] [MODE] FILE...`, where MODE is `+`, `-` or `=`
followed by attribute letters (`chattr -i FILE` removes immutability: `-i` is the mode, not an option)."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.commands.fs.permissions import PermissionTool, options_end

# chattr's own options are -R -V -f (and -v/-p with a value): any other dash word is a mode
DASH_MODE = re.compile(r"-[aAcCdDeFijmPsStTux]+")


class Chattr(PermissionTool):
    NAMES = ("chattr",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-v", "-p"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        end = options_end(words)
        modes = [w for w in words[:end] if DASH_MODE.fullmatch(w.value)]
        opts = self.walk([w for w in words if not any(w is m for m in modes)])
        files = opts.positional_words
        modes.extend(w for w in files if w.value[:1] in ("+", "="))
        files = [w for w in files if not any(w is m for m in modes)]
        spec = " ".join(w.value for w in modes)
        tags = ["immutable"] if "+" in spec and "i" in spec else []
        return self.changed(inv, spec, files, recursive=opts.has("-R"), tags=tags,
                            removes_access=lambda _others_matter: False)
