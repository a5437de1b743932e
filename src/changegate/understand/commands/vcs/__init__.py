"""Version control: git, and the forges it talks to (gh, glab)."""
