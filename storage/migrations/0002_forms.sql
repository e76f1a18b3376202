-- The forms: drafts (one open per user, saved after every answer) and the records they write.
-- Records keep who entered them, when, and for which cell; deletion is soft (deleted_at) so the
-- audit log can say what was there, and a deleted record stops counting everywhere.
-- Dates of events are ISO dates ("2026-11-24"); timestamps are UTC ISO text as in 0001.

CREATE TABLE drafts (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    form           TEXT NOT NULL,
    unit_id        INTEGER REFERENCES units(id) ON DELETE CASCADE,
    record_id      INTEGER,                     -- set when the draft corrects a stored record
    answers        TEXT NOT NULL DEFAULT '{}',  -- JSON object: field name -> value (null = skipped)
    position       TEXT NOT NULL,               -- the field asked, or '@review', '@cancel', '@change'
    return_to      TEXT,                        -- where '@cancel' goes back to; '@review' while changing one answer
    version        INTEGER NOT NULL DEFAULT 0,  -- bumps at every step; buttons carry it
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'saved', 'cancelled', 'expired')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    reminded_at    TEXT,
    closed_at      TEXT
);
CREATE UNIQUE INDEX drafts_one_open ON drafts(user_id) WHERE status = 'open';
CREATE INDEX drafts_open_age ON drafts(status, updated_at);

-- A person in the admission pipeline of a cell (a source first). Names and birth years only.
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    full_name    TEXT NOT NULL,
    birth_year   INTEGER NOT NULL,
    gender       TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    position     TEXT NOT NULL,
    youth_union  INTEGER NOT NULL,
    helper1      TEXT NOT NULL,
    helper2      TEXT NOT NULL,
    note         TEXT,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE INDEX people_unit ON people(unit_id) WHERE deleted_at IS NULL;

CREATE TABLE pipeline_steps (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    unit_id           INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    step              TEXT NOT NULL,
    on_date           TEXT NOT NULL,
    votes_for         INTEGER,
    official_members  INTEGER,
    decision_number   TEXT,
    note              TEXT,
    created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
);
CREATE UNIQUE INDEX pipeline_steps_once ON pipeline_steps(person_id, step) WHERE deleted_at IS NULL;
CREATE INDEX pipeline_steps_unit_date ON pipeline_steps(unit_id, on_date) WHERE deleted_at IS NULL;

CREATE TABLE transfers (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind         TEXT NOT NULL CHECK (kind IN ('official', 'temporary')),
    study        INTEGER NOT NULL DEFAULT 0,
    member_name  TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    end_date     TEXT,
    note         TEXT,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE INDEX transfers_unit_date ON transfers(unit_id, on_date) WHERE deleted_at IS NULL;

CREATE TABLE meetings (
    id                     INTEGER PRIMARY KEY,
    unit_id                INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    on_date                TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('regular', 'thematic', 'both')),
    minutes                INTEGER NOT NULL,
    total                  INTEGER NOT NULL,
    present                INTEGER NOT NULL,
    absent_with_reason     INTEGER NOT NULL,
    absent_without_reason  INTEGER NOT NULL,
    topic                  TEXT,
    created_by             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    deleted_at             TEXT
);
CREATE INDEX meetings_unit_date ON meetings(unit_id, on_date) WHERE deleted_at IS NULL;

CREATE TABLE activities (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    on_date        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    participants   INTEGER NOT NULL,
    note           TEXT,
    photo_file_id  TEXT,
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX activities_unit_date ON activities(unit_id, on_date) WHERE deleted_at IS NULL;

-- The enterprise of a cell, as dated snapshots; the latest is the current state.
CREATE TABLE enterprise_snapshots (
    id                    INTEGER PRIMARY KEY,
    unit_id               INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    on_date               TEXT NOT NULL,
    name                  TEXT NOT NULL,
    zone                  TEXT NOT NULL,
    workers               INTEGER NOT NULL,
    young_workers         INTEGER NOT NULL,
    union_members         INTEGER NOT NULL,
    youth_union_members   INTEGER NOT NULL,
    members_elsewhere     INTEGER NOT NULL,
    created_by            INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    deleted_at            TEXT
);
CREATE INDEX enterprise_unit_date ON enterprise_snapshots(unit_id, on_date) WHERE deleted_at IS NULL;

-- "Who entered what lately" for /mine, across every kind of record.
CREATE INDEX people_author ON people(created_by, created_at);
CREATE INDEX pipeline_steps_author ON pipeline_steps(created_by, created_at);
CREATE INDEX transfers_author ON transfers(created_by, created_at);
CREATE INDEX meetings_author ON meetings(created_by, created_at);
CREATE INDEX activities_author ON activities(created_by, created_at);
CREATE INDEX enterprise_author ON enterprise_snapshots(created_by, created_at);
