-- The admission steps of the days the digest counts from the records (storage/digest_queries
-- .step_counts), by unit and date: one seek per unit, where the index of 0005 took one per unit and
-- step (a city: 90,000 seeks, 0.15-0.2 s; now 0.10-0.12 s, bench/scale). It replaces the two indexes
-- it makes redundant: 0005's (unit, step, date), which no query has used since 0006 found open
-- admissions in `pipelines`, and 0002's (unit, date).
DROP INDEX pipeline_steps_unit_step_date;
DROP INDEX pipeline_steps_unit_date;
CREATE INDEX pipeline_steps_unit_date_step ON pipeline_steps(unit_id, on_date, step, person_id, deleted_at);
