-- The enterprise register (issue 18): every enterprise of a committee's zones and clusters, with or
-- without a party cell; the stages each reaches, with their dates; and the working group's contacts.
-- The enterprise is the subject: no owner's or director's name is kept, only counts, dates and notes.

CREATE TABLE enterprises (
    id                   INTEGER PRIMARY KEY,
    unit_id              INTEGER NOT NULL REFERENCES units(id) ON DELETE RESTRICT,  -- whose register
    name                 TEXT NOT NULL,
    zone                 TEXT NOT NULL,        -- industrial zone or cluster, as the register spells it
    -- NULL: not known yet (an entry made from a cell's report, which does not ask it)
    ownership            TEXT CHECK (ownership IN ('private', 'foreign', 'state')),
    workers              INTEGER NOT NULL DEFAULT 0 CHECK (workers >= 0),
    young_workers        INTEGER NOT NULL DEFAULT 0 CHECK (young_workers >= 0),
    youth_union_members  INTEGER NOT NULL DEFAULT 0 CHECK (youth_union_members >= 0),
    party_members        INTEGER NOT NULL DEFAULT 0 CHECK (party_members >= 0),  -- working there
    members_elsewhere    INTEGER NOT NULL DEFAULT 0 CHECK (members_elsewhere >= 0),  -- of them, registered where they live
    cell_id              INTEGER REFERENCES units(id) ON DELETE RESTRICT,  -- its party cell, once founded
    assigned_to          INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- the working group's member
    created_by           INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    deleted_at           TEXT
);
CREATE INDEX enterprises_unit ON enterprises(unit_id) WHERE deleted_at IS NULL;
CREATE INDEX enterprises_assigned ON enterprises(assigned_to) WHERE deleted_at IS NULL;
-- A cell belongs to one enterprise.
CREATE UNIQUE INDEX enterprises_cell ON enterprises(cell_id) WHERE deleted_at IS NULL AND cell_id IS NOT NULL;

-- The stages an enterprise reached, each once (a later record of the same stage corrects its date).
-- on_date NULL: reached before the register knew it (an imported list, a cell reported earlier).
CREATE TABLE enterprise_stages (
    id             INTEGER PRIMARY KEY,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    stage          TEXT NOT NULL CHECK (stage IN ('no_member', 'members_elsewhere', 'three_members',
                                                  'cell_founded', 'trade_union', 'youth_union')),
    on_date        TEXT,
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE UNIQUE INDEX enterprise_stages_once ON enterprise_stages(enterprise_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX enterprise_stages_dated ON enterprise_stages(stage, on_date) WHERE deleted_at IS NULL;

-- The working group's contacts with an enterprise: a dialogue with the owner, a visit, a proposal.
CREATE TABLE enterprise_contacts (
    id             INTEGER PRIMARY KEY,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    on_date        TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('dialogue', 'visit', 'proposal', 'other')),
    note           TEXT NOT NULL,
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX enterprise_contacts_latest ON enterprise_contacts(enterprise_id, on_date) WHERE deleted_at IS NULL;

-- Each cell that reported its enterprise enters the register once, from its latest report, linked
-- to the cell, in the register of the cell's committee. Party members working there: the cell's
-- members (its latest meeting's total) and those still registered where they live.
INSERT INTO enterprises (unit_id, name, zone, ownership, workers, young_workers, youth_union_members,
                         party_members, members_elsewhere, cell_id, created_by, created_at, updated_at)
SELECT u.parent_id, s.name, s.zone, NULL, s.workers, s.young_workers, s.youth_union_members,
       s.members_elsewhere + COALESCE((
           SELECT m.total FROM meetings m WHERE m.unit_id = s.unit_id AND m.deleted_at IS NULL
           ORDER BY m.on_date DESC, m.id DESC LIMIT 1), 0),
       s.members_elsewhere, s.unit_id, s.created_by, s.created_at, s.updated_at
FROM enterprise_snapshots s JOIN units u ON u.id = s.unit_id
WHERE s.deleted_at IS NULL AND u.parent_id IS NOT NULL
  AND s.id = (SELECT x.id FROM enterprise_snapshots x WHERE x.unit_id = s.unit_id AND x.deleted_at IS NULL
              ORDER BY x.on_date DESC, x.id DESC LIMIT 1);

INSERT INTO enterprise_stages (enterprise_id, stage, on_date, created_by, created_at, updated_at)
SELECT e.id, 'cell_founded', NULL, e.created_by, e.created_at, e.updated_at FROM enterprises e;
INSERT INTO enterprise_stages (enterprise_id, stage, on_date, created_by, created_at, updated_at)
SELECT e.id, 'trade_union', NULL, e.created_by, e.created_at, e.updated_at
FROM enterprises e JOIN enterprise_snapshots s ON s.unit_id = e.cell_id AND s.deleted_at IS NULL
WHERE s.union_members > 0
  AND s.id = (SELECT x.id FROM enterprise_snapshots x WHERE x.unit_id = s.unit_id AND x.deleted_at IS NULL
              ORDER BY x.on_date DESC, x.id DESC LIMIT 1);
INSERT INTO enterprise_stages (enterprise_id, stage, on_date, created_by, created_at, updated_at)
SELECT e.id, 'youth_union', NULL, e.created_by, e.created_at, e.updated_at
FROM enterprises e WHERE e.youth_union_members > 0;
