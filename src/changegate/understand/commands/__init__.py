"""Command families: which module understands which command.

The table maps a command name to `module:Class`; modules are imported on first use so that a hook which only
sees `git status` never pays for the AWS tables. Adding a tool is adding its names here and a module with its
verbs in a table (see `base.Family`).
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from changegate.understand.base import Family


def _names(spec: str, target: str) -> dict[str, str]:
    return dict.fromkeys(spec.split(), target)


FAMILIES: dict[str, str] = {
    # shells and runners: they run another command, which the walker then understands
    **_names("bash sh zsh dash ksh ash mksh fish rbash yash posh", "shells:Shell"),
    **_names("eval", "shells:Eval"),
    **_names("source .", "shells:Source"),
    **_names("sudo doas pkexec gosu su-exec", "runners:Sudo"),
    **_names("su runuser", "runners:Su"),
    **_names("env", "runners:Env"),
    **_names("command builtin exec nohup time nice ionice timeout stdbuf setsid chrt taskset numactl "
             "unbuffer torsocks proxychains proxychains4 firejail caffeinate catchsegv fakeroot "
             "strace ltrace xvfb-run unshare nsenter setpriv systemd-run flock chroot retry "
             "with-contenv dumb-init tini entr", "runners:Runner"),
    **_names("watch", "runners:Watch"),
    **_names("xargs", "runners:Xargs"),
    **_names("parallel", "runners:Parallel"),
    **_names("script", "runners:Script"),
    **_names("busybox toybox", "runners:Busybox"),
    **_names("ssh mosh autossh", "runners:Ssh"),
    # files and disks
    **_names("rm rmdir unlink shred srm trash trash-put", "fs:Remove"),
    **_names("truncate", "fs:Truncate"),
    **_names("dd", "fs:Dd"),
    **_names("mkfs mke2fs mkswap wipefs fdisk sfdisk gdisk sgdisk cfdisk parted mkfs.ext2 mkfs.ext3 mkfs.ext4 "
             "mkfs.xfs mkfs.btrfs mkfs.vfat mkfs.fat mkfs.ntfs mkfs.exfat mkfs.f2fs blkdiscard zpool",
             "fs:Disk"),
    **_names("mv cp install ln rename", "fs:MoveCopy"),
    **_names("chmod chown chgrp chattr setfacl", "fs:Permissions"),
    **_names("rsync", "fs:Rsync"),
    **_names("tee", "fs:Tee"),
    **_names("touch mkdir mkfifo mktemp", "fs:Create"),
    **_names("find", "fs:Find"),
    **_names("sed gsed", "fs:Sed"),
    **_names("tar zip unzip gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd 7z 7za", "fs:Archive"),
    # reading and computing: harmless unless they read secrets
    **_names("ls ll la dir vdir cat bat batcat less more most head tail grep egrep fgrep rg ag ack sort uniq wc "
             "cut tr paste join comm diff diff3 sdiff cmp colordiff file stat du df tree which whereis type "
             "echo printf pwd date whoami id groups uname uptime ps pgrep pstree top htop btop free vmstat "
             "iostat lsof printenv true false test [ [[ sleep yes seq basename dirname realpath readlink "
             "md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum sum base32 base64 xxd od "
             "hexdump strings jq yq gojq column fold fmt nl rev tac expand unexpand bc dc expr cal man info "
             "help history locate jobs wait read shopt alias unalias hash clear tput stty lscpu lsblk blkid "
             "nproc getconf ldd nm objdump readelf tldr whatis apropos fc logname tty users who w last lsmod "
             "dmesg journalctl ping ping6 traceroute tracepath dig nslookup host whois ss netstat ifconfig "
             "arp route mtr nmap lsusb lspci lshw dmidecode sensors vim vi nvim nano emacs code open xdg-open "
             "pbcopy pbpaste xclip xsel numfmt set unset export declare local readonly typeset shift return exit break continue trap umask ulimit getopts let finger shuf factor iconv dos2unix unix2dos "
             "look csplit split pr ts pv less watchman fzf fd fdfind exa eza tokei cloc scc "
             "envsubst gettext column csvlook xmllint tidy sqlfluff "
             "shellcheck hadolint yamllint markdownlint actionlint zcat zless zmore zgrep zdiff bzcat bzless xzcat "
             "xzless zstdcat lzcat view pdfinfo identify mediainfo ffprobe",
             "basic:ReadOnly"),
    # interpreters: inline code is parsed (Python) or classified (the rest)
    **_names("python python2 python3 pypy pypy3 python3.8 python3.9 python3.10 python3.11 python3.12 "
             "python3.13 python3.14 ipython", "interpreters:Python"),
    **_names("node nodejs deno bun perl ruby php lua luajit Rscript osascript pwsh powershell tclsh jshell "
             "groovy scala kotlin julia", "interpreters:Script"),
    **_names("awk gawk mawk nawk", "interpreters:Awk"),
    # version control and forges
    **_names("git", "git:Git"),
    **_names("gh", "gh:Gh"),
    **_names("glab", "gh:Glab"),
    # build tools and package managers (run scripts, install, publish)
    **_names("npm pnpm yarn bun npx pnpx bunx", "packages:Node"),
    **_names("pip pip3 pipx uv uvx poetry pdm conda mamba micromamba", "packages:Python"),
    **_names("cargo go make gmake cmake ninja gradle gradlew mvn mvnw ant bazel buck dotnet mix gem bundle "
             "composer sbt lein swift xcodebuild meson gcc g++ cc clang clang++ rustc javac tsc "
             "pytest tox nox jest vitest mocha eslint prettier black ruff mypy pyright flake8 pylint isort "
             "rubocop golangci-lint gofmt rustfmt clippy-driver pre-commit just task", "packages:Build"),
    # infrastructure and clouds (filled by their modules)
    **_names("kubectl oc kubecolor", "kubectl:Kubectl"),
    **_names("helm", "helm:Helm"),
    **_names("terraform tofu terragrunt", "iac:Terraform"),
    **_names("pulumi", "iac:Pulumi"),
    **_names("cdk cdktf sam serverless sls eksctl", "iac:Deployer"),
    **_names("aws", "aws:Aws"),
    **_names("gcloud gsutil bq", "gcloud:Gcloud"),
    **_names("az", "az:Az"),
    **_names("psql pgcli mysql mariadb mycli sqlite3 sqlite redis-cli valkey-cli mongosh mongo "
             "clickhouse-client clickhouse cqlsh usql cockroach dropdb createdb dropuser createuser "
             "pg_dump pg_dumpall pg_restore mysqldump mysqladmin mongodump mongorestore influx", "db:DbClient"),
    **_names("prisma drizzle-kit rails alembic django-admin knex supabase sequelize typeorm flyway "
             "liquibase goose dbmate sqitch atlas migrate artisan rake sequelize-cli typeorm-ts-node-commonjs "
             "typeorm-ts-node-esm", "orm:Migrations"),
    **_names("docker podman nerdctl docker-compose podman-compose", "docker:Docker"),
    **_names("shutdown reboot halt poweroff systemctl service kill killall pkill iptables ip6tables nft ufw "
             "firewall-cmd crontab userdel useradd usermod passwd chpasswd groupdel groupadd visudo mount "
             "umount swapoff swapon sysctl modprobe rmmod insmod hostnamectl timedatectl launchctl init "
             "telinit apt apt-get aptitude yum dnf apk pacman zypper snap dpkg rpm brew port setenforce "
             "ip hostname iptables-save iptables-restore ip6tables-save ip6tables-restore iptables-legacy "
             "iptables-nft adduser deluser addgroup delgroup groupmod gpasswd chsh chfn chage at batch atrm "
             "update-rc.d chkconfig rc-update rc-service dscl sysadminctl dseditgroup microdnf flatpak apt-cache",
             "host:Host"),
    **_names("curl wget scp sftp nc ncat netcat socat ftp telnet http https xh xhs aria2c httpie",
             "net:Net"),
    **_names("vault op pass security sops kubeseal gopass keyring bw lpass aws-vault chamber doppler "
             "infisical", "secrets:Secrets"),
    **_names("rclone", "platforms:Rclone"),
    **_names("twine flit hatch hatch-publish vsce ovsx goreleaser snapcraft", "publish:Publish"),
    # platform and service CLIs (platforms.py: one table per tool)
    **_names("rabbitmqctl rabbitmqadmin rabbitmq-diagnostics rabbitmq-plugins rabbitmq-queues rabbitmq-upgrade",
             "platforms:RabbitMq"),
    **_names("etcdctl", "platforms:Etcd"),
    **_names("consul", "platforms:Consul"),
    **_names("nomad", "platforms:Nomad"),
    **_names("nats", "platforms:Nats"),
    **_names("gitlab-runner", "platforms:GitlabRunner"),
    **_names("velero", "platforms:Velero"),
    **_names("restic", "platforms:Restic"),
    **_names("borg borg2", "platforms:Borg"),
    **_names("s3cmd", "platforms:S3cmd"),
    **_names("mc mcli", "platforms:MinioClient"),
    **_names("doctl", "platforms:Doctl"),
    **_names("heroku", "platforms:Heroku"),
    **_names("flyctl fly", "platforms:Fly"),
    **_names("vercel", "platforms:Vercel"),
    **_names("netlify", "platforms:Netlify"),
    **_names("railway", "platforms:Railway"),
    **_names("firebase", "platforms:Firebase"),
    **_names("wrangler", "platforms:Wrangler"),
    **_names("linode-cli", "platforms:LinodeCli"),
    **_names("hcloud", "platforms:Hcloud"),
    **_names("oci ibmcloud ic", "platforms:CloudCli"),
    **_names("ansible ansible-playbook ansible-vault ansible-galaxy ansible-inventory ansible-config ansible-doc "
             "ansible-lint ansible-pull ansible-console", "platforms:Ansible"),
    **_names("packer", "platforms:Packer"),
    **_names("vagrant", "platforms:Vagrant"),
    **_names("virsh", "platforms:Virsh"),
    **_names("VBoxManage vboxmanage", "platforms:VBoxManage"),
    **_names("circleci", "platforms:Circleci"),
    **_names("jenkins-cli", "platforms:JenkinsCli"),
}
# mkfs.<type> and friends: any name of these shapes belongs to the disk family
NAME_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"mkfs\.\w+|mkswap|fsck\.\w+"), "fs:Disk"),
    (re.compile(r"python\d(\.\d+)?m?"), "interpreters:Python"),
    (re.compile(r"kafka-[a-z-]+(\.sh)?"), "platforms:Kafka"),  # kafka-topics, kafka-configs.sh, ...
)

_instances: dict[str, Family | None] = {}


def family_for(name: str) -> Family | None:
    """The family that understands `name`, or None for a command nobody knows."""
    if name in _instances:
        return _instances[name]
    target = FAMILIES.get(name)
    if target is None:
        target = next((t for pattern, t in NAME_PATTERNS if pattern.fullmatch(name)), None)
    family: Family | None = None
    if target is not None:
        module_name, _, class_name = target.partition(":")
        try:
            module = importlib.import_module(f"changegate.understand.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"changegate.understand.commands.{module_name}":
                raise
            module = None
        if module is not None:
            family = getattr(module, class_name)()
    if family is None:
        from changegate.understand.commands.generic import Generic

        family = Generic()
    _instances[name] = family
    return family
