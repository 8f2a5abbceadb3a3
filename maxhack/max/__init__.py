"""The MAX Bot API layer: typed models, an httpx client with retries, one error hierarchy.

The emulator (a fake MAX server for tests and local runs) lives in
:mod:`maxhack.max.emulator` and is not imported here.
"""

from .client import MaxClient
from .client_config import DEFAULT_BASE_URL, MaxClientConfig, make_ssl_context
from .errors import (
    MaxApiError,
    MaxAttachmentNotReady,
    MaxBadRequest,
    MaxChatDenied,
    MaxError,
    MaxForbidden,
    MaxMethodNotAllowed,
    MaxNotFound,
    MaxOperationFailed,
    MaxRateLimited,
    MaxServerError,
    MaxTransportError,
    MaxUnauthorized,
    MaxUnexpectedResponse,
)
from .retry import RetryMode, RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "MaxApiError",
    "MaxAttachmentNotReady",
    "MaxBadRequest",
    "MaxChatDenied",
    "MaxClient",
    "MaxClientConfig",
    "MaxError",
    "MaxForbidden",
    "MaxMethodNotAllowed",
    "MaxNotFound",
    "MaxOperationFailed",
    "MaxRateLimited",
    "MaxServerError",
    "MaxTransportError",
    "MaxUnauthorized",
    "MaxUnexpectedResponse",
    "RetryMode",
    "RetryPolicy",
    "make_ssl_context",
]
