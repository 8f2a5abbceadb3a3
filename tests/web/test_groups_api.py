"""Groups, members, roles and invites through the API: happy paths, errors, soft deletes."""

from __future__ import annotations

from tests.web.apiclient import Api, make_team
from tests.web.conftest import Db


async def test_group_crud_and_patch_semantics(api: Api) -> None:
    owner = await api.user("Босс")
    created = await owner.ok(
        "POST", "/groups", 201, json={"name": " Отдел ", "description": "о", "time_zone": 300}
    )
    group = created["group"]
    assert (group["name"], group["description"]) == ("Отдел", "о")
    assert (group["timeZone"], group["utcOffsetMinutes"]) == ("Asia/Yekaterinburg", 300)
    assert created["role"] == {"id": 1, "name": "Босс"}
    assert created["notifyMode"] == "DEFAULT"
    gid = group["id"]
    # Missing description keeps it; explicit null clears it; zone by IANA name.
    kept = await owner.ok("PATCH", f"/groups/{gid}", json={"name": "Отдел 2"})
    assert (kept["group"]["name"], kept["group"]["description"]) == ("Отдел 2", "о")
    cleared = await owner.ok(
        "PATCH", f"/api/groups/{gid}", json={"description": None, "timeZone": "Europe/Berlin"}
    )
    assert cleared["group"]["description"] is None
    assert cleared["group"]["timeZone"] == "Europe/Berlin"
    assert (await owner.ok("GET", f"/groups/{gid}"))["group"] == cleared["group"]
    await owner.ok("DELETE", f"/groups/{gid}", 204)
    assert (await owner.get(f"/groups/{gid}")).status_code == 404
    assert (await owner.get("/groups/999999999")).status_code == 404


async def test_patch_reports_the_callers_real_role(api: Api) -> None:
    team = await make_team(api)
    body = await team.admin.ok("PATCH", f"/groups/{team.group_id}", json={"description": "x"})
    assert body["role"] == {"id": 2, "name": "Начальник"}


async def test_my_groups_lists_join_order_role_and_notify_mode(api: Api) -> None:
    team = await make_team(api)
    await team.member.ok("PATCH", f"/groups/{team.group_id}/notify", json={"notifyMode": "SILENT"})
    groups = (await team.member.ok("GET", "/users/me/groups"))["groups"]
    assert [(g["isPersonal"], g["roleId"], g["notifyMode"]) for g in groups] == [
        (True, 1, "DEFAULT"),
        (False, 3, "SILENT"),
    ]
    kicked_groups = (await team.kicked.ok("GET", "/users/me/groups"))["groups"]
    assert [g["isPersonal"] for g in kicked_groups] == [True]


async def test_personal_group_cannot_be_renamed_deleted_left_or_shared(api: Api) -> None:
    user = await api.user()
    personal = await user.ok("GET", "/users/me/groups/personal")
    pid = personal["id"]
    assert personal["isPersonal"] is True
    for method, path, body in [
        ("PATCH", f"/groups/{pid}", {"name": "Другое"}),
        ("DELETE", f"/groups/{pid}", None),
        ("POST", f"/groups/{pid}/leave", None),
        ("POST", f"/groups/{pid}/invite", None),
    ]:
        response = await user.request(method, path, json=body)
        assert response.status_code == 409, (method, path, response.text)
    # Its description and zone may change; the name may be "changed" to itself.
    await user.ok("PATCH", f"/groups/{pid}", json={"name": "Личная", "description": "моё"})
    assert (await user.get(f"/groups/{pid}/invite")).status_code == 404


async def test_members_list_and_member_views(api: Api) -> None:
    team = await make_team(api)
    users = await team.member.ok("GET", f"/groups/{team.group_id}/users")
    assert [u["userId"] for u in users] == [
        team.owner.id,
        team.admin.id,
        team.member.id,
        team.target.id,
    ]
    assert [u["role"]["id"] for u in users] == [1, 2, 3, 3]
    one = await team.member.ok("GET", f"/groups/{team.group_id}/users/{team.admin.id}")
    assert one["role"] == {"id": 2, "name": "Начальник"}
    for missing in (team.kicked.id, team.outsider.id, 999_999_999):
        response = await team.member.get(f"/groups/{team.group_id}/users/{missing}")
        assert response.status_code == 404


async def test_role_changes(api: Api) -> None:
    team = await make_team(api)
    gid = team.group_id
    body = await team.owner.ok("PATCH", f"/groups/{gid}/users/{team.target.id}", json={"roleId": 2})
    assert body == {"userId": team.target.id, "groupId": gid, "roleId": 2, "notifyMode": "DEFAULT"}
    # Sending the current role is no change, so admins may send it along with tags.
    same = await team.admin.ok(
        "PATCH", f"/groups/{gid}/users/{team.member.id}", json={"roleId": 3, "tags": []}
    )
    assert same["roleId"] == 3
    bad = await team.owner.patch(f"/groups/{gid}/users/{team.target.id}", json={"roleId": 7})
    assert bad.status_code == 400 and "roleId" in bad.json()["reason"]
    grant = await team.owner.patch(f"/groups/{gid}/users/{team.target.id}", json={"roleId": 1})
    assert grant.status_code == 409 and "передач" in grant.json()["reason"]


