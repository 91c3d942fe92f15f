-- Partner registry: who may call the hub, in which role, and the API keys they hold.
-- Keys are stored as SHA-256 hashes of their high-entropy secret; the clear key is shown
-- once when created. A rotated key keeps working until expires_at (the grace period).

CREATE TABLE partners (
    code         text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9_]{1,31}$'),
    role         text NOT NULL CHECK (role IN (
                     'platform', 'carrier', 'customs_agent',
                     'customs_liaison', 'analyst', 'admin')),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Customs registration code where the partner has one: a platform's ebp_code, a
    -- carrier's logistics_code, an agent's agent_code. Customs messages resolve by it.
    customs_code text UNIQUE CHECK (customs_code ~ '^[A-Za-z0-9]{1,32}$'),
    disabled     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{12}$'),
    partner_code text NOT NULL REFERENCES partners (code),
    key_hash     bytea NOT NULL CHECK (length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- NULL: valid until revoked. Set on rotation: the old key stops after the grace period.
    expires_at   timestamptz,
    revoked      boolean NOT NULL DEFAULT false
);

CREATE INDEX api_keys_partner_code_idx ON api_keys (partner_code);
