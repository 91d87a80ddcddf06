//! The database a test's bank runs on: a fresh PostgreSQL database when
//! `HALFPENNY_TEST_POSTGRES` names a server (`source scripts/postgres.sh`),
//! else a SQLite file in `dir`. Shared with the shop's tests (by `#[path]`),
//! whose banks run on either too.

use halfpenny::Nonce;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("HALFPENNY_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => {
            let name = format!("hp_{}", Nonce::random(&mut os_rng()).to_hex());
            let admin = format!("{base}/postgres");
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("postgres is reachable");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create database");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("bank.db").display()),
    }
}

fn os_rng() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("os randomness");
    ChaCha20Rng::from_seed(seed)
}
