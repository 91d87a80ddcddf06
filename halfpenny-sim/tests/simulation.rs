//! Every flow of the patent, in one process, with exact balances after every step:
//! purse request through the seller, purchases, replays, forgeries,
//! redemption, refund with the seller's return, the deadline rule with a
//! chargeback, authorization tokens and lost replies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::bank::BankError;
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{
    AuthorizationOrder, InboxRequest, Outcome, Payment, Receipt, RefundRequest, Refusal, SettledBy,
};
use halfpenny::split::{Share, TokenShare};
use halfpenny::till::TillError;
use halfpenny::wallet::{HalfState, WalletError};
use halfpenny::{Amount, Assertion, Attribute, Currency, Date, PurseId, SessionSerial, Suite};
use halfpenny_sim::{SimError, World};
use rstest::rstest;

const USD: Currency = Currency::USD;

fn usd(m: u64) -> Amount {
    Amount::new(m, USD)
}

/// Buyer balance, seller balance, outstanding — after checking the books
/// balance and that only funding ever changed their total.
fn books(w: &World) -> (i128, i128, i128) {
    let outstanding = w.bank.check_books(USD).expect("books balance");
    assert_eq!(
        w.bank.ledger.funded(USD),
        1_000,
        "only the operator's funding moves the total"
    );
    (
        w.bank.balance(w.buyer.id(), USD),
        w.bank.balance(w.seller.id(), USD),
        outstanding,
    )
}

fn buy_purse(
    w: &mut World,
    money: &[(u64, u32)],
    auth: Vec<AuthorizationOrder>,
) -> Result<PurseId, SimError> {
    let fwd = w
        .buyer
        .ask_purse(w.seller.id(), USD, money, auth, w.now, &mut w.rng)?;
    let response = w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng)?;
    let hers = w.seller.receive(&response, w.now)?;
    w.buyer.store(&hers, w.now)
}

fn buy(w: &mut World, item: &str, price: u64) -> Result<Receipt, SimError> {
    let request = w.seller.offer(item, usd(price), None, w.now, &mut w.rng);
    let prepared = w.buyer.pay(&request, w.now)?;
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)?;
    w.buyer.settle(&receipt)?;
    Ok(receipt)
}

fn seller_halves(w: &World, purse: PurseId) -> usize {
    w.seller.purses.get(&purse).map_or(0, |p| p.halves.len())
}

#[rstest]
fn every_step_from_purse_to_chargeback_keeps_the_books_exact(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut w = World::with_suite(7, suite).unwrap();
    w.bank.fund(w.buyer.id(), usd(1_000)).unwrap();
    assert_eq!(books(&w), (1_000, 0, 0));
    let p1 = a_purse_is_minted_once_through_the_seller(&mut w);
    too_much_is_refused_and_nothing_moves(&mut w);
    let r3 = three_articles_are_paid_off_line(&mut w, p1);
    a_replay_or_a_resend_consumes_nothing_again(&mut w, p1, &r3);
    forged_and_short_payments_consume_nothing(&mut w, p1);
    the_seller_redeems_once(&mut w);
    a_lost_reply_and_a_lost_payment_are_recovered(&mut w, p1);
    a_refund_is_settled_by_the_sellers_return(&mut w, p1);
    the_deadline_settles_and_a_late_redemption_is_charged_back(&mut w);
    let p3 = a_purse_of_proofs_once_her_age_is_on_record(&mut w);
    a_proof_of_age_is_needed_and_used_once(&mut w, p3);
    let (plain, money) = a_proof_nobody_asked_for_is_refused(&mut w, p3);
    a_half_of_another_purse_is_no_good(&mut w, p1, p3, plain, money);
    the_authorization_token_is_consumed_not_paid(&mut w);
}

