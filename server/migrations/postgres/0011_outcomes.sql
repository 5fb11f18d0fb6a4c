-- The structured outcome of a placement (at its end) and of its check six months later, as the
-- projection carries them for the report and the statistics; empty (and NULL date) when not
-- recorded. Rows written before this migration read as "not recorded" until their worksite's next
-- commit rewrites them.
ALTER TABLE placements ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN outcome_contract TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN check_outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN check_contract TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN checked_on DATE;

-- The secret of a user's calendar feed (`/calendar/{token}.ics`): only its SHA-256 is kept, as
-- for device tokens. One per user; renewing replaces it, revoking deletes it.
CREATE TABLE calendar_feeds (
    user_id UUID NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The language of its texts: the one of the page it was made on (fr, nl, en).
    lang TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
