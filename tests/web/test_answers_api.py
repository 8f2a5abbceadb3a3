"""Per-occurrence answers and "who is coming" through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.web.apiclient import Api, make_team

WINDOW = {"from": "2031-03-01T00:00:00", "to": "2031-03-26T00:00:00"}  # naive: event's zone


async def test_answers_per_occurrence_and_who_is_coming(api: Api) -> None:
    team = await make_team(api)
    url = f"/events/{team.event_id}"
    first, second = "2031-03-04T07:00:00Z", "2031-03-11T07:00:00Z"
    answer = await team.member.ok(
        "PUT", f"{url}/answer", json={"occurrenceAt": first, "status": "OK"}
    )
    assert (answer["userId"], answer["status"], answer["occurrenceAt"]) == (
        team.member.id,
        "OK",
        first,
    )
    # Changing the answer replaces it; a naive time is read in the event's zone.
    changed = await team.member.ok(
        "PUT", f"{url}/answer", json={"occurrenceAt": "2031-03-04T10:00:00", "status": "NO"}
    )
    assert (changed["occurrenceAt"], changed["status"]) == (first, "NO")
    await team.target.ok("PUT", f"{url}/answer", json={"occurrenceAt": second, "status": "MAYBE"})

    organiser = await team.admin.ok("GET", f"{url}/occurrences", params=WINDOW)
    assert organiser["timeZone"] == "Europe/Moscow"
    occurrences = organiser["occurrences"]
    assert [o["startsAt"] for o in occurrences] == [
        first,
        second,
        "2031-03-18T07:00:00Z",
        "2031-03-25T07:00:00Z",
    ]
    assert occurrences[0]["endsAt"] == first  # zero duration
    by_user = {a["userId"]: a["status"] for a in occurrences[0]["answers"]}
    assert by_user == {
        team.owner.id: None,
        team.admin.id: None,
        team.member.id: "NO",
        team.target.id: None,
    }
    assert occurrences[0]["summary"] == {"ok": 0, "maybe": 0, "no": 1, "none": 3}
    assert occurrences[1]["summary"] == {"ok": 0, "maybe": 1, "no": 0, "none": 3}

    member_view = await team.member.ok("GET", f"{url}/occurrences", params=WINDOW)
    assert member_view["isRecipient"] is True
    assert [o["myAnswer"] for o in member_view["occurrences"]] == ["NO", None, None, None]
    assert all(o["answers"] is None and o["summary"] is None for o in member_view["occurrences"])


async def test_answer_rejections(api: Api) -> None:
    team = await make_team(api)
    url = f"/events/{team.event_id}/answer"
    not_an_occurrence = await team.member.put(
        url, json={"occurrenceAt": "2031-03-05T07:00:00Z", "status": "OK"}
    )
    assert not_an_occurrence.status_code == 409
    before_start = await team.member.put(
        url, json={"occurrenceAt": "2031-02-25T07:00:00Z", "status": "OK"}
    )
    assert before_start.status_code == 409
    bad_status = await team.member.put(
        url, json={"occurrenceAt": "2031-03-04T07:00:00Z", "status": "mb"}
    )
    assert bad_status.status_code == 400 and "status" in bad_status.json()["reason"]
    # A member of the group who is not a recipient may not answer.
    bystander = await team.fresh_member()
    response = await bystander.put(
        url, json={"occurrenceAt": "2031-03-04T07:00:00Z", "status": "OK"}
    )
    assert response.status_code == 403
    # Long-past occurrences are closed.
    past = await team.fresh_event(
        cron={"date": "2020-01-06T10:00:00", "everyWeek": True}, participantsIds=[team.member.id]
    )
    closed = await team.member.put(
        f"/events/{past}/answer", json={"occurrenceAt": "2020-01-06T07:00:00Z", "status": "OK"}
    )
    assert closed.status_code == 409


async def test_respond_in_lists_is_the_current_occurrence(api: Api) -> None:
    team = await make_team(api)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0, second=0)
    event_id = await team.fresh_event(
        cron={"date": start.isoformat(), "everyDay": True}, participantsIds=[team.member.id]
    )
    at = start.isoformat().replace("+00:00", "Z")
    await team.member.ok(
        "PUT", f"/events/{event_id}/answer", json={"occurrenceAt": at, "status": "MAYBE"}
    )
    events = (await team.member.ok("GET", f"/events/groups/{team.group_id}"))["events"]
    respond = next(e["respond"] for e in events if e["id"] == event_id)
    assert (respond["status"], respond["occurrenceAt"]) == ("MAYBE", at)
    details = await team.member.ok("GET", f"/events/{event_id}")
    assert details["respond"]["status"] == "MAYBE"


async def test_occurrence_window_validation(api: Api) -> None:
    team = await make_team(api)
    url = f"/events/{team.event_id}/occurrences"
    backwards = await team.member.get(
        url, params={"from": "2031-03-10T00:00:00", "to": "2031-03-01T00:00:00"}
    )
    assert backwards.status_code == 400
    too_long = await team.member.get(
        url, params={"from": "2031-01-01T00:00:00Z", "to": "2033-01-01T00:00:00Z"}
    )
    assert too_long.status_code == 400
    bad = await team.member.get(url, params={"from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.json()["reason"]
    limited = await team.member.ok("GET", url, params={**WINDOW, "limit": 2})
    assert len(limited["occurrences"]) == 2
    assert (await team.member.get(url, params={"limit": 0})).status_code == 400
