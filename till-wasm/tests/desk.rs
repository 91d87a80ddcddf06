//! The desk against the in-memory bank of `halfpenny-sim`: a purse is
//! forwarded, payments are taken off-line (a replay under a new request is
//! refused, the same payment again gets its first receipt), the takings are
//! redeemed once, and a return request hands the rest of the purse back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::messages::Payment;
use halfpenny::till::{TillError, VerifyPolicy};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, Currency, SessionSerial, testing};
use halfpenny_sim::World;
use halfpenny_till_store::{MemoryTillStore, TillStore};
use till_wasm::desk::{DeskError, TillDesk, price, refusal_for_buyer, sentence};

fn usd(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

async fn desk(world: &World) -> TillDesk<MemoryTillStore> {
    TillDesk::create_with(
        MemoryTillStore::new(),
        &testing::key(testing::SELLER_SIGNING),
        &testing::key(testing::SELLER_SEALING),
        "http://127.0.0.1:8700".into(),
        world.bank.bank.public(),
        world.now,
    )
    .await
    .unwrap()
}

/// A purse of ten one-cent coins for the desk's seller, in the buyer's hands.
async fn purse(world: &mut World, desk: &TillDesk<MemoryTillStore>) {
    world.bank.fund(world.buyer.id(), usd(100)).unwrap();
    let fwd = world
        .buyer
        .ask_purse(
            desk.seller(),
            Currency::USD,
            &[(1, 10)],
            vec![],
            world.now,
            &mut world.rng,
        )
        .unwrap();
    let fwd = desk.purse_request(&fwd.to_text()).unwrap();
    let response = world
        .bank
        .mint(&fwd, desk.seller(), world.now, &mut world.rng)
        .unwrap();
    let forwarded = desk.receive(&response, world.now).await.unwrap();
    assert_eq!(forwarded.value, Some(usd(10)));
    world
        .buyer
        .store(&forwarded.buyer_purse, world.now)
        .unwrap();
}

#[test]
fn a_day_at_the_till() {
    pollster::block_on(async {
        let mut world = World::new(4).unwrap();
        let desk = desk(&world).await;
        purse(&mut world, &desk).await;
        desk.set_verify(VerifyPolicy::Sample { one_in: 10 });

        // Three payments, each taken with no bank.
        let mut first = None;
        for (item, cents) in [
            ("newspaper", "0.02"),
            ("coffee", "0.01"),
            ("parking", "0.03"),
        ] {
            let request = desk
                .offer(
                    item,
                    price(cents, Currency::USD).unwrap(),
                    world.now,
                    &mut world.rng,
                )
                .await
                .unwrap();
            let request =
                halfpenny::messages::PaymentRequest::from_text(&request.to_text()).unwrap();
            let prepared = world.buyer.pay(&request, world.now).unwrap();
            let text = prepared.payment.to_text();
            let receipt = desk.take(&text, world.now, &mut world.rng).await.unwrap();
            assert_eq!((receipt.item.as_str(), receipt.paid), (item, request.price));
            world.buyer.settle(&receipt).unwrap();
            first.get_or_insert((prepared.payment, receipt));
        }
        let (payment, receipt) = first.unwrap();
        assert_eq!(desk.takings().await.unwrap(), vec![usd(6)]);

        // The same code again: the first receipt, nothing taken twice.
        world.advance(60);
        assert_eq!(
            desk.take(&payment.to_text(), world.now, &mut world.rng)
                .await,
            Ok(receipt.clone())
        );
        // Its halves under a new request: refused as already spent.
        let again = desk
            .offer("newspaper", usd(2), world.now, &mut world.rng)
            .await
            .unwrap();
        let replay = Payment {
            payment: again.payment,
            ..payment.clone()
        };
        let refused = desk
            .take(&replay.to_text(), world.now, &mut world.rng)
            .await
            .unwrap_err();
        // 2 cents in two 1-cent halves: both named, in order.
        let mut spent: Vec<SessionSerial> = payment.halves.iter().map(|i| i.session).collect();
        spent.sort_unstable();
        let [a, b] = spent[..] else {
            panic!("two halves: {spent:?}")
        };
        assert_eq!(
            refused,
            DeskError::Till(TillError::AlreadySpent(vec![a, b]))
        );
        let said = format!("Halves #{} and #{} were already spent.", a.0, b.0);
        assert_eq!(sentence(&refused), said);
        // What she copies back to her wallet: the pay protocol's `refused`.
        let back = refusal_for_buyer(&replay.to_text(), &refused).unwrap();
        let back: serde_json::Value = serde_json::from_str(&back).unwrap();
        assert_eq!(
            back,
            serde_json::json!({
                "halfpenny": 1,
                "type": "refused",
                "payment": again.payment.to_string(),
                "code": "double_spend",
                "message": said,
                "spent": [a.0, b.0],
            })
        );
        // Only a payment the till judged gets one.
        assert_eq!(
            refusal_for_buyer("hpp1.nonsense", &refused),
            None,
            "no payment to name"
        );
        assert_eq!(
            refusal_for_buyer(&replay.to_text(), &DeskError::UnknownRequest),
            None
        );
        let short = DeskError::Till(TillError::EmptyPayment);
        let back: serde_json::Value =
            serde_json::from_str(&refusal_for_buyer(&replay.to_text(), &short).unwrap()).unwrap();
        assert_eq!(
            (&back["code"], back.get("spent")),
            (&serde_json::json!("empty_payment"), None)
        );
        // Nonsense, and a payment for a request this till never made.
        assert!(matches!(
            desk.take("hpp1.nonsense", world.now, &mut world.rng).await,
            Err(DeskError::Text(_))
        ));
        let stranger = Payment {
            payment: halfpenny::Nonce([7; 16]),
            ..payment.clone()
        };
        assert_eq!(
            desk.take(&stranger.to_text(), world.now, &mut world.rng)
                .await,
            Err(DeskError::UnknownRequest)
        );
        let refusals = desk.refusals().await.unwrap();
        assert_eq!(
            refusals.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            vec!["unknown_request", "unknown_version", "double_spend"],
            "newest first"
        );
        assert_eq!(
            refusals[1].payment, None,
            "an unreadable payment names none"
        );
        assert_eq!(refusals[2].payment, Some(again.payment));
        assert_eq!(desk.takings().await.unwrap(), vec![usd(6)]);

        // The day's takings, redeemed once.
        let redemption = desk
            .redemption(world.now, &mut world.rng)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(redemption.value, vec![usd(6)]);
        let before = world.bank.balance(desk.seller(), Currency::USD);
        let result = world.bank.redeem(&redemption.letter, world.now).unwrap();
        assert_eq!(result.credited, vec![usd(6)]);
        assert_eq!(desk.redeemed(&redemption.payments).await, Ok(3));
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD) - before, 6);
        assert_eq!(desk.takings().await.unwrap(), vec![]);
        assert!(
            desk.redemption(world.now, &mut world.rng)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(desk.store().handed_in().await.unwrap().len(), 3);
        world.bank.check_books(Currency::USD).unwrap();
    });
}

