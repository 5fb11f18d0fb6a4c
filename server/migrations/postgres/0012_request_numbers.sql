-- The highest sync request number each device sent (`SyncRequest::number`, 0 for none yet): a
-- request numbered at or below it is a late duplicate, and its confirmed removals are ignored.
ALTER TABLE devices ADD COLUMN last_request BIGINT NOT NULL DEFAULT 0;
