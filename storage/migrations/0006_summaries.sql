-- Summaries kept up to date on every write, so a large city's digest reads a few thousand rows instead
-- of counting a year of records (bench/scale: 10,000 cells, 5,000,000 records). Triggers keep them, so
-- every way of writing (forms, /mine, imports, /forget, /deleteperson) keeps them right without
-- remembering to; tests/unit/test_summaries.py checks them against the records after random writes.

-- Every unit with each unit above it and itself (depth 0): a count kept for a cell is kept for each
-- committee above it too, so a committee's total is one row. Units never move to another parent.
CREATE TABLE unit_ancestors (
    unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    ancestor_id  INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    depth        INTEGER NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id)
) WITHOUT ROWID;

INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
WITH RECURSIVE up(unit_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT up.unit_id, u.parent_id, up.depth + 1 FROM up JOIN units u ON u.id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
SELECT unit_id, ancestor_id, depth FROM up;

CREATE TRIGGER units_ancestors AFTER INSERT ON units BEGIN
    INSERT INTO unit_ancestors (unit_id, ancestor_id, depth) VALUES (NEW.id, NEW.id, 0);
    INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
    SELECT NEW.id, ancestor_id, depth + 1 FROM unit_ancestors WHERE unit_id = NEW.parent_id;
END;

CREATE TRIGGER units_stay BEFORE UPDATE OF parent_id ON units
WHEN NEW.parent_id IS NOT OLD.parent_id BEGIN
    SELECT RAISE(ABORT, 'a unit does not move to another parent');
END;

-- How many live records of each kind and key (the step, the direction of a transfer, the kind of a
-- meeting or an activity) each unit and its subtree has in each calendar month ('2026-11').
CREATE TABLE record_counts (
    unit_id  INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('step', 'transfer', 'meeting', 'activity')),
    key      TEXT NOT NULL,
    month    TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (unit_id, kind, key, month)
) WITHOUT ROWID;

INSERT INTO record_counts (unit_id, kind, key, month, n)
SELECT a.ancestor_id, 'step', r.key, r.month, SUM(r.n)
FROM (SELECT unit_id, step AS key, substr(on_date, 1, 7) AS month, COUNT(*) AS n FROM pipeline_steps
      WHERE deleted_at IS NULL GROUP BY unit_id, step, month) r
JOIN unit_ancestors a ON a.unit_id = r.unit_id
GROUP BY a.ancestor_id, r.key, r.month;

CREATE TRIGGER pipeline_steps_counted AFTER INSERT ON pipeline_steps WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'step', NEW.step, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER pipeline_steps_uncounted AFTER DELETE ON pipeline_steps WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE kind = 'step' AND key = OLD.step AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
END;

CREATE TRIGGER pipeline_steps_recounted AFTER UPDATE OF unit_id, on_date, step, deleted_at ON pipeline_steps BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL
      AND kind = 'step' AND key = OLD.step AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'step', NEW.step, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id AND NEW.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

INSERT INTO record_counts (unit_id, kind, key, month, n)
SELECT a.ancestor_id, 'transfer', r.key, r.month, SUM(r.n)
FROM (SELECT unit_id, direction AS key, substr(on_date, 1, 7) AS month, COUNT(*) AS n FROM transfers
      WHERE deleted_at IS NULL GROUP BY unit_id, direction, month) r
JOIN unit_ancestors a ON a.unit_id = r.unit_id
GROUP BY a.ancestor_id, r.key, r.month;

CREATE TRIGGER transfers_counted AFTER INSERT ON transfers WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'transfer', NEW.direction, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER transfers_uncounted AFTER DELETE ON transfers WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE kind = 'transfer' AND key = OLD.direction AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
END;

CREATE TRIGGER transfers_recounted AFTER UPDATE OF unit_id, on_date, direction, deleted_at ON transfers BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL
      AND kind = 'transfer' AND key = OLD.direction AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'transfer', NEW.direction, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id AND NEW.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

INSERT INTO record_counts (unit_id, kind, key, month, n)
SELECT a.ancestor_id, 'meeting', r.key, r.month, SUM(r.n)
FROM (SELECT unit_id, kind AS key, substr(on_date, 1, 7) AS month, COUNT(*) AS n FROM meetings
      WHERE deleted_at IS NULL GROUP BY unit_id, kind, month) r
JOIN unit_ancestors a ON a.unit_id = r.unit_id
GROUP BY a.ancestor_id, r.key, r.month;

