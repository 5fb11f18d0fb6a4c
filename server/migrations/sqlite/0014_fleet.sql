-- What the server last saw of each device's syncs, for the fleet on the admin page and
-- `GET /v1/fleet` (one small UPDATE per sync request, never part of the sync's own commit):
-- the protocol version of its last sync request that could be read, the time of its last
-- successful sync, the changes pending on the device as that request reported them (NULL:
-- unknown, an app that does not report them), and its last refused request (the stable error
-- code and when). All NULL for a device that never synced.
ALTER TABLE devices ADD COLUMN sync_protocol BIGINT;
ALTER TABLE devices ADD COLUMN last_sync_at TEXT;
ALTER TABLE devices ADD COLUMN sync_pending BIGINT;
ALTER TABLE devices ADD COLUMN refused_code TEXT;
ALTER TABLE devices ADD COLUMN refused_at TEXT;