async def test_transfer_ownership(api: Api) -> None:
    team = await make_team(api)
    gid = team.group_id
    new_owner = await team.owner.ok(
        "POST", f"/groups/{gid}/transfer", json={"userId": team.member.id}
    )
    assert new_owner["roleId"] == 1
    roles = {
        u["userId"]: u["role"]["id"] for u in await team.member.ok("GET", f"/groups/{gid}/users")
    }
    assert roles[team.member.id] == 1 and roles[team.owner.id] == 2
    # The old owner, now an admin, can leave; the new one must transfer first.
    assert (await team.member.post(f"/groups/{gid}/leave")).status_code == 409
    await team.owner.ok("POST", f"/groups/{gid}/leave", 204)
    for target in (team.outsider.id, team.kicked.id):
        response = await team.member.post(f"/groups/{gid}/transfer", json={"userId": target})
        assert response.status_code == 404
    itself = await team.member.post(f"/groups/{gid}/transfer", json={"userId": team.member.id})
    assert itself.status_code == 409


async def test_kicked_member_loses_access_and_tags_then_rejoins(api: Api, db: Db) -> None:
    team = await make_team(api)
    gid = team.group_id
    # The kicked user's tag assignment and participation were removed with the membership.
    holders = await team.owner.ok("GET", f"/groups/{gid}/tags/{team.tag_id}/users")
    assert [h["userId"] for h in holders] == [team.member.id]
    assert (
        await db.value(
            "SELECT count(*) FROM tag_assignments WHERE user_id = $1 AND deleted_at IS NULL",
            team.kicked.id,
        )
        == 0
    )
    details = await team.owner.ok("GET", f"/events/{team.event_id}")
    assert team.kicked.id not in details["participantsIds"]
    assert (await team.kicked.get(f"/events/{team.event_id}")).status_code == 403
    # Rejoining by a valid invite works; tags are not restored.
    joined = await team.kicked.ok("POST", f"/invites/{team.invite_key}/join")
    assert joined["role"]["id"] == 3
    assert await team.kicked.ok("GET", f"/users/{team.kicked.id}/groups/{gid}/tags") == []
    again = await team.kicked.post(f"/invites/{team.invite_key}/join")
    assert again.status_code == 409


async def test_invites_recreate_revoke_and_links(api: Api) -> None:
    team = await make_team(api)
    gid = team.group_id
    current = await team.admin.ok("GET", f"/groups/{gid}/invite")
    assert current["inviteKey"] == team.invite_key
    assert current["inviteLink"] == (
        f"https://max.ru/maxhack_test_bot?start=invite_{team.invite_key}"
    )
    fresh = await team.admin.ok("POST", f"/groups/{gid}/invite", 201)
    assert fresh["inviteKey"] != team.invite_key and len(fresh["inviteKey"]) == 8
    newcomer = await api.user()
    revoked = await newcomer.post(f"/invites/{team.invite_key}/join")
    assert revoked.status_code == 404
    await team.owner.ok("DELETE", f"/groups/{gid}/invite", 204)
    await team.owner.ok("DELETE", f"/groups/{gid}/invite", 204)  # nothing to revoke: still 204
    assert (await team.owner.get(f"/groups/{gid}/invite")).status_code == 404
    assert (await newcomer.post(f"/invites/{fresh['inviteKey']}/join")).status_code == 404
    assert (await newcomer.post("/invites/no-such-key/join")).status_code == 404
    assert (await newcomer.post("/invites/" + "k" * 17 + "/join")).status_code == 404


async def test_group_delete_cascades(api: Api, db: Db) -> None:
    team = await make_team(api)
    gid = team.group_id
    await team.owner.ok("DELETE", f"/groups/{gid}", 204)
    alive = await db.fetch(
        """
        SELECT (SELECT count(*) FROM events WHERE group_id = $1 AND deleted_at IS NULL) AS events,
               (SELECT count(*) FROM tags WHERE group_id = $1 AND deleted_at IS NULL) AS tags,
               (SELECT count(*) FROM invites WHERE group_id = $1 AND deleted_at IS NULL) AS invites,
               (SELECT count(*) FROM memberships WHERE group_id = $1 AND deleted_at IS NULL)
                   AS memberships,
               (SELECT count(*) FROM tag_assignments ta JOIN tags t ON t.id = ta.tag_id
                 WHERE t.group_id = $1 AND ta.deleted_at IS NULL) AS assignments,
               (SELECT count(*) FROM event_participants p JOIN events e ON e.id = p.event_id
                 WHERE e.group_id = $1 AND p.deleted_at IS NULL) AS participants,
               (SELECT count(*) FROM events WHERE group_id = $1) AS kept_rows
        """,
        gid,
    )
    assert dict(alive[0]) == {
        "events": 0,
        "tags": 0,
        "invites": 0,
        "memberships": 0,
        "assignments": 0,
        "participants": 0,
        "kept_rows": 1,  # soft delete: history stays
    }
    assert (await team.member.get(f"/events/{team.event_id}")).status_code == 404
    assert (await team.member.get(f"/events/groups/{gid}")).status_code == 404
    groups = (await team.member.ok("GET", "/users/me/groups"))["groups"]
    assert all(g["groupId"] != gid for g in groups)
    newcomer = await api.user()
    assert (await newcomer.post(f"/invites/{team.invite_key}/join")).status_code == 404
    events = (await team.member.ok("GET", "/events/"))["events"]
    assert all(e["id"] != team.event_id for e in events)


async def test_notify_mode_is_own_only(api: Api) -> None:
    team = await make_team(api)
    body = await team.target.ok(
        "PATCH", f"/groups/{team.group_id}/notify", json={"notifyMode": "DISABLE"}
    )
    assert (body["userId"], body["notifyMode"]) == (team.target.id, "DISABLE")
    bad = await team.target.patch(f"/groups/{team.group_id}/notify", json={"notifyMode": "LOUD"})
    assert bad.status_code == 400 and "notifyMode" in bad.json()["reason"]
