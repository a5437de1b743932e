"""Storage tools (LVM, ZFS, btrfs, LUKS, RAID, NVMe, SMART, hdparm): reads are reads; losing a disk, pool,
volume group, encrypted volume or filesystem is denied; the rest of the machine's storage asks."""

from __future__ import annotations

import pytest

from tests.conftest import effects, shell

DESTROYS = [
    "zfs destroy -r tank", "zfs destroy tank/data", "sudo zfs destroy -R tank/home",
    "lvremove -f /dev/vg0/data", "lvremove vg0/data", "lvm lvremove -y vg0/data", "vgremove -f vg0",
    "pvremove -ff /dev/sdc", "pvcreate /dev/sdd", "vgcreate data /dev/sdb /dev/sdc", "vgextend vg0 /dev/sde",
    "lvreduce -L 10G vg0/data", "lvresize -L -5G vg0/data", "vgreduce --removemissing --force vg0",
    "cryptsetup luksErase -q /dev/sdb2", "cryptsetup erase /dev/sdb2", "cryptsetup luksFormat /dev/sdb2",
    "cryptsetup -q luksFormat --type luks2 /dev/sdb2 /tmp/key", "cryptsetup luksKillSlot /dev/sdb2 0",
    "cryptsetup luksHeaderRestore /dev/sdb2 --header-backup-file h.img",
    "nvme format /dev/nvme0n1 --ses=1", "nvme format /dev/nvme0n1 -s 2", "nvme sanitize /dev/nvme0 -a 2",
    "nvme delete-ns /dev/nvme0 -n 1", "nvme write-zeroes /dev/nvme0n1",
    "btrfs subvolume delete /mnt/data/@home", "btrfs sub del /mnt/data/@", "btrfs device add /dev/sdc /mnt",
    "btrfs check --repair /dev/sdb1", "btrfs rescue zero-log /dev/sdb1", "btrfs replace start /dev/sdb /dev/sdc /mnt",
    "mdadm --zero-superblock /dev/sdb1", "mdadm --stop /dev/md0", "mdadm -S /dev/md0",
    "mdadm --create /dev/md0 --level=1 --raid-devices=2 /dev/sdb /dev/sdc", "mdadm /dev/md0 --fail /dev/sdb1",
    "hdparm --security-erase pw /dev/sda", "hdparm --user-master u --security-erase-enhanced pw /dev/sda",
    "xfs_repair -L /dev/sdb1", "debugfs -w /dev/sdb1", "dmsetup wipe_table vg0-data",
]
READS = [
    "zfs list -r tank", "zfs get all tank", "zfs list -t snapshot", "zfs destroy -n -r tank",
    "lvdisplay /dev/vg0/data", "lvs", "vgs vg0", "pvs /dev/sdc", "vgdisplay -v", "pvscan", "lvm version",
    "lvremove --test vg0/data", "cryptsetup luksDump /dev/sdb2", "cryptsetup status cryptroot",
    "cryptsetup isLuks /dev/sdb2", "nvme list", "nvme smart-log /dev/nvme0n1", "nvme id-ctrl /dev/nvme0",
    "btrfs subvolume list /mnt/data", "btrfs fi show", "btrfs filesystem df /", "btrfs device stats /mnt",
    "btrfs check /dev/sdb1", "mdadm --detail /dev/md0", "mdadm --examine /dev/sdb1", "mdadm -D /dev/md0",
    "smartctl -a /dev/sda", "smartctl -i /dev/nvme0", "smartctl --scan", "smartctl -H -j /dev/sda",
    "hdparm -I /dev/sda", "blockdev --getsize64 /dev/sda", "blockdev --report", "losetup", "losetup -a",
    "dmsetup ls", "dmsetup table", "e2fsck -n /dev/sdb1", "dumpe2fs -h /dev/sdb1", "xfs_info /mnt",
    "debugfs -R stats /dev/sdb1", "lsattr file.txt",
]
ASKS = [
    "zfs destroy tank/data@2024-01-01", "zfs rollback -r tank/data@yesterday", "zfs set compression=lz4 tank",
    "zfs create tank/new", "zfs receive -F tank/data", "lvcreate -L 10G -n new vg0", "lvextend -L +5G vg0/data",
    "lvchange -an vg0/data", "cryptsetup open /dev/sdb2 data", "cryptsetup luksAddKey /dev/sdb2",
    "nvme fw-download /dev/nvme0 -f fw.bin", "btrfs sub del /.snapshots/42/snapshot", "btrfs balance start /mnt",
    "btrfs subvolume create /mnt/new", "mdadm --assemble --scan", "smartctl -t long /dev/sda",
    "blockdev --setro /dev/sda", "losetup -d /dev/loop0", "dmsetup remove vg0-data", "e2fsck -f -y /dev/sdb1",
    "tune2fs -O ^has_journal /dev/sdb1", "resize2fs /dev/sdb1 10G",
]


@pytest.mark.parametrize("command", DESTROYS)
def test_losing_a_disk_pool_volume_or_filesystem_is_denied(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", verdict.effects
    assert any(e.kind == "disk" for e in verdict.effects)


@pytest.mark.parametrize("command", READS)
def test_looking_at_storage_is_a_read(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
    assert all(e.operation == "read" for e in verdict.effects), verdict.effects


@pytest.mark.parametrize("command", ASKS)
def test_other_changes_to_the_machines_storage_ask(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.effects
    assert not any(e.kind == "disk" for e in verdict.effects)


def test_printing_the_volume_key_is_a_secret_read() -> None:
    verdict = shell("cryptsetup luksDump --dump-master-key /dev/sdb2")
    assert [e.operation for e in verdict.effects] == ["secret_read"]
    assert shell("cryptsetup luksDump --dump-volume-key --batch-mode /dev/sdb2").decision == "ask"


def test_a_raw_or_vendor_nvme_command_is_not_understood() -> None:
    assert [e.operation for e in shell("nvme admin-passthru /dev/nvme0 --opcode=0x80").effects] == ["unknown"]


def test_a_zfs_channel_program_is_not_understood() -> None:
    assert effects(shell("zfs program tank script.lua"), "unknown")


def test_storage_on_a_remote_host_is_placed_there() -> None:
    verdict = shell("ssh db1.prod.internal 'sudo zfs destroy tank/pg'")
    assert verdict.decision == "deny"
    assert [e.environment for e in verdict.effects] == ["prod"]
