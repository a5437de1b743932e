"""flit: builds and publishes a Python package."""

from __future__ import annotations

from changegate.understand.commands.publish.base import Publisher


class Flit(Publisher):
    NAMES = ("flit",)
    ENV_VARIABLES = ("FLIT_INDEX_URL", "FLIT_USERNAME", "FLIT_PASSWORD")
    TOOL = "flit"
    REGISTRY = "upload.pypi.org"
    SUGGESTION = "publish to the test index first: flit publish --repository testpypi"
    VERBS = {**Publisher.VERBS, "publish": Publisher.publishes, "build": Publisher.builds,
             "install": Publisher.builds, "init": Publisher.builds}
