-- Refused credentials, counted per account and per address, so guessing is slowed in every
-- server process alike; and a disabled user loses their sessions and tokens at once.
CREATE TABLE auth_failures (
    id          bigserial PRIMARY KEY,
    -- 'login': a wrong password on the login form (account = lower(e-mail));
    -- 'api': a request without valid credentials refused on the API (account empty).
    kind        text NOT NULL CHECK (kind IN ('login', 'api')),
    account     text NOT NULL DEFAULT '',
    address     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_account_idx ON auth_failures (kind, account, at) WHERE account <> '';
CREATE INDEX auth_failures_address_idx ON auth_failures (kind, address, at);
CREATE INDEX auth_failures_at_idx ON auth_failures (at);

-- Disabling a user (any way: CLI, API, plain SQL) ends their sessions and revokes their tokens.
CREATE FUNCTION users_disable_revokes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.session_epoch := OLD.session_epoch + 1;
    UPDATE api_tokens SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_disable_revokes
    BEFORE UPDATE OF is_active ON users
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
    EXECUTE FUNCTION users_disable_revokes();
