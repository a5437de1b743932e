"""The path tables (understand/pathtable.py): one or two matches find the same first row as trying every row of
the table in order, for the credential locations, the credential names and the places that run later."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.understand.pathtable import HOME, PathTable, top_level_branches
from changegate.understand.planting import PLACES
from changegate.understand.sensitive import _SECRET_NAMES, _SECRET_PATTERNS

TABLES = {
    "credential locations": [(pattern, False) for pattern, _ in _SECRET_PATTERNS],
    "credential names": [(pattern, True) for pattern, _ in _SECRET_NAMES],
    "places that run later": [(place.pattern, place.ignore_case) for place in PLACES],
}
# pieces of paths that the tables' rows are made of, and some that none is
PIECES = ["/home/dev", "/root", "/Users/ana", "/HOME/dev", "/etc", "/var", "/run", "/proc/1", "/tmp", "/x", ".ssh",
          "id_rsa", "id_rsa.pub", "config", ".aws", "credentials", ".kube", ".git", "hooks", "pre-commit", ".GIT",
          "HOOKS", ".env", ".env.example", "key.PEM", "shadow", "passwd", "sudoers.d", ".bashrc", ".config",
          "gcloud", "gh", "hosts.yml", "environ", "secrets", "auth.json", ".docker", "user", "1000", "containers",
          "systemd", "cron.d", "a", "package.json", "Makefile", ".github", "workflows", "ci.yml", "node_modules"]


def row_by_row(rows: list[tuple[str, bool]], path: str) -> int | None:
    for index, (pattern, ignore_case) in enumerate(rows):
        if re.fullmatch(pattern.replace("~/", HOME), path, re.IGNORECASE if ignore_case else 0):
            return index
    return None


@settings(max_examples=600, deadline=None)
@given(table=st.sampled_from(sorted(TABLES)), parts=st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
       absolute=st.booleans())
def test_the_first_row_is_the_one_a_loop_over_the_rows_finds(table: str, parts: list[str], absolute: bool) -> None:
    path = ("/" if absolute else "") + "/".join(p.strip("/") for p in parts)
    rows = TABLES[table]
    assert PathTable(rows).first_row(path) == row_by_row(rows, path)


def test_a_home_row_after_a_row_elsewhere_that_also_matches_is_not_first() -> None:
    # /root/.x falls under both rows: the first in the table's order wins, whichever regex found it
    rows = [(r"/root/.*", False), (r"~/\.x", False)]
    assert PathTable(rows).first_row("/root/.x") == 0
    assert PathTable(list(reversed(rows))).first_row("/root/.x") == 0


def test_a_case_insensitive_rows_home_ignores_case_too() -> None:
    assert PathTable([(r"~/\.git/hooks/.*", True)]).first_row("/HOME/dev/.GIT/hooks/x") == 0
    assert PathTable([(r"~/\.git/hooks/.*", False)]).first_row("/HOME/dev/.git/hooks/x") is None


def test_alternatives_are_split_only_at_the_top_level() -> None:
    assert top_level_branches(r"a|b(c|d)|[|]|\||[]|]|e") == ["a", "b(c|d)", "[|]", r"\|", "[]|]", "e"]
    assert top_level_branches(r"~/\.a(?!.*\|x)|/etc/[^|]+") == [r"~/\.a(?!.*\|x)", "/etc/[^|]+"]
