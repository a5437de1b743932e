"""System tools nobody else declares: storage (LVM, ZFS, btrfs, LUKS, RAID, NVMe) and small read-only utilities."""
