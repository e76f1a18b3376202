-- The foundation: the tree of units, the people who use the bot, invitations,
-- updates already processed (idempotence) and the audit log.
-- Timestamps are ISO 8601 in UTC ("2026-11-24T08:00:00+00:00"), so text order is time order.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES units(id) ON DELETE RESTRICT,
    created_at  TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

-- The root committee always exists; the bot renames it from CHIBO_ROOT_NAME at start.
INSERT INTO units (id, code, name, parent_id, created_at)
VALUES (1, 'root', 'Đảng bộ', NULL, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));

-- A user is identified per channel (Telegram today, Zalo later).
-- role NULL: someone who wrote to the bot without an invitation (only the language is kept).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    channel       TEXT NOT NULL DEFAULT 'telegram',
    external_id   TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT CHECK (role IN ('secretary', 'committee', 'admin')),
    unit_id       INTEGER REFERENCES units(id) ON DELETE RESTRICT,
    language      TEXT CHECK (language IN ('vi', 'en')),
    active        INTEGER NOT NULL DEFAULT 1,
    menu_hash     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX users_unit ON users(unit_id, role);

-- Only a hash of the token is kept: a copy of the database does not hold usable invitations.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('secretary', 'committee', 'admin')),
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  TEXT
);

CREATE TABLE processed_updates (
    channel       TEXT NOT NULL,
    update_id     INTEGER NOT NULL,
    processed_at  TEXT NOT NULL,
    PRIMARY KEY (channel, update_id)
) WITHOUT ROWID;
CREATE INDEX processed_updates_at ON processed_updates(processed_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    unit_id     INTEGER REFERENCES units(id) ON DELETE SET NULL,
    subject     TEXT,
    old_value   TEXT,
    new_value   TEXT
);
CREATE INDEX audit_log_unit ON audit_log(unit_id, id);

-- Small values the bot keeps for itself (e.g. the generated webhook secret).
CREATE TABLE kv (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
