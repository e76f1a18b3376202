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

-- Photos of activities kept on disk (CHIBO_ZALO_KEEP_PHOTOS): Zalo's photo links expire. A reported
-- activity refers to its photo as 'kept:<id>' (activities.photo_file_id). The file is deleted after
-- CHIBO_PHOTO_DAYS, when its activity is deleted, or when no activity took it; the row stays, marked.
CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- who sent it
    file          TEXT NOT NULL UNIQUE,                             -- its name in the photo folder
    bytes         INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    deleted_at    TEXT,
    deleted_why   TEXT
);
CREATE INDEX photos_live ON photos(created_at) WHERE deleted_at IS NULL;
-- The activities that refer to a kept photo, for the daily retention pass.
CREATE INDEX activities_kept_photo ON activities(photo_file_id) WHERE photo_file_id LIKE 'kept:%';

-- Files sent through the upload page (/import on Zalo, which takes no files): kept until the import
-- is confirmed or cancelled, and a day at most.
CREATE TABLE uploads (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
