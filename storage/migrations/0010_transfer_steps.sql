-- Transfers become a small pipeline (issue 15; QĐ 294-QĐ/TW, point 6.3), and admins confirm a year's
-- official calendar.
--
-- What each date of a transfer means from now on:
--   official out: on_date = the decision took effect (or the residence changed), letter_date = the
--                 introduction letter was issued, done_on = the new cell received the member;
--   official in:  on_date = the date of the introduction letter, done_on = the member arrived;
--   temporary:    on_date = the first day, end_date = the last, done_on = the return was recorded.
-- A transfer with done_on is completed: none of its deadlines is open any more.
ALTER TABLE transfers ADD COLUMN letter_date TEXT;
ALTER TABLE transfers ADD COLUMN done_on TEXT;
-- An official transfer out closed by the member's arrival recorded in another cell of this deployment.
ALTER TABLE transfers ADD COLUMN closed_by INTEGER REFERENCES transfers(id) ON DELETE SET NULL;

-- What the transfers recorded before become (nothing is deleted or moved; only completion is set):
-- an official transfer in was the member presenting the letter to the cell that recorded it, so it
-- arrived on its date (the digest already counted it complete); a temporary transfer whose end date
-- has passed was followed no further, so it ended on its end date. An official transfer out stays open
-- with its date as the decision's (the 60 working days it was reminded of are unchanged): the cell
-- records the letter and the receipt from /mine or the reminder's button.
UPDATE transfers SET done_on = on_date WHERE kind = 'official' AND direction = 'in';
UPDATE transfers SET done_on = end_date
WHERE kind = 'temporary' AND end_date IS NOT NULL AND end_date < date('now', '+7 hours');

-- The open transfers of a set of cells (the digest and the reminders), few among all transfers.
CREATE INDEX transfers_open ON transfers(unit_id, on_date) WHERE deleted_at IS NULL AND done_on IS NULL;

-- The years an admin confirmed (/calendar): their days off are as chibo has them (the shipped file, or
-- the holidays library, with the admins' /dayoff and /workday), so deadlines counted through their Tết
-- no longer make chibo warn.
CREATE TABLE calendar_years (
    year          INTEGER PRIMARY KEY,
    confirmed_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    confirmed_at  TEXT NOT NULL
);

-- The awareness certificate is met by the cell's vote now (HD 06-HD/TW: valid when the cell considers the
-- case), so the index of the admissions under way carries the vote's date too (replaces 0007's).
DROP INDEX pipelines_open_unit;
CREATE INDEX pipelines_open_unit
    ON pipelines(unit_id, awareness_class, cell_vote, admission_decision, ceremony, recognition,
                 not_recognised, withdrew)
    WHERE recognition IS NULL AND not_recognised IS NULL AND withdrew IS NULL;
