"""bash as tree-sitter-bash parses it: the parser, and small walks over its trees."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

_parser: Any = None

# Code points no command needs: surrogates and everything from plane 3 up (unassigned planes, tag characters
# used to smuggle hidden text, private use). tree-sitter-bash's lexer can crash the process on some of them
# (measured: '{' followed by U+E0001 or U+FB879 segfaults within a few hundred parses), so they never reach it.
UNPARSABLE_CHARS = re.compile("[\ud800-\udfff\U00030000-\U0010ffff]")


# tree-sitter-bash glues a line that starts with a backslash (`\rm -rf /`, or psql's `\o` as the first line
# of a heredoc) onto the previous line as arguments. A space before the backslash parses as bash means it,
# and changes nothing for bash or psql reading that line.
LINE_START_ESCAPE = re.compile(r"\n\\(?=[^\n])")


def parse(text: str) -> Any:
    """The tree-sitter tree of `text` (a trailing newline avoids a slow path on long pipelines)."""
    global _parser
    if not text.isascii():
        text = UNPARSABLE_CHARS.sub("\ufffd", text)
    if "\n" in text and "\\" in text:
        text = LINE_START_ESCAPE.sub("\n \\\\", text)
    if _parser is None:
        import tree_sitter

        _parser = tree_sitter.Parser(tree_sitter.Language(bash_language()))
    return _parser.parse((text + "\n").encode("utf-8", "surrogatepass"))


def bash_language() -> Any:
    """The grammar, loaded from tree_sitter_bash's compiled binding without running the package's
    __init__ (it imports importlib.resources for query files we never read: ~5 ms of every hook call)."""
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("tree_sitter_bash")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_binding" + suffix)
            if os.path.exists(path):
                loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding", path)
                binding_spec = importlib.util.spec_from_file_location("tree_sitter_bash._binding", path,
                                                                      loader=loader)
                if binding_spec is not None:
                    module = importlib.util.module_from_spec(binding_spec)
                    loader.exec_module(module)
                    return module.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


def substitutions(node: Any) -> Iterator[Any]:
    """Command and process substitutions anywhere below `node` (not inside each other)."""
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        if n.type in ("command_substitution", "process_substitution"):
            yield n
        else:
            stack.extend(reversed(n.named_children))


def first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        n = stack.pop()
        if (n.is_error or n.is_missing) and not assignment_only(n):
            return n
        stack.extend(reversed(n.children))
    return None


def assignment_only(missing: Any) -> bool:
    """`a=$(date) > f`: assignments and redirects with no command are valid bash (the variables are set in
    the shell, the redirects open their files), but tree-sitter-bash reports a MISSING command name."""
    name = missing.parent
    if not missing.is_missing or name is None or name.type != "command_name" or name.parent is None:
        return False
    return any(c.type == "variable_assignment" for c in name.parent.named_children)


def has_command_name(command: Any) -> bool:
    """A command node that names a program (not assignments and redirects only)."""
    return not any(c.type == "command_name" and any(g.is_missing for g in c.children)
                   for c in command.named_children)


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def calls_itself(body: Any, name: str) -> bool:
    """A function whose body runs itself in a pipeline or in the background: a fork bomb."""
    calls = 0
    spawns = False
    for n in walk(body):
        if n.type == "command_name" and n.text.decode("utf-8", "replace") == name:
            calls += 1
        elif n.type in ("pipeline", "&"):
            spawns = True
    return calls >= 1 and spawns
