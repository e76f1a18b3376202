-- Zalo as it is in 2026 (issue 20): messages Zalo would not deliver, and who they wait for.

-- Zalo promises nothing about a bot writing to someone who has not written to it for a while. A
-- message Zalo refuses for its recipient is marked (the moment, kept for the admins' weekly count,
-- even once it is delivered later) and waits with the person's other messages until they write again.
ALTER TABLE outbox ADD COLUMN undeliverable_at TEXT;
CREATE INDEX outbox_undeliverable ON outbox(undeliverable_at) WHERE undeliverable_at IS NOT NULL;

-- The people whose messages wait. released_at: they wrote again and their messages went back to the
-- queue; asked_at: the bot's next answer asked them to write once a week.
CREATE TABLE delivery_holds (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    since        TEXT NOT NULL,
    reason       TEXT,
    released_at  TEXT,
    asked_at     TEXT
);