/// Fig. 2-6: a purse through the seller: 20 x 1c, 10 x 5c, 4 x 25c = 170c.
fn a_purse_is_minted_once_through_the_seller(w: &mut World) -> PurseId {
    let fwd = w
        .buyer
        .ask_purse(
            w.seller.id(),
            USD,
            &[(1, 20), (5, 10), (25, 4)],
            vec![],
            w.now,
            &mut w.rng,
        )
        .unwrap();
    let wrong_forwarder = w.bank.mint(&fwd, w.buyer.id(), w.now, &mut w.rng);
    assert_eq!(
        wrong_forwarder.unwrap_err(),
        SimError::Bank(BankError::SellerMismatch)
    );
    let response = w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng).unwrap();
    assert_eq!(
        w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng),
        Ok(response.clone()),
        "a resent request gets its first answer and mints nothing more"
    );
    let hers = w.seller.receive(&response, w.now).unwrap();
    let p1 = w.buyer.store(&hers, w.now).unwrap();
    assert_eq!(books(w), (830, 0, 170));
    assert_eq!(w.buyer.purses[&p1].available(), usd(170));
    assert_eq!(w.seller.purses[&p1].unspent_value(), usd(170));
    assert_eq!(seller_halves(w, p1), 34);

    p1
}

/// Too much: refused, nothing moves.
fn too_much_is_refused_and_nothing_moves(w: &mut World) {
    let err = buy_purse(w, &[(100, 9)], vec![]).unwrap_err();
    assert_eq!(err.code(), "insufficient_funds");
    assert_eq!(books(w), (830, 0, 170));
}

/// Fig. 7-8: three articles.
fn three_articles_are_paid_off_line(w: &mut World, p1: PurseId) -> Receipt {
    let r1 = buy(w, "article-1", 1).unwrap();
    let r2 = buy(w, "article-2", 3).unwrap();
    let r3 = buy(w, "article-3", 7).unwrap();
    assert_eq!((r1.paid, r2.paid, r3.paid), (usd(1), usd(3), usd(7)));
    assert_eq!(
        (r2.sessions.len(), r3.sessions.len()),
        (3, 3),
        "exact, fewest tokens"
    );
    assert_eq!(w.buyer.purses[&p1].available(), usd(159));
    assert_eq!(w.seller.takings(), 11);
    assert_eq!(seller_halves(w, p1), 34 - 7);
    assert_eq!(books(w), (830, 0, 170), "purchases do not touch the bank");
    r3
}

/// A replay: the same halves under a new payment request.
fn a_replay_or_a_resend_consumes_nothing_again(w: &mut World, p1: PurseId, r3: &Receipt) {
    let again = w.seller.offer("article-4", usd(7), None, w.now, &mut w.rng);
    let replay = Payment {
        payment: again.payment,
        purse: p1,
        halves: r3
            .sessions
            .iter()
            .map(|s| TokenShare {
                session: *s,
                share: share_of(w, p1, *s),
            })
            .collect(),
    };
    let err = w
        .seller
        .take_payment(&replay, w.now, &mut w.rng)
        .unwrap_err();
    assert!(
        matches!(err, SimError::Till(TillError::AlreadySpent(_))),
        "{err:?}"
    );
    // The same payment sent twice: the first receipt, nothing consumed again.
    let resend = Payment {
        payment: r3.payment,
        purse: p1,
        halves: replay.halves.clone(),
    };
    assert_eq!(
        w.seller.take_payment(&resend, w.now, &mut w.rng).unwrap(),
        *r3
    );
    assert_eq!(seller_halves(w, p1), 27);
}

