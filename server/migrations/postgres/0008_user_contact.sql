-- How to reach a user: telephone and e-mail, edited on the admin page (or by office staff on
-- their own account page). A recommendation letter is signed by the worksite's assigned advisor
-- with this contact. Empty when not given.
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
