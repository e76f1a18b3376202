-- The unit tree can be reorganised (issue 15): a unit moves under another parent, is renamed, and two cells
-- merge. A unit's history goes with it: the summaries of migration 0006 are kept per unit and for every
-- unit above it, so a move takes the moved subtree's counts (its own rows: a unit's row counts its whole
-- subtree) away from its old ancestors and gives them to its new ones. Records never change when a unit
-- moves; when two cells merge, their records are given to the cell that stays (their triggers of 0006
-- recount them) with their dates and authors unchanged.

DROP TRIGGER units_stay;

-- A unit never goes under itself or under a unit of its own subtree: the tree would become a loop.
CREATE TRIGGER units_no_loop BEFORE UPDATE OF parent_id ON units
WHEN NEW.parent_id IS NOT OLD.parent_id
     AND (NEW.parent_id IS NULL
          OR NEW.parent_id IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = NEW.id)) BEGIN
    SELECT RAISE(ABORT, 'a unit cannot move under itself, under a unit below it, or out of the tree');
END;

CREATE TRIGGER units_moved AFTER UPDATE OF parent_id ON units
WHEN NEW.parent_id IS NOT OLD.parent_id BEGIN
    -- The subtree's counts leave every old ancestor above the moved unit...
    UPDATE record_counts
    SET n = n - (SELECT m.n FROM record_counts m
                 WHERE m.unit_id = NEW.id AND m.kind = record_counts.kind AND m.key = record_counts.key
                   AND m.month = record_counts.month)
    WHERE unit_id IN (SELECT ancestor_id FROM unit_ancestors WHERE unit_id = NEW.id AND depth > 0)
      AND EXISTS (SELECT 1 FROM record_counts m
                  WHERE m.unit_id = NEW.id AND m.kind = record_counts.kind AND m.key = record_counts.key
                    AND m.month = record_counts.month);
    -- ... the units of the subtree forget the ancestors outside it ...
    DELETE FROM unit_ancestors
    WHERE unit_id IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = NEW.id)
      AND ancestor_id NOT IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = NEW.id);
    -- ... learn the new parent and every unit above it ...
    INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
    SELECT s.unit_id, a.ancestor_id, s.depth + a.depth + 1
    FROM unit_ancestors s JOIN unit_ancestors a ON a.unit_id = NEW.parent_id
    WHERE s.ancestor_id = NEW.id;
    -- ... and the subtree's counts join every new ancestor.
    INSERT INTO record_counts (unit_id, kind, key, month, n)
    SELECT a.ancestor_id, m.kind, m.key, m.month, m.n
    FROM record_counts m JOIN unit_ancestors a ON a.unit_id = NEW.id AND a.depth > 0
    WHERE m.unit_id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- A person given to another cell (a merge) takes their admission under way along (0006's one row per
-- person is kept by the steps' triggers, which do not fire here).
CREATE TRIGGER people_moved AFTER UPDATE OF unit_id ON people
WHEN NEW.unit_id IS NOT OLD.unit_id BEGIN
    UPDATE pipelines SET unit_id = NEW.unit_id WHERE person_id = NEW.id;
END;

-- What happened to the tree, for the digests whose period contains it ("includes cell X, moved in on
-- dd/mm") and for the record; the audit log has the same with its actor. Names are kept as they were:
-- a merged cell no longer exists.
CREATE TABLE unit_changes (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,                -- UTC timestamp of the change
    action          TEXT NOT NULL CHECK (action IN ('move', 'rename', 'merge')),
    unit_id         INTEGER NOT NULL,             -- the unit moved or renamed; the cell merged away
    unit_name       TEXT NOT NULL,                -- its name after a rename, else its name at the time
    old_parent_id   INTEGER,                      -- move: where it was
    new_parent_id   INTEGER,                      -- move: where it went
    old_name        TEXT,                         -- rename: the name it had
    into_unit_id    INTEGER,                      -- merge: the cell that took its people and records
    actor_id        INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX unit_changes_at ON unit_changes(at);
