//! `bank-server`: run the bank, make its keys, and do the operator's work
//! from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bank_server::retention::Retention;
use bank_server::store::Store;
use bank_server::{Settings, api, keys};
use clap::{Parser, Subcommand};
use halfpenny::bank::Role;
use halfpenny::ledger::{LedgerAccount, Posting, PostingKind};
use halfpenny::{Amount, BankId, Currency, KeyId, Suite, Timestamp};
use halfpenny_server_kit::operator::operator_token;
use halfpenny_server_kit::{logging, shutdown::shutdown};

#[derive(Parser, Debug)]
#[command(
    name = "bank-server",
    about = "The Halfpenny bank: split-token purses over HTTP."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the bank's HTTP API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8700")]
        listen: SocketAddr,
        /// sqlite://path/to/bank.db (created if missing) or postgres://…
        #[arg(
            long,
            env = "HALFPENNY_DATABASE_URL",
            default_value = "sqlite://data/bank.db"
        )]
        database: String,
        /// Folder of the bank's private keys; missing keys are created (mode 0600).
        #[arg(long, default_value = "data/bank-keys")]
        keys: PathBuf,
        #[arg(long, default_value = "demo-bank")]
        bank_id: String,
        /// A file holding the operator's bearer token (or set HALFPENNY_OPERATOR_TOKEN).
        /// Without either, the operator endpoints are off.
        #[arg(long)]
        operator_token_file: Option<PathBuf>,
        /// Seconds a seller has to answer a return request.
        #[arg(long, default_value_t = 72 * 3600)]
        return_window_secs: u64,
        /// How often overdue refund cases are settled.
        #[arg(long, default_value_t = 30)]
        sweep_every_secs: u64,
        /// The token suite of a purse whose request names none:
        /// rsa2048-sha256 or ed25519.
        #[arg(long, env = "HALFPENNY_TOKEN_SUITE", default_value = "rsa2048-sha256")]
        token_suite: Suite,
        /// Serve the buyer's wallet page (static files, e.g. static/wallet)
        /// at /wallet/, on the bank's own origin.
        #[arg(long)]
        wallet_dir: Option<PathBuf>,
        /// Serve the seller's till page (static files, e.g. static/till)
        /// at /till/, on the bank's own origin.
        #[arg(long)]
        till_dir: Option<PathBuf>,
        /// Let sellers register, and the bank post notices to, addresses
        /// inside its own network (127.0.0.1, private ranges, link-local…).
        /// For a demo or tests on one machine only: off, the bank is no
        /// one's way into its own network.
        #[arg(long)]
        allow_private_addresses: bool,
        /// Seconds a first answer to a letter is kept for its retries (at
        /// least a day; a retry after that is refused as expired).
        #[arg(long, default_value_t = Retention::default().answers_secs)]
        answer_retention_secs: u64,
        /// Seconds a refund result stays in the buyer's and the seller's
        /// inbox after the case settled, and a purse request's first answer
        /// (her purse, to recover) after it was written (at least a day).
        #[arg(long, default_value_t = Retention::default().results_secs)]
        result_retention_secs: u64,
        /// How often first answers and letters past their retention are deleted.
        #[arg(long, default_value_t = 3600)]
        prune_every_secs: u64,
    },
    /// Print the OpenAPI document of the HTTP API (checked in as bank-server/openapi.json).
    Openapi,
    /// Create the bank's keys if missing and print their public fingerprints.
    Keygen {
        #[arg(long, default_value = "data/bank-keys")]
        keys: PathBuf,
    },
    /// Credit (or debit) an account from outside: where card or transfer payments plug in.
    Fund {
        #[arg(
            long,
            env = "HALFPENNY_DATABASE_URL",
            default_value = "sqlite://data/bank.db"
        )]
        database: String,
        #[arg(long)]
        account: String,
        #[arg(long)]
        amount_minor: u64,
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Take money out instead of putting it in.
        #[arg(long)]
        debit: bool,
        /// The same key twice moves money once.
        #[arg(long)]
        idempotency_key: String,
    },
    /// For demos only: keeps giving every buyer account that registers a
    /// grant of money (and, if asked, a verified date of birth), through the
    /// same operator path as `fund`. Runs until stopped.
    DemoGrants {
        #[arg(
            long,
            env = "HALFPENNY_DATABASE_URL",
            default_value = "sqlite://data/bank.db"
        )]
        database: String,
        #[arg(long, default_value_t = 500)]
        amount_minor: u64,
        #[arg(long, default_value = "USD")]
        currency: String,
        /// A date of birth (YYYY-MM-DD) to record for each demo buyer.
        #[arg(long)]
        date_of_birth: Option<String>,
        #[arg(long, default_value_t = 2)]
        every_secs: u64,
    },
    /// Record an attribute the operator has verified.
    Attribute {
        #[arg(
            long,
            env = "HALFPENNY_DATABASE_URL",
            default_value = "sqlite://data/bank.db"
        )]
        database: String,
        #[arg(long)]
        account: String,
        #[arg(long)]
        date_of_birth: Option<String>,
        #[arg(long)]
        flag: Option<String>,
    },
}

fn account(s: &str) -> Result<KeyId> {
    KeyId::from_hex(s.strip_prefix("key_").unwrap_or(s))
        .map_err(|_| anyhow::anyhow!("an account is 64 lower-case hex digits"))
}

