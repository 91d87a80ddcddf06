//! How much memory a seller's till needs to hold 100,000 halves, printed as
//! one JSON line per token suite (read by `scripts/bench.sh`).
//!
//!     cargo run --release -p halfpenny-aws-lc --example till_memory [-- <halves>]
//!
//! Two processes, so that minting does not count. This one mints purses of
//! one-cent tokens with the real `Bank::mint` (aws-lc signing on every core),
//! has the seller's `Till` receive them and writes each `SellerPurse` in its
//! wire form, with one of the buyer's halves for it, to a scratch file. Then
//! it starts itself again as `--hold <file> <suite>`: the child builds the
//! till, notes its resident memory, reads the purses one at a time into a map
//! by purse id (what a till host keeps in memory), and notes its resident and
//! peak memory again (`VmRSS`, `VmHWM` of /proc/self/status). The script
//! divides the growth of resident memory by the halves held.
//!
//! The child checks its own work before it reports: it holds exactly the
//! halves minted, and one payment per purse, each with every signature
//! checked, is accepted and consumes exactly one cent.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankConfig, Role};
use halfpenny::crypto::ed25519::Ed25519Key;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::crypto::{PrivateIdentity, SigningKey};
use halfpenny::messages::{
    Denomination, MAX_TOKENS_PER_PURSE, Payment, PaymentRequest, PurseRequest,
};
use halfpenny::split::TokenShare;
use halfpenny::till::{SellerPurse, Till, VerifyPolicy};
use halfpenny::wallet::{HalfState, Wallet};
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Amount, BankId, Currency, Nonce, PurseId, Suite, Timestamp, testing};
use halfpenny_aws_lc::{AwsLcKey, OnEveryCore};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The fixed "now": tokens and requests are valid well after it.
const NOW: Timestamp = Timestamp(1_800_000_000);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file, suite] if flag == "--hold" => hold(Path::new(file), suite.parse()?),
        [] => measure_every_suite(100_000),
        [halves] => measure_every_suite(halves.parse().context("halves: a whole number")?),
        _ => bail!("usage: till_memory [halves]"),
    }
}

fn measure_every_suite(halves: u32) -> Result<()> {
    ensure!(halves > 0, "halves: at least one");
    for suite in Suite::ALL {
        let file = std::env::temp_dir().join(format!(
            "halfpenny-till-memory-{}-{suite}.bin",
            std::process::id()
        ));
        let result = mint_into(&file, suite, halves).and_then(|()| {
            let status = Command::new(std::env::current_exe()?)
                .args(["--hold", &file.to_string_lossy(), suite.name()])
                .status()?;
            ensure!(status.success(), "the holding process failed: {status}");
            Ok(())
        });
        std::fs::remove_file(&file).ok();
        result?;
    }
    Ok(())
}

/// A bank with the fixed `testing` keys, signing with aws-lc on every core.
fn bank(suite: Suite) -> Result<Bank> {
    let token_keys: Vec<Box<dyn SigningKey>> = vec![
        Box::new(AwsLcKey::from_pkcs8_der(testing::BANK_TOKEN)?),
        Box::new(OnEveryCore(Ed25519Key::from_pkcs8_der(
            testing::BANK_TOKEN_ED25519,
        )?)),
    ];
    let mut config = BankConfig::new(BankId::new("demo-bank")?);
    config.default_suite = suite;
    Ok(Bank::new(
        config,
        testing::bank_identity(),
        token_keys,
        Box::new(RustCrypto),
    )?)
}

fn account(identity: &PrivateIdentity, role: Role, address: Option<String>) -> AccountRecord {
    AccountRecord {
        identity: identity.public(),
        role,
        address,
        attributes: vec![],
    }
}

