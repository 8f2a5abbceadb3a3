"""Writing into a user's personal group: the ICS import target."""

from __future__ import annotations

from collections.abc import Sequence

from maxhack.domain.event_queries import EventItem
from maxhack.domain.events import EventDraft, create_event
from maxhack.domain.hooks import Conn
from maxhack.domain.ics_import import ImportedEvent
from maxhack.domain.users import personal_group

__all__ = ["import_personal_events"]


async def import_personal_events(
    conn: Conn, actor_id: int, imported: Sequence[ImportedEvent]
) -> list[EventItem]:
    """Create the imported events in the actor's personal group, all or none.

    The actor is the creator and the only participant; reminders at the start only.
    """
    group = await personal_group(conn, actor_id)
    created = []
    for item in imported:
        event = await create_event(
            conn,
            actor_id,
            EventDraft(
                group_id=group.id,
                title=item.title,
                description=item.description,
                schedule=item.schedule,
                time_zone=item.time_zone,
                duration_min=item.duration_min,
                participant_ids=(actor_id,),
            ),
        )
        created.append(EventItem(event=event, answer=None, group_name=group.name))
    return created
