-- What a device is, read from the browser's User-Agent at sign-in ("Chrome · Android",
-- "Safari · iPad"), shown on the admin page next to the device's name so that two tablets of one
-- advisor can be told apart. The name itself can be changed from the admin page.
ALTER TABLE devices ADD COLUMN model TEXT NOT NULL DEFAULT '';
