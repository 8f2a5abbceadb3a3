-- The skeleton's own table: one row per `maxhack run` start, written through the db writer.
-- It lets operators see restarts and lets tests prove data survives a restart.
CREATE TABLE process_starts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    hostname    text        NOT NULL,
    pid         integer     NOT NULL,
    version     text        NOT NULL
);
