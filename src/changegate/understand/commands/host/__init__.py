"""The machine itself: power, services, processes, firewall, schedules, accounts, mounts, kernel, packages."""
