"""Converters and viewers: inputs are reads, outputs are writes placed like any path, options that run
something are not understood."""

from __future__ import annotations

import pytest

from tests.conftest import shell


@pytest.mark.parametrize(("command", "decision"), [
    ("ffmpeg -i in.mp4 -c:v libx264 out.mp4", "allow"),
    ("ffmpeg -i in.mp4 /etc/passwd", "deny"),  # the output overwrites a system file
    ("ffmpeg -filter_complex_script f.txt -i in.mp4 out.mp4", "ask"),
    ("pdftotext doc.pdf out.txt", "allow"),
    ("pdftotext doc.pdf ~/.bashrc", "ask"),
    ("pandoc README.md -o README.html", "allow"),
    ("pandoc --lua-filter x.lua README.md -o out.html", "ask"),
    ("convert a.png b.jpg", "allow"),
    ("mogrify -resize 800x800 *.jpg", "allow"),
    ("mogrify -resize 800x800 /usr/share/pixmaps/*.png", "ask"),
    ("compress big.log", "allow"),
    ("cpio -t < backup.cpio", "allow"),
    ("cpio -idmv -D /etc < backup.cpio", "ask"),
    ("ssh-keygen -l -f key.pub", "allow"),
    ("ssh-keygen -t ed25519 -N '' -f deploy_key", "allow"),
    ("ssh-keygen -t ed25519 -N '' -f ~/.ssh/id_ed25519", "ask"),
    ("latexmk -pdf paper.tex", "allow"),
    ("latexmk -shell-escape -pdf paper.tex", "ask"),
])
def test_converters(command: str, decision: str) -> None:
    assert shell(command).decision == decision
