-- Device storage keys.

-- The 32-byte AES-256-GCM key the device seals its local store with. Handed to the device at
-- sign-in and by `GET /v1/devices/me/key`, never to a revoked device.
ALTER TABLE devices ADD COLUMN storage_key BYTEA;
