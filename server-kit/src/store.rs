//! sqlx helpers both servers' stores use, over the `Any` driver.

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

/// Settings of every SQLite connection: write-ahead log, full sync, waiting
/// for the one writer rather than failing, foreign keys checked.
pub const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = ON",
];

/// Applies [`SQLITE_PRAGMAS`] to a new connection (`after_connect`).
pub async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in SQLITE_PRAGMAS {
        sqlx::raw_sql(pragma).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Row counts of `tables`, in that order.
pub async fn row_counts(
    pool: &AnyPool,
    tables: &[&str],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for table in tables {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
            .fetch_one(pool)
            .await?;
        out.push(((*table).to_owned(), row.try_get::<i64, _>("n")?));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sqlx::any::AnyPoolOptions;

    use super::*;

    #[tokio::test]
    async fn connections_get_the_pragmas_and_tables_are_counted() {
        sqlx::any::install_default_drivers();
        let tmp = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", tmp.path().join("t.db").display());
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn).await }))
            .connect(&url)
            .await
            .unwrap();
        let mode = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode.try_get::<String, _>(0).unwrap(), "wal");
        for ddl in [
            "CREATE TABLE a (x INTEGER)",
            "CREATE TABLE b (x INTEGER)",
            "INSERT INTO b (x) VALUES (1), (2)",
        ] {
            sqlx::raw_sql(ddl).execute(&pool).await.unwrap();
        }
        assert_eq!(
            row_counts(&pool, &["b", "a"]).await.unwrap(),
            [("b".to_owned(), 2), ("a".to_owned(), 0)]
        );
    }
}
