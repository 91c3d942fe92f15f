-- Push channels (POST /v1/inbound/{format}/{partner}): senders that cannot set headers
-- (Kuaidi100) sign each push with a secret. The registry holds only a random nonce per
-- partner and format; the secret is an HMAC of it under QUANHUB_PII_SECRET
-- (quanhub.common.access.push), so this table reveals none.
CREATE TABLE partner_push_secrets (
    partner_code text NOT NULL REFERENCES partners (code) ON DELETE CASCADE,
    format       text NOT NULL CHECK (format IN ('kuaidi100')),
    nonce        text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_code, format)
);
