-- The admissions under way by unit, with the dates their deadlines count from
-- (storage/digest_queries: admission_deadline_counts, and open_pipelines for a subtree of up to 500
-- units). A committee's are a few seeks per cell, where the date indexes of 0006 read the whole
-- city's open admissions to keep one committee's (0.3 s, now 3 ms); the whole city's are counted
-- from the index alone (0.25 s, now 0.1 s; bench/scale). SQLite (3.40) does not treat a partial
-- index as covering when the query tests its WHERE columns, so they are in the index too.
CREATE INDEX pipelines_open_unit
    ON pipelines(unit_id, awareness_class, admission_decision, ceremony, recognition, not_recognised, withdrew)
    WHERE recognition IS NULL AND not_recognised IS NULL AND withdrew IS NULL;
