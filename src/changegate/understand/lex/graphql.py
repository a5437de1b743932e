"""The operations of a GraphQL document and their top-level fields, without a GraphQL parser.

Enough to tell a query from a mutation and to name what a mutation calls (`volumeDelete`): strings,
comments and arguments are skipped, nothing else of the grammar is checked.
"""

from __future__ import annotations

MAX_DOCUMENT = 256 * 1024  # characters of a document scanned
KEYWORDS = ("query", "mutation", "subscription", "fragment")


def graphql_operations(document: str) -> list[tuple[str, list[str]]]:
    """Each operation's type and its top-level field names: `mutation { volumeDelete(id: 1) }` ->
    [("mutation", ["volumeDelete"])]. Strings, comments and arguments are skipped."""
    operations: list[tuple[str, list[str]]] = []
    depth = parens = 0
    keyword = ""
    fields: list[str] = []
    i, n = 0, min(len(document), MAX_DOCUMENT)
    while i < n:
        c = document[i]
        if c == "#":
            end = document.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == '"':
            i = skip_string(document, i)
            continue
        if c == "(":
            parens += 1
        elif c == ")":
            parens = max(0, parens - 1)
        elif c == "{" and parens == 0:
            depth += 1
            if depth == 1:
                fields = []
        elif c == "}" and parens == 0:
            depth -= 1
            if depth == 0:
                operations.append((keyword or "query", fields))
                keyword = ""
        elif (c.isalpha() or c == "_") and parens == 0:
            j = i
            while j < n and (document[j].isalnum() or document[j] == "_"):
                j += 1
            name = document[i:j]
            before = document[:i].rstrip()[-1:] if i else ""
            after = document[j:].lstrip()[:1]
            if depth == 0 and name in KEYWORDS:
                keyword = name
            elif depth == 1 and before not in ("@", ".", ":") and after != ":":
                fields.append(name)
            elif depth == 1 and before == ":":
                fields.append(name)  # `alias: field`
            i = j
            continue
        i += 1
    return operations


def skip_string(text: str, start: int) -> int:
    """Where the string (`"…"` or a `\"\"\"` block) opening at `start` ends."""
    if text.startswith('"""', start):
        end = text.find('"""', start + 3)
        return len(text) if end < 0 else end + 3
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return len(text)
