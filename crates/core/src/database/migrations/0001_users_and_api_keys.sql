-- The user directory and the API keys, when the servers are given a database.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL UNIQUE,
    -- PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    password_hash text NOT NULL,
    roles text[] NOT NULL DEFAULT '{}',
    disabled boolean NOT NULL DEFAULT false,
    -- Tokens issued before this moment (ms since the Unix epoch) are refused by the API
    -- servers that read the user on every request (jwt-userdb): a logout's cut-off.
    tokens_valid_after_ms bigint NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the key; the key itself is shown once, at issue, and never stored.
    key_hash bytea NOT NULL,
    -- The key's first characters, so that its owner can tell keys apart in a listing.
    hint text NOT NULL,
    name text NOT NULL,
    scopes text[] NOT NULL,
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL,
    revoked_at_ms bigint
);

-- The lookup on every request of the api-key flow goes through this index.
CREATE UNIQUE INDEX api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX api_keys_user_id ON api_keys (user_id);
