//! The shop's tables (SQLite). Each migration is applied once, in order, and
//! recorded in `shop_migrations`.
//!
//! The seller's halves are rows, one per token, so a payment reads and
//! changes only the halves it names: `spent_by` is the payment that joined
//! a half (its share is then wiped), NULL while it is unspent.

pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE IF NOT EXISTS bank_link (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    bank_public BLOB NOT NULL,
    account BLOB,
    address TEXT,
    inbox_after INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS purses (
    id BLOB PRIMARY KEY,
    currency TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS halves (
    purse BLOB NOT NULL REFERENCES purses(id),
    session INTEGER NOT NULL,
    kind BLOB NOT NULL,
    value_minor INTEGER NOT NULL,
    share BLOB NOT NULL,
    spent_by BLOB,
    PRIMARY KEY (purse, session)
);
CREATE TABLE IF NOT EXISTS offers (
    payment BLOB PRIMARY KEY,
    item TEXT NOT NULL,
    request BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS offers_by_expiry ON offers (expires_at);
CREATE TABLE IF NOT EXISTS payments (
    payment BLOB PRIMARY KEY,
    purse BLOB NOT NULL REFERENCES purses(id),
    item TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    paid_minor INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    accepted_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access (
    digest BLOB PRIMARY KEY,
    item TEXT NOT NULL,
    payment BLOB NOT NULL REFERENCES payments(payment)
);
CREATE TABLE IF NOT EXISTS tokens (
    purse BLOB NOT NULL REFERENCES purses(id),
    session INTEGER NOT NULL,
    payment BLOB NOT NULL REFERENCES payments(payment),
    currency TEXT NOT NULL,
    value_minor INTEGER NOT NULL,
    token BLOB NOT NULL,
    batch INTEGER,
    handed_in TEXT,
    outcome TEXT,
    PRIMARY KEY (purse, session)
);
CREATE INDEX IF NOT EXISTS tokens_by_hand_in ON tokens (handed_in, batch);
CREATE TABLE IF NOT EXISTS redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    letter TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    answered_at INTEGER,
    refused TEXT
);
CREATE TABLE IF NOT EXISTS redemption_lines (
    redemption INTEGER NOT NULL REFERENCES redemptions(id),
    purse BLOB NOT NULL,
    session INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    currency TEXT,
    amount_minor INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS redemption_lines_by_batch ON redemption_lines (redemption);
CREATE TABLE IF NOT EXISTS returns (
    case_id BLOB PRIMARY KEY,
    purse BLOB NOT NULL,
    deadline INTEGER NOT NULL,
    letter TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    currency TEXT,
    seller_credited_minor INTEGER,
    buyer_refunded_minor INTEGER,
    code TEXT,
    answered_at INTEGER
);
CREATE TABLE IF NOT EXISTS refund_results (
    case_id BLOB PRIMARY KEY,
    purse BLOB NOT NULL,
    settled_by TEXT NOT NULL,
    currency TEXT NOT NULL,
    seller_credited_minor INTEGER NOT NULL,
    buyer_refunded_minor INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment BLOB,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at INTEGER NOT NULL
);
"#,
    ),
    // Purse requests forwarded for buyers, saved before they are sent: one
    // whose answer was lost (the bank minted, the shop crashed or the call
    // failed) is sent again, byte for byte, until the bank's first answer
    // is stored. `id` is the SHA-256 of the request's text: the shop cannot
    // read the nonce inside, which is sealed for the bank.
    (
        2,
        r#"
CREATE TABLE IF NOT EXISTS purse_orders (
    id BLOB PRIMARY KEY,
    request TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX IF NOT EXISTS purse_orders_unanswered ON purse_orders (answered_at, created_at)
"#,
    ),
];

/// The statements of one migration.
pub fn statements(ddl: &str) -> impl Iterator<Item = &str> {
    ddl.split(';').map(str::trim).filter(|s| !s.is_empty())
}