/// Moves money between the outside world and an account, once per key:
/// `Ok(balance after)`, or `Err(the balance then)` if this key was used
/// before for the same request; refused if it was used for another.
async fn fund(
    store: &Store,
    who: KeyId,
    amount: Amount,
    debit: bool,
    idempotency_key: &str,
) -> Result<Result<i64, i64>> {
    let c = LedgerAccount::Customer(who);
    let posting = if debit {
        Posting {
            kind: PostingKind::Withdrawal,
            debit: c,
            credit: LedgerAccount::Settlement,
            amount,
        }
    } else {
        Posting {
            kind: PostingKind::Funding,
            debit: LedgerAccount::Settlement,
            credit: c,
            amount,
        }
    };
    let mut key = b"operator:".to_vec();
    key.extend_from_slice(idempotency_key.as_bytes());
    Ok(store.operator_posting(&key, &posting, now()).await?)
}

fn currency_of(code: &str) -> Result<Currency> {
    Currency::new(code).map_err(|_| anyhow::anyhow!("a currency is three capital letters"))
}

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

#[tokio::main]
async fn main() -> Result<()> {
    logging::init();
    match Cli::parse().command {
        Command::Serve {
            listen,
            database,
            keys: dir,
            bank_id,
            operator_token_file,
            return_window_secs,
            sweep_every_secs,
            token_suite,
            wallet_dir,
            till_dir,
            allow_private_addresses,
            answer_retention_secs,
            result_retention_secs,
            prune_every_secs,
        } => {
            let created = keys::ensure(&dir)?;
            for path in created {
                tracing::info!(file = %path.display(), "created a new key (mode 0600)");
            }
            let keys = keys::load_or_create(&dir)?;
            let settings = Settings {
                bank_id: BankId::new(&bank_id).map_err(|_| {
                    anyhow::anyhow!("the bank id is 1 to 32 characters a-z, 0-9, '.' and '-'")
                })?,
                database_url: database,
                operator_token: operator_token(operator_token_file, "HALFPENNY_OPERATOR_TOKEN")?,
                return_window_secs,
                default_suite: token_suite,
                allow_private_addresses,
                retention: Retention {
                    answers_secs: answer_retention_secs,
                    results_secs: result_retention_secs,
                },
            };
            let app = bank_server::build(settings, keys).await?;
            let sweeper = app.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(sweep_every_secs.max(1)));
                loop {
                    tick.tick().await;
                    match sweeper.sweep().await {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(settled = n, "refund cases settled at their deadline")
                        }
                        Err(e) => tracing::warn!(code = %e.code, "deadline sweep failed"),
                    }
                }
            });
            let pruner = app.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(prune_every_secs.max(1)));
                loop {
                    tick.tick().await;
                    match pruner.prune().await {
                        Ok(p) if p == Default::default() => {}
                        Ok(p) => tracing::info!(
                            answers = p.answers,
                            results = p.results,
                            return_requests = p.return_requests,
                            "first answers and letters past their retention deleted"
                        ),
                        Err(e) => tracing::warn!(code = %e.code, "pruning failed"),
                    }
                }
            });
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            tracing::info!(%listen, bank = %app.bank.config.id, "bank listening");
            #[cfg(feature = "test-clock")]
            tracing::warn!("built with test-clock: the operator can move this bank's clock");
            let mut router = api::router(app);
            if let Some(dir) = wallet_dir {
                tracing::info!(dir = %dir.display(), "serving the wallet page at /wallet/");
                router = router.nest_service("/wallet", tower_http::services::ServeDir::new(dir));
            }
            if let Some(dir) = till_dir {
                tracing::info!(dir = %dir.display(), "serving the till page at /till/");
                router = router.nest_service("/till", tower_http::services::ServeDir::new(dir));
            }
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown())
                .await?;
        }
        Command::Openapi => println!("{}", api::openapi().to_pretty_json()?),
        Command::Keygen { keys: dir } => {
            for path in keys::ensure(&dir)? {
                println!("created {}", path.display());
            }
            let k = keys::load_or_create(&dir)?;
            println!("bank identity: {}", k.identity.id());
            for key in &k.tokens {
                let public = key.public_key();
                println!("token key ({}): {}", Suite::of_key(public), public.id());
            }
        }
        Command::Fund {
            database,
            account: who,
            amount_minor,
            currency,
            debit,
            idempotency_key,
        } => {
            let store = Store::connect(&database).await?;
            let who = account(&who)?;
            if store.account(&who).await?.is_none() {
                bail!("the bank has no account {who}");
            }
            let amount = Amount::new(amount_minor, currency_of(&currency)?);
            match fund(&store, who, amount, debit, &idempotency_key).await? {
                Ok(balance) => println!("{who}: balance {balance} minor units of {currency}"),
                Err(first) => {
                    println!("{who}: already done with this key; balance then was {first}")
                }
            }
        }
        Command::DemoGrants {
            database,
            amount_minor,
            currency: code,
            date_of_birth,
            every_secs,
        } => {
            let store = Store::connect(&database).await?;
            let amount = Amount::new(amount_minor, currency_of(&code)?);
            let attribute = date_of_birth
                .map(|d| bank_server::views::attribute_from(Some(d), None))
                .transpose()
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let mut tick = tokio::time::interval(Duration::from_secs(every_secs.max(1)));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown() => break,
                }
                for who in store.accounts_with_role(Role::Buyer).await? {
                    let key = format!("demo-grant:{}", who.to_hex());
                    if fund(&store, who, amount, false, &key).await?.is_ok() {
                        println!("demo buyer {who}: granted {amount}");
                        if let Some(a) = &attribute {
                            store.add_attribute(&who, a).await?;
                        }
                    }
                }
            }
        }
        Command::Attribute {
            database,
            account: who,
            date_of_birth,
            flag,
        } => {
            let store = Store::connect(&database).await?;
            let who = account(&who)?;
            let attr = bank_server::views::attribute_from(date_of_birth, flag)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if !store.add_attribute(&who, &attr).await? {
                bail!("the bank has no account {who}");
            }
            println!("{who}: attribute recorded");
        }
    }
    Ok(())
}
