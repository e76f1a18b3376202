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