/// Forged and partly forged payments consume nothing.
fn forged_and_short_payments_consume_nothing(w: &mut World, p1: PurseId) {
    let good = *w.buyer.purses[&p1]
        .halves
        .iter()
        .find(|(_, h)| h.state == HalfState::Available && h.kind.value() == Some(usd(5)))
        .unwrap()
        .0;
    let other = *w.buyer.purses[&p1]
        .halves
        .iter()
        .find(|(s, h)| {
            **s != good && h.state == HalfState::Available && h.kind.value() == Some(usd(5))
        })
        .unwrap()
        .0;
    let forged = TokenShare {
        session: other,
        share: Share::from_bytes(vec![0x5a; share_of(w, p1, other).len()]),
    };
    let req = w
        .seller
        .offer("article-5", usd(10), None, w.now, &mut w.rng);
    let mixed = Payment {
        payment: req.payment,
        purse: p1,
        halves: vec![
            TokenShare {
                session: good,
                share: share_of(w, p1, good),
            },
            forged,
        ],
    };
    let err = w
        .seller
        .take_payment(&mixed, w.now, &mut w.rng)
        .unwrap_err();
    assert_eq!(err, SimError::Till(TillError::BadHalf(other)));
    let short = Payment {
        halves: vec![TokenShare {
            session: good,
            share: share_of(w, p1, good),
        }],
        ..mixed.clone()
    };
    assert_eq!(
        w.seller
            .take_payment(&short, w.now, &mut w.rng)
            .unwrap_err()
            .code(),
        "not_enough"
    );
    assert_eq!(seller_halves(w, p1), 27, "refused payments consume nothing");
    assert_eq!(w.seller.refused.len(), 3);
}

/// Fig. 9: the seller redeems 11c; a second time nothing.
fn the_seller_redeems_once(w: &mut World) {
    let res = w.seller.redeem(&mut w.bank, w.now, &mut w.rng).unwrap();
    assert_eq!(res.credited, vec![usd(11)]);
    assert_eq!(books(w), (830, 11, 159));
    let twice = w
        .seller
        .till
        .redemption(
            &w.seller.identity,
            replay_tokens(w, &res),
            w.now,
            &mut w.rng,
        )
        .unwrap();
    let res2 = w.bank.redeem(&twice, w.now).unwrap();
    assert!(res2.credited.is_empty());
    assert!(
        res2.lines
            .iter()
            .all(|l| l.outcome == Outcome::Refused(Refusal::AlreadyRedeemed))
    );
    assert_eq!(w.bank.redeem(&twice, w.now).unwrap_err(), SimError::Replay);
    assert_eq!(books(w), (830, 11, 159));
}

/// A lost reply: the till took the payment, the buyer never heard.
fn a_lost_reply_and_a_lost_payment_are_recovered(w: &mut World, p1: PurseId) {
    let req = w
        .seller
        .offer("article-6", usd(25), None, w.now, &mut w.rng);
    let prepared = w.buyer.pay(&req, w.now).unwrap();
    let _lost = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    assert_eq!(w.buyer.purses[&p1].pending(), usd(25));
    let retry = w
        .buyer
        .wallet
        .prepare_payment(&w.buyer.purses[&p1], &req, w.now)
        .unwrap();
    assert!(
        retry.retry && retry.payment == prepared.payment,
        "a retry resends the same halves"
    );
    w.buyer
        .recover(&prepared.payment, w.seller.status(req.payment))
        .unwrap();
    assert_eq!(
        (
            w.buyer.purses[&p1].pending(),
            w.buyer.purses[&p1].available()
        ),
        (usd(0), usd(134))
    );
    // And a payment that never arrived: the halves come back.
    let req = w.seller.offer("article-7", usd(5), None, w.now, &mut w.rng);
    let prepared = w.buyer.pay(&req, w.now).unwrap();
    assert_eq!(w.buyer.purses[&p1].available(), usd(129));
    w.buyer
        .recover(&prepared.payment, w.seller.status(req.payment))
        .unwrap();
    assert_eq!(w.buyer.purses[&p1].available(), usd(134));
}

