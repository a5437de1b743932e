"""changegate: the gate between AI agents and the systems they can change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from changegate.sdk import Denied as Denied
    from changegate.sdk import Gate as Gate
    from changegate.sdk import PendingApproval as PendingApproval


def __getattr__(name: str) -> Any:
    # `from changegate import Gate` without paying for the SDK on every hook call
    if name in ("Gate", "Denied", "PendingApproval"):
        from changegate import sdk

        return getattr(sdk, name)
    raise AttributeError(name)
