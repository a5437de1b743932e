"""Programs nobody declared stay not understood, but a known command inside them is judged; remote-execution
tools run their command on every host of a fleet; common read-only system programs are reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import effects, shell

# --- unknown programs and wrappers ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "with-lock rm -rf ~",
    "with-lock -t 10 rm -rf ~",
    "mywrap --retries 3 /bin/rm -rf /",
    "mywrap 'rm -rf ~'",
    "mywrap -c 'cd /tmp && rm -rf /etc'",
    "mywrap --cmd='rm -rf /'",
    "retry -n 3 -- rm -rf /",
    "tsp rm -rf ~",
    "tsp -L nightly rm -rf ~",
    "sshpass -p secret ssh prod.example.com 'rm -rf /'",
    "sshpass -f ~/.pw ssh deploy@db1 rm -rf /",
])
def test_a_known_catastrophe_inside_an_unknown_wrapper_is_denied(command: str) -> None:
    assert shell(command).decision == "deny", shell(command).effects


@pytest.mark.parametrize("command", ["with-lock make test", "mywrap 'ls -la'", "frobnicate --all", "cogito ergo sum"])
def test_an_unknown_program_stays_not_understood(command: str) -> None:
    verdict = shell(command)
    assert [e for e in verdict.effects if e.operation == "unknown"], verdict.effects


def test_an_unknown_program_with_a_destructive_verb_is_a_delete_placed_unknown() -> None:
    verdict = shell("frobctl delete-cluster main")
    assert [(e.operation, e.environment) for e in verdict.effects] == [("delete", "unknown")]


@pytest.mark.parametrize("command", ["tsp -l", "tsp -c 3", "sshpass -p x ssh host.dev.example.com uptime"])
def test_known_runners_with_harmless_commands(command: str) -> None:
    assert shell(command).decision == "allow"


# --- remote execution -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "pdsh -w web[01-12] 'rm -rf /etc/nginx'",
    "pdsh -w web[01-12] rm -rf /etc/nginx",
    "pdsh -a 'rm -rf /'",
    "pdsh -g prod -l root 'rm -rf ~'",
    "clush -a 'rm -rf /'",
    "clush -w @prod -b 'rm -rf /usr'",
    "dsh -a -- rm -rf /etc",
    "dsh -g web -c -- 'rm -rf /boot'",
    "parallel-ssh -H 'web1 web2' -i 'sudo rm -rf /'",
    "pssh -h hosts.txt 'rm -rf /var'",
    "salt '*' cmd.run 'rm -rf /'",
    "salt -G 'env:prod' cmd.run 'rm -rf /etc'",
    "salt -L web1,web2 file.remove /etc",
    "salt-ssh '*' -r 'rm -rf /'",
    "salt-call cmd.run 'rm -rf /'",
    "knife ssh 'role:web' 'sudo rm -rf /etc' -x deploy",
    "knife ssh -m 'web1 web2' 'rm -rf /'",
    "fab -H web1.prod.internal,web2.prod.internal -- 'sudo rm -rf /etc/ssl'",
    "mussh -h web1 web2 -c 'rm -rf /'",
    "ansible all -m shell -a 'rm -rf /'",
    "ansible all -m file -a 'path=/ state=absent'",
    "ansible all -b -m command -a 'rm -rf /etc'",
    "mssh i-0123456789 'rm -rf /'",
])
def test_a_catastrophe_on_a_fleet_is_denied(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", verdict.effects


@pytest.mark.parametrize("command", [
    "pdsh -w web[01-12] uptime",
    "pdsh -w web[01-12] 'df -h'",
    "clush -g prod 'systemctl status postgresql'",
    "clush -a -b 'uname -r'",
    "dsh -a -- uptime",
    "parallel-ssh -H 'web1 web2' -i uptime",
    "salt '*' cmd.run 'df -h'",
    "salt '*' test.ping",
    "salt '*' grains.items",
    "salt 'web*' state.apply test=True",
    "salt-key -L",
    "knife ssh 'role:db' 'df -h /var/lib/mysql' -x deploy",
    "knife node list",
    "fab -H web1.prod.internal,web2.prod.internal -- 'ls /etc/ssl'",
    "fab --list",
    "ansible all -i inventories/prod/hosts -m ping",
])
def test_reads_on_a_fleet_are_reads(command: str) -> None:
    assert shell(command).decision == "allow", shell(command).reasons


def test_changes_on_a_fleet_carry_its_size_and_tag() -> None:
    verdict = shell("pdsh -w web[01-12].prod.internal 'rm -rf /srv/app'")
    [delete] = effects(verdict, "delete")
    assert (delete.environment, delete.scope, delete.count) == ("prod", "many", 12)
    assert "fleet" in delete.tags
    assert verdict.decision == "ask" and verdict.approvals_required == 2


@pytest.mark.parametrize("command", [
    "clush -g prod 'sudo systemctl stop postgresql'",
    "salt '*' cmd.run 'shutdown -h now'",
    "salt '*' state.apply",
    "salt '*' pkg.remove nginx",
    "salt '*' service.stop nginx",
    "salt '*' pillar.items",
    "salt-key -D -y",
    "pdcp -w web[1-3] app.conf /etc/app.conf",
    "pnuke -h hosts.txt java",
    "knife node delete web1 -y",
    "salt '*' frobnicate.now",
])
def test_other_changes_on_a_fleet_ask(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.effects
    assert verdict.effects and all(e.operation != "read" for e in verdict.effects)


def test_a_host_file_places_the_fleet(tmp_path: Path) -> None:
    (tmp_path / "hosts.txt").write_text("# web tier\nweb1.prod.internal\ndeploy@web2.prod.internal:22\n")
    verdict = shell("pssh -h hosts.txt 'sudo systemctl restart nginx'", cwd=str(tmp_path))
    assert [(e.environment, e.count) for e in verdict.effects] == [("prod", 2)]
    verdict = shell("pdsh -w ^hosts.txt 'rm -rf /srv/cache'", cwd=str(tmp_path))
    assert [e.environment for e in verdict.effects] == ["prod"]


def test_without_a_command_it_is_an_interactive_session() -> None:
    verdict = shell("pdsh -w web[1-3]")
    assert [(e.operation, e.kind) for e in verdict.effects] == [("host_control", "shell")]


def test_a_fabfile_task_runs_code_changegate_does_not_follow(tmp_path: Path) -> None:
    assert [e.tags for e in shell("fab deploy", cwd=str(tmp_path)).effects] == [("absent-program",)]
    (tmp_path / "fabfile.py").write_text("from fabric import task\n")
    assert [e.operation for e in shell("fab -H web1 deploy", cwd=str(tmp_path)).effects] == ["unknown"]


# --- read-only system programs --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "findmnt /home", "findmnt -t ext4", "getent passwd", "getent group | cut -d: -f1", "ipcs -m", "uuidgen",
    "uuid -v4", "zipinfo app.jar", "echo -n hi | md5", "lsns", "lslocks", "pidof nginx", "locale -a",
    "shasum -a 256 file", "lsb_release -a", "systemd-detect-virt", "getfacl file", "bg %1", "fg 2", "logout",
    "disown -a", "bind -P", "lastlog", "hostid", "arch",
])
def test_read_only_system_programs_are_reads(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
    assert all(e.operation == "read" for e in verdict.effects)


def test_their_options_that_write_or_print_secrets_are_not_reads() -> None:
    assert [e.operation for e in shell("getent shadow root").effects] == ["secret_read"]
    assert [e.operation for e in shell("getent gshadow").effects] == ["secret_read"]
    assert [e.operation for e in shell("lastlog --clear --user bob").effects] == ["modify"]
    assert [e.operation for e in shell("bind -x '\"\\C-x\": rm -rf ~'").effects] == ["unknown"]
