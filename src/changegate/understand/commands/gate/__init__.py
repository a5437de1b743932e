"""changegate itself, run by an agent: reads, and what only a person may do (approve, administer, unwire)."""
