-- Demo partners' keys are derived from a secret that may be the public local placeholder:
-- mark them, so that outside the local profile the authenticator refuses them even in a
-- database that was once used locally.
ALTER TABLE api_keys ADD COLUMN demo boolean NOT NULL DEFAULT false;
