-- Inbound MAX updates. MAX updates carry no id and may be delivered more than once (a
-- marker not yet committed, webhook retries), so each update gets a dedup key derived from
-- its content (message id, callback id, or type+chat+user+timestamp) and is stored once.
-- The poller stores a batch and its marker in one transaction; the dispatcher marks rows
-- handled. Rows still 'pending' after a crash are handled after the restart.
CREATE TABLE bot_updates (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key    text        NOT NULL UNIQUE,
    update_type  text        NOT NULL,
    chat_key     bigint      NOT NULL,   -- updates of one chat are handled in this order
    payload      jsonb       NOT NULL,
    source       text        NOT NULL CHECK (source IN ('poll', 'webhook')),
    received_at  timestamptz NOT NULL DEFAULT now(),
    status       text        NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'done', 'failed')),
    handled_at   timestamptz,
    handle_count integer     NOT NULL DEFAULT 0,
    error        text
);
CREATE INDEX bot_updates_pending ON bot_updates (id) WHERE status = 'pending';

-- The long-polling position per bot token (keyed by a hash, never the token itself).
CREATE TABLE bot_poll_state (
    bot_key    text        PRIMARY KEY,
    marker     bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
