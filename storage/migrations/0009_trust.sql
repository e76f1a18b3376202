-- Trust at the edges (issue 14).

-- Names are stored NFC, on one line, without invisible or direction-override characters
-- (storage/names.py: chibo_clean_name is its clean_name, given to every connection). Names typed
-- decomposed by some phone keyboards, or pasted with zero-width characters, are rewritten here so
-- that they compare, search and are deleted like the others.
UPDATE people SET
    full_name = chibo_clean_name(full_name),
    helper1 = chibo_clean_name(helper1),
    helper2 = chibo_clean_name(helper2)
WHERE full_name IS NOT chibo_clean_name(full_name)
   OR helper1 IS NOT chibo_clean_name(helper1)
   OR helper2 IS NOT chibo_clean_name(helper2);
UPDATE transfers SET member_name = chibo_clean_name(member_name)
WHERE member_name IS NOT chibo_clean_name(member_name);
UPDATE enterprise_snapshots SET name = chibo_clean_name(name), zone = chibo_clean_name(zone)
WHERE name IS NOT chibo_clean_name(name) OR zone IS NOT chibo_clean_name(zone);
UPDATE units SET name = chibo_clean_name(name) WHERE name IS NOT chibo_clean_name(name);
UPDATE users SET display_name = chibo_clean_name(display_name)
WHERE display_name IS NOT chibo_clean_name(display_name);
-- The reminders of a transfer are keyed by the member's name: their keys follow the name, so no
-- reminder already queued or sent goes out again. (Only the name in a key is not ASCII.)
UPDATE OR IGNORE outbox SET key = chibo_clean_name(key)
WHERE kind = 'deadline' AND key IS NOT chibo_clean_name(key);
-- Answers of forms still open are read as typed when they are saved.
UPDATE drafts SET answers = chibo_clean_text(answers)
WHERE status = 'open' AND answers IS NOT chibo_clean_text(answers);

-- The unit a queued message is about (a cell's deadline or meeting, a committee's digest, the
-- unit a broadcast went to): delivery drops it when the recipient no longer belongs to that unit
-- (moved to another cell, re-invited elsewhere). NULL for messages about no unit.
ALTER TABLE outbox ADD COLUMN unit_id INTEGER REFERENCES units(id) ON DELETE CASCADE;
-- Messages waiting at the upgrade: the unit is read from their keys (bot/scheduling/scheduler.py),
-- "deadline:{user}:p{person}:…", "deadline:{user}:t{unit}:…", "meeting[-nudge]:{user}:{cell}:{month}".
UPDATE outbox SET unit_id = (
    SELECT unit_id FROM people WHERE id = CAST(substr(key, instr(key, ':p') + 2) AS INTEGER)
)
WHERE sent_at IS NULL AND failed_at IS NULL AND kind = 'deadline' AND key GLOB 'deadline:*:p[0-9]*';
UPDATE outbox SET unit_id = CAST(substr(key, instr(key, ':t') + 2) AS INTEGER)
WHERE sent_at IS NULL AND failed_at IS NULL AND kind = 'deadline' AND key GLOB 'deadline:*:t[0-9]*'
  AND CAST(substr(key, instr(key, ':t') + 2) AS INTEGER) IN (SELECT id FROM units);
UPDATE outbox SET unit_id = CAST(
    substr(substr(key, instr(key, ':') + 1), instr(substr(key, instr(key, ':') + 1), ':') + 1) AS INTEGER
)
WHERE sent_at IS NULL AND failed_at IS NULL AND (key GLOB 'meeting:*' OR key GLOB 'meeting-nudge:*')
  AND CAST(
    substr(substr(key, instr(key, ':') + 1), instr(substr(key, instr(key, ':') + 1), ':') + 1) AS INTEGER
  ) IN (SELECT id FROM units);

-- A closed draft keeps no answers: a saved form's are in its record, a dropped one's are nobody's
-- (the saved draft of /candidate kept a deleted person's every answer). Deleted content is
-- overwritten from now on (PRAGMA secure_delete, storage/database.py).
UPDATE drafts SET answers = '{}' WHERE status != 'open' AND answers != '{}';

-- Invitations made by someone whose access was taken away, or whose data was deleted, no longer
-- work (the redemption checks the creator too, bot/features/admin.py).
UPDATE invitations SET revoked_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
WHERE used_at IS NULL AND revoked_at IS NULL
  AND created_by IN (SELECT id FROM users WHERE active = 0);

-- The generated webhook secret leaves the database (any copy of it let one post forged updates):
-- chibo keeps it in a 0600 file beside the database (bot/cli.py) and makes a new one at start.
DELETE FROM kv WHERE key = 'webhook_secret';