/// Fig. 10: she refunds while the seller still holds an unredeemed 25c token.
fn a_refund_is_settled_by_the_sellers_return(w: &mut World, p1: PurseId) {
    w.advance(3_600);
    w.buyer.refund(p1, &mut w.bank, w.now, &mut w.rng).unwrap();
    assert_eq!(
        books(w),
        (830, 11, 159),
        "nothing moves until the seller answers"
    );
    // His inbox is read only by a fresh request signed by him: hers shows
    // her own (empty) inbox; a stale one or one of another kind is refused.
    let bank_identity = w.bank.bank.public().identity;
    macro_rules! ask {
        ($kind:expr, $signer:ident, $at:expr) => {
            letter::send(
                $kind,
                &InboxRequest { after: 0 },
                w.$signer.identity.signing.as_ref(),
                &bank_identity,
                $at,
                &mut w.rng,
            )
            .unwrap()
            .0
        };
    }
    let hers = ask!(LetterKind::InboxRequest, buyer, w.now);
    assert_eq!(w.bank.collect(&hers, w.now).unwrap(), vec![]);
    let stale = ask!(LetterKind::InboxRequest, seller, w.now.minus(3_600));
    let other_kind = ask!(LetterKind::StatementRequest, seller, w.now);
    assert_eq!(
        [stale, other_kind].map(|l| w.bank.collect(&l, w.now).unwrap_err().code()),
        ["message_expired", "wrong_message_kind"]
    );
    let results = w
        .seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        (
            results[0].settled_by,
            results[0].seller_credited,
            results[0].buyer_refunded
        ),
        (SettledBy::SellerReturn, usd(25), usd(134))
    );
    assert_eq!(books(w), (964, 36, 0));
    let hers = w
        .buyer
        .collect_results(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    assert_eq!(hers, results);
    assert!(
        w.buyer.purses[&p1]
            .halves
            .values()
            .all(|h| matches!(h.state, HalfState::Refunded | HalfState::Spent(_)))
    );
    assert_eq!(
        w.buyer
            .refund(p1, &mut w.bank, w.now, &mut w.rng)
            .unwrap_err(),
        SimError::Wallet(WalletError::NothingToRefund)
    );
    assert_eq!(
        w.bank.purses[&p1].state,
        halfpenny::bank::PurseState::Closed
    );
}

/// The deadline rule, with a cheating buyer and a seller who is away.
fn the_deadline_settles_and_a_late_redemption_is_charged_back(w: &mut World) {
    let p2 = buy_purse(w, &[(10, 5)], vec![]).unwrap();
    assert_eq!(books(w), (914, 36, 50));
    let spent = buy(w, "article-8", 10).unwrap();
    // She asks for all five back, the spent one included.
    let all = w.buyer.purses[&p2].shares(|_| true);
    let body = RefundRequest {
        purse: p2,
        halves: all,
    };
    let bank_public = w.bank.bank.public();
    let (sealed, _) = letter::send(
        LetterKind::Refund,
        &body,
        w.buyer.identity.signing.as_ref(),
        &bank_public.identity,
        w.now,
        &mut w.rng,
    )
    .unwrap();
    let case = w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    assert!(
        w.bank
            .sweep_deadlines(w.now.plus(71 * 3_600), &mut w.rng)
            .unwrap()
            .is_empty(),
        "not before the deadline"
    );
    w.advance(72 * 3_600);
    let settled = w.bank.sweep_deadlines(w.now, &mut w.rng).unwrap();
    assert_eq!(
        (
            settled.len(),
            settled[0].case,
            settled[0].settled_by,
            settled[0].buyer_refunded
        ),
        (1, case, SettledBy::Deadline, usd(50))
    );
    assert_eq!(
        books(w),
        (964, 36, 0),
        "her money is not frozen past the window"
    );
    // The seller comes back and redeems the token she spent: she pays him back.
    let res = w.seller.redeem(&mut w.bank, w.now, &mut w.rng).unwrap();
    assert_eq!(res.credited, vec![usd(10)]);
    assert_eq!(res.lines.len(), spent.sessions.len());
    assert_eq!(
        books(w),
        (954, 46, 0),
        "a buyer cannot take back what she spent"
    );
    let res = w
        .bank
        .redeem(
            &w.seller
                .till
                .redemption(
                    &w.seller.identity,
                    replay_tokens(w, &res),
                    w.now,
                    &mut w.rng,
                )
                .unwrap(),
            w.now,
        )
        .unwrap();
    assert!(
        res.credited.is_empty(),
        "and the token is still paid only once"
    );
    assert_eq!(books(w), (954, 46, 0));
}

