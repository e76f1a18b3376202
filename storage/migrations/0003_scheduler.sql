-- Scheduled work: the outbox every scheduled message goes through, the admission targets, the
-- working-day changes admins make, each cell's meeting day, muted nudges, and job periods done.

-- One row per message to deliver. key is unique per (recipient, kind, period), so a second run of a
-- job in the same period, or a run after a crash, cannot queue a message twice.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,                -- deadline, meeting, nudge, digest, broadcast, draft
    batch            TEXT,                         -- groups messages for a delivery count (a broadcast)
    text             TEXT NOT NULL,                -- HTML in the recipient's language; split when sent
    buttons          TEXT,                         -- JSON rows of [label, callback data]
    photo            BLOB,                         -- a PNG sent before the text (the digest chart)
    caption          TEXT,
    not_before       TEXT NOT NULL,                -- quiet hours move this to the morning
    created_at       TEXT NOT NULL,
    parts_sent       INTEGER NOT NULL DEFAULT 0,   -- photo and text parts already delivered
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    sent_at          TEXT,
    failed_at        TEXT,
    error            TEXT
);
CREATE INDEX outbox_pending ON outbox(not_before) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_batch ON outbox(batch) WHERE batch IS NOT NULL;

-- The number of admissions a unit aims for in a year (/target).
CREATE TABLE targets (
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    year        INTEGER NOT NULL,
    admissions  INTEGER NOT NULL CHECK (admissions >= 0),
    PRIMARY KEY (unit_id, year)
) WITHOUT ROWID;

-- Days off and make-up working days admins add to the national calendar (/dayoff, /workday).
CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('off', 'work')),
    name        TEXT,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- The day of the month a cell holds its regular meeting (configurable per cell).
ALTER TABLE units ADD COLUMN meeting_day INTEGER NOT NULL DEFAULT 5 CHECK (meeting_day BETWEEN 1 AND 28);

-- A user may mute the weekly and meeting nudges (never the deadline reminders).
ALTER TABLE users ADD COLUMN mute_nudges INTEGER NOT NULL DEFAULT 0;

-- Set when Telegram answers 403 (the user blocked the bot): nothing more is queued for them until
-- they write to the bot again. Not the same as a revoked access (active = 0).
ALTER TABLE users ADD COLUMN blocked_at TEXT;

-- The last period each job completed (e.g. digest '2026-W48'), so missed runs are caught up at start.
CREATE TABLE job_runs (
    job          TEXT PRIMARY KEY,
    last_period  TEXT NOT NULL,
    ran_at       TEXT NOT NULL
) WITHOUT ROWID;
