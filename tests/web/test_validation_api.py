"""Client mistakes are 4xx with a reason naming the problem — never a 500."""

from __future__ import annotations

import httpx
import pytest
import trio

from maxhack.web.app import MAX_BODY_BYTES
from tests.web.apiclient import Api


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"{not json", "Invalid JSON"),
        (b"", "name: Field required"),
        (b"[]", "body: Input should be an object"),
        (b'{"name": "a\\u0000b"}', "name"),
        (b'{"name": "\\ud800"}', "Invalid JSON"),
        (b'{"name": 5}', "name"),
        (b'{"name": "' + b"x" * 129 + b'"}', "name"),
        (b'{"name": "ok", "description": "' + b"x" * 1025 + b'"}', "description"),
        (b'{"name": "ok", "timeZone": "Europe/Atlantis"}', "timeZone"),
    ],
)
async def test_bad_bodies_are_400(api: Api, content: bytes, needle: str) -> None:
    user = await api.user()
    response = await user.post(
        "/groups", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert needle in response.json()["reason"]


async def test_ids_out_of_range(api: Api) -> None:
    user = await api.user()
    for path in ("/groups/0", "/groups/-1", f"/groups/{2**63}", "/events/abc", "/groups/1.5"):
        response = await user.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"reason": "Not Found"}
    body = await user.post("/events/1/users", json={"userIds": [2**70]})
    assert body.status_code == 400 and "userIds.0" in body.json()["reason"]
    group = await user.post("/groups/1/tags/users", json={"userId": 0, "tagId": 1})
    assert group.status_code == 400 and "userId" in group.json()["reason"]


async def test_unknown_routes_methods_and_sizes(api: Api) -> None:
    user = await api.user()
    assert (await user.get("/no/such/route")).json() == {"reason": "Not Found"}
    wrong = await user.request("PUT", "/groups")
    assert wrong.status_code == 405 and wrong.json() == {"reason": "Method Not Allowed"}
    # Declared too large: refused from the headers alone, before any body is sent.
    url = httpx.URL(str(api.client.base_url))
    with trio.fail_after(10):
        stream = await trio.open_tcp_stream(url.host, url.port)
        async with stream:
            await stream.send_all(
                b"POST /groups HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"WebAppData: %s\r\nContent-Length: %d\r\n\r\n"
                % (user.headers["WebAppData"].encode(), MAX_BODY_BYTES + 1)
            )
            assert b" 413 " in await _read_response(stream)


async def test_snake_case_and_camel_case_inputs(api: Api) -> None:
    user = await api.user()
    camel = await user.ok("POST", "/groups", 201, json={"name": "a", "timeZone": "Asia/Tokyo"})
    snake = await user.ok("POST", "/groups", 201, json={"name": "b", "time_zone": "Asia/Tokyo"})
    assert camel["group"]["timeZone"] == snake["group"]["timeZone"] == "Asia/Tokyo"
    assert set(camel["group"]) == {
        "id",
        "name",
        "description",
        "timeZone",
        "utcOffsetMinutes",
        "isPersonal",
    }


async def test_api_prefix_answers_every_route(api: Api) -> None:
    user = await api.user()
    created = await user.ok("POST", "/api/groups", 201, json={"name": "через /api"})
    gid = created["group"]["id"]
    assert (await user.ok("GET", f"/api/groups/{gid}"))["group"]["name"] == "через /api"
    await user.ok("DELETE", f"/api/groups/{gid}", 204)


async def _read_response(stream: trio.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive_some()
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += await stream.receive_some()
    return head


@pytest.mark.parametrize(
    ("request_line", "status"),
    [(b"PUT /groups", b" 405 "), (b"POST /groups", b" 401 "), (b"POST /nope", b" 404 ")],
)
async def test_early_error_keeps_the_connection_usable(
    api: Api, request_line: bytes, status: bytes
) -> None:
    """An error answered without reading the body (405, 401, 404) must leave the keep-alive
    connection usable: the body is sent in its own write, as real clients often do."""
    url = httpx.URL(str(api.client.base_url))
    body = b'{"name":"x"}'
    with trio.fail_after(10):
        stream = await trio.open_tcp_stream(url.host, url.port)
        async with stream:
            await stream.send_all(
                request_line + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body)
            )
            await stream.send_all(body)
            assert status in await _read_response(stream)
            await stream.send_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            assert b" 200 " in await _read_response(stream)
