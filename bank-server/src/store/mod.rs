//! The bank's books and records in SQL: SQLite (a file, the default) or
//! PostgreSQL (several bank processes may share one). One implementation over
//! sqlx's `Any` driver; `schema` holds the only dialect differences.
//!
//! Reads load what the core needs; `decisions` applies what the core decided
//! in one transaction, each change conditional on the state it expects, so
//! two racing requests can never both move the same token or the same money.

mod accounts;
mod books;
mod cases;
mod decisions;
mod prune;
mod purses;
pub mod schema;

pub use books::{StatementLine, Totals};
pub use cases::OutboxLetter;
pub use prune::{PRUNE_BATCH, PRUNED_REQUEST_KINDS, PruneBefore, Pruned};
pub use purses::{Answer, MintedFor, StoredRequest};

use halfpenny_server_kit::store as kit_store;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use schema::Dialect;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this request was already handled")]
    Replay,
    #[error("this request's number was already used by another request")]
    NonceReused,
    #[error("this idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error("the balance is too low")]
    InsufficientFunds,
    #[error("a record changed while the request was decided; try again")]
    Conflict,
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(&'static str),
    #[error("the database URL must start with sqlite: or postgres:")]
    UnknownDatabase,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The bank's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

impl Store {
    /// Connects and applies any migrations not yet applied.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url).ok_or(StoreError::UnknownDatabase)?;
        let mut options = AnyPoolOptions::new();
        let url = match dialect {
            Dialect::Sqlite => {
                // One writer at a time is SQLite's rule: wait for it rather than fail.
                options = options
                    .max_connections(8)
                    .after_connect(|conn, _| Box::pin(kit_store::sqlite_pragmas(conn)));
                if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                }
            }
            Dialect::Postgres => {
                options = options.max_connections(16);
                url.to_owned()
            }
        };
        let pool = options.connect(&url).await?;
        let store = Store { pool, dialect };
        store.migrate().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let create = "CREATE TABLE IF NOT EXISTS bank_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";
        sqlx::raw_sql(create).execute(&self.pool).await?;
        for (version, ddl) in schema::MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            if self.dialect == Dialect::Postgres {
                // Several servers may start at once; one migrates, the others wait.
                sqlx::raw_sql("SELECT pg_advisory_xact_lock(7244101)")
                    .execute(&mut *tx)
                    .await?;
            }
            let done = sqlx::query(AssertSqlSafe(
                self.sql("SELECT version FROM bank_migrations WHERE version = $1"),
            ))
            .bind(*version)
            .fetch_optional(&mut *tx)
            .await?;
            if done.is_none() {
                for statement in schema::statements(self.dialect, ddl) {
                    sqlx::raw_sql(AssertSqlSafe(statement))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(AssertSqlSafe(self.sql(
                    "INSERT INTO bank_migrations (version, applied_at) VALUES ($1, 0)",
                )))
                .bind(*version)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    fn sql(&self, query: &str) -> String {
        self.dialect.sql(query)
    }

    /// A query in this store's dialect.
    fn query(&self, sql: &str) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        sqlx::query(AssertSqlSafe(self.sql(sql)))
    }

    async fn begin(&self) -> Result<Tx, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.dialect == Dialect::Sqlite {
            // Take the write lock now, so a transaction never has to upgrade
            // a read lock (which SQLite refuses under contention).
            sqlx::raw_sql("UPDATE bank_migrations SET applied_at = applied_at WHERE version = -1")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Row counts per table, to show that a refused request changed nothing.
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let tables = [
            "accounts",
            "attributes",
            "balances",
            "postings",
            "purses",
            "tokens",
            "requests",
            "cases",
            "outbox",
        ];
        Ok(kit_store::row_counts(&self.pool, &tables).await?)
    }
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("amount too large"))
}

pub(crate) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("negative amount"))
}

pub(crate) fn blob<const N: usize>(row: &AnyRow, col: &str) -> Result<[u8; N], StoreError> {
    let v: Vec<u8> = row.try_get(col)?;
    v.try_into()
        .map_err(|_| StoreError::Corrupt("identifier length"))
}
