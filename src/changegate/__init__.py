"""changegate: the gate between AI agents and the systems they can change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from changegate.version import __version__ as __version__

if TYPE_CHECKING:
    from changegate.sdk import Denied as Denied
    from changegate.sdk import Gate as Gate
    from changegate.sdk import PendingApproval as PendingApproval


def __getattr__(name: str) -> Any:
    # lazy: every `changegate.*` import runs this file, and the hooks must not pay for the SDK (inspect, pathlib)
    if name in ("Gate", "Denied", "PendingApproval"):
        from changegate import sdk

        return getattr(sdk, name)
    raise AttributeError(name)
