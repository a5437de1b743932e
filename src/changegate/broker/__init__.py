"""Running approved actions: the broker (`run`), credentials the agent never holds, session policy, shims
and undo."""
