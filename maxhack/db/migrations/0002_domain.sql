-- The domain: users, groups, roles, memberships, invites, tags, events, participants, answers.
--
-- Conventions:
-- * ids are bigint identities; MAX ids (user, chat) are bigint (64-bit).
-- * "alive" means deleted_at IS NULL. Soft-deleted rows are kept for history and excluded by
--   partial unique indexes, so a removed link (membership, tag assignment, participant) can be
--   created again.
-- * text limits live here (varchar(n)) and in the API models; CHECKs pin the enumerations.
-- * The reminder engine adds its own trigger and delivery tables in a later migration.

CREATE TABLE roles (
    id      smallint    PRIMARY KEY,
    name    varchar(16) NOT NULL UNIQUE
);
INSERT INTO roles (id, name) VALUES (1, 'Босс'), (2, 'Начальник'), (3, 'Участник');

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    max_id          bigint       NOT NULL UNIQUE,
    -- The private dialog with the bot; known only from bot updates, never from WebApp data.
    dialog_chat_id  bigint,
    first_name      varchar(64)  NOT NULL,
    last_name       varchar(64),
    username        varchar(64),
    photo_url       varchar(512),
    phone           varchar(16),
    time_zone       varchar(64)  NOT NULL DEFAULT 'Europe/Moscow',
    notify_mode     varchar(16)  NOT NULL DEFAULT 'DEFAULT'
                    CHECK (notify_mode IN ('DEFAULT', 'SILENT', 'DISABLE')),
    -- False after MAX answered 403 (the user stopped the bot) until their next bot_started.
    reachable       boolean      NOT NULL DEFAULT true,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE groups (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            varchar(128)  NOT NULL,
    description     varchar(1024),
    time_zone       varchar(64)   NOT NULL DEFAULT 'Europe/Moscow',
    -- Set only on a user's personal group: the flag and its owner in one column.
    personal_of     bigint        REFERENCES users (id),
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    CHECK (personal_of IS NULL OR deleted_at IS NULL)
);
CREATE UNIQUE INDEX groups_one_personal_per_user ON groups (personal_of)
    WHERE personal_of IS NOT NULL;

CREATE TABLE invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         varchar(16)  NOT NULL UNIQUE,
    group_id    bigint       NOT NULL REFERENCES groups (id),
    creator_id  bigint       NOT NULL REFERENCES users (id),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX invites_one_alive_per_group ON invites (group_id) WHERE deleted_at IS NULL;

CREATE TABLE memberships (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint       NOT NULL REFERENCES users (id),
    group_id    bigint       NOT NULL REFERENCES groups (id),
    role_id     smallint     NOT NULL REFERENCES roles (id),
    invite_id   bigint       REFERENCES invites (id),
    notify_mode varchar(16)  NOT NULL DEFAULT 'DEFAULT'
                CHECK (notify_mode IN ('DEFAULT', 'SILENT', 'DISABLE')),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX memberships_alive_user_group ON memberships (user_id, group_id)
    WHERE deleted_at IS NULL;
-- At most one owner per group; ownership transfer demotes before it promotes.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (group_id)
    WHERE role_id = 1 AND deleted_at IS NULL;
CREATE INDEX memberships_alive_group ON memberships (group_id) WHERE deleted_at IS NULL;

CREATE TABLE tags (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id    bigint        NOT NULL REFERENCES groups (id),
    name        varchar(32)   NOT NULL,
    description varchar(128),
    color       varchar(16)   NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX tags_alive_group ON tags (group_id) WHERE deleted_at IS NULL;

CREATE TABLE tag_assignments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag_id      bigint       NOT NULL REFERENCES tags (id),
    user_id     bigint       NOT NULL REFERENCES users (id),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX tag_assignments_alive ON tag_assignments (tag_id, user_id)
    WHERE deleted_at IS NULL;
CREATE INDEX tag_assignments_alive_user ON tag_assignments (user_id) WHERE deleted_at IS NULL;

CREATE TABLE events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id          bigint         NOT NULL REFERENCES groups (id),
    creator_id        bigint         NOT NULL REFERENCES users (id),
    title             varchar(128)   NOT NULL,
    description       varchar(1024),
    type              varchar(16)    NOT NULL DEFAULT 'event' CHECK (type IN ('event')),
    -- The first occurrence as an instant, and the IANA zone the series recurs in.
    starts_at         timestamptz    NOT NULL,
    time_zone         varchar(64)    NOT NULL,
    repeat            varchar(8)     NOT NULL DEFAULT 'none'
                      CHECK (repeat IN ('none', 'daily', 'weekly', 'monthly')),
    repeat_interval   integer        NOT NULL DEFAULT 1 CHECK (repeat_interval BETWEEN 1 AND 1000),
    repeat_until      timestamptz,
    repeat_count      integer        CHECK (repeat_count BETWEEN 1 AND 100000),
    duration_min      integer        NOT NULL DEFAULT 0 CHECK (duration_min BETWEEN 0 AND 43200),
    -- "N minutes before" offsets, 0 = at the start; a set kept sorted descending.
    reminder_offsets  integer[]      NOT NULL DEFAULT '{0}'
                      CHECK (cardinality(reminder_offsets) BETWEEN 1 AND 10
                             AND 0 <= ALL (reminder_offsets)
                             AND 10080 >= ALL (reminder_offsets)
                             AND array_position(reminder_offsets, NULL) IS NULL),
    created_at        timestamptz    NOT NULL DEFAULT now(),
    updated_at        timestamptz    NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE INDEX events_alive_group ON events (group_id, created_at DESC) WHERE deleted_at IS NULL;

CREATE TABLE event_participants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint       NOT NULL REFERENCES events (id),
    user_id     bigint       NOT NULL REFERENCES users (id),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX event_participants_alive ON event_participants (event_id, user_id)
    WHERE deleted_at IS NULL;
CREATE INDEX event_participants_alive_user ON event_participants (user_id)
    WHERE deleted_at IS NULL;

CREATE TABLE event_tags (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint       NOT NULL REFERENCES events (id),
    tag_id      bigint       NOT NULL REFERENCES tags (id),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX event_tags_alive ON event_tags (event_id, tag_id) WHERE deleted_at IS NULL;
CREATE INDEX event_tags_alive_tag ON event_tags (tag_id) WHERE deleted_at IS NULL;

-- One answer per (user, event, occurrence); "no answer yet" is the absence of a row.
CREATE TABLE answers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint       NOT NULL REFERENCES users (id),
    event_id        bigint       NOT NULL REFERENCES events (id),
    occurrence_at   timestamptz  NOT NULL,
    status          varchar(8)   NOT NULL CHECK (status IN ('OK', 'MAYBE', 'NO')),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (user_id, event_id, occurrence_at)
);
CREATE INDEX answers_event_occurrence ON answers (event_id, occurrence_at);
