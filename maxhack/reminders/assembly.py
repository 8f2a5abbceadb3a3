"""The reminders subtree: wheel (fires triggers) and deliverer (sends through the sender).

    reminders   supervisor (one_for_one, tolerant like every store-bound subtree)
    ├─ deliverer    release times, the sender's bulk lane, outcomes
    └─ wheel        level-0 heap + PostgreSQL triggers, fan-out

The deliverer starts first so the wheel's recovered and fanned-out jobs have somewhere to go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from maxhack.config import Settings
from maxhack.db.writer import DbWriter
from maxhack.reminders.deliverer import Deliverer
from maxhack.reminders.stats import ReminderStats
from maxhack.reminders.wheel import Wheel
from maxhack.sender import Sender
from supervisors import Backoff, ChildSpec, Intensity, Strategy, Supervisor

REMINDERS_INTENSITY = Intensity(max_restarts=60, period=60.0)
REMINDERS_BACKOFF = Backoff(initial=0.5, maximum=5.0, factor=2.0, jitter="full", reset_after=10.0)


@dataclass
class ReminderParts:
    stats: ReminderStats
    wheel: Wheel
    deliverer: Deliverer
    supervisor: Supervisor


def build_reminders(
    settings: Settings,
    *,
    pool_source: Callable[[], asyncpg.Pool],
    writer: DbWriter,
    sender: Sender,
) -> ReminderParts:
    stats = ReminderStats()
    deliverer = Deliverer(
        sender=sender,
        writer=writer,
        stats=stats,
        rate_per_s=settings.MAX_RATE_LIMIT,
        spread_s=settings.REMINDER_SPREAD_S,
        grace_s=settings.REMINDER_GRACE_S,
    )
    wheel = Wheel(
        pool_source=pool_source,
        deliver_to=deliverer.inbox,
        stats=stats,
        owner=settings.replica_id,
        horizon_s=settings.REMINDER_HORIZON_S,
        refill_s=settings.REMINDER_REFILL_S,
        lead_s=settings.REMINDER_LEAD_S,
        spread_s=settings.REMINDER_SPREAD_S,
        grace_s=settings.REMINDER_GRACE_S,
    )
    supervisor = Supervisor(
        "reminders",
        [
            ChildSpec(
                id="deliverer",
                start=deliverer.run,
                stop=deliverer.stop_signal.request,
                backoff=REMINDERS_BACKOFF,
                shutdown=5.0,
                mailboxes=(deliverer.inbox,),
            ),
            ChildSpec(
                id="wheel",
                start=wheel.run,
                stop=wheel.stop_signal.request,
                backoff=REMINDERS_BACKOFF,
                start_timeout=30.0,
                shutdown=5.0,
            ),
        ],
        strategy=Strategy.ONE_FOR_ONE,
        intensity=REMINDERS_INTENSITY,
    )
    return ReminderParts(stats, wheel, deliverer, supervisor)
