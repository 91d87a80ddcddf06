//! What only the page says, for a payment the desk judged: the refusal
//! the buyer copies back to her wallet. The driver itself is tested in
//! `halfpenny-till`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::messages::Payment;
use halfpenny::till::TillError;
use halfpenny::wire::TextForm;
use halfpenny::{Amount, Currency, SessionSerial, testing};
use halfpenny_sim::World;
use halfpenny_till_store::MemoryTillStore;
use till_wasm::desk::{DeskError, TillDesk, refusal_for_buyer, sentence};

fn usd(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

#[test]
fn a_replay_gets_a_refusal_to_copy_back() {
    pollster::block_on(async {
        let mut world = World::new(4).unwrap();
        let desk = TillDesk::create_with(
            MemoryTillStore::new(),
            &testing::key(testing::SELLER_SIGNING),
            &testing::key(testing::SELLER_SEALING),
            "http://127.0.0.1:8700".into(),
            world.bank.bank.public(),
            world.now,
        )
        .await
        .unwrap();
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
        let response = world
            .bank
            .mint(&fwd, desk.seller(), world.now, &mut world.rng)
            .unwrap();
        let forwarded = desk.receive(&response, world.now).await.unwrap();
        world
            .buyer
            .store(&forwarded.buyer_purse, world.now)
            .unwrap();

        let request = desk
            .offer("newspaper", usd(2), world.now, &mut world.rng)
            .await
            .unwrap();
        let payment = world.buyer.pay(&request, world.now).unwrap().payment;
        desk.take(&payment.to_text(), world.now, &mut world.rng)
            .await
            .unwrap();
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
    });
}