CREATE TRIGGER meetings_counted AFTER INSERT ON meetings WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'meeting', NEW.kind, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER meetings_uncounted AFTER DELETE ON meetings WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE kind = 'meeting' AND key = OLD.kind AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
END;

CREATE TRIGGER meetings_recounted AFTER UPDATE OF unit_id, on_date, kind, deleted_at ON meetings BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL
      AND kind = 'meeting' AND key = OLD.kind AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'meeting', NEW.kind, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id AND NEW.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

INSERT INTO record_counts (unit_id, kind, key, month, n)
SELECT a.ancestor_id, 'activity', r.key, r.month, SUM(r.n)
FROM (SELECT unit_id, kind AS key, substr(on_date, 1, 7) AS month, COUNT(*) AS n FROM activities
      WHERE deleted_at IS NULL GROUP BY unit_id, kind, month) r
JOIN unit_ancestors a ON a.unit_id = r.unit_id
GROUP BY a.ancestor_id, r.key, r.month;

CREATE TRIGGER activities_counted AFTER INSERT ON activities WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'activity', NEW.kind, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER activities_uncounted AFTER DELETE ON activities WHEN OLD.deleted_at IS NULL BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE kind = 'activity' AND key = OLD.kind AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
END;

CREATE TRIGGER activities_recounted AFTER UPDATE OF unit_id, on_date, kind, deleted_at ON activities BEGIN
    UPDATE record_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL
      AND kind = 'activity' AND key = OLD.kind AND month = substr(OLD.on_date, 1, 7)
      AND unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = OLD.unit_id);
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT ancestor_id, 'activity', NEW.kind, substr(NEW.on_date, 1, 7), 1
    FROM unit_ancestors WHERE unit_id = NEW.unit_id AND NEW.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- When each unit's latest live record of any kind was entered ("cells that have gone quiet").
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
SELECT unit_id, created_at FROM enterprise_snapshots WHERE deleted_at IS NULL;

CREATE TABLE unit_last_record (
    unit_id  INTEGER PRIMARY KEY REFERENCES units(id) ON DELETE CASCADE,
    at       TEXT
);

INSERT INTO unit_last_record (unit_id, at)
SELECT unit_id, MAX(created_at) FROM live_record_times GROUP BY unit_id;

CREATE TRIGGER people_last_added AFTER INSERT ON people WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER people_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON people BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER people_last_removed AFTER DELETE ON people WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER pipeline_steps_last_added AFTER INSERT ON pipeline_steps WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER pipeline_steps_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON pipeline_steps BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER pipeline_steps_last_removed AFTER DELETE ON pipeline_steps WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER transfers_last_added AFTER INSERT ON transfers WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER transfers_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON transfers BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER transfers_last_removed AFTER DELETE ON transfers WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER meetings_last_added AFTER INSERT ON meetings WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER meetings_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON meetings BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER meetings_last_removed AFTER DELETE ON meetings WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER activities_last_added AFTER INSERT ON activities WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER activities_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON activities BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER activities_last_removed AFTER DELETE ON activities WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER enterprise_snapshots_last_added AFTER INSERT ON enterprise_snapshots WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at) VALUES (NEW.unit_id, NEW.created_at)
    ON CONFLICT (unit_id) DO UPDATE SET at = max(coalesce(at, ''), excluded.at);
END;

CREATE TRIGGER enterprise_snapshots_last_changed AFTER UPDATE OF unit_id, created_at, deleted_at ON enterprise_snapshots BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    SELECT u, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = u)
    FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id) WHERE true
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

CREATE TRIGGER enterprise_snapshots_last_removed AFTER DELETE ON enterprise_snapshots WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO unit_last_record (unit_id, at)
    VALUES (OLD.unit_id, (SELECT MAX(created_at) FROM live_record_times WHERE unit_id = OLD.unit_id))
    ON CONFLICT (unit_id) DO UPDATE SET at = excluded.at;
END;

-- Each person's admission: the date of each live step, one row, so the deadlines near a day are found
-- with three range seeks instead of the steps of every admission under way.
CREATE TABLE pipelines (
    person_id          INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    unit_id            INTEGER NOT NULL,
    source             TEXT,
    awareness_class    TEXT,
    application        TEXT,
    cell_vote          TEXT,
    admission_decision TEXT,
    ceremony           TEXT,
    recognition        TEXT,
    not_recognised     TEXT,
    withdrew           TEXT
);
CREATE INDEX pipelines_open_class ON pipelines(awareness_class)
    WHERE recognition IS NULL AND not_recognised IS NULL AND withdrew IS NULL;
