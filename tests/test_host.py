"""The machine: power, services, processes, firewall, schedules, accounts, mounts, kernel, packages."""

from __future__ import annotations

import pytest

import changegate.understand.commands.host.systemctl  # noqa: F401  (compiled before the first timed analysis)
from changegate.model import Verdict
from tests.conftest import effects, shell


def tags_of(verdict: Verdict) -> set[str]:
    return {t for e in verdict.effects for t in e.tags}


@pytest.mark.parametrize("command", [
    "systemctl status nginx", "systemctl list-units --failed", "systemctl", "service --status-all",
    "crontab -l", "iptables -nvL", "iptables -t nat -L", "ufw status verbose", "nft list ruleset",
    "firewall-cmd --list-all", "mount", "swapon --show", "sysctl -a", "sysctl net.ipv4.ip_forward",
    "modprobe -n nbd", "hostname", "hostnamectl", "timedatectl status", "ip a", "ip route show", "ip -br link",
    "apt list --installed", "apt-cache policy curl", "dnf info nginx", "brew list", "pacman -Qi bash",
    "dpkg -l", "rpm -qa", "passwd -S dev", "launchctl list", "kill -l", "visudo -c", "snap list",
])
def test_reading_the_machine_is_allowed(command: str) -> None:
    v = shell(command)
    assert v.decision == "allow", v.reasons
    assert {e.operation for e in v.effects} == {"read"}


@pytest.mark.parametrize("command", [
    "shutdown -h now", "shutdown -r +5", "reboot", "halt -p", "poweroff", "init 0", "telinit 6",
    "systemctl reboot", "sudo systemctl poweroff",
])
def test_power_asks(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert "power" in tags_of(v)
    assert effects(v, "host_control")[0].environment == "unknown"


def test_the_users_own_units_are_ordinary_and_the_machines_are_not() -> None:
    assert shell("systemctl --user restart myapp").decision == "allow"
    v = shell("sudo systemctl restart myapp")
    assert v.decision == "ask"


def test_stopping_sshd_is_critical() -> None:
    v = shell("sudo systemctl stop sshd")
    assert v.decision == "ask"
    assert "critical-service" in tags_of(v)
    assert "critical-service" not in tags_of(shell("sudo systemctl status sshd"))


def test_enabling_a_unit_is_persistence_even_for_the_user() -> None:
    v = shell("systemctl --user enable backdoor.service")
    assert v.decision == "ask"
    assert "persistence" in tags_of(v)


def test_remote_hosts_place_service_changes() -> None:
    assert shell("ssh web1.dev.example.com sudo systemctl restart nginx").decision == "allow"
    assert shell("ssh web1.prod.example.com sudo systemctl restart nginx").decision == "ask"


# --- processes ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "kill 12345", "kill -9 4242", "kill %1", "kill $!", "kill $(lsof -ti:3000)", "kill $(cat server.pid)",
    "pkill -f 'node server.js'", "pkill -f vite", "killall myserver",
])
def test_stopping_the_agents_own_processes_is_ordinary(command: str) -> None:
    assert shell(command).decision == "allow"


