-- The committee acts from the digest (issue 17): records sent back for revision, the lists kept behind
-- the digest's buttons, and the mentor log of probationary members.

-- A record sent back to its cell with a comment. One row per return: a record returned twice keeps
-- both comments. The state of a record is its latest row: none, "submitted" (accepted unless returned,
-- see bot/features/review.py); resolved_at NULL, "returned"; resolution 'corrected', "corrected";
-- 'deleted', the cell deleted it instead. At most one return of a record is open at a time.
CREATE TABLE record_returns (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,      -- storage/records.KINDS: person, step, transfer, meeting, ...
    record_id    INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    comment      TEXT NOT NULL,
    returned_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    returned_at  TEXT NOT NULL,
    resolution   TEXT CHECK (resolution IN ('corrected', 'deleted')),
    resolved_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at  TEXT,
    CHECK ((resolution IS NULL) = (resolved_at IS NULL))
);
CREATE INDEX record_returns_record ON record_returns(kind, record_id, id);
CREATE UNIQUE INDEX record_returns_one_open ON record_returns(kind, record_id) WHERE resolved_at IS NULL;
-- The digest counts each cell's open returns: a seek per cell into the few rows still open.
CREATE INDEX record_returns_open_unit ON record_returns(unit_id) WHERE resolved_at IS NULL;
CREATE INDEX record_returns_unit_time ON record_returns(unit_id, returned_at);

-- The cells behind a digest's buttons: callback data holds 64 bytes, so a button carries a short token
-- and the list stays here. `nudge` is a JSON array of [cell id, [reasons]]; `cells` the cells the
-- digest asks to act on, in its order.
CREATE TABLE action_lists (
    token       TEXT PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,       -- the digest's day, in the deployment's time zone
    nudge       TEXT NOT NULL,
    cells       TEXT NOT NULL,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX action_lists_age ON action_lists(created_at);

-- A note on a probationary member for one quarter of the 12-month probation (1: months 1-3 from the
-- ceremony ... 4: months 10-12), written by the cell. One live note per person and quarter.
CREATE TABLE mentor_notes (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    note        TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE UNIQUE INDEX mentor_notes_once ON mentor_notes(person_id, quarter) WHERE deleted_at IS NULL;
CREATE INDEX mentor_notes_unit ON mentor_notes(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX mentor_notes_author ON mentor_notes(created_by, created_at);

-- A mentor note is a record of its cell like the others: it counts for "when did this cell last record
-- something" (migration 0006). The triggers of 0006 read the view by name, so they see the new one.
DROP VIEW live_record_times;
CREATE VIEW live_record_times (unit_id, created_at) AS
SELECT unit_id, created_at FROM people WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM pipeline_steps WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM transfers WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM meetings WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM activities WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM enterprise_snapshots WHERE deleted_at IS NULL
UNION ALL
SELECT unit_id, created_at FROM mentor_notes WHERE deleted_at IS NULL;

CREATE TRIGGER mentor_notes_last_added AFTER INSERT ON mentor_notes WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER mentor_notes_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON mentor_notes BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER mentor_notes_last_removed AFTER DELETE ON mentor_notes WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;
