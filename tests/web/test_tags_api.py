"""Tags through the API: CRUD, soft deletes, cross-group isolation, assignments."""

from __future__ import annotations

from tests.web.apiclient import Api, make_team


async def test_tag_crud_and_soft_delete(api: Api) -> None:
    team = await make_team(api)
    base = f"/groups/{team.group_id}/tags"
    created = await team.admin.ok(
        "POST", base, 201, json={"name": "дизайнер", "color": "green", "description": "UI"}
    )
    assert {k: created[k] for k in ("groupId", "name", "color", "description")} == {
        "groupId": team.group_id,
        "name": "дизайнер",
        "color": "green",
        "description": "UI",
    }
    patched = await team.admin.ok(
        "PATCH", f"{base}/{created['id']}", json={"color": "#ff0000", "description": None}
    )
    assert (patched["color"], patched["description"], patched["name"]) == (
        "#ff0000",
        None,
        "дизайнер",
    )
    await team.admin.ok("DELETE", f"{base}/{created['id']}", 204)
    names = [t["name"] for t in await team.member.ok("GET", base)]
    assert names == ["дежурный"]
    for method in ("PATCH", "DELETE"):
        gone = await team.admin.request(method, f"{base}/{created['id']}", json={"name": "z"})
        assert gone.status_code == 404


async def test_tags_of_another_group_are_not_found(api: Api) -> None:
    team = await make_team(api)
    other = await team.owner.ok("POST", "/groups", 201, json={"name": "Другая"})
    other_base = f"/groups/{other['group']['id']}/tags"
    assert (
        await team.owner.patch(f"{other_base}/{team.tag_id}", json={"name": "x"})
    ).status_code == 404
    assert (await team.owner.delete(f"{other_base}/{team.tag_id}")).status_code == 404
    assign = await team.owner.post(
        f"{other_base}/users", json={"userId": team.owner.id, "tagId": team.tag_id}
    )
    assert assign.status_code == 404
    cross = await team.owner.patch(
        f"/groups/{other['group']['id']}/users/{team.owner.id}", json={"tags": [team.tag_id]}
    )
    assert cross.status_code == 409 and str(team.tag_id) in cross.json()["reason"]


async def test_assignments(api: Api) -> None:
    team = await make_team(api)
    base = f"/groups/{team.group_id}/tags"
    body = {"userId": team.target.id, "tagId": team.tag_id}
    await team.admin.ok("POST", f"{base}/users", 204, json=body)
    duplicate = await team.admin.post(f"{base}/users", json=body)
    assert (
        duplicate.status_code == 409
        and duplicate.json()["reason"] == "Тег уже назначен пользователю"
    )
    holders = await team.member.ok("GET", f"{base}/{team.tag_id}/users")
    assert [(h["userId"], h["roleId"]) for h in holders] == [
        (team.member.id, 3),
        (team.target.id, 3),
    ]
    await team.admin.ok("DELETE", f"{base}/users/{team.target.id}/{team.tag_id}", 204)
    missing = await team.admin.delete(f"{base}/users/{team.target.id}/{team.tag_id}")
    assert missing.status_code == 404
    # A removed assignment can be made again.
    await team.admin.ok("POST", f"{base}/users", 204, json=body)
    not_member = await team.admin.post(
        f"{base}/users", json={"userId": team.outsider.id, "tagId": team.tag_id}
    )
    assert not_member.status_code == 404
    tags = await team.member.ok("GET", f"/users/{team.target.id}/groups/{team.group_id}/tags")
    assert [t["id"] for t in tags] == [team.tag_id]
    outsider_tags = await team.member.get(f"/users/{team.outsider.id}/groups/{team.group_id}/tags")
    assert outsider_tags.status_code == 404


async def test_member_patch_replaces_the_tag_set(api: Api) -> None:
    team = await make_team(api)
    second = await team.fresh_tag("второй")
    url = f"/groups/{team.group_id}/users/{team.member.id}"
    await team.admin.ok("PATCH", url, json={"tags": [second, second]})
    tags = await team.admin.ok("GET", f"/users/{team.member.id}/groups/{team.group_id}/tags")
    assert [t["id"] for t in tags] == [second]
    await team.admin.ok("PATCH", url, json={"tags": [team.tag_id, second]})
    tags = await team.admin.ok("GET", f"/users/{team.member.id}/groups/{team.group_id}/tags")
    assert [t["id"] for t in tags] == [team.tag_id, second]


async def test_deleting_a_tag_unbinds_its_events(api: Api) -> None:
    team = await make_team(api)
    await team.owner.ok("DELETE", f"/groups/{team.group_id}/tags/{team.tag_id}", 204)
    details = await team.owner.ok("GET", f"/events/{team.event_id}")
    assert details["tags"] == []
    # The member got the event only through the tag: it no longer concerns them.
    events = (await team.member.ok("GET", f"/events/groups/{team.group_id}"))["events"]
    assert events == []
