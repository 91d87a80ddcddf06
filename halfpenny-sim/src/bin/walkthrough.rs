//! A narrated walk-through of one purse's life, every step real (keys,
//! signatures, sealing, splitting, joining, double-entry books), all in one
//! process with a simulated clock.

use anyhow::{Context, Result, anyhow};
use halfpenny::messages::{Outcome, Payment};
use halfpenny::wire::{Encode, TextForm};
use halfpenny::{Amount, Currency};
use halfpenny_sim::World;

const USD: Currency = Currency::USD;

fn cents(m: i128) -> String {
    Amount::new(u64::try_from(m).unwrap_or(0), USD).to_string()
}

fn books(w: &World, step: &str) -> Result<()> {
    let outstanding = w.bank.check_books(USD).map_err(|e| anyhow!(e))?;
    println!(
        "   books after {step}: buyer {} | seller {} | tokens outstanding {} | balanced, total funded {}",
        cents(w.bank.balance(w.buyer.id(), USD)),
        cents(w.bank.balance(w.seller.id(), USD)),
        cents(outstanding),
        cents(w.bank.ledger.funded(USD)),
    );
    Ok(())
}

fn main() -> Result<()> {
    let mut w = World::new(2026)?;
    println!("Halfpenny walk-through: the life of one purse (patent EP 0 833 285)\n");
    println!(
        "Bank `demo-bank`, seller {} (a newspaper), buyer {}.",
        w.seller.id(),
        w.buyer.id()
    );

    println!("\n1. The bank's operator credits the buyer USD 10.00 (a card payment, say).");
    w.bank.fund(w.buyer.id(), Amount::new(1_000, USD))?;
    books(&w, "funding")?;

    println!("\n2. She asks for a purse for this newspaper: 20 x 1c, 10 x 5c, 4 x 25c.");
    let fwd = w.buyer.ask_purse(
        w.seller.id(),
        USD,
        &[(1, 20), (5, 10), (25, 4)],
        vec![],
        w.now,
        &mut w.rng,
    )?;
    println!(
        "   Signed by her, sealed for the bank: {} bytes. The seller forwards it without learning who she is.",
        fwd.to_bytes().len()
    );
    let response = w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng)?;
    println!(
        "   The bank mints 34 tokens, signs each (RSA-2048), splits each with a random pad (XOR),"
    );
    println!(
        "   and seals one purse for each of them: seller's {} bytes, buyer's {} bytes.",
        response.seller_purse.to_bytes().len(),
        response.buyer_purse.to_bytes().len()
    );
    let hers = w.seller.receive(&response, w.now)?;
    let purse = w.buyer.store(&hers, w.now)?;
    books(&w, "minting")?;

    println!("\n3. She reads three articles, off-line from the bank.");
    for (item, price) in [
        ("Morning briefing", 1u64),
        ("Crossword", 3),
        ("Long read", 7),
    ] {
        let request = w
            .seller
            .offer(item, Amount::new(price, USD), None, w.now, &mut w.rng);
        let prepared = w.buyer.pay(&request, w.now)?;
        let size = prepared.payment.to_bytes().len();
        let receipt = w
            .seller
            .take_payment(&prepared.payment, w.now, &mut w.rng)?;
        w.buyer.settle(&receipt)?;
        println!(
            "   {item:<17} {}: {} half(s), {size} bytes, no crypto on her side; the seller joined and checked them.",
            receipt.price,
            receipt.sessions.len()
        );
    }
    let p = w.buyer.purses.get(&purse).context("purse")?;
    let first = p.halves.iter().next().context("a half")?;
    let half = halfpenny::split::Half {
        purse,
        share: halfpenny::split::TokenShare {
            session: *first.0,
            share: first.1.share.clone(),
        },
    };
    println!(
        "   One half is {} bytes ({} characters as text: {}...).",
        half.to_bytes().len(),
        half.to_text().len(),
        &half.to_text()[..24]
    );

    println!("\n4. She tries to pay again with halves she already spent.");
    let request = w.seller.offer(
        "An article, again",
        Amount::new(7, USD),
        None,
        w.now,
        &mut w.rng,
    );
    let spent = w
        .seller
        .receipts
        .values()
        .last()
        .context("a receipt")?
        .clone();
    let replay = Payment {
        payment: request.payment,
        purse,
        halves: spent
            .sessions
            .iter()
            .filter_map(|s| {
                Some(halfpenny::split::TokenShare {
                    session: *s,
                    share: p.halves.get(s)?.share.clone(),
                })
            })
            .collect(),
    };
    match w.seller.take_payment(&replay, w.now, &mut w.rng) {
        Err(e) => println!("   Refused on the spot: {e}."),
        Ok(_) => return Err(anyhow!("a double spend was accepted")),
    }

    println!("\n5. The seller redeems his tokens at the bank.");
    let result = w.seller.redeem(&mut w.bank, w.now, &mut w.rng)?;
    println!(
        "   Credited {}.",
        result
            .credited
            .first()
            .map_or("nothing".into(), |a| a.to_string())
    );
    books(&w, "redemption")?;

    println!("\n6. One more article (25c), then she asks for the rest back.");
    let request = w.seller.offer(
        "Weekend edition",
        Amount::new(25, USD),
        None,
        w.now,
        &mut w.rng,
    );
    let prepared = w.buyer.pay(&request, w.now)?;
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)?;
    w.buyer.settle(&receipt)?;
    w.advance(3_600);
    w.buyer.refund(purse, &mut w.bank, w.now, &mut w.rng)?;
    println!(
        "   The bank asks the seller to hand in everything he holds of this purse first (deadline 72 h)."
    );
    for r in w.seller.answer_returns(&mut w.bank, w.now, &mut w.rng)? {
        let refused = r
            .lines
            .iter()
            .filter(|l| matches!(l.outcome, Outcome::Refused(_)))
            .count();
        println!(
            "   Settled: seller credited {}, buyer refunded {} ({refused} refused).",
            r.seller_credited, r.buyer_refunded
        );
    }
    w.buyer.collect_results(&mut w.bank, w.now, &mut w.rng)?;
    books(&w, "the refund")?;
    println!(
        "\nEvery token was paid exactly once, and the books balance. Run ./test to see all of it proved."
    );
    Ok(())
}
