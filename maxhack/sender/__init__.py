"""The sender: every outgoing MAX call goes through one paced, prioritised outbox.

Wire it up by building the MAX client with the sender's gate, so that every HTTP attempt
(retries included) is paced::

    sender = Sender(lambda: client, rate_per_s=25, on_chat_denied=mark_unreachable)
    client = MaxClient(config, attempt_gate=sender.attempt_gate())
    ChildSpec(id="sender", start=sender.run, stop=sender.stop)

    message = await sender.call(lambda c: c.send_message(body, chat_id=chat_id), chat_id=chat_id)
    await sender.submit(OutgoingCall(action, chat_id, lane=Lane.BULK, due_at=..., reply=ch))

See :mod:`maxhack.sender.actor` for ordering, outcomes and stopping, and
:mod:`maxhack.sender.rate_limit` for the pacing primitives.
"""

from .actor import Sender
from .calls import Action, Lane, OutgoingCall, SenderError, SenderStopped, SendOutcome
from .rate_limit import ChatLimiter, Priority, PriorityGate, SlidingWindowLimiter
from .stats import LaneStats, SenderStats

__all__ = [
    "Action",
    "ChatLimiter",
    "Lane",
    "LaneStats",
    "OutgoingCall",
    "Priority",
    "PriorityGate",
    "SendOutcome",
    "Sender",
    "SenderError",
    "SenderStats",
    "SenderStopped",
    "SlidingWindowLimiter",
]
