"""twine: uploads distributions to PyPI (or the index -r / --repository-url names)."""

from __future__ import annotations

from changegate.understand.commands.publish.base import Publisher


class Twine(Publisher):
    NAMES = ("twine",)
    ENV_VARIABLES = ("TWINE_REPOSITORY", "TWINE_REPOSITORY_URL", "TWINE_USERNAME", "TWINE_PASSWORD")
    TOOL = "twine"
    REGISTRY = "upload.pypi.org"
    SUGGESTION = "upload to the test index first: twine upload --repository testpypi dist/*"
    VERBS = {**Publisher.VERBS, "upload": Publisher.publishes, "register": Publisher.publishes,
             "check": Publisher.shows}
