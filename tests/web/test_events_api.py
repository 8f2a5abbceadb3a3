"""Events through the API: create/edit/delete, schedules and zones, offsets, recipients, lists."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.apiclient import Api, Team, make_team


def event_body(team: Team, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Созвон",
        "groupId": team.group_id,
        "cron": {"date": "2031-03-04T10:00:00", "everyWeek": True},
    } | fields


async def test_create_interprets_naive_time_in_the_groups_zone(api: Api) -> None:
    team = await make_team(api)
    body = await team.owner.ok(
        "POST",
        "/events",
        201,
        json=event_body(team, minutesBefore=[15, 15, 60], duration=45, description="d"),
    )
    schedule = body["schedule"]
    assert schedule["timeZone"] == "Europe/Moscow"
    assert schedule["startsAt"] == "2031-03-04T07:00:00Z"
    assert schedule["localStart"] == "2031-03-04T10:00:00"
    assert (schedule["repeat"], schedule["interval"]) == ("weekly", 1)
    assert body["cron"] == "0 10 * * 2"  # Tuesday, Sunday = 0
    assert body["isCycle"] is True
    assert body["notifies"] == [60, 15]
    assert (body["duration"], body["description"], body["type"]) == (45, "d", "event")
    assert body["creatorId"] == team.owner.id
    assert body["eventHappened"] is False
    assert body["nextOccurrence"] == "2031-03-04T07:00:00Z"


async def test_zones_instants_and_repeat_bounds(api: Api) -> None:
    team = await make_team(api)
    berlin = await team.owner.ok(
        "POST",
        "/events",
        201,
        json=event_body(
            team,
            timeZone="Europe/Berlin",
            cron={
                "date": "2031-03-29T10:00:00",
                "everyDay": True,
                "interval": 2,
                "until": "2031-04-04T10:00:00",
            },
        ),
    )
    assert berlin["schedule"]["startsAt"] == "2031-03-29T09:00:00Z"  # CET
    assert berlin["schedule"]["until"] == "2031-04-04T08:00:00Z"  # CEST
    occurrences = await team.owner.ok(
        "GET",
        f"/events/{berlin['id']}/occurrences",
        params={"from": "2031-03-01T00:00:00Z", "to": "2031-05-01T00:00:00Z"},
    )
    starts = [o["localStart"] for o in occurrences["occurrences"]]
    assert starts == [
        "2031-03-29T10:00:00",
        "2031-03-31T10:00:00",  # after the DST change: still 10:00 local
        "2031-04-02T10:00:00",
        "2031-04-04T10:00:00",
    ]
    aware = await team.owner.ok(
        "POST",
        "/events",
        201,
        json=event_body(
            team, cron={"date": "2031-06-01T10:00:00+05:00", "everyMonth": True, "count": 3}
        ),
    )
    assert aware["schedule"]["startsAt"] == "2031-06-01T05:00:00Z"
    assert aware["schedule"]["localStart"] == "2031-06-01T08:00:00"  # in the group's zone
    assert aware["schedule"]["count"] == 3
    # Several flags: day wins (the original's precedence).
    both = await team.owner.ok(
        "POST",
        "/events",
        201,
        json=event_body(
            team, cron={"date": "2031-01-01T08:00:00", "everyDay": True, "everyMonth": True}
        ),
    )
    assert both["schedule"]["repeat"] == "daily"


async def test_past_one_off_event_has_happened(api: Api) -> None:
    team = await make_team(api)
    body = await team.owner.ok(
        "POST", "/events", 201, json=event_body(team, cron={"date": "2020-01-01T10:00:00"})
    )
    assert (body["eventHappened"], body["nextOccurrence"], body["isCycle"]) == (True, None, False)
    assert body["cron"] == "0 10 1 1 *"


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        ({"minutesBefore": []}, 400, "minutesBefore"),
        ({"minutesBefore": [10081]}, 400, "minutesBefore"),
        ({"minutesBefore": list(range(11))}, 409, "от 1 до 10"),
        ({"title": "x" * 129}, 400, "title"),
        ({"title": "   "}, 400, "title"),
        ({"duration": -1}, 400, "duration"),
        ({"type": "message"}, 400, "type"),
        ({"timeZone": "Nowhere/Land"}, 400, "timeZone"),
        ({"cron": {"date": "1800-01-01T00:00:00"}}, 400, "cron.date"),
        ({"cron": {"date": "not a date"}}, 400, "cron.date"),
        (
            {"cron": {"date": "2031-01-01T00:00:00", "everyDay": True, "interval": 0}},
            400,
            "cron.interval",
        ),
        (
            {
                "cron": {
                    "date": "2031-01-10T00:00:00",
                    "everyDay": True,
                    "until": "2031-01-01T00:00:00",
                }
            },
            409,
            "Повторы",
        ),
        ({"groupId": None}, 400, "groupId"),
        ({"groupId": 999_999_999}, 404, "Группа"),
        ({"participantsIds": [999_999_999]}, 409, "999999999"),
        ({"tagsIds": [999_999_999]}, 409, "999999999"),
    ],
)
async def test_create_rejections(
    api: Api, fields: dict[str, Any], status: int, needle: str
) -> None:
    team = await make_team(api)
    response = await team.owner.post("/events", json=event_body(team, **fields))
    assert response.status_code == status, response.text
    assert needle in response.json()["reason"]


async def test_details_edit_and_delete(api: Api, db: Any) -> None:
    team = await make_team(api)
    url = f"/events/{team.event_id}"
    details = await team.member.ok("GET", url)
    assert details["group"]["id"] == team.group_id
    assert [t["id"] for t in details["tags"]] == [team.tag_id]
    assert details["notifies"] == [{"minutesBefore": 15}]
    assert sorted(details["participantsIds"]) == sorted(
        [team.owner.id, team.admin.id, team.target.id]
    )
    edited = await team.admin.ok(
        "PATCH",
        url,
        json={
            "title": "Ретро",
            "description": None,
            "minutesBefore": [0, 1440],
            "cron": {"date": "2031-05-05T09:30:00", "everyMonth": True, "interval": 2},
            "participantsIds": [team.member.id],
            "tagsIds": [],
        },
    )
    assert edited["title"] == "Ретро" and edited["description"] is None
    assert edited["notifies"] == [1440, 0]
    assert edited["schedule"]["repeat"] == "monthly" and edited["schedule"]["interval"] == 2
    assert edited["cron"] == "30 9 5 * *"
    details = await team.member.ok("GET", url)
    assert details["participantsIds"] == [team.member.id]
    assert details["tags"] == []
    # Changing only the zone keeps the first start's instant.
    moved = await team.admin.ok("PATCH", url, json={"timeZone": "Asia/Kolkata"})
    assert moved["schedule"]["startsAt"] == edited["schedule"]["startsAt"]
    assert moved["schedule"]["localStart"] == "2031-05-05T12:00:00"
    await team.admin.ok("DELETE", url, 204)
    assert (await team.admin.get(url)).status_code == 404
    assert (await team.admin.patch(url, json={"title": "x"})).status_code == 404
    assert (await team.admin.delete(url)).status_code == 404
    assert (
        await db.value(
            "SELECT count(*) FROM event_participants WHERE event_id = $1 AND deleted_at IS NULL",
            team.event_id,
        )
        == 0
    )


async def test_binding_tags_and_users(api: Api) -> None:
    team = await make_team(api)
    url = f"/events/{team.event_id}"
    again = await team.owner.post(f"{url}/tags", json={"tagIds": [team.tag_id]})
    assert again.status_code == 409
    assert again.json()["reason"] == "Все указанные теги уже добавлены к событию"
    new_tag = await team.fresh_tag()
    await team.owner.ok("POST", f"{url}/tags", 204, json={"tagIds": [team.tag_id, new_tag]})
    dup = await team.owner.post(f"{url}/users", json={"userIds": [team.admin.id, team.member.id]})
    assert dup.status_code == 409 and str(team.admin.id) in dup.json()["reason"]
    outsider = await team.owner.post(f"{url}/users", json={"userIds": [team.outsider.id]})
    assert outsider.status_code == 409 and str(team.outsider.id) in outsider.json()["reason"]
    await team.owner.ok("POST", f"{url}/users", 204, json={"userIds": [team.member.id]})
    empty = await team.owner.post(f"{url}/users", json={"userIds": []})
    assert empty.status_code == 400


async def test_lists_and_visibility(api: Api) -> None:
    team = await make_team(api)
    hidden = await team.fresh_event(title="Только для начальства")
    other_tag = await team.fresh_tag("другой")
    tagged = await team.fresh_event(title="По тегу", tagsIds=[other_tag])
    await team.owner.ok(
        "POST",
        f"/groups/{team.group_id}/tags/users",
        204,
        json={"userId": team.target.id, "tagId": other_tag},
    )
    url = f"/events/groups/{team.group_id}"
    ids = lambda body: [e["id"] for e in body["events"]]  # noqa: E731
    assert ids(await team.admin.ok("GET", url)) == [tagged, hidden, team.event_id]
    # Members see what concerns them: directly or through a tag.
    assert ids(await team.member.ok("GET", url)) == [team.event_id]
    assert ids(await team.target.ok("GET", url)) == [tagged, team.event_id]
    assert ids(await team.admin.ok("GET", url, params={"tag_ids": f"{other_tag}, "})) == [tagged]
    assert ids(await team.admin.ok("GET", url, params={"tag_ids": ""})) == [
        tagged,
        hidden,
        team.event_id,
    ]
    bad = await team.admin.get(url, params={"tag_ids": "1,x"})
    assert bad.status_code == 400 and "tag_ids" in bad.json()["reason"]
    mine = await team.target.ok("GET", "/events/")
    assert ids(mine) == [tagged, team.event_id]
    assert {e["groupName"] for e in mine["events"]} == {"Команда"}
    created = await team.owner.ok("GET", "/events/")
    assert set(ids(created)) == {tagged, hidden, team.event_id}
    theirs = await team.member.ok("GET", f"/users/{team.target.id}/groups/{team.group_id}/events")
    assert [e["id"] for e in theirs] == [tagged, team.event_id]


async def test_personal_events(api: Api) -> None:
    user = await api.user()
    personal = await user.ok("GET", "/users/me/groups/personal")
    created = await user.ok(
        "POST",
        "/events",
        201,
        json={
            "title": "Зубной",
            "groupId": personal["id"],
            "cron": {"date": "2031-02-02T18:00:00"},
            "participantsIds": [user.id],
        },
    )
    listed = await user.ok("GET", "/users/me/events")
    assert [e["id"] for e in listed] == [created["id"]]
    other = await api.user()
    assert (await other.get(f"/events/{created['id']}")).status_code == 403
