//! The shop's records in one SQLite file under the data folder, through
//! sqlx's `Any` driver as in the bank.
//!
//! Reads load only what a request needs (a payment: the halves it names);
//! each decision of the till is applied in one transaction whose changes
//! are conditional on the state the till saw, so two racing payments can
//! never both consume the same half.

mod link;
mod orders;
mod payments;
mod purses;
mod redemptions;
mod returns;
pub mod schema;

pub use link::BankLink;
pub use orders::PurseOrder;
pub use payments::{Refusal, TakenPayment};
pub use purses::{PurseRow, PurseState};
pub use redemptions::{Batch, BatchView, LineRow, TokenRow};
pub use returns::{RefundResultRow, ReturnRow};

use std::path::Path;

use halfpenny_server_kit::store as kit_store;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this request was already handled")]
    Replay,
    #[error("a record changed while the request was decided; try again")]
    Conflict,
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(&'static str),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
type Query = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

/// The shop's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// Opens (creating if missing) the database file and applies any
    /// migrations not yet applied.
    pub async fn open(file: &Path) -> Result<Store, StoreError> {
        Self::connect(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| Box::pin(kit_store::sqlite_pragmas(conn)))
            .connect(url)
            .await?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS shop_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            .execute(&self.pool)
            .await?;
        for (version, ddl) in schema::MIGRATIONS {
            let mut tx = self.begin().await?;
            let done = sqlx::query("SELECT version FROM shop_migrations WHERE version = ?")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_none() {
                for statement in schema::statements(ddl) {
                    sqlx::raw_sql(AssertSqlSafe(statement.to_owned()))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("INSERT INTO shop_migrations (version, applied_at) VALUES (?, 0)")
                    .bind(*version)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// A transaction that holds SQLite's write lock from its start, so it
    /// never has to upgrade a read lock (which SQLite refuses under
    /// contention) and sees no other writer until it ends.
    async fn begin(&self) -> Result<Tx, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::raw_sql("UPDATE shop_migrations SET applied_at = applied_at WHERE version = -1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Row counts per table, to show that a refused request changed nothing.
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let tables = [
            "purses",
            "halves",
            "payments",
            "access",
            "tokens",
            "redemptions",
            "returns",
            "purse_orders",
        ];
        let mut out = kit_store::row_counts(&self.pool, &tables).await?;
        let spent = sqlx::query("SELECT COUNT(*) AS n FROM halves WHERE spent_by IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        out.push(("spent halves".to_owned(), spent.try_get::<i64, _>("n")?));
        Ok(out)
    }
}

/// A query with `count` placeholders for an `IN (…)` list after `sql`'s own.
fn query_in(sql_before: &str, count: usize, sql_after: &str) -> Query {
    let marks = vec!["?"; count].join(", ");
    sqlx::query(AssertSqlSafe(format!("{sql_before}({marks}){sql_after}")))
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("number too large"))
}

pub(crate) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("negative number"))
}

pub(crate) fn blob<const N: usize>(row: &AnyRow, col: &str) -> Result<[u8; N], StoreError> {
    let v: Vec<u8> = row.try_get(col)?;
    v.try_into()
        .map_err(|_| StoreError::Corrupt("identifier length"))
}

pub(crate) fn currency(row: &AnyRow, col: &str) -> Result<halfpenny::Currency, StoreError> {
    let code: String = row.try_get(col)?;
    halfpenny::Currency::new(&code).map_err(|_| StoreError::Corrupt("currency"))
}

pub(crate) fn session(row: &AnyRow, col: &str) -> Result<halfpenny::SessionSerial, StoreError> {
    let s: i64 = row.try_get(col)?;
    u32::try_from(s)
        .map(halfpenny::SessionSerial)
        .map_err(|_| StoreError::Corrupt("session serial"))
}