/// Mints `halves` one-cent tokens in purses of at most 10,000 and writes, per
/// purse, the seller's purse and one buyer item (each length-prefixed).
fn mint_into(file: &PathBuf, suite: Suite, halves: u32) -> Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let bank = bank(suite)?;
    let (buyer, seller) = (testing::buyer_identity(), testing::seller_identity());
    let till = Till::new(seller.id(), bank.public(), &RustCrypto, VerifyPolicy::All)?;
    let wallet = Wallet::new(bank.public(), &RustCrypto)?;
    let mut out = BufWriter::new(File::create(file)?);
    let mut left = halves;
    while left > 0 {
        let count = left.min(u32::try_from(MAX_TOKENS_PER_PURSE)?);
        left -= count;
        let order = Authenticated {
            nonce: Nonce::random(&mut rng),
            sender: buyer.id(),
            body: PurseRequest {
                seller: seller.id(),
                currency: Currency::USD,
                money: vec![Denomination {
                    value_minor: 1,
                    count,
                }],
                authorizations: vec![],
                suite: None,
            },
        };
        let minted = bank.mint(
            &order,
            &account(&buyer, Role::Buyer, None),
            Amount::new(u64::from(count), Currency::USD),
            &account(&seller, Role::Seller, Some("https://seller.example".into())),
            NOW,
            &mut rng,
        )?;
        let purse = till.receive_purse(&seller, &minted.response.seller_purse, NOW)?;
        let hers = wallet.receive_purse(&buyer, &minted.response.buyer_purse, NOW)?;
        ensure!(
            hers.id == purse.id,
            "the buyer's and the seller's purse ids differ"
        );
        let item = hers
            .shares(|s| matches!(s, HalfState::Available))
            .into_iter()
            .next()
            .context("the buyer's purse is empty")?;
        for record in [purse.to_bytes(), item.to_bytes()] {
            out.write_all(&u32::try_from(record.len())?.to_le_bytes())?;
            out.write_all(&record)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The child: holds every purse of `file` in memory and reports.
fn hold(file: &Path, suite: Suite) -> Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let bank = bank(suite)?;
    let seller = testing::seller_identity();
    let till = Till::new(seller.id(), bank.public(), &RustCrypto, VerifyPolicy::All)?;
    // The reading buffer is as large as the longest record and resident
    // before the first reading, so that it is not counted as the purses'.
    let mut buffer = vec![0u8; longest_record(file)?];
    let mut reader = BufReader::new(File::open(file)?);
    let before = Status::read()?;

    let mut purses: BTreeMap<PurseId, SellerPurse> = BTreeMap::new();
    let mut items: Vec<(PurseId, TokenShare)> = Vec::new();
    let mut wire_bytes = 0usize;
    while let Some(bytes) = next_record(&mut reader, &mut buffer)? {
        wire_bytes += bytes.len();
        let purse = SellerPurse::from_bytes(bytes)?;
        let item = TokenShare::from_bytes(
            next_record(&mut reader, &mut buffer)?.context("a purse without its buyer item")?,
        )?;
        items.push((purse.id, item));
        purses.insert(purse.id, purse);
    }
    let holding = Status::read()?;
    let held: usize = purses.values().map(|p| p.halves.len()).sum();
    let value: u64 = purses.values().map(|p| p.unspent_value().minor()).sum();
    ensure!(
        u64::try_from(held)? == value,
        "{held} one-cent halves are worth {value} cents"
    );

    // Every purse takes one payment, each signature checked.
    for (purse_id, item) in items {
        let purse = purses
            .get_mut(&purse_id)
            .context("a buyer item for no purse")?;
        let request = PaymentRequest {
            seller: seller.id(),
            payment: Nonce::random(&mut rng),
            item: "one article".into(),
            price: Amount::new(1, Currency::USD),
            requires: None,
            expires_at: NOW.plus(600),
        };
        let payment = Payment {
            payment: request.payment,
            purse: purse_id,
            halves: vec![item],
        };
        let accepted = till.accept(&request, &payment, purse, NOW, &mut rng)?;
        ensure!(
            purse.apply(&accepted),
            "the purse refused an accepted payment"
        );
    }
    let after: u64 = purses.values().map(|p| p.unspent_value().minor()).sum();
    let paid = u64::try_from(purses.len())?;
    ensure!(
        after + paid == value,
        "{paid} payments of one cent took {} cents",
        value.saturating_sub(after)
    );
    let peak = Status::read()?;

    // Integers only: scripts/bench.sh divides.
    println!(
        "{{\"figure\":\"till_memory\",\"suite\":\"{suite}\",\"halves\":{held},\"purses\":{},\"payments_accepted\":{paid},\
\"rss_before_kib\":{},\"rss_holding_kib\":{},\"peak_rss_kib\":{},\"wire_bytes\":{wire_bytes}}}",
        purses.len(),
        before.rss_kib,
        holding.rss_kib,
        peak.peak_kib,
    );
    Ok(())
}

/// The length of the longest record of `file`, read without keeping any.
fn longest_record(file: &Path) -> Result<usize> {
    let mut reader = BufReader::new(File::open(file)?);
    let mut longest = 0;
    let mut len = [0u8; 4];
    while reader.read_exact(&mut len).is_ok() {
        let n = u64::from(u32::from_le_bytes(len));
        ensure!(
            std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink())? == n,
            "the file ends inside a record"
        );
        longest = longest.max(usize::try_from(n)?);
    }
    Ok(longest)
}

/// One length-prefixed record, or `None` at the end of the file.
fn next_record<'b>(reader: &mut impl Read, buffer: &'b mut Vec<u8>) -> Result<Option<&'b [u8]>> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    buffer.resize(usize::try_from(u32::from_le_bytes(len))?, 0);
    reader.read_exact(buffer)?;
    Ok(Some(buffer))
}

/// Resident and peak resident memory of this process.
struct Status {
    rss_kib: u64,
    peak_kib: u64,
}

impl Status {
    fn read() -> Result<Self> {
        let text = std::fs::read_to_string("/proc/self/status")?;
        let field = |name: &str| -> Result<u64> {
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .with_context(|| format!("no {name} in /proc/self/status"))?;
            Ok(line.trim().trim_end_matches("kB").trim().parse()?)
        };
        Ok(Self {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
        })
    }
}
