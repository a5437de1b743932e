"""The shell walker: expansion, control flow, streams between commands, and its bounds."""

from __future__ import annotations

import time

import pytest

from changegate.environments import Environments
from changegate.model import Action
from changegate.understand import understand
from changegate.understand.shell import MAX_COMMAND_BYTES, decode_ansi_c, expand_braces, has_glob
from tests.conftest import HOME, WORKSPACE, resources, shell


def deleted(command: str, **kw: object) -> set[str]:
    return resources(shell(command, **kw), "delete")  # type: ignore[arg-type]


class TestExpansion:
    def test_quotes_are_removed(self) -> None:
        assert deleted("rm -rf 'build'\"dir\"") == {f"fs:{WORKSPACE}/builddir"}

    def test_ansi_c_escapes(self) -> None:
        assert decode_ansi_c(r"\x72\x6d \101\n\u00e9") == "rm A\né"

    def test_tilde_is_the_agents_home_not_the_gates(self) -> None:
        assert deleted("rm -rf ~/notes") == {f"fs:{HOME}/notes"}

    def test_variables_from_the_actions_env(self) -> None:
        assert deleted("rm -rf $OUT/cache", env={"OUT": "/srv/out"}) == {"fs:/srv/out/cache"}

    def test_earlier_assignment_in_the_same_line(self) -> None:
        assert deleted("D=/var/www; rm -rf $D") == {"fs:/var/www"}

    def test_default_value_expansion(self) -> None:
        assert deleted("rm -rf ${DIR:-/opt/app}") == {"fs:/opt/app"}
        assert deleted("rm -rf ${DIR:-/opt/app}", env={"DIR": "build"}) == {f"fs:{WORKSPACE}/build"}

    def test_unset_variable_expands_to_nothing(self) -> None:
        assert deleted("rm -rf $NOPE/") == {"fs:/"}

    def test_unquoted_variable_is_split_into_words(self) -> None:
        assert deleted('T="a b"; rm $T') == {f"fs:{WORKSPACE}/a", f"fs:{WORKSPACE}/b"}

    def test_required_variable_is_not_treated_as_empty(self) -> None:
        # bash stops at ${X:?} when X is unset: it is not `rm -rf /`
        verdict = shell('rm -rf "${TARGET:?}/"')
        assert verdict.decision != "deny"

    def test_brace_expansion(self) -> None:
        assert expand_braces("a{b,c}d") == ["abd", "acd"]
        assert deleted("rm -rf /srv/{a,b}") == {"fs:/srv/a", "fs:/srv/b"}

    def test_glob_is_kept_as_a_pattern(self) -> None:
        verdict = shell("rm -f *.log")
        (effect,) = [e for e in verdict.effects if e.operation == "delete"]
        assert effect.resource == f"fs:{WORKSPACE}/*.log"
        assert effect.scope == "many"
        assert has_glob("*.py") and not has_glob("'*.py'") and not has_glob("\\*.py")

    def test_command_substitution_text_is_used_when_known(self) -> None:
        assert deleted("rm -rf $(echo /etc)") == {"fs:/etc"}

    def test_command_substitution_unknown_value_stays_unknown(self) -> None:
        verdict = shell("rm -rf $(cat list.txt)")
        assert verdict.decision == "ask"


class TestControlFlow:
    def test_cd_changes_where_relative_paths_resolve(self) -> None:
        assert deleted("cd /srv && rm -rf data") == {"fs:/srv/data"}

    def test_cd_in_a_subshell_does_not_leak(self) -> None:
        assert deleted("(cd /srv) && rm -rf data") == {f"fs:{WORKSPACE}/data"}

    def test_function_runs_when_called_only(self) -> None:
        assert deleted("cleanup() { rm -rf /srv/x; }") == set()
        assert deleted("cleanup() { rm -rf /srv/x; }; cleanup") == {"fs:/srv/x"}

    def test_recursive_function_terminates(self) -> None:
        verdict = shell("f() { f; }; f")
        assert verdict.decision in ("allow", "ask")

    def test_loop_over_literal_words(self) -> None:
        assert deleted("for d in a b; do rm -rf /srv/$d; done") == {"fs:/srv/a", "fs:/srv/b"}

    def test_loop_variable_from_run_time_is_unknown(self) -> None:
        verdict = shell("for f in $(ls); do rm -rf /srv/$f; done")
        assert verdict.decision == "ask"

    def test_case_and_while_bodies_are_read(self) -> None:
        assert deleted("case $x in a) rm -rf /srv/a;; esac") == {"fs:/srv/a"}
        assert deleted("while false; do rm -rf /srv/w; done") == {"fs:/srv/w"}

    def test_sh_c_positional_parameters(self) -> None:
        assert deleted("sh -c 'rm -rf \"$1\"' _ /srv/p") == {"fs:/srv/p"}


