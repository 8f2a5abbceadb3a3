"""The profile: PATCH /users, time zones (IANA and the original offsets), phone, names."""

from __future__ import annotations

import pytest

from tests.web.apiclient import Api


async def test_patch_profile_fields(api: Api) -> None:
    user = await api.user("Пётр")
    body = await user.ok(
        "PATCH",
        "/users/",
        json={
            "firstName": "  Павел ",
            "last_name": "Иванов",
            "phone": "+7 (999) 123-45-67",
            "notifyMode": "SILENT",
            "photo": "ignored",
        },
    )
    assert (body["firstName"], body["lastName"]) == ("Павел", "Иванов")
    assert body["phone"] == "+79991234567"
    assert body["notifyMode"] == "SILENT"
    # Missing and null fields stay; "" clears the last name and the phone.
    kept = await user.ok("PATCH", "/users", json={"firstName": None})
    assert kept == body
    cleared = await user.ok("PATCH", "/api/users/", json={"lastName": "", "phone": ""})
    assert (cleared["lastName"], cleared["phone"]) == (None, None)
    assert cleared["firstName"] == "Павел"


@pytest.mark.parametrize(
    ("value", "zone", "offset"),
    [
        ("Asia/Kolkata", "Asia/Kolkata", 330),
        (300, "Asia/Yekaterinburg", 300),
        ("-210", "America/St_Johns", None),
        (0, "Atlantic/Reykjavik", 0),
    ],
)
async def test_time_zone_input(api: Api, value: object, zone: str, offset: int | None) -> None:
    user = await api.user()
    body = await user.ok("PATCH", "/users/", json={"timezone": value})
    assert body["timeZone"] == zone
    if offset is not None:
        assert body["utcOffsetMinutes"] == body["timezone"] == offset
    # The personal group follows its owner's zone.
    personal = await user.ok("GET", "/users/me/groups/personal")
    assert personal["timeZone"] == zone


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"timezone": 17}, "timezone"),
        ({"timezone": True}, "timezone"),
        ({"timeZone": "localtime"}, "timeZone"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": "x" * 65}, "firstName"),
        ({"lastName": "a\u0000b"}, "lastName"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "+1234567890123456"}, "phone"),
        ({"notifyMode": "LOUD"}, "notifyMode"),
    ],
)
async def test_invalid_profile_values_are_400_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    user = await api.user()
    response = await user.patch("/users/", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["reason"].startswith(field)
