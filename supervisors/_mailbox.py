"""Bounded mailboxes that outlive the restarts of the child that consumes them.

A :class:`Mailbox` wraps one trio memory channel and keeps both of its ends, so producers and
the consumer can hold the same object across restarts of either. Items sent while the
consumer is restarting wait in the buffer (or block the sender when it is full).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

import trio

from supervisors._validate import integer, non_empty_str, real

T = TypeVar("T")


@dataclass(frozen=True)
class MailboxStats:
    """Counters of one mailbox at one moment.

    ``used``/``peak`` count buffered items (``peak`` is the highest ``used`` ever seen);
    ``waiting_senders``/``waiting_receivers`` count tasks blocked in send()/receive().
    """

    name: str
    capacity: int
    used: int
    peak: int
    waiting_senders: int
    waiting_receivers: int
    sent_total: int
    received_total: int
    closed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


class Mailbox(Generic[T]):
    """A named, bounded FIFO channel with statistics.

    ``capacity`` is the buffer size (0 gives rendezvous semantics like
    ``trio.open_memory_channel(0)``). Any number of tasks may send and receive.

    Closing: :meth:`close` closes the sending side. Blocked and later senders get
    ``trio.ClosedResourceError``; receivers first drain the buffer, then get
    ``trio.EndOfChannel`` (iteration ends). That makes ``mailbox.close`` a natural
    ``ChildSpec.stop`` hook for the consumer. :meth:`reopen` undoes it keeping buffered items;
    a supervisor calls it before (re)starting a child listing the mailbox in
    ``ChildSpec.mailboxes``.

    Cancellation: send() and receive() are checkpoints; a cancelled send() delivered nothing and
    a cancelled receive() consumed nothing.
    """

    def __init__(self, name: str, capacity: int) -> None:
        self._name = non_empty_str("Mailbox", "name", name)
        if integer("Mailbox", "capacity", capacity) < 0:
            raise ValueError(f"Mailbox.capacity must be >= 0, got {capacity!r}")
        self._capacity = capacity
        self._send, self._receive = trio.open_memory_channel[T](capacity)
        self._closed = False
        self._peak = 0
        self._sent_total = 0
        self._received_total = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def closed(self) -> bool:
        return self._closed

    def _note_sent(self) -> None:
        self._sent_total += 1
        self._peak = max(self._peak, self._send.statistics().current_buffer_used)

    # A timeout argument (rather than the caller's fail_after) is the API: it bounds only the
    # wait for room, and producers of supervised children use it for back-pressure.
    async def send(self, item: T, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Put ``item`` in the mailbox, waiting while it is full.

        Raises ``trio.TooSlowError`` if there is still no room after ``timeout`` seconds (the
        item is then not delivered) and ``trio.ClosedResourceError`` if the mailbox is or gets
        closed.
        """
        limit = math.inf if timeout is None else real("Mailbox.send", "timeout", timeout)
        if limit < 0:
            raise ValueError(f"Mailbox.send timeout must be >= 0, got {timeout!r}")
        await trio.lowlevel.checkpoint_if_cancelled()
        try:
            # Fast path first so the buffer level is observed before any other task runs.
            self._send.send_nowait(item)
        except trio.WouldBlock:
            with trio.fail_after(limit):
                await self._send.send(item)
            self._note_sent()
            return
        self._note_sent()
        await trio.lowlevel.cancel_shielded_checkpoint()

    def send_nowait(self, item: T) -> None:
        """Put ``item`` in the mailbox or raise ``trio.WouldBlock`` if it is full."""
        self._send.send_nowait(item)
        self._note_sent()

    async def receive(self) -> T:
        """Take the oldest item, waiting for one; ``trio.EndOfChannel`` once closed and drained."""
        item = await self._receive.receive()
        self._received_total += 1
        return item

    def receive_nowait(self) -> T:
        """Take the oldest item or raise ``trio.WouldBlock`` (``trio.EndOfChannel`` if closed
        and drained)."""
        item = self._receive.receive_nowait()
        self._received_total += 1
        return item

    def __aiter__(self) -> Mailbox[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Close the sending side (idempotent). Receivers drain what is buffered, then end."""
        self._closed = True
        self._send.close()

    def reopen(self) -> None:
        """Make a closed mailbox usable again, keeping the items still buffered (no-op if open).

        Tasks that were blocked on the closed mailbox have already been woken with
        ``ClosedResourceError``/``EndOfChannel``.
        """
        if not self._closed:
            return
        leftover: list[T] = []
        while True:
            try:
                leftover.append(self._receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                break
        self._receive.close()
        self._send, self._receive = trio.open_memory_channel[T](self._capacity)
        for item in leftover:
            self._send.send_nowait(item)
        self._closed = False

    def stats(self) -> MailboxStats:
        """Current counters (cheap; safe to call from snapshots)."""
        channel = self._send.statistics()
        return MailboxStats(
            name=self._name,
            capacity=self._capacity,
            used=channel.current_buffer_used,
            peak=self._peak,
            waiting_senders=channel.tasks_waiting_send,
            waiting_receivers=channel.tasks_waiting_receive,
            sent_total=self._sent_total,
            received_total=self._received_total,
            closed=self._closed,
        )

    def __repr__(self) -> str:
        return f"<Mailbox {self._name!r} capacity={self._capacity} closed={self._closed}>"
