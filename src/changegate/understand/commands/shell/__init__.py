"""The shell and the programs around it: shells, eval/source, runners (sudo, env, xargs, ssh, …), read-only tools."""
