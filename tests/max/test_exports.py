"""The public API of maxhack.max is pinned: changing it must be deliberate."""

from __future__ import annotations

import maxhack.max
import maxhack.max.emulator
import maxhack.max.models


def test_package_exports() -> None:
    assert set(maxhack.max.__all__) == {
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
    }


def test_emulator_exports() -> None:
    assert {
        "Emulator",
        "EmulatorConfig",
        "serve_emulator",
        "StoredMessage",
        "RequestRecord",
        "EmulatorUsageError",
        "SECRET_HEADER",
        "dialog_chat_id",
    } <= set(maxhack.max.emulator.__all__)


def test_every_exported_name_exists() -> None:
    for module in (maxhack.max, maxhack.max.emulator, maxhack.max.models):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_models_export_every_update_and_button() -> None:
    names = set(maxhack.max.models.__all__)
    for cls in maxhack.max.models.UPDATE_CLASSES.values():
        assert cls.__name__ in names
    assert {
        "CallbackButton",
        "LinkButton",
        "RequestContactButton",
        "RequestGeoLocationButton",
        "OpenAppButton",
        "MessageButton",
        "ClipboardButton",
        "parse_update",
        "parse_updates",
        "UnknownUpdate",
        "UnknownAttachment",
    } <= names