CREATE INDEX pipelines_open_decision ON pipelines(admission_decision)
    WHERE recognition IS NULL AND not_recognised IS NULL AND withdrew IS NULL;
CREATE INDEX pipelines_open_ceremony ON pipelines(ceremony)
    WHERE recognition IS NULL AND not_recognised IS NULL AND withdrew IS NULL;

INSERT INTO pipelines (person_id, unit_id, source, awareness_class, application, cell_vote, admission_decision, ceremony, recognition, not_recognised, withdrew)
SELECT p.id, p.unit_id,
       MAX(CASE WHEN s.step = 'source' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'awareness_class' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'application' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'cell_vote' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'admission_decision' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'ceremony' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'recognition' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'not_recognised' THEN s.on_date END),
       MAX(CASE WHEN s.step = 'withdrew' THEN s.on_date END)
FROM pipeline_steps s JOIN people p ON p.id = s.person_id
WHERE s.deleted_at IS NULL
GROUP BY p.id;

CREATE TRIGGER pipeline_steps_added AFTER INSERT ON pipeline_steps BEGIN
    INSERT INTO pipelines (person_id, unit_id, source, awareness_class, application, cell_vote, admission_decision, ceremony, recognition, not_recognised, withdrew)
    SELECT p.id, p.unit_id,
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'source' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'awareness_class' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'application' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'cell_vote' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'admission_decision' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'ceremony' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'recognition' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'not_recognised' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'withdrew' AND deleted_at IS NULL)
    FROM people p WHERE p.id IN (SELECT NEW.person_id AS id)
    ON CONFLICT (person_id) DO UPDATE SET unit_id = excluded.unit_id, source = excluded.source, awareness_class = excluded.awareness_class, application = excluded.application, cell_vote = excluded.cell_vote, admission_decision = excluded.admission_decision, ceremony = excluded.ceremony, recognition = excluded.recognition, not_recognised = excluded.not_recognised, withdrew = excluded.withdrew;
END;

CREATE TRIGGER pipeline_steps_changed AFTER UPDATE ON pipeline_steps BEGIN
    INSERT INTO pipelines (person_id, unit_id, source, awareness_class, application, cell_vote, admission_decision, ceremony, recognition, not_recognised, withdrew)
    SELECT p.id, p.unit_id,
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'source' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'awareness_class' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'application' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'cell_vote' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'admission_decision' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'ceremony' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'recognition' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'not_recognised' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'withdrew' AND deleted_at IS NULL)
    FROM people p WHERE p.id IN (SELECT OLD.person_id AS id UNION SELECT NEW.person_id)
    ON CONFLICT (person_id) DO UPDATE SET unit_id = excluded.unit_id, source = excluded.source, awareness_class = excluded.awareness_class, application = excluded.application, cell_vote = excluded.cell_vote, admission_decision = excluded.admission_decision, ceremony = excluded.ceremony, recognition = excluded.recognition, not_recognised = excluded.not_recognised, withdrew = excluded.withdrew;
END;

CREATE TRIGGER pipeline_steps_removed AFTER DELETE ON pipeline_steps BEGIN
    INSERT INTO pipelines (person_id, unit_id, source, awareness_class, application, cell_vote, admission_decision, ceremony, recognition, not_recognised, withdrew)
    SELECT p.id, p.unit_id,
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'source' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'awareness_class' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'application' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'cell_vote' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'admission_decision' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'ceremony' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'recognition' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'not_recognised' AND deleted_at IS NULL),
       (SELECT on_date FROM pipeline_steps WHERE person_id = p.id AND step = 'withdrew' AND deleted_at IS NULL)
    FROM people p WHERE p.id IN (SELECT OLD.person_id AS id)
    ON CONFLICT (person_id) DO UPDATE SET unit_id = excluded.unit_id, source = excluded.source, awareness_class = excluded.awareness_class, application = excluded.application, cell_vote = excluded.cell_vote, admission_decision = excluded.admission_decision, ceremony = excluded.ceremony, recognition = excluded.recognition, not_recognised = excluded.not_recognised, withdrew = excluded.withdrew;
END;
