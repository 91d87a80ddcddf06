//! `shop-server`: run the seller's server behind a web shop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use halfpenny_server_kit::operator::operator_token;
use halfpenny_server_kit::{logging, shutdown::shutdown};
use shop_server::api::{self, Pages};
use shop_server::catalog::Catalog;
use shop_server::{Settings, Verify};

#[derive(Parser, Debug)]
#[command(
    name = "shop-server",
    about = "The Halfpenny seller's server: takes split-token payments off-line."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the shop's API and pages.
    Serve {
        #[arg(long, default_value = "http://127.0.0.1:8700")]
        bank_url: String,
        #[arg(long, default_value = "127.0.0.1:8710")]
        listen: SocketAddr,
        /// The seller's keys (created on first start, mode 0600) and database.
        #[arg(long, default_value = "data/shop")]
        data_dir: PathBuf,
        /// The buyer's wallet page, named in every offer.
        #[arg(long, default_value = "http://127.0.0.1:8700/wallet/")]
        wallet_url: String,
        /// The shop's pages, served at /.
        #[arg(long)]
        site_dir: Option<PathBuf>,
        /// The pay button's files, served at /widget/.
        #[arg(long)]
        widget_dir: Option<PathBuf>,
        /// A catalog file (JSON); the demo newspaper without one.
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// How often tokens are redeemed and the bank's inbox read.
        #[arg(long, default_value_t = 300)]
        redeem_every_secs: u64,
        /// Which tokens get their bank signature checked: all, or sample:N.
        #[arg(long, default_value = "all")]
        verify: Verify,
        /// A file holding the operator's bearer token (or set SHOP_OPERATOR_TOKEN).
        /// Without either, the operator endpoints are off.
        #[arg(long)]
        operator_token_file: Option<PathBuf>,
        /// Where the bank posts notices; by default http://{listen}/shop/v1/bank-notices.
        /// Registered once, on first start.
        #[arg(long)]
        notice_address: Option<String>,
        /// How long a shop not yet registered waits for the bank at start.
        #[arg(long, default_value_t = 120)]
        bank_wait_secs: u64,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    logging::init();
    let Command::Serve {
        bank_url,
        listen,
        data_dir,
        wallet_url,
        site_dir,
        widget_dir,
        catalog,
        redeem_every_secs,
        verify,
        operator_token_file,
        notice_address,
        bank_wait_secs,
    } = Cli::parse().command;
    let catalog = match catalog {
        Some(path) => Catalog::load(&path)?,
        None => Catalog::demo(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let bound = listener.local_addr()?;
    let settings = Settings {
        bank_url,
        data_dir,
        wallet_url,
        notice_address: notice_address
            .unwrap_or_else(|| format!("http://{bound}/shop/v1/bank-notices")),
        catalog,
        verify: verify.0,
        operator_token: operator_token(operator_token_file, "SHOP_OPERATOR_TOKEN")?,
        bank_wait: Duration::from_secs(bank_wait_secs),
    };
    let app = shop_server::build(settings).await?;
    app.spawn_errands(Duration::from_secs(redeem_every_secs));
    for (what, dir) in [("site", &site_dir), ("pay button", &widget_dir)] {
        if let Some(d) = dir.as_ref().filter(|d| !d.is_dir()) {
            tracing::warn!(dir = %d.display(), "the {what} folder does not exist (yet)");
        }
    }
    let pages = Pages {
        site: site_dir,
        widget: widget_dir,
    };
    tracing::info!(listen = %bound, seller = %app.seller().to_hex(), bank = %app.bank.url(), "shop listening");
    axum::serve(listener, api::router(app, pages))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}
