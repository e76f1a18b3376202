-- Indexes for a large deployment (bench/scale: a city of 10,000 cells, 500,000 people, 5,000,000
-- records), each for a query whose plan read what it did not need. SQLite (3.40) does not treat a
-- partial index as covering when the query tests its WHERE column, so the covering ones below carry
-- deleted_at as their last column instead of being partial.

-- "When did this cell last record anything" (storage/digest_queries.last_record_at): one seek per cell
-- and table to its newest live record, instead of reading every record of the subtree.
CREATE INDEX people_unit_created ON people(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX pipeline_steps_unit_created ON pipeline_steps(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX transfers_unit_created ON transfers(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX meetings_unit_created ON meetings(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX activities_unit_created ON activities(unit_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX enterprise_unit_created ON enterprise_snapshots(unit_id, created_at) WHERE deleted_at IS NULL;

-- The admissions with a deadline near (storage/digest_queries.open_pipelines): the steps that start a
-- deadline, by unit, step and date, from the index alone; not every person and two lookups each.
CREATE INDEX pipeline_steps_unit_step_date ON pipeline_steps(unit_id, step, on_date, person_id, deleted_at);

-- The digest's counts of activities and meetings by kind, from the index alone (not a table row per
-- record of the year). They replace the (unit_id, on_date) indexes of 0002, which they contain.
CREATE INDEX activities_unit_date_kind ON activities(unit_id, on_date, kind, deleted_at);
DROP INDEX activities_unit_date;
CREATE INDEX meetings_unit_date_kind ON meetings(unit_id, on_date, kind, deleted_at);
DROP INDEX meetings_unit_date;