class TestStreams:
    def test_heredoc_feeds_a_shell(self) -> None:
        assert deleted("sh <<'EOF'\nrm -rf /srv/h\nEOF") == {"fs:/srv/h"}

    def test_heredoc_piped_onward(self) -> None:
        assert deleted("cat <<EOF | bash\nrm -rf /srv/p\nEOF") == {"fs:/srv/p"}

    def test_decoded_unknown_payload_is_opaque(self) -> None:
        verdict = shell("cat payload.b64 | base64 -d | sh")
        assert verdict.decision == "ask"
        assert any(e.operation == "execute_opaque" for e in verdict.effects)

    def test_reading_stdin_of_the_gate_never_blocks(self) -> None:
        started = time.perf_counter()
        verdict = shell("bash < /dev/stdin")
        assert time.perf_counter() - started < 2
        assert verdict.decision == "ask"

    def test_script_written_then_run_is_understood(self) -> None:
        assert deleted("printf 'rm -rf /srv/s\\n' > s.sh && sh s.sh") == {"fs:/srv/s"}

    def test_script_on_disk_is_read(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        (tmp_path / "clean.sh").write_text("#!/bin/sh\nrm -rf /srv/from-disk\n")
        assert deleted("bash clean.sh", cwd=str(tmp_path)) == {"fs:/srv/from-disk"}


class TestBounds:
    def test_too_large_is_denied(self) -> None:
        verdict = shell("echo " + "a" * (MAX_COMMAND_BYTES + 10))
        assert verdict.decision == "deny"
        assert "too-large" in verdict.effects[0].tags

    def test_too_deep_is_denied(self) -> None:
        command = "echo " + "$(" * 200 + "x" + ")" * 200
        verdict = shell(command)
        assert verdict.decision == "deny"

    def test_parse_error_asks_and_says_where(self) -> None:
        verdict = shell("if then fi (")
        assert verdict.decision == "ask"
        assert any("does not parse" in r for r in verdict.reasons)

    def test_analysis_is_bounded_in_time(self) -> None:
        command = "; ".join(f"rm -rf build{i}" for i in range(3000))
        started = time.perf_counter()
        verdict = shell(command)
        assert time.perf_counter() - started < 5
        assert verdict.decision in ("allow", "deny")


def test_understand_never_raises_on_unknown_action_types() -> None:
    action = Action(type="shell", command=None)
    result = understand(action, Environments())
    assert result.effects


@pytest.mark.parametrize("command", ["true", "echo hi", ":", "pwd"])
def test_harmless_builtins_are_allowed(command: str) -> None:
    assert shell(command).decision == "allow"


def test_characters_that_crash_the_bash_grammar_never_reach_it() -> None:
    # tree-sitter-bash segfaulted on '{' followed by a plane-14 tag character within a few hundred parses
    for _ in range(400):
        verdict = shell("echo {\U000e0001\x87")
    assert verdict.decision == "ask"
    assert any("tag characters" in e.summary for e in verdict.effects)
    assert shell("git commit -m 'ship it 🚀'").decision == "allow"


def test_two_backtick_substitutions_side_by_side() -> None:
    # tree-sitter-bash reads "`a` `b`" as one substitution running "a` `b"
    assert shell("echo `date` `rm -rf /`").decision == "deny"
    assert shell("echo `whoami` `stat -c %i /home`").decision == "allow"


def test_paths_listed_by_find_in_a_substitution_stay_under_its_root() -> None:
    assert shell("chmod 640 `find ./ -type f -print`").decision == "allow"
    assert shell("chmod 755 $(find /srv/www -type d)").decision == "ask"