#[test]
fn a_return_request_hands_the_purse_back() {
    pollster::block_on(async {
        let mut world = World::new(5).unwrap();
        let desk = desk(&world).await;
        purse(&mut world, &desk).await;
        let request = desk
            .offer("newspaper", usd(3), world.now, &mut world.rng)
            .await
            .unwrap();
        let prepared = world.buyer.pay(&request, world.now).unwrap();
        let receipt = desk
            .take(&prepared.payment.to_text(), world.now, &mut world.rng)
            .await
            .unwrap();
        world.buyer.settle(&receipt).unwrap();
        // She wants the other seven cents back.
        let id = receipt.purse;
        world
            .buyer
            .refund(id, &mut world.bank, world.now, &mut world.rng)
            .unwrap();
        let ask = desk.inbox_request(world.now, &mut world.rng).unwrap();
        let letters = world.bank.collect(&ask, world.now).unwrap();
        assert_eq!(letters.len(), 1);
        let answer = desk
            .answer_return(&letters[0], world.now, &mut world.rng)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer.payments, vec![prepared.payment.payment]);
        let result = world
            .bank
            .take_return(&answer.letter, world.now, &mut world.rng)
            .unwrap();
        assert_eq!(
            (result.seller_credited, result.buyer_refunded),
            (usd(3), usd(7))
        );
        desk.returned(&answer).await.unwrap();
        assert_eq!(desk.store().purses().await.unwrap(), vec![]);
        assert_eq!(desk.takings().await.unwrap(), vec![]);
        assert!(
            desk.answer_return(&letters[0], world.now, &mut world.rng)
                .await
                .unwrap()
                .is_none(),
            "a purse handed back is not handed back again"
        );
        world.bank.check_books(Currency::USD).unwrap();
    });
}
