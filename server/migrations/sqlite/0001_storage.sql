-- Terrain storage, SQLite flavour. Forward-only: never edit this file once released, add a new one.
--
-- Column types follow sqlx's SQLite encodings, so that a value bound from Rust compares equal to
-- the stored one: UUIDs are 16-byte BLOBs (bind `uuid::Uuid`), timestamps are RFC 3339 TEXT
-- (`DateTime<Utc>`), dates are 'YYYY-MM-DD' TEXT (`NaiveDate`), months 'YYYY-MM' TEXT, booleans
-- INTEGER 0/1. Tables are STRICT: a value of the wrong type is refused instead of stored.

-- One row per stored document.
CREATE TABLE documents (
    id BLOB NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('worksite', 'person')),
    -- Number of distinct changes in the log: the optimistic-concurrency version.
    change_count INTEGER NOT NULL DEFAULT 0,
    -- Global commit number of the latest commit that added changes (0 = none yet).
    seq INTEGER NOT NULL DEFAULT 0,
    -- `Automerge::save` output covering the first `snapshot_change_count` changes of the log.
    snapshot BLOB,
    snapshot_change_count INTEGER NOT NULL DEFAULT 0,
    -- Heads after the latest commit: 32-byte change hashes, concatenated.
    heads BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX documents_seq ON documents (seq);

-- The global commit counter (one row). SQLite has a single writer, so numbers are taken and
-- become visible in order.
CREATE TABLE commit_counter (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;

INSERT INTO commit_counter (id, seq) VALUES (1, 0);

-- The change log. Inserts are idempotent: (document_id, hash) is the key.
CREATE TABLE changes (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    actor BLOB NOT NULL,
    seq_in_actor INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    -- Untrusted: what the client wrote in the change (milliseconds since the epoch).
    client_time INTEGER NOT NULL,
    -- Trusted: when the server received the request that brought the change.
    received_at TEXT NOT NULL,
    device_id BLOB NOT NULL,
    -- Insertion order within the document: 0 for its first change, then 1, 2, …
    log_index INTEGER NOT NULL,
    PRIMARY KEY (document_id, hash),
    UNIQUE (document_id, log_index)
) STRICT;

-- The Automerge sync state each device left for each document.
CREATE TABLE sync_states (
    device_id BLOB NOT NULL,
    document_id BLOB NOT NULL,
    state BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (device_id, document_id)
) STRICT;

-- The relational projection. Every row carries the `document_id` it was derived from: a commit
-- deletes the document's rows and inserts them anew.

CREATE TABLE worksites (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    contract_reference TEXT NOT NULL,
    authority TEXT NOT NULL,
    contractor TEXT NOT NULL,
    advisor TEXT NOT NULL,
    status TEXT NOT NULL,
    clause_unit TEXT NOT NULL,
    clause_objective REAL NOT NULL,
    order_to_start TEXT,
    planned_end TEXT,
    clause_deadline TEXT,
    hours_realised REAL NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX worksites_id ON worksites (id);
CREATE INDEX worksites_advisor ON worksites (advisor);

CREATE TABLE positions (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    title TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    planned_start TEXT,
    hours_planned REAL NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX positions_worksite ON positions (worksite_id);

CREATE TABLE referrals (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    position_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    partner_body TEXT NOT NULL,
    proposed_on TEXT,
    interview_held INTEGER NOT NULL,
    sent_to_company INTEGER NOT NULL,
    company_answer TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX referrals_worksite ON referrals (worksite_id);
CREATE INDEX referrals_partner_body ON referrals (partner_body, proposed_on);
CREATE INDEX referrals_person ON referrals (person_id);

CREATE TABLE placements (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    position_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    contract_type TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    weekly_hours REAL NOT NULL,
    end_reason TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX placements_worksite ON placements (worksite_id);
CREATE INDEX placements_person ON placements (person_id);

-- One row per placement and month.
CREATE TABLE placement_hours (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    placement_id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    hours REAL NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (document_id, placement_id, month)
) STRICT;

CREATE INDEX placement_hours_worksite_month ON placement_hours (worksite_id, month);

CREATE TABLE meetings (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    date TEXT,
    place TEXT NOT NULL,
    notes TEXT NOT NULL,
    next_meeting TEXT,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX meetings_worksite_date ON meetings (worksite_id, date);

CREATE TABLE actions (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    meeting_id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    what TEXT NOT NULL,
    who TEXT NOT NULL,
    due TEXT,
    done INTEGER NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX actions_worksite_due ON actions (worksite_id, done, due);
CREATE INDEX actions_meeting ON actions (meeting_id);

CREATE TABLE job_offers (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    worksite_id BLOB NOT NULL,
    employer TEXT NOT NULL,
    role TEXT NOT NULL,
    contact TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX job_offers_worksite ON job_offers (worksite_id);

CREATE TABLE people (
    document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id BLOB NOT NULL,
    display_name TEXT NOT NULL,
    partner_body TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
) STRICT;

CREATE INDEX people_id ON people (id);
CREATE INDEX people_partner_body ON people (partner_body);
