"""Publishing tools: twine, flit, hatch, vsce, ovsx, goreleaser, snapcraft."""
