-- The reminder engine's durable state.
--
-- reminder_triggers: per (event, offset) the NEXT occurrence to remind about and when
-- (fire_at = occurrence_at - offset). Written in the same transaction as the event edit
-- (the planner); claimed with FOR UPDATE SKIP LOCKED, fanned out and advanced to the next
-- occurrence in one transaction, so any number of replicas fire each trigger once.
CREATE TABLE reminder_triggers (
    event_id       bigint      NOT NULL REFERENCES events (id),
    offset_min     integer     NOT NULL CHECK (offset_min BETWEEN 0 AND 10080),
    occurrence_at  timestamptz NOT NULL,
    fire_at        timestamptz NOT NULL,
    PRIMARY KEY (event_id, offset_min)
);
CREATE INDEX reminder_triggers_fire_at ON reminder_triggers (fire_at);

-- reminder_deliveries: one row per (event, occurrence, offset, recipient) — the unique key
-- is what makes "once" a database guarantee. pending → sending (committed before the MAX
-- call) → sent | failed; or missed when too late. `owner`/`lease_until` let the replica
-- that created a row (or any replica once the lease expired) finish it after a crash.
CREATE TABLE reminder_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        bigint       NOT NULL REFERENCES events (id),
    occurrence_at   timestamptz  NOT NULL,
    offset_min      integer      NOT NULL,
    user_id         bigint       NOT NULL REFERENCES users (id),
    group_id        bigint       NOT NULL REFERENCES groups (id),
    max_user_id     bigint       NOT NULL,
    due_at          timestamptz  NOT NULL,
    occurrence_end  timestamptz  NOT NULL,
    silent          boolean      NOT NULL DEFAULT false,
    text            text         NOT NULL,
    status          varchar(8)   NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'missed')),
    owner           text         NOT NULL,
    lease_until     timestamptz  NOT NULL,
    attempts        integer      NOT NULL DEFAULT 0,
    max_message_id  text,
    error           text,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, occurrence_at, offset_min, user_id)
);
CREATE INDEX reminder_deliveries_open ON reminder_deliveries (lease_until)
    WHERE status IN ('pending', 'sending');
CREATE INDEX reminder_deliveries_user_event ON reminder_deliveries (user_id, event_id, occurrence_at);
