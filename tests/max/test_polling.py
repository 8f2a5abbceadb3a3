"""Long polling: marker commits, hold until the first update, type filter, both readings."""

from __future__ import annotations

import trio
import trio.testing

from maxhack.max import MaxClient, MaxMethodNotAllowed
from maxhack.max import models as m
from maxhack.max.emulator import Emulator

from .conftest import MakeClient, StartEmulator


async def test_marker_commits_earlier_updates(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(1)
    emulator.user_sends_text(1, "a")
    updates, marker = await client.get_updates(timeout=0)
    assert [u.update_type for u in updates] == ["bot_started", "message_created"]
    assert marker == 3
    # Not committed yet: polling without the marker returns them again (S33 reading).
    again, _ = await client.get_updates(timeout=0)
    assert len(again) == 2
    # Sending the marker commits them; only new updates follow.
    emulator.user_sends_text(1, "b")
    fresh, marker2 = await client.get_updates(marker, timeout=0)
    assert [u.message.text for u in fresh if isinstance(u, m.MessageCreatedUpdate)] == ["b"]
    assert marker2 == 4
    after_commit, _ = await client.get_updates(timeout=0)
    assert [u.update_type for u in after_commit] == ["message_created"]
    assert emulator.world.updates.committed == 3


async def test_empty_poll_keeps_the_marker(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(1)
    _, marker = await client.get_updates(timeout=0)
    updates, same = await client.get_updates(marker, timeout=0)
    assert (updates, same) == ([], marker)
    assert emulator.pending_updates() == []


async def test_null_marker_on_empty_answer_keeps_ours(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    emulator = await start_emulator(null_marker_when_empty=True)
    client = await make_client(base_url=emulator.url)
    emulator.user_starts_bot(1)
    _, marker = await client.get_updates(timeout=0)
    assert marker == 2
    updates, kept = await client.get_updates(marker, timeout=0)
    assert updates == []
    assert kept == 2
    (last,) = emulator.requests(path="/updates")[-1:]
    assert "marker=2" in last.query


async def test_long_poll_holds_until_the_first_update(
    client: MaxClient, emulator: Emulator
) -> None:
    results: list[list[m.Update]] = []

    async def poll() -> None:
        updates, _ = await client.get_updates(timeout=30)
        results.append(updates)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await emulator.wait_for_polls()
        assert results == []  # still held open
        emulator.user_starts_bot(5, payload="deep")
    (updates,) = results
    (update,) = updates
    assert isinstance(update, m.BotStartedUpdate) and update.payload == "deep"


async def test_long_poll_returns_empty_when_the_hold_expires(
    client: MaxClient, emulator: Emulator
) -> None:
    updates, marker = await client.get_updates(timeout=1)
    assert updates == []
    assert marker == 1
    (request,) = emulator.requests(path="/updates")
    assert request.status == 200
    assert "timeout=1" in request.query


async def test_types_filter_and_limit(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(1)
    for text in ("a", "b", "c"):
        emulator.user_sends_text(1, text)
    emulator.user_stops_bot(1)
    updates, marker = await client.get_updates(timeout=0, types=["message_created"], limit=2)
    assert [u.message.text for u in updates if isinstance(u, m.MessageCreatedUpdate)] == ["a", "b"]
    assert marker == 4
    (request,) = emulator.requests(path="/updates")
    assert "types=message_created" in request.query
    rest, marker = await client.get_updates(
        marker, timeout=0, types=["message_created", "bot_stopped"]
    )
    assert [u.update_type for u in rest] == ["message_created", "bot_stopped"]
    assert marker == 6


async def test_types_filter_waits_for_a_matching_update(
    client: MaxClient, emulator: Emulator
) -> None:
    results: list[list[m.Update]] = []

    async def poll() -> None:
        updates, _ = await client.get_updates(timeout=30, types=["message_callback"])
        results.append(updates)

    emulator.user_starts_bot(1)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await emulator.wait_for_polls()
        emulator.user_sends_text(1, "ignored by the filter")
        # The poll wakes, finds nothing it wants and is held again (no I/O in between).
        await trio.testing.wait_all_tasks_blocked()
        assert emulator.world.updates.held_polls == 1
        assert results == []
        emulator.inject_update(
            {
                "update_type": "message_callback",
                "callback": {"timestamp": 1, "callback_id": "c1", "user": {"user_id": 1}},
            }
        )
    assert [u.update_type for u in results[0]] == ["message_callback"]


async def test_s32_reading_returns_only_the_last_update_without_marker(
    start_emulator: StartEmulator, make_client: MakeClient
) -> None:
    emulator = await start_emulator(updates_without_marker="last_only")
    client = await make_client(base_url=emulator.url)
    emulator.user_starts_bot(1)
    emulator.user_sends_text(1, "latest")
    updates, marker = await client.get_updates(timeout=0)
    assert [u.update_type for u in updates] == ["message_created"]
    assert marker == 3


async def test_stale_and_future_markers(client: MaxClient, emulator: Emulator) -> None:
    emulator.user_starts_bot(1)
    emulator.user_sends_text(1, "x")
    _, marker = await client.get_updates(timeout=0)
    await client.get_updates(marker, timeout=0)  # commit both
    stale, stale_marker = await client.get_updates(1, timeout=0)
    assert stale == [] and stale_marker == 3  # committed updates never come back
    # A marker from a previous server run is clamped: later updates are still delivered.
    none, clamped = await client.get_updates(10_000, timeout=0)
    assert (none, clamped) == ([], 3)
    emulator.user_sends_text(1, "after restart")
    fresh, _ = await client.get_updates(clamped, timeout=0)
    assert [u.update_type for u in fresh] == ["message_created"]


async def test_unknown_injected_update_reaches_the_client_as_unknown(
    client: MaxClient, emulator: Emulator
) -> None:
    emulator.inject_update({"update_type": "comment_created", "comment": {"text": "hi"}})
    (update,), _ = await client.get_updates(timeout=0)
    assert isinstance(update, m.UnknownUpdate)
    assert update.update_type == "comment_created"
    assert update.model_extra == {"comment": {"text": "hi"}}


async def test_poll_parameters_are_validated(client: MaxClient) -> None:
    from maxhack.max import MaxBadRequest

    for kwargs in ({"limit": 0}, {"limit": 1001}, {"timeout": 91}):
        try:
            await client.get_updates(**kwargs)  # type: ignore[arg-type]
        except MaxBadRequest:
            continue
        raise AssertionError(f"{kwargs} accepted")


async def test_polling_is_refused_while_a_webhook_is_set(
    client: MaxClient, emulator: Emulator
) -> None:
    await client.subscribe("http://127.0.0.1:9/hook")
    try:
        await client.get_updates(timeout=0)
    except MaxMethodNotAllowed as error:
        assert error.status == 405
    else:
        raise AssertionError("polling allowed while subscribed")
    await client.unsubscribe("http://127.0.0.1:9/hook")
    assert await client.get_updates(timeout=0) == ([], 1)
