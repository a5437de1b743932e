"""`python -m changegate.understand.commands`: write the registry's index from the tools' declarations."""

from pathlib import Path

from changegate.understand.commands import render_index

if __name__ == "__main__":
    target = Path(__file__).with_name("_index.py")
    target.write_text(render_index())
    print(f"wrote {target}")