/// Claim 9: authorization tokens. A purse of two proofs of age is minted
/// only once her date of birth is on record; returns it.
fn a_purse_of_proofs_once_her_age_is_on_record(w: &mut World) -> PurseId {
    let over18 = Assertion::parse("age>=18").unwrap();
    let order = || {
        vec![AuthorizationOrder {
            assertion: Assertion::parse("age>=18").unwrap(),
            count: 2,
        }]
    };
    let err = buy_purse(w, &[(1, 10)], order()).unwrap_err();
    assert_eq!(
        err,
        SimError::Bank(BankError::AssertionNotProven(over18.clone()))
    );
    w.bank
        .record_attribute(
            w.buyer.id(),
            Attribute::DateOfBirth(Date::new(2000, 1, 1).unwrap()),
        )
        .unwrap();
    let p3 = buy_purse(w, &[(1, 10)], order()).unwrap();
    assert_eq!(books(w), (944, 46, 10), "authorizations cost nothing");
    assert_eq!(w.buyer.purses[&p3].authorizations(&over18), 2);
    p3
}

/// A proof of age is needed where asked, used once, and proves no more
/// than it says.
fn a_proof_of_age_is_needed_and_used_once(w: &mut World, p3: PurseId) {
    let over18 = Assertion::parse("age>=18").unwrap();
    let req = w.seller.offer(
        "wine-review",
        usd(2),
        Some(over18.clone()),
        w.now,
        &mut w.rng,
    );
    let without = {
        let prepared = w
            .buyer
            .wallet
            .prepare_payment(&w.buyer.purses[&p3], &req, w.now)
            .unwrap();
        Payment {
            halves: prepared.payment.halves[..2].to_vec(),
            ..prepared.payment
        }
    };
    assert_eq!(
        w.seller
            .take_payment(&without, w.now, &mut w.rng)
            .unwrap_err(),
        SimError::Till(TillError::MissingAuthorization(over18.clone()))
    );
    let prepared = w.buyer.pay(&req, w.now).unwrap();
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    assert_eq!(
        (receipt.authorized.as_ref(), receipt.paid),
        (Some(&over18), usd(2))
    );
    w.buyer.settle(&receipt).unwrap();
    let reuse = w.seller.offer(
        "wine-review-2",
        usd(2),
        Some(over18.clone()),
        w.now,
        &mut w.rng,
    );
    let reused = Payment {
        payment: reuse.payment,
        ..prepared.payment.clone()
    };
    assert!(matches!(
        w.seller.take_payment(&reused, w.now, &mut w.rng),
        Err(SimError::Till(TillError::AlreadySpent(_)))
    ));
    let over21 = w.seller.offer(
        "spirits",
        usd(1),
        Some(Assertion::parse("age>=21").unwrap()),
        w.now,
        &mut w.rng,
    );
    assert_eq!(
        w.buyer.pay(&over21, w.now).unwrap_err().code(),
        "authorization_missing"
    );
}

/// No proof rides along where none was asked. Returns the plain offer and
/// a money half of the purse, for the next step.
fn a_proof_nobody_asked_for_is_refused(
    w: &mut World,
    p3: PurseId,
) -> (halfpenny::messages::PaymentRequest, SessionSerial) {
    let plain = w.seller.offer("article-9", usd(1), None, w.now, &mut w.rng);
    let auth_left = *w.buyer.purses[&p3]
        .halves
        .iter()
        .find(|(_, h)| h.state == HalfState::Available && h.kind.value().is_none())
        .unwrap()
        .0;
    let money = *w.buyer.purses[&p3]
        .halves
        .iter()
        .find(|(_, h)| h.state == HalfState::Available && h.kind.value().is_some())
        .unwrap()
        .0;
    let sneaky = Payment {
        payment: plain.payment,
        purse: p3,
        halves: [money, auth_left]
            .iter()
            .map(|s| TokenShare {
                session: *s,
                share: share_of(w, p3, *s),
            })
            .collect(),
    };
    assert_eq!(
        w.seller
            .take_payment(&sneaky, w.now, &mut w.rng)
            .unwrap_err(),
        SimError::Till(TillError::UnexpectedAuthorization)
    );
    (plain, money)
}

