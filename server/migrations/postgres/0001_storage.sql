-- Terrain storage, Postgres flavour. Forward-only: never edit this file once released, add a new one.

-- One row per stored document.
CREATE TABLE documents (
    id UUID NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('worksite', 'person')),
    -- Number of distinct changes in the log: the optimistic-concurrency version.
    change_count BIGINT NOT NULL DEFAULT 0,
    -- Global commit number of the latest commit that added changes (0 = none yet).
    seq BIGINT NOT NULL DEFAULT 0,
    -- `Automerge::save` output covering the first `snapshot_change_count` changes of the log.
    snapshot BYTEA,
    snapshot_change_count BIGINT NOT NULL DEFAULT 0,
    -- Heads after the latest commit: 32-byte change hashes, concatenated.
    heads BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX documents_seq ON documents (seq);

-- Automerge already compresses snapshots and large changes: don't let TOAST try again.
ALTER TABLE documents ALTER COLUMN snapshot SET STORAGE EXTERNAL;

-- The global commit counter. Numbers are taken under `pg_advisory_xact_lock` at the very end of a
-- commit, so commits that take numbers become visible in number order (see postgres.rs).
CREATE SEQUENCE commit_seq AS BIGINT START WITH 1;

-- The change log. Inserts are idempotent: (document_id, hash) is the key.
CREATE TABLE changes (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    hash BYTEA NOT NULL CHECK (length(hash) = 32),
    actor BYTEA NOT NULL,
    seq_in_actor BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    -- Untrusted: what the client wrote in the change (milliseconds since the epoch).
    client_time BIGINT NOT NULL,
    -- Trusted: when the server received the request that brought the change.
    received_at TIMESTAMPTZ NOT NULL,
    device_id UUID NOT NULL,
    -- Insertion order within the document: 0 for its first change, then 1, 2, …
    log_index BIGINT NOT NULL,
    PRIMARY KEY (document_id, hash),
    UNIQUE (document_id, log_index)
);

ALTER TABLE changes ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- The Automerge sync state each device left for each document.
CREATE TABLE sync_states (
    device_id UUID NOT NULL,
    document_id UUID NOT NULL,
    state BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, document_id)
);

-- The relational projection. Every row carries the `document_id` it was derived from: a commit
-- deletes the document's rows and inserts them anew.

CREATE TABLE worksites (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    contract_reference TEXT NOT NULL,
    authority TEXT NOT NULL,
    contractor TEXT NOT NULL,
    advisor TEXT NOT NULL,
    status TEXT NOT NULL,
    clause_unit TEXT NOT NULL,
    clause_objective DOUBLE PRECISION NOT NULL,
    order_to_start DATE,
    planned_end DATE,
    clause_deadline DATE,
    hours_realised DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX worksites_id ON worksites (id);
CREATE INDEX worksites_advisor ON worksites (advisor);

CREATE TABLE positions (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    title TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    planned_start DATE,
    hours_planned DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX positions_worksite ON positions (worksite_id);

CREATE TABLE referrals (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    position_id UUID NOT NULL,
    person_id UUID NOT NULL,
    partner_body TEXT NOT NULL,
    proposed_on DATE,
    interview_held BOOLEAN NOT NULL,
    sent_to_company BOOLEAN NOT NULL,
    company_answer TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX referrals_worksite ON referrals (worksite_id);
CREATE INDEX referrals_partner_body ON referrals (partner_body, proposed_on);
CREATE INDEX referrals_person ON referrals (person_id);

CREATE TABLE placements (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    position_id UUID NOT NULL,
    person_id UUID NOT NULL,
    contract_type TEXT NOT NULL,
    start_date DATE,
    end_date DATE,
    weekly_hours DOUBLE PRECISION NOT NULL,
    end_reason TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX placements_worksite ON placements (worksite_id);
CREATE INDEX placements_person ON placements (person_id);

-- One row per placement and month.
CREATE TABLE placement_hours (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    placement_id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    month TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    hours DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (document_id, placement_id, month)
);

CREATE INDEX placement_hours_worksite_month ON placement_hours (worksite_id, month);

CREATE TABLE meetings (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    kind TEXT NOT NULL,
    date DATE,
    place TEXT NOT NULL,
    notes TEXT NOT NULL,
    next_meeting DATE,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX meetings_worksite_date ON meetings (worksite_id, date);

CREATE TABLE actions (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    meeting_id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    what TEXT NOT NULL,
    who TEXT NOT NULL,
    due DATE,
    done BOOLEAN NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX actions_worksite_due ON actions (worksite_id, done, due);
CREATE INDEX actions_meeting ON actions (meeting_id);

CREATE TABLE job_offers (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    worksite_id UUID NOT NULL,
    employer TEXT NOT NULL,
    role TEXT NOT NULL,
    contact TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX job_offers_worksite ON job_offers (worksite_id);

CREATE TABLE people (
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    id UUID NOT NULL,
    display_name TEXT NOT NULL,
    partner_body TEXT NOT NULL,
    PRIMARY KEY (document_id, id)
);

CREATE INDEX people_id ON people (id);
CREATE INDEX people_partner_body ON people (partner_body);
