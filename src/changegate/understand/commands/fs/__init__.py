"""Files, directories and disks: rm, mv/cp, chmod, dd, mkfs, find, sed, rsync, archives."""
