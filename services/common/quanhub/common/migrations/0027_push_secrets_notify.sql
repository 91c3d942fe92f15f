-- Each gateway process caches push channels (as it caches API keys) and drops them when
-- `quanhub_access` announces a change (migration 0020): an issued, rotated or removed push
-- secret takes effect within a notification's delay. INSERT too: a channel looked up
-- before it was issued is cached as "none".
CREATE TRIGGER partner_push_secrets_access_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partner_push_secrets
    FOR EACH STATEMENT EXECUTE FUNCTION quanhub_announce_access_change();
