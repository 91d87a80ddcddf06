//! The bank's tables, written once for both databases. The dialects differ
//! only in a few type names and in how parameters are numbered.

/// Which SQL database the store talks to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Option<Dialect> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    /// Queries are written with `$1`, `$2`…; SQLite spells them `?1`, `?2`….
    pub fn sql(self, query: &str) -> String {
        match self {
            Dialect::Postgres => query.to_owned(),
            Dialect::Sqlite => query.replace('$', "?"),
        }
    }

    fn types(self, ddl: &str) -> String {
        let (blob, int, serial) = match self {
            Dialect::Sqlite => ("BLOB", "INTEGER", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            Dialect::Postgres => ("BYTEA", "BIGINT", "BIGSERIAL PRIMARY KEY"),
        };
        ddl.replace("{serial}", serial)
            .replace("{blob}", blob)
            .replace("{int}", int)
    }
}

/// Migrations in order; each is applied once and recorded in `bank_migrations`.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE IF NOT EXISTS accounts (
    id {blob} PRIMARY KEY,
    role TEXT NOT NULL,
    signing_key {blob} NOT NULL,
    sealing_key {blob} NOT NULL,
    address TEXT,
    created_at {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS attributes (
    account {blob} NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account, kind, value)
);
CREATE TABLE IF NOT EXISTS balances (
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance {int} NOT NULL,
    PRIMARY KEY (account, currency)
);
CREATE TABLE IF NOT EXISTS postings (
    id {serial},
    kind TEXT NOT NULL,
    purse {blob},
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount {int} NOT NULL CHECK (amount > 0),
    created_at {int} NOT NULL
);
CREATE INDEX IF NOT EXISTS postings_by_debit ON postings (debit);
CREATE INDEX IF NOT EXISTS postings_by_credit ON postings (credit);
CREATE TABLE IF NOT EXISTS purses (
    id {blob} PRIMARY KEY,
    buyer {blob} NOT NULL REFERENCES accounts(id),
    seller {blob} NOT NULL REFERENCES accounts(id),
    currency TEXT NOT NULL,
    created_at {int} NOT NULL,
    expires_at {int} NOT NULL,
    state TEXT NOT NULL,
    refund_case {blob}
);
CREATE TABLE IF NOT EXISTS tokens (
    purse {blob} NOT NULL REFERENCES purses(id),
    session {int} NOT NULL,
    serial {blob} NOT NULL UNIQUE,
    kind {blob} NOT NULL,
    value_minor {int} NOT NULL,
    token_digest {blob} NOT NULL,
    buyer_digest {blob} NOT NULL,
    seller_digest {blob} NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (purse, session)
);
CREATE INDEX IF NOT EXISTS tokens_by_status ON tokens (status);
CREATE TABLE IF NOT EXISTS requests (
    nonce {blob} PRIMARY KEY,
    kind TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    id {blob} PRIMARY KEY,
    purse {blob} NOT NULL REFERENCES purses(id),
    buyer {blob} NOT NULL,
    seller {blob} NOT NULL,
    opened_at {int} NOT NULL,
    deadline {int} NOT NULL,
    buyer_items {blob} NOT NULL,
    settled TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id {serial},
    recipient {blob} NOT NULL,
    kind TEXT NOT NULL,
    letter TEXT NOT NULL,
    about {blob},
    created_at {int} NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_recipient ON outbox (recipient);
"#,
    ),
    // The SHA-256 of the signed letter a stored first answer answered: only a
    // retry of that same letter gets it. Rows from before have none, and a
    // request reusing their nonce is refused.
    (
        2,
        r#"
ALTER TABLE requests ADD COLUMN letter_digest {blob}
"#,
    ),
    // Pruning by age (`store/prune.rs`) finds old first answers and old
    // letters of a kind without reading the whole table.
    (
        3,
        r#"
CREATE INDEX IF NOT EXISTS requests_by_kind_and_age ON requests (kind, created_at);
CREATE INDEX IF NOT EXISTS outbox_by_kind_and_age ON outbox (kind, created_at)
"#,
    ),
    // The nonce of the purse request a purse was minted for: a buyer whose
    // answer was lost gets her purse back by it (`POST /v1/purses/recover`).
    // Purses from before have none and cannot be recovered that way.
    (
        4,
        r#"
ALTER TABLE purses ADD COLUMN request {blob};
CREATE UNIQUE INDEX IF NOT EXISTS purses_by_request ON purses (request)
"#,
    ),
];

/// The statements of one migration, in this dialect.
pub fn statements(dialect: Dialect, ddl: &str) -> Vec<String> {
    dialect
        .types(ddl)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