@pytest.mark.parametrize(("command", "tag"), [
    ("kill -9 -1", "machine-wide"),
    ("kill 1", "critical-service"),
    ("killall -9 sshd", "critical-service"),
    ("pkill -f node", "machine-wide"),
    ("killall node", "machine-wide"),
    ("pkill -u dev", "machine-wide"),
])
def test_broad_or_system_kills_ask(command: str, tag: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert tag in tags_of(v)


def test_kill_as_root_or_of_an_unseen_pid_asks() -> None:
    assert shell("sudo kill -9 1234").decision == "ask"
    assert shell("kill $(pgrep sshd)").decision == "ask"
    assert shell("for p in $(ps -eo pid); do kill -9 $p; done").decision == "ask"


# --- firewall, schedules, accounts ------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "iptables -F", "sudo iptables -P INPUT ACCEPT", "ip6tables -X", "ufw disable", "ufw allow 22/tcp",
    "nft flush ruleset", "firewall-cmd --panic-on", "firewall-cmd --remove-service=ssh --permanent",
    "iptables-restore < rules.v4",
])
def test_firewall_changes_ask(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert "firewall" in tags_of(v)


def test_crontab_removal_and_replacement() -> None:
    removed = shell("crontab -r")
    assert removed.decision == "ask"
    assert effects(removed, "delete")[0].kind == "schedule"
    replaced = shell('echo "* * * * * rm -rf ~" | crontab -')
    assert replaced.decision == "deny"  # the job it schedules deletes the home directory
    assert "persistence" in tags_of(replaced)


def test_at_schedules_later_work() -> None:
    v = shell('echo "touch /tmp/x" | at now + 1 minute')
    assert v.decision == "ask" and "persistence" in tags_of(v)


@pytest.mark.parametrize("command", [
    "useradd -M -N -r -s /bin/bash evil_user", "userdel -r olduser", "passwd", "chpasswd", "visudo",
    "groupdel developers", "usermod --lock dev",
])
def test_account_changes_ask(command: str) -> None:
    assert shell(command).decision == "ask"


def test_privilege_escalation_is_tagged() -> None:
    assert "privilege-escalation" in tags_of(shell("usermod -aG sudo dev"))
    assert "privilege-escalation" in tags_of(shell("useradd -o -u 0 backdoor"))
    assert "privilege-escalation" not in tags_of(shell("usermod -c 'Dev' dev"))


def test_userdel_with_home_loses_data() -> None:
    assert effects(shell("userdel -r olduser"), "delete")[0].data_loss


# --- mounts, kernel, settings, network -------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "mount /dev/sdb1 /mnt", "umount -l /mnt/data", "swapoff -a", "sysctl -w net.ipv4.ip_forward=1",
    "insmod /tmp/rootkit.ko", "modprobe -r nf_tables", "hostnamectl set-hostname prod-db",
    "timedatectl set-time '2020-01-01'", "hostname evil", "setenforce 0", "ip link set eth0 down",
    "ip route flush table main", "ip route del default", "launchctl load -w ~/Library/LaunchAgents/x.plist",
])
def test_machine_changes_ask(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert all(e.environment == "unknown" for e in v.effects if e.operation != "read")


def test_swapoff_all_is_every_filesystem() -> None:
    assert effects(shell("swapoff -a"), "host_control")[0].scope == "all"


def test_ip_netns_exec_runs_its_command() -> None:
    v = shell("ip netns exec blue rm -rf /")
    assert v.decision == "deny"


# --- packages --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "sudo apt-get install -y curl", "apt install ./tool.deb", "dnf install -y nginx", "yum remove httpd",
    "apk add git", "pacman -Syu", "pacman -S vim", "zypper in jq", "snap install code --classic",
    "brew install jq", "brew install -s jq", "port install wget", "dpkg -i tool.deb", "rpm -ivh x.rpm",
    "flatpak install flathub org.gimp.GIMP",
])
def test_installing_on_the_machine_asks(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    assert "packages" in tags_of(v)


def test_index_refresh_and_dry_runs_are_allowed() -> None:
    assert shell("sudo apt-get update").decision == "allow"
    assert shell("apt-get install -s nginx").decision == "allow"
    assert shell("brew update").decision == "allow"


def test_removing_essential_packages_is_flagged() -> None:
    v = shell("sudo apt-get remove --purge libc6")
    assert "essential-package" in tags_of(v)
    assert effects(v, "delete")[0].reversible == "no"
    assert "essential-package" not in tags_of(shell("sudo apt-get remove cowsay"))


def test_package_cache_cleanup_is_machine_wide() -> None:
    assert "machine-wide" in tags_of(shell("sudo apt-get clean"))


def test_installing_inside_a_container_is_ordinary() -> None:
    assert shell('docker run --rm ubuntu sh -c "apt-get update && apt-get install -y curl"').decision == "allow"