/// A half of another purse is no good here.
fn a_half_of_another_purse_is_no_good(
    w: &mut World,
    p1: PurseId,
    p3: PurseId,
    plain: halfpenny::messages::PaymentRequest,
    money: SessionSerial,
) {
    let cross = Payment {
        payment: plain.payment,
        purse: p1,
        halves: vec![TokenShare {
            session: money,
            share: share_of(w, p3, money),
        }],
    };
    assert!(w.seller.take_payment(&cross, w.now, &mut w.rng).is_err());
}

/// The seller redeems the 2c; the authorization token is consumed, not paid.
fn the_authorization_token_is_consumed_not_paid(w: &mut World) {
    let res = w.seller.redeem(&mut w.bank, w.now, &mut w.rng).unwrap();
    assert_eq!(res.credited, vec![usd(2)]);
    assert_eq!(books(w), (944, 48, 8));
    assert_eq!(
        w.bank
            .ledger
            .postings()
            .iter()
            .filter(|p| p.kind.code() == "chargeback")
            .count(),
        1
    );
}

/// Claim 1: a token split between three parties (say seller, buyer and an
/// escrow) comes back only when all three items are joined.
#[rstest]
fn a_token_split_three_ways_needs_all_three(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    use halfpenny::crypto::Backend;
    use halfpenny::crypto::rustcrypto::RustCrypto;
    use halfpenny::split::{join, split};
    use halfpenny::wire::{Decode, Encode};

    let mut w = World::with_suite(9, suite).unwrap();
    w.bank.fund(w.buyer.id(), usd(10)).unwrap();
    let p = buy_purse(&mut w, &[(5, 2)], vec![]).unwrap();
    buy(&mut w, "article", 5).unwrap();
    let token = w.seller.tokens[0].token.clone();
    assert_eq!(token.token.suite, suite);
    let bank_key = RustCrypto
        .verifying_key(w.bank.bank.public().token_keys.get(suite).unwrap())
        .unwrap();
    let items = split(&token.to_bytes(), 3, &mut w.rng).unwrap();
    let joined =
        halfpenny::SignedToken::from_bytes(&join(&[&items[2], &items[0], &items[1]]).unwrap())
            .unwrap();
    assert_eq!(joined, token);
    assert!(joined.verify(bank_key.as_ref()).is_ok());
    for pair in [[0, 1], [0, 2], [1, 2]] {
        let two = join(&[&items[pair[0]], &items[pair[1]]]).unwrap();
        assert!(
            halfpenny::SignedToken::from_bytes(&two).is_err(),
            "two items of three make no token"
        );
    }
    // The three-way split changed nothing at the bank: the token still redeems once.
    let res = w.seller.redeem(&mut w.bank, w.now, &mut w.rng).unwrap();
    assert_eq!(res.credited, vec![usd(5)]);
    assert_eq!(w.bank.purses[&p].tokens.len(), 2);
    w.bank.check_books(USD).unwrap();
}

/// The buyer's share of one session, as a cheat would keep a copy.
fn share_of(w: &World, purse: PurseId, s: SessionSerial) -> Share {
    w.buyer.purses[&purse].halves[&s].share.clone()
}

/// The joined tokens the seller was just paid for, to hand in again.
fn replay_tokens(
    w: &World,
    res: &halfpenny::messages::RedemptionResult,
) -> Vec<halfpenny::messages::SpentToken> {
    res.lines
        .iter()
        .filter_map(|l| {
            w.seller
                .handed_in
                .iter()
                .find(|t| t.purse == l.purse && t.session == l.session)
                .cloned()
        })
        .collect()
}
