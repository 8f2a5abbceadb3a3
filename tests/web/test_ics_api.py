"""ICS through the API: export scopes parsed back with icalendar, import of a real-world file."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from tests.web.apiclient import Api, make_team

GOOGLE_EXPORT = (Path(__file__).parent / "data" / "google_export.ics").read_bytes()


def summaries(body: bytes) -> list[str]:
    return sorted(str(e["summary"]) for e in Calendar.from_ical(body).walk("VEVENT"))


async def test_export_round_trip(api: Api) -> None:
    team = await make_team(api)
    await team.owner.ok(
        "PATCH",
        f"/events/{team.event_id}",
        json={
            "description": "Комната 3",
            "duration": 30,
            "minutesBefore": [0, 60],
            "cron": {
                "date": "2031-03-04T10:00:00",
                "everyWeek": True,
                "interval": 2,
                "until": "2031-06-01T00:00:00",
            },
        },
    )
    response = await team.admin.get(f"/events/export/groups/{team.group_id}/all")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="all_events_group_{team.group_id}.ics"'
    )
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["prodid"]) == "-//MaxHack Calendar//EN"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"event-{team.event_id}@maxhack"
    assert str(event["summary"]) == "Планёрка"
    assert str(event["description"]) == "Комната 3"
    start = event.decoded("dtstart")
    assert (start.isoformat(), str(start.tzinfo)) == ("2031-03-04T10:00:00+03:00", "Europe/Moscow")
    assert event["dtstart"].params["TZID"] == "Europe/Moscow"
    assert (event.decoded("dtend") - start).total_seconds() == 30 * 60
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [2]
    assert rule["UNTIL"][0].isoformat() == "2031-05-31T21:00:00+00:00"
    triggers = sorted(alarm.decoded("trigger").total_seconds() for alarm in event.walk("VALARM"))
    assert triggers == [-3600, 0]
    assert [str(c) for c in event["categories"].cats] == ["Команда"]


async def test_export_scopes_include_tag_recipients(api: Api) -> None:
    team = await make_team(api)
    await team.fresh_event(title="Без меня")
    mine = await team.member.get(f"/events/export/groups/{team.group_id}/user")
    assert mine.headers["content-disposition"].endswith(f'events_group_{team.group_id}.ics"')
    assert summaries(mine.content) == ["Планёрка"]  # the member gets it through the tag
    everything = await team.member.get("/api/events/export/all-groups")
    assert summaries(everything.content) == ["Планёрка"]
    assert (await team.member.get(f"/events/export/groups/{team.group_id}/all")).status_code == 403
    owner_all = await team.owner.get(f"/events/export/groups/{team.group_id}/all")
    assert summaries(owner_all.content) == ["Без меня", "Планёрка"]
    filtered = await team.owner.get(
        f"/events/export/groups/{team.group_id}/all", params={"tag_ids": str(team.tag_id)}
    )
    assert summaries(filtered.content) == ["Планёрка"]
    lonely = await api.user()
    empty = await lonely.get("/events/export/all-groups")
    assert empty.status_code == 200 and summaries(empty.content) == []


async def test_import_real_world_file(api: Api) -> None:
    user = await api.user()
    await user.ok("PATCH", "/users/", json={"timeZone": "Asia/Yekaterinburg"})
    response = await user.post(
        "/events/import/ics", files={"file": ("work.ics", GOOGLE_EXPORT, "text/calendar")}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    imported = {e["title"]: e for e in body["events"]}
    assert set(imported) == {"Стендап", "Отчёт для руководства", "NY sync", "Плавающее время"}
    standup = imported["Стендап"]
    assert standup["schedule"]["repeat"] == "weekly"
    assert standup["schedule"]["timeZone"] == "Europe/Moscow"
    assert standup["schedule"]["localStart"] == "2025-01-06T10:00:00"
    assert (standup["duration"], standup["description"]) == (
        15,
        "Еженедельная синхронизация команды, 15 минут",
    )
    report = imported["Отчёт для руководства"]["schedule"]
    assert (report["repeat"], report["interval"], report["count"]) == ("monthly", 2, 6)
    ny = imported["NY sync"]["schedule"]
    assert (ny["timeZone"], ny["until"]) == ("America/New_York", "2025-03-14T13:00:00Z")
    floating = imported["Плавающее время"]
    assert floating["schedule"]["timeZone"] == "Asia/Yekaterinburg"
    assert floating["schedule"]["startsAt"] == "2025-06-01T10:00:00Z"
    assert floating["duration"] == 120
    skipped = {s["summary"]: s["reason"] for s in body["skipped"]}
    assert set(skipped) == {"День рождения Ани", "Дважды в неделю", "Без начала"}
    assert "YEARLY" in skipped["День рождения Ани"]
    # Everything landed in the personal group, with the importer as participant.
    personal = await user.ok("GET", "/users/me/events")
    assert sorted(e["title"] for e in personal) == sorted(imported)
    details = await user.ok("GET", f"/events/{standup['id']}")
    assert details["participantsIds"] == [user.id]
    assert details["group"]["isPersonal"] is True


async def test_import_rejects_malformed_files(api: Api) -> None:
    user = await api.user()
    cases = [
        (b"this is not a calendar", "not a valid iCalendar"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no VEVENT"),
        (b"BEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\n", "VCALENDAR"),
        (b"   ", "empty"),
    ]
    for content, reason in cases:
        response = await user.post("/events/import/ics", files={"file": ("a.ics", content)})
        assert response.status_code == 400, (content, response.text)
        assert reason in response.json()["reason"]
    missing = await user.post("/events/import/ics", files={"other": ("a.ics", GOOGLE_EXPORT)})
    assert missing.status_code == 400 and "file" in missing.json()["reason"]
    no_multipart = await user.post("/events/import/ics", content=GOOGLE_EXPORT)
    assert no_multipart.status_code == 400
    assert await user.ok("GET", "/users/me/events") == []


async def test_export_then_import_round_trip(api: Api) -> None:
    team = await make_team(api)
    exported = await team.owner.get(f"/events/export/groups/{team.group_id}/all")
    response = await team.owner.post(
        "/events/import/ics", files={"file": ("x.ics", exported.content)}
    )
    assert response.status_code == 201, response.text
    [copy] = response.json()["events"]
    original = await team.owner.ok("GET", f"/events/{team.event_id}")
    assert copy["title"] == original["title"]
    assert copy["schedule"] | {"startsAt": None} == original["schedule"] | {"startsAt": None}
    assert copy["schedule"]["startsAt"] == original["schedule"]["startsAt"]
