"""``Sender``: the actor every outgoing MAX call goes through.

Pacing. One :class:`~maxhack.sender.rate_limit.PriorityGate` guards every HTTP attempt: the
MAX client awaits ``sender.attempt_gate()`` before each attempt, retries included. An attempt
of a sender call is counted at its completion (the next attempt of the same call, or the end
of the call) — an upper bound of when MAX saw it — so MAX never sees more than
``rate_per_s`` requests in any one-second window, whatever the network jitter; attempts made
outside the sender's calls are counted when granted, in a window widened by
``window_margin_s``. The gate serves waiting attempts by priority — interactive before bulk,
always; inside bulk earliest due first, fair across fairness keys — so a reply overtakes a
backlog of reminders even while every bulk worker is already waiting at the gate. A per-chat
limit (``chat_rate_per_s``, counted the same way per call) is checked before a call starts; a
call whose chat is at its limit is put back with a not-before time and never holds up other
chats.

Lanes. Interactive and bulk calls have their own bounded queues and workers; ``submit``
waits while the lane is full (back-pressure). The queues belong to the ``Sender`` object, so
calls survive a restart of :meth:`Sender.run`. No task is created per call.

Outcomes. Each call ends with one :class:`~maxhack.sender.calls.SendOutcome` sent to its
``reply`` channel (a full reply channel stalls the worker: size it). 403 ``chat.denied``
awaits ``on_chat_denied(user_id, chat_id)``; 401 calls ``on_unauthorized(error)``; a 429 the
client gave up on pauses the whole gate (``Retry-After``, else one second) and puts the call
back, at most ``RATE_LIMIT_REQUEUES`` times. Any other error — a MAX error or a bug in the
action — only fails that call. Errors of the sender's own code propagate (the supervisor
restarts it).

Stopping. :meth:`Sender.stop` (the supervisor's soft-stop hook) makes the workers take no
new calls; calls in flight finish and ``run`` returns. If ``run`` is cancelled instead, each
call in flight gets an outcome with :class:`~maxhack.sender.calls.SenderStopped` (it may or
may not have reached MAX); queued calls stay queued.
"""

from __future__ import annotations

import contextvars
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from maxhack.max import MaxChatDenied, MaxClient, MaxError, MaxRateLimited, MaxUnauthorized
from maxhack.runtime.stop_signal import StopSignal

from .calls import Action, Lane, OutgoingCall, SenderStopped, SendOutcome
from .queues import INTERACTIVE_CLASS, BulkQueue, InteractiveQueue, LaneQueue, QueuedCall
from .rate_limit import ChatLimiter, Priority, PriorityGate, SlidingWindowLimiter
from .stats import LaneCounters, LaneStats, SenderStats

logger = logging.getLogger(__name__)

DEFAULT_RATE_PER_S = 25.0
DEFAULT_CHAT_RATE_PER_S = 2.0
DEFAULT_INTERACTIVE_WORKERS = 4
DEFAULT_BULK_WORKERS = 16
DEFAULT_INTERACTIVE_CAPACITY = 1000
DEFAULT_BULK_CAPACITY = 10_000
DEFAULT_BURST = 5
"""At most this many attempts start together; the rest of a second's budget follows in
groups (see ``SlidingWindowLimiter``)."""
DEFAULT_WINDOW_MARGIN_S = 0.05
"""Added to the one-second window. The sender's own attempts are counted at their
completion and need no margin (see ``SlidingWindowLimiter``); attempts from outside its
workers are counted when granted, and the margin absorbs their jitter to MAX."""
CHAT_RECHECK_S = 0.05
"""How soon a call to a chat busy with pending calls is looked at again."""
RATE_LIMIT_REQUEUES = 3
RATE_LIMIT_PAUSE_S = 1.0
"""Gate pause after a 429 without a usable ``Retry-After``."""
STOPPED_OUTCOME_TIMEOUT_S = 1.0
"""How long a cancelled worker may wait for room in a reply channel."""
STATS_WINDOW_S = 1.0
UNSCOPED_PRIORITY: Priority = (INTERACTIVE_CLASS, -1)
"""Gate priority of attempts made outside the sender's workers (e.g. another actor sharing
the client): ahead of every queued call, as they are usually what a person waits for."""

ChatDeniedHook = Callable[[int | None, int | None], Awaitable[None]]
UnauthorizedHook = Callable[[BaseException], None]


@dataclass
class _CallContext:
    """The call a worker is running, read by the attempt gate from a context variable."""

    priority: Priority
    chat_id: int | None  # set only when the chat holds a reservation
    passed: int = 0  # attempts that went through the gate
    attempt_open: bool = False  # the last attempt holds a pending grant of the gate


