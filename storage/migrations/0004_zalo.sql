-- Zalo: its ids are strings, python-telegram-bot and our handlers want integers; and Zalo has no
-- buttons, so the bot remembers the numbered list it showed last in each chat.

-- A stable integer for each Zalo account or chat id, the same after a restart. Users are still
-- stored by their Zalo id (users.external_id with channel 'zalo'); this number is only what the
-- handlers see in place of it.
CREATE TABLE zalo_ids (
    id       INTEGER PRIMARY KEY,
    zalo_id  TEXT NOT NULL UNIQUE
);

-- The choices last shown in a Zalo chat: typing a number or a label answers them as a button press
-- would. A restart keeps them, as Telegram keeps its buttons.
CREATE TABLE zalo_menus (
    chat        TEXT PRIMARY KEY,    -- the Zalo chat id
    message_id  INTEGER NOT NULL,    -- the message the list belongs to (as the handlers know it)
    menu        TEXT NOT NULL,       -- JSON: {"form": bool, "entries": [[key, label, data, pressable]]}
    updated_at  TEXT NOT NULL
);
