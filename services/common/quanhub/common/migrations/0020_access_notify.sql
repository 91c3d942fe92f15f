-- Announce every change to partners and API keys (disable, rotation, revocation, expiry
-- set, by the CLI or by hand) on `quanhub_access`, once per statement, at commit. Open SSE
-- streams listen and re-authorise at once instead of at their next periodic check; the
-- notification carries nothing, a stream always asks the registry itself.
CREATE FUNCTION quanhub_announce_access_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('quanhub_access', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER partners_access_changed
    AFTER UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION quanhub_announce_access_change();

CREATE TRIGGER api_keys_access_changed
    AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION quanhub_announce_access_change();
