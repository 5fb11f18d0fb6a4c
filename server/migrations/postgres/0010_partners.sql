-- Partner bodies (training bodies, reference centres, ISP bodies, schools, public employment
-- services) as records the office manages, their training sessions, and the keys the projection
-- needs to count by record and to match the candidate pool.

-- A partner body. `name_key` is the name folded (lower case, no accents, spaces collapsed): two
-- records cannot share it, so "IrisTech" and "iristech " are one body. Contacts are partner
-- staff (not job seekers); trades are what the body trains for (one line, "maçonnerie, carrelage").
CREATE TABLE partners (
    id UUID NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    contacts TEXT NOT NULL,
    trades TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A training session of a partner body: its trainees come into the candidate pool.
CREATE TABLE partner_sessions (
    id UUID NOT NULL PRIMARY KEY,
    partner_id UUID NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    trade TEXT NOT NULL,
    end_date DATE,
    trainees BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX partner_sessions_partner ON partner_sessions (partner_id, end_date);

-- The partner record (and session) a referral was linked to; NULL for referrals that only name
-- a partner in free text.
ALTER TABLE referrals ADD COLUMN partner_id UUID;
ALTER TABLE referrals ADD COLUMN session_id UUID;
CREATE INDEX referrals_partner_id ON referrals (partner_id);

-- A person's partner record and session, and their profile in the candidate pool (personal
-- data: deleted with the person's row when they are erased). `in_pool` is true when the person
-- document has a profile.
ALTER TABLE people ADD COLUMN partner_id UUID;
ALTER TABLE people ADD COLUMN session_id UUID;
ALTER TABLE people ADD COLUMN in_pool BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE people ADD COLUMN trades TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN qualifications TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN licence TEXT NOT NULL DEFAULT 'none';
ALTER TABLE people ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN available_from DATE;
ALTER TABLE people ADD COLUMN area TEXT NOT NULL DEFAULT '';
CREATE INDEX people_session ON people (session_id);
CREATE INDEX people_pool ON people (in_pool);