class Sender:
    """The MAX outbox actor (see the module docstring).

    ``client_source`` returns the client to use for the next call (built with
    ``attempt_gate=sender.attempt_gate()``); it is called once per call. ``rate_per_s`` or
    ``chat_rate_per_s`` may be ``math.inf`` (no limit, e.g. for benchmarks).
    """

    def __init__(
        self,
        client_source: Callable[[], MaxClient],
        *,
        rate_per_s: float = DEFAULT_RATE_PER_S,
        chat_rate_per_s: float = DEFAULT_CHAT_RATE_PER_S,
        interactive_workers: int = DEFAULT_INTERACTIVE_WORKERS,
        bulk_workers: int = DEFAULT_BULK_WORKERS,
        interactive_capacity: int = DEFAULT_INTERACTIVE_CAPACITY,
        bulk_capacity: int = DEFAULT_BULK_CAPACITY,
        on_chat_denied: ChatDeniedHook | None = None,
        on_unauthorized: UnauthorizedHook | None = None,
        burst: int | None = DEFAULT_BURST,
        window_margin_s: float = DEFAULT_WINDOW_MARGIN_S,
    ) -> None:
        if interactive_workers < 1 or bulk_workers < 1:
            raise ValueError("each lane needs at least one worker")
        self._client_source = client_source
        self._rate_per_s = rate_per_s
        self._chat_rate_per_s = chat_rate_per_s
        self._workers = {Lane.INTERACTIVE: interactive_workers, Lane.BULK: bulk_workers}
        self._queues: dict[Lane, LaneQueue] = {
            Lane.INTERACTIVE: InteractiveQueue(interactive_capacity),
            Lane.BULK: BulkQueue(bulk_capacity),
        }
        self._counters = {lane: LaneCounters() for lane in Lane}
        limiter = (
            None
            if math.isinf(rate_per_s)
            else SlidingWindowLimiter.per_second(rate_per_s, margin_s=window_margin_s, burst=burst)
        )
        self._gate = PriorityGate(limiter)
        self._chats = (
            None
            if math.isinf(chat_rate_per_s)
            else ChatLimiter.per_second(
                chat_rate_per_s, margin_s=window_margin_s, recheck_s=CHAT_RECHECK_S
            )
        )
        self._on_chat_denied = on_chat_denied
        self._on_unauthorized = on_unauthorized
        self._current: contextvars.ContextVar[_CallContext | None] = contextvars.ContextVar(
            f"maxhack_sender_call_{id(self)}", default=None
        )
        self._stop = StopSignal()
        self._running = False
        self._warned_ungated = False

    # --- wiring --------------------------------------------------------------------------

    def attempt_gate(self) -> Callable[[], Awaitable[None]]:
        """The hook to build the client with (``MaxClient(attempt_gate=...)``): waits for a
        permit of the global rate limit with the priority of the call being run."""
        return self._pass_gate

    async def _pass_gate(self) -> None:
        context = self._current.get()
        if context is None:
            # Not one of our calls: we never learn when it completes, so it is counted at
            # its grant time (the window margin covers the jitter).
            await self._gate.acquire(UNSCOPED_PRIORITY)
            return
        # A new attempt means the previous one has completed: count it now.
        self._close_attempt(context)
        await self._gate.acquire(context.priority, pending=True)
        context.attempt_open = True
        context.passed += 1

    def _close_attempt(self, context: _CallContext) -> None:
        if context.attempt_open:
            context.attempt_open = False
            self._gate.complete()

    # --- producers -----------------------------------------------------------------------

    async def submit(self, call: OutgoingCall) -> None:
        """Queue ``call`` in its lane, waiting while that lane is full.

        Cancellation: if cancelled, nothing was queued. Works while ``run`` is not running
        (the call waits for it).
        """
        await self._queues[call.lane].put(call)

    async def call(
        self,
        action: Action,
        *,
        chat_id: int | None,
        lane: Lane = Lane.INTERACTIVE,
        user_id: int | None = None,
        due_at: float | None = None,
        fairness_key: object = None,
        tag: object = None,
    ) -> Any:
        """Submit a call and wait for it: returns what the action returned, or raises its
        error (:class:`SenderStopped` if the sender was cancelled while running it).

        Cancellation: the call is withdrawn if no worker has started it yet; otherwise it
        completes unobserved.
        """
        send, receive = trio.open_memory_channel[SendOutcome](1)
        with send, receive:
            outgoing = OutgoingCall(
                action=action,
                chat_id=chat_id,
                lane=lane,
                due_at=due_at,
                fairness_key=fairness_key,
                tag=tag,
                reply=send,
                user_id=user_id,
            )
            item = await self._queues[lane].put(outgoing)
            try:
                outcome = await receive.receive()
            except BaseException:
                item.abandoned = True
                raise
        if outcome.error is not None:
            raise outcome.error
        return outcome.result

    # --- the actor -----------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the workers until :meth:`stop` (then return once calls in flight finish) or
        cancellation (calls in flight get a ``SenderStopped`` outcome)."""
        if self._running:
            raise RuntimeError("this sender is already running")
        self._running = True
        self._stop.rearm()
        try:
            async with trio.open_nursery() as nursery:
                for lane, queue in self._queues.items():
                    for _ in range(self._workers[lane]):
                        nursery.start_soon(self._work, queue)
                logger.info(
                    "sender started",
                    extra={
                        "action": "sender_started",
                        "rate_per_s": self._rate_per_s,
                        "queued": {lane.value: len(q) for lane, q in self._queues.items()},
                    },
                )
                task_status.started()
        finally:
            self._running = False
        logger.info("sender stopped", extra={"action": "sender_stopped"})

    def stop(self) -> None:
        """Soft stop (the supervisor's ``ChildSpec.stop``): take no new calls, let the calls
        in flight finish, then ``run`` returns."""
        self._stop.request()
        for queue in self._queues.values():
            queue.wake_all()

    def stats(self) -> SenderStats:
        """Current counters (cheap). Call from trio."""
        since = trio.current_time() - STATS_WINDOW_S
        grants = self._gate.grants_since(since)
        return SenderStats(
            running=self._running,
            rate_per_s=self._rate_per_s,
            chat_rate_per_s=self._chat_rate_per_s,
            grants_last_s=grants,
            utilisation=0.0 if math.isinf(self._rate_per_s) else grants / self._rate_per_s,
            gate_waiting=self._gate.waiting,
            gate_granted_total=self._gate.granted_total,
            tracked_chats=0 if self._chats is None else len(self._chats),
            interactive=self._lane_stats(Lane.INTERACTIVE),
            bulk=self._lane_stats(Lane.BULK),
        )

    def _lane_stats(self, lane: Lane) -> LaneStats:
        queue = self._queues[lane].stats()
        counters = self._counters[lane]
        return LaneStats(
            lane=lane.value,
            capacity=queue.capacity,
            queued=queue.queued,
            deferred=queue.deferred,
            peak=queue.peak,
            waiting_submitters=queue.waiting_submitters,
            submitted=queue.put_total,
            in_flight=counters.in_flight,
            sent=counters.sent,
            failed=counters.failed,
            denied=counters.denied,
            requeued=counters.requeued,
            chat_deferred=counters.chat_deferred,
        )

    # --- workers -------------------------------------------------------------------------

    async def _work(self, queue: LaneQueue) -> None:
        while True:
            # get() does not yield when an item is ready (see LaneQueue.get); yielding here
            # keeps a worker whose calls end without blocking from starving other tasks.
            await trio.lowlevel.checkpoint()
            item = await queue.get(self._stop)
            if item is None:
                return
            await self._process(queue, item)

    async def _process(self, queue: LaneQueue, item: QueuedCall) -> None:
        call = item.call
        counters = self._counters[queue.lane]
        reserved_chat: int | None = None
        if call.chat_id is not None and self._chats is not None:
            retry_at = self._chats.reserve(call.chat_id, trio.current_time())
            if retry_at is not None:
                counters.chat_deferred += 1
                queue.requeue(item, retry_at)
                return
            reserved_chat = call.chat_id
        context = _CallContext(priority=item.priority, chat_id=reserved_chat)
        token = self._current.set(context)
        counters.in_flight += 1
        started_at = time.time()
        try:
            result, error = await self._run_action(call)
        except BaseException:
            # Cancelled mid-call: answer now so that nobody waits for ever.
            self._end_call(context, token, counters, succeeded=False)
            stopped = SenderStopped("the sender stopped while the call was in flight")
            with trio.CancelScope(shield=True), trio.move_on_after(STOPPED_OUTCOME_TIMEOUT_S):
                await self._deliver(call, self._outcome(call, None, stopped, started_at))
            raise
        self._end_call(context, token, counters, succeeded=error is None)
        if isinstance(error, MaxRateLimited) and item.requeues < RATE_LIMIT_REQUEUES:
            self._requeue_rate_limited(queue, item, error)
            return
        await self._report(call, counters, result, error, started_at)

    def _end_call(
        self,
        context: _CallContext,
        token: contextvars.Token[_CallContext | None],
        counters: LaneCounters,
        *,
        succeeded: bool,
    ) -> None:
        counters.in_flight -= 1
        self._current.reset(token)
        self._close_attempt(context)
        chat_id = context.chat_id
        if chat_id is None or self._chats is None:
            return
        if context.passed:
            self._chats.resolve(chat_id, trio.current_time())
            return
        if not succeeded:
            self._chats.release(chat_id)  # failed before sending anything
            return
        # Succeeded without passing the gate: the client is not wired to this sender.
        # Count the call as made just now.
        self._chats.resolve(chat_id, trio.current_time())
        if not self._warned_ungated:
            self._warned_ungated = True
            logger.warning(
                "a call completed without passing the sender's rate gate; build the client "
                "with attempt_gate=sender.attempt_gate()",
                extra={"action": "sender_ungated_call"},
            )

    async def _run_action(self, call: OutgoingCall) -> tuple[Any, Exception | None]:
        try:
            return await call.action(self._client_source()), None
        except MaxError as exc:
            return None, exc
        except Exception as exc:
            # A bug in the caller's action (or its client): fail this call, keep the actor.
            logger.exception(
                "sender action raised a non-MAX error",
                extra={"action": "sender_action_error", "lane": call.lane.value, "tag": call.tag},
            )
            return None, exc

    def _requeue_rate_limited(
        self, queue: LaneQueue, item: QueuedCall, error: MaxRateLimited
    ) -> None:
        delay_s = RATE_LIMIT_PAUSE_S if error.retry_after is None else error.retry_after
        now = trio.current_time()
        self._gate.hold_until(now + delay_s)
        item.requeues += 1
        self._counters[queue.lane].requeued += 1
        # Ready again at once: the held gate makes it wait, in its priority's place in line.
        queue.requeue(item, now)
        logger.warning(
            "MAX rate limited a call; pausing the sender and retrying it later",
            extra={
                "action": "sender_rate_limited",
                "lane": queue.lane.value,
                "delay_s": delay_s,
                "requeues": item.requeues,
            },
        )

    async def _report(
        self,
        call: OutgoingCall,
        counters: LaneCounters,
        result: Any,
        error: Exception | None,
        started_at: float,
    ) -> None:
        if error is None:
            counters.sent += 1
        else:
            counters.failed += 1
            await self._note_failure(call, counters, error)
        await self._deliver(call, self._outcome(call, result, error, started_at))

    async def _note_failure(
        self, call: OutgoingCall, counters: LaneCounters, error: Exception
    ) -> None:
        extra = {
            "lane": call.lane.value,
            "tag": call.tag,
            "chat_id": call.chat_id,
            "user_id": call.user_id,
            "error_class": type(error).__name__,
        }
        if isinstance(error, MaxChatDenied):
            counters.denied += 1
            logger.info("MAX denied the chat", extra={"action": "sender_chat_denied", **extra})
            if self._on_chat_denied is not None:
                try:
                    await self._on_chat_denied(call.user_id, call.chat_id)
                except Exception:
                    logger.exception(
                        "on_chat_denied failed", extra={"action": "sender_hook_error", **extra}
                    )
        elif isinstance(error, MaxUnauthorized):
            logger.error(
                "MAX rejected the bot token (401); the bot cannot send anything",
                extra={"action": "sender_unauthorized", **extra},
            )
            if self._on_unauthorized is not None:
                try:
                    self._on_unauthorized(error)
                except Exception:
                    logger.exception(
                        "on_unauthorized failed", extra={"action": "sender_hook_error", **extra}
                    )
        elif isinstance(error, MaxError):
            logger.warning(
                "MAX call failed: %s", error, extra={"action": "sender_call_failed", **extra}
            )

    @staticmethod
    def _outcome(
        call: OutgoingCall, result: Any, error: BaseException | None, started_at: float
    ) -> SendOutcome:
        return SendOutcome(
            tag=call.tag,
            ok=error is None,
            result=result,
            error=error,
            lane=call.lane,
            due_at=call.due_at,
            started_at=started_at,
            finished_at=time.time(),
        )

    @staticmethod
    async def _deliver(call: OutgoingCall, outcome: SendOutcome) -> None:
        if call.reply is None:
            return
        try:
            await call.reply.send(outcome)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            logger.debug(
                "outcome dropped: nobody listens any more",
                extra={"action": "sender_outcome_dropped", "tag": call.tag},
            )


__all__ = [
    "CHAT_RECHECK_S",
    "DEFAULT_BULK_CAPACITY",
    "DEFAULT_BULK_WORKERS",
    "DEFAULT_BURST",
    "DEFAULT_CHAT_RATE_PER_S",
    "DEFAULT_INTERACTIVE_CAPACITY",
    "DEFAULT_INTERACTIVE_WORKERS",
    "DEFAULT_RATE_PER_S",
    "DEFAULT_WINDOW_MARGIN_S",
    "RATE_LIMIT_PAUSE_S",
    "RATE_LIMIT_REQUEUES",
    "UNSCOPED_PRIORITY",
    "Sender",
]
