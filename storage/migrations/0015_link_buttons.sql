-- Buttons that open a web address or a web app page (the dashboard), beside the callback buttons.
-- outbox.buttons keeps rows of [label, callback data] as before. A message with any other kind of
-- button keeps its whole keyboard here instead, as rows of [label, data, kind] (kind: 'callback',
-- 'url' or 'web_app'; a web app's data is the path of its page under CHIBO_PUBLIC_URL, made into a
-- link when the message is delivered). A new column rather than a new shape of the old one: a
-- previous version of chibo reading these rows (after a rollback) sees no buttons instead of failing.
ALTER TABLE outbox ADD COLUMN keyboard TEXT;
