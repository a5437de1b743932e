"""A table of regexes over whole paths, asked "which row does this path fall under first?" in one or two
matches instead of one per row (sensitive.py's credential locations, planting.py's places).

`~/` at the start of a pattern (or of one of its alternatives) stands for any home: /home/NAME, /root,
/Users/NAME. The rows that start there share that prefix, matched once: 45 rows each matching
`/home/[^/]+/` again before failing on their own part cost several microseconds a path.
"""

from __future__ import annotations

import re

HOME = r"(?:/home/[^/]+|/root|/Users/[^/]+)/"


class PathTable:
    def __init__(self, patterns: list[tuple[str, bool]]) -> None:
        """`patterns`: (regex, whether case is ignored), in the table's order (a row's index is its group,
        `p<index>`)."""
        at_home: list[str] = []
        elsewhere: list[str] = []
        for index, (pattern, ignore_case) in enumerate(patterns):
            parts = top_level_branches(pattern)
            # a case-insensitive row keeps its home inside its own flags: /HOME/x is /home/x there
            shared = [] if ignore_case else [p[2:] for p in parts if p.startswith("~/")]
            own = [p.replace("~/", HOME) for p in parts if ignore_case or not p.startswith("~/")]
            flags = "(?i:" if ignore_case else "(?:"
            if shared:
                at_home.append(f"(?P<p{index}>(?:{'|'.join(shared)})\\Z)")
            if own:
                elsewhere.append(f"(?P<p{index}>{flags}{'|'.join(own)})\\Z)")
        self.at_home = re.compile(HOME + "(?:" + "|".join(at_home) + ")") if at_home else None
        self.elsewhere = re.compile("|".join(elsewhere)) if elsewhere else None

    def first_row(self, path: str) -> int | None:
        """The index of the first row `path` falls under, or None."""
        first: int | None = None
        for regex in (self.at_home, self.elsewhere):
            found = regex.match(path) if regex is not None else None
            if found is not None and found.lastgroup:
                row = int(found.lastgroup[1:])
                first = row if first is None else min(first, row)
        return first


def home_probe(path: str, home: str | None) -> str:
    """The path as the tables spell it: a home outside /home (e.g. /Users/x or /var/lib/x) mapped onto
    `/home/_`."""
    if home and home not in ("/", "/root") and (path == home or path.startswith(home + "/")):
        return "/home/_" + path[len(home):]
    return path


def top_level_branches(pattern: str) -> list[str]:
    """The alternatives of a regex at its top level: `a|b(c|d)|[|]` gives `a`, `b(c|d)` and `[|]`."""
    branches: list[str] = []
    depth, start, index, in_class = 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1
            # a `]` first in the class (or after its `^`) is one of its characters, not its end
            index += pattern.startswith("^", index)
            index += pattern.startswith("]", index)
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches
