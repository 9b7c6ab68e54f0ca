"""adalrs: a client for the adalrs service, and the AdaLRS helper for PyTorch loops.

The client (``Client``) needs nothing beyond the standard library. ``AdaLRS`` needs torch, which
is imported only when it is first used.
"""

from .client import Client
from .errors import (
    ApiError,
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)

__all__ = [
    "AdaLRS",
    "ApiError",
    "BadRequest",
    "Client",
    "Conflict",
    "NotFound",
    "PayloadTooLarge",
    "ServiceUnavailable",
    "TransportError",
    "Unauthorized",
]


def __getattr__(name):
    # torch is heavy and optional: load the helper only when it is asked for.
    if name == "AdaLRS":
        from .pytorch import AdaLRS

        return AdaLRS
    raise AttributeError(f"module 'adalrs' has no attribute {name!r}")
