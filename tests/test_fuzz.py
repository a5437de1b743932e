"""Arbitrary input never crashes the engine, and what cannot be parsed is never allowed."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changegate.gate import check_line, evaluate
from changegate.understand.shell import parse

TOKENS = ["rm", "-rf", "/", "~", "$(", ")", "`", "'", '"', "|", "&&", ";", "<<", "EOF", "\n", "$X", "${", "}",
          "bash", "-c", "sudo", "xargs", "find", "-exec", "{}", "\\;", "eval", "base64", "-d", "python", "-c",
          "git", "push", "--force", "kubectl", "delete", "ns", "prod", "*", "?", "[", "]", "(", ")", "=", ">", "<",
          "2>&1", "$'\\x72'", "EOF\n", "for", "do", "done", "if", "then", "fi", "{", "function", "!", "#"]

settings.register_profile("ci", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


def parses_cleanly(text: str) -> bool:
    return not parse(text).root_node.has_error


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    verdict = evaluate({"type": "shell", "command": text, "cwd": "/home/dev/app", "env": {"HOME": "/home/dev"}})
    assert verdict.decision in ("allow", "ask", "deny")
    if not parses_cleanly(text):
        assert verdict.decision != "allow"


@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_shellish_token_soup_never_raises_and_unparsable_is_never_allowed(tokens: list[str]) -> None:
    text = " ".join(tokens)
    verdict = evaluate({"type": "shell", "command": text, "cwd": "/home/dev/app", "env": {"HOME": "/home/dev"}})
    assert verdict.decision in ("allow", "ask", "deny")
    assert verdict.reasons or verdict.decision == "allow"
    if not parses_cleanly(text):
        assert verdict.decision != "allow"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=4), max_leaves=20))
def test_arbitrary_json_lines_get_an_answer(doc: object) -> None:
    answer = check_line(json.dumps({"id": "x", "action": doc}))
    assert answer["decision"] in ("allow", "ask", "deny")
    if not isinstance(doc, dict):
        assert answer["decision"] == "deny" and "error" in answer


@given(st.binary(max_size=200))
def test_arbitrary_bytes_on_a_batch_line(data: bytes) -> None:
    answer = check_line(data)
    assert answer["decision"] in ("allow", "ask", "deny")
