-- A partner's own push key (Kdniao's AppKey, which Kdniao assigns and the hub cannot choose)
-- for POST /v1/inbound/kdniao/{partner}: when set, pushes verify with it instead of the
-- derived secret. Kept sealed (AES-256-GCM under a key derived from QUANHUB_PII_SECRET,
-- quanhub.common.access.push_keys), so this table still reveals no secret. The account
-- (Kdniao's EBusinessID) is no secret, it is in every push; it is bound into the sealed
-- key's associated data, so an altered account makes the key unreadable. Changes are
-- announced on `quanhub_access` by the trigger of migration 0027.
ALTER TABLE partner_push_secrets
    ADD COLUMN partner_key bytea CHECK (octet_length(partner_key) > 29),
    ADD COLUMN partner_account text CHECK (length(partner_account) BETWEEN 1 AND 64),
    ADD COLUMN partner_key_set_at timestamptz,
    ADD CONSTRAINT partner_push_secrets_partner_key_kdniao
        CHECK (partner_key IS NULL OR format = 'kdniao'),
    ADD CONSTRAINT partner_push_secrets_partner_key_whole
        CHECK ((partner_key IS NULL) = (partner_key_set_at IS NULL)
               AND (partner_account IS NULL OR partner_key IS NOT NULL));
