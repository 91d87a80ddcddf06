//! The till driver against the in-memory store and the in-memory bank of
//! `halfpenny-sim`, through a small `BankLink`: a purse is bought through
//! the till, payments are taken off-line (a replay under a new request is
//! refused, the same payment again gets its first receipt), the takings are
//! redeemed once, and a return request hands the rest of a purse back.
//! Every amount is checked against the bank's books.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{ForwardedPurseRequest, MintResponse, Payment, PaymentRequest};
use halfpenny::till::{TillError, VerifyPolicy};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, BankId, Currency, KeyId, SessionSerial, Timestamp, testing};
use halfpenny_sim::{BankHost, SimError, World};
use halfpenny_till::flows::{
    self, BankLink, FlowError, InboxLetter, LinkError, RETURN_REQUEST, Redeemed, ReturnsAnswered,
};
use halfpenny_till::{DeskError, TillDesk, price};
use halfpenny_till_store::{MemoryTillStore, TillStore};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn usd(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

/// What can go wrong on the way to the simulated bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Nothing reaches the bank.
    Down,
    /// The bank acts, but its answer is lost on the way back.
    LoseAnswer,
}

/// The till's `BankLink` to the simulation's bank, as the page's is to the
/// real one over `fetch`.
struct SimBank<'a> {
    bank: &'a mut BankHost,
    /// Who forwards purse requests (the bank checks it is her seller).
    seller: KeyId,
    now: Timestamp,
    rng: ChaCha20Rng,
    fault: Option<Fault>,
}

impl<'a> SimBank<'a> {
    fn new(bank: &'a mut BankHost, seller: KeyId, now: Timestamp) -> Self {
        Self {
            bank,
            seller,
            now,
            rng: ChaCha20Rng::seed_from_u64(99),
            fault: None,
        }
    }

    fn failing(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Runs `call` at the bank unless it is down; loses its answer if asked.
    fn send<T>(
        &mut self,
        call: impl FnOnce(&mut BankHost, Timestamp, &mut ChaCha20Rng) -> Result<T, SimError>,
    ) -> Result<T, LinkError> {
        if self.fault == Some(Fault::Down) {
            return Err(LinkError::NoAnswer("the bank is down".into()));
        }
        let answer =
            call(&mut *self.bank, self.now, &mut self.rng).map_err(|e| LinkError::Refused {
                code: e.code().into(),
                message: e.to_string(),
            })?;
        if self.fault == Some(Fault::LoseAnswer) {
            return Err(LinkError::NoAnswer("the answer was lost".into()));
        }
        Ok(answer)
    }
}

impl BankLink for SimBank<'_> {
    async fn mint(&mut self, request: &ForwardedPurseRequest) -> Result<MintResponse, LinkError> {
        let seller = self.seller;
        self.send(|bank, now, rng| bank.mint(request, seller, now, rng))
    }

    async fn redeem(&mut self, letter: &SealedBox) -> Result<Vec<Amount>, LinkError> {
        self.send(|bank, now, _| bank.redeem(letter, now).map(|r| r.credited))
    }

    async fn take_return(&mut self, letter: &SealedBox) -> Result<(), LinkError> {
        self.send(|bank, now, rng| bank.take_return(letter, now, rng).map(|_| ()))
    }

    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError> {
        // As the real bank: the letters stay in his inbox when read.
        let letters = self.send(|bank, now, _| bank.inbox(request, now))?;
        Ok(letters
            .into_iter()
            .map(|letter| InboxLetter {
                kind: kind_of(&letter),
                letter,
            })
            .collect())
    }
}

/// The kind of a letter to the seller, as the real bank names it in his
/// inbox. The simulation's inbox does not say, so the link reads it with
/// the seller's own key (the desk's, `testing::SELLER_SEALING`).
fn kind_of(sealed: &SealedBox) -> String {
    let me = testing::seller_identity();
    match letter::unseal(sealed, me.id(), me.sealing.as_ref()).map(|l| l.letter.kind) {
        Ok(LetterKind::ReturnRequest) => RETURN_REQUEST.into(),
        Ok(LetterKind::RefundResult) => "refund_result".into(),
        _ => "unknown".into(),
    }
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

/// Her purse request for ten one-cent coins from the desk's seller, as text.
fn purse_request(world: &mut World, desk: &TillDesk<MemoryTillStore>) -> String {
    world
        .buyer
        .ask_purse(
            desk.seller(),
            Currency::USD,
            &[(1, 10)],
            vec![],
            world.now,
            &mut world.rng,
        )
        .unwrap()
        .to_text()
}

/// A funded buyer buys a purse of ten one-cent coins through the till.
async fn buy_purse(world: &mut World, desk: &TillDesk<MemoryTillStore>) {
    world.bank.fund(world.buyer.id(), usd(100)).unwrap();
    let text = purse_request(world, desk);
    let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
    let forwarded = flows::forward_purse(desk, &mut bank, &text, world.now)
        .await
        .unwrap();
    assert_eq!(forwarded.value, Some(usd(10)));
    world
        .buyer
        .store(&forwarded.buyer_purse, world.now)
        .unwrap();
    assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 90);
    assert_eq!(desk.store().purses().await.unwrap().len(), 1);
}

/// She pays `request` and settles on the receipt; her payment.
async fn pay(
    world: &mut World,
    desk: &TillDesk<MemoryTillStore>,
    request: &PaymentRequest,
) -> Payment {
    let request = PaymentRequest::from_text(&request.to_text()).unwrap();
    let prepared = world.buyer.pay(&request, world.now).unwrap();
    let receipt = desk
        .take(&prepared.payment.to_text(), world.now, &mut world.rng)
        .await
        .unwrap();
    assert_eq!(
        (receipt.item.as_str(), receipt.paid, receipt.payment),
        (request.item.as_str(), request.price, request.payment)
    );
    world.buyer.settle(&receipt).unwrap();
    prepared.payment
}

#[test]
fn a_day_at_the_till() {
    pollster::block_on(async {
        let mut world = World::new(4).unwrap();
        let desk = desk(&world).await;
        buy_purse(&mut world, &desk).await;
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
            let payment = pay(&mut world, &desk, &request).await;
            first.get_or_insert(payment);
        }
        let payment = first.unwrap();
        assert_eq!(desk.takings().await.unwrap(), vec![usd(6)]);

        // The same code again: the first receipt, nothing taken twice.
        world.advance(60);
        let again = desk
            .take(&payment.to_text(), world.now, &mut world.rng)
            .await
            .unwrap();
        assert_eq!((again.payment, again.paid), (payment.payment, usd(2)));
        assert_eq!(desk.takings().await.unwrap(), vec![usd(6)]);

        // Its halves under a new request: refused as already spent, all of
        // them named, nothing consumed.
        let other = desk
            .offer("newspaper", usd(2), world.now, &mut world.rng)
            .await
            .unwrap();
        let replay = Payment {
            payment: other.payment,
            ..payment.clone()
        };
        let mut spent: Vec<SessionSerial> = payment.halves.iter().map(|i| i.session).collect();
        spent.sort_unstable();
        assert_eq!(spent.len(), 2, "2 cents in two 1-cent halves");
        assert_eq!(
            desk.take(&replay.to_text(), world.now, &mut world.rng)
                .await,
            Err(DeskError::Till(TillError::AlreadySpent(spent.clone())))
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
            refusals[2].message,
            format!(
                "Halves #{} and #{} were already spent.",
                spent[0].0, spent[1].0
            )
        );
        assert_eq!(refusals[2].payment, Some(other.payment));
        assert_eq!(
            refusals[1].payment, None,
            "an unreadable payment names none"
        );
        assert_eq!(desk.takings().await.unwrap(), vec![usd(6)]);

        // The day's takings, redeemed once.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        assert_eq!(
            flows::answer_returns(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(ReturnsAnswered::default())
        );
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(Some(Redeemed {
                credited: vec![usd(6)],
                payments: 3
            }))
        );
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(None),
            "nothing left to redeem"
        );
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD), 6);
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 90);
        assert_eq!(desk.takings().await.unwrap(), vec![]);
        assert_eq!(desk.store().handed_in().await.unwrap().len(), 3);
        world.bank.check_books(Currency::USD).unwrap();
    });
}

#[test]
fn purse_requests_the_bank_would_refuse_are_not_kept() {
    pollster::block_on(async {
        let mut world = World::new(6).unwrap();
        let desk = desk(&world).await;
        let text = purse_request(&mut world, &desk);
        let elsewhere = BankId::new("elsewhere").unwrap();
        let fwd = ForwardedPurseRequest {
            bank: elsewhere.clone(),
            ..ForwardedPurseRequest::from_text(&text).unwrap()
        };
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        assert_eq!(
            flows::forward_purse(&desk, &mut bank, &fwd.to_text(), world.now)
                .await
                .map(|f| f.value),
            Err(FlowError::Desk(DeskError::WrongBank(elsewhere)))
        );
        assert_eq!(desk.store().orders().await, Ok(vec![]), "not saved");
        // Hers, but she has no money at the bank: refused, nothing minted,
        // and the request is not kept to be sent again.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        let refused = flows::forward_purse(&desk, &mut bank, &text, world.now).await;
        assert!(
            matches!(&refused, Err(FlowError::Refused { code, .. }) if code == "insufficient_funds"),
            "{:?}",
            refused.map(|f| f.value)
        );
        assert_eq!(desk.store().orders().await, Ok(vec![]));
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 0);
        assert_eq!(desk.store().purses().await.unwrap(), vec![]);
    });
}

#[test]
fn lost_answers_lose_no_money() {
    pollster::block_on(async {
        let mut world = World::new(7).unwrap();
        let desk = desk(&world).await;
        world.bank.fund(world.buyer.id(), usd(100)).unwrap();
        let text = purse_request(&mut world, &desk);

        // The bank is down: nothing minted, nothing kept.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::Down);
        let down = flows::forward_purse(&desk, &mut bank, &text, world.now).await;
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::Down);
        let still_down = flows::resend_orders(&desk, &mut bank, world.now)
            .await
            .unwrap();
        assert_eq!((still_down.forwarded.len(), still_down.waiting), (0, 1));
        assert_eq!(
            down.map(|f| f.value),
            Err(FlowError::NoAnswer("the bank is down".into()))
        );
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 100);
        // It minted, but its answer was lost: she is debited, he holds nothing yet.
        let mut bank =
            SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::LoseAnswer);
        let lost = flows::forward_purse(&desk, &mut bank, &text, world.now).await;
        assert_eq!(
            lost.map(|f| f.value),
            Err(FlowError::NoAnswer("the answer was lost".into()))
        );
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 90);
        assert_eq!(desk.store().purses().await.unwrap(), vec![]);
        // Saved before it left, once, byte for byte.
        let fwd = ForwardedPurseRequest::from_text(&text).unwrap();
        assert_eq!(desk.store().orders().await, Ok(vec![fwd.clone()]));
        // Sent again: the bank's first answer, minted once.
        world.advance(30);
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        let resent = flows::resend_orders(&desk, &mut bank, world.now)
            .await
            .unwrap();
        assert_eq!((resent.refused, resent.waiting), (0, 0));
        let [forwarded] = &resent.forwarded[..] else {
            panic!("one purse: {resent:?}")
        };
        assert_eq!(forwarded.value, Some(usd(10)));
        assert_eq!(desk.store().orders().await, Ok(vec![]));
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        let resent = flows::resend_orders(&desk, &mut bank, world.now)
            .await
            .unwrap();
        assert_eq!(
            (resent.forwarded.len(), resent.refused, resent.waiting),
            (0, 0, 0),
            "nothing left to send"
        );
        world
            .buyer
            .store(&forwarded.buyer_purse, world.now)
            .unwrap();
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 90);

        let request = desk
            .offer("coffee", usd(4), world.now, &mut world.rng)
            .await
            .unwrap();
        pay(&mut world, &desk, &request).await;

        // Redemption with the bank down: nothing marked, nothing credited.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::Down);
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Err(FlowError::NoAnswer("the bank is down".into()))
        );
        assert_eq!(desk.takings().await.unwrap(), vec![usd(4)]);
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD), 0);
        // Credited, but the answer was lost: still not marked handed in.
        let mut bank =
            SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::LoseAnswer);
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Err(FlowError::NoAnswer("the answer was lost".into()))
        );
        assert_eq!(desk.takings().await.unwrap(), vec![usd(4)]);
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD), 4);
        // Sent again: the bank credits nothing twice, the tokens are handed in.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(Some(Redeemed {
                credited: vec![],
                payments: 1
            }))
        );
        assert_eq!(desk.takings().await.unwrap(), vec![]);
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD), 4);
        world.bank.check_books(Currency::USD).unwrap();
    });
}

#[test]
fn a_return_request_hands_the_purse_back() {
    pollster::block_on(async {
        let mut world = World::new(5).unwrap();
        let desk = desk(&world).await;
        buy_purse(&mut world, &desk).await;
        let request = desk
            .offer("newspaper", usd(3), world.now, &mut world.rng)
            .await
            .unwrap();
        let payment = pay(&mut world, &desk, &request).await;
        // She wants the other seven cents back.
        world
            .buyer
            .refund(payment.purse, &mut world.bank, world.now, &mut world.rng)
            .unwrap();
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 90);

        // The bank down: the request waits in his inbox.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now).failing(Fault::Down);
        assert_eq!(
            flows::answer_returns(&desk, &mut bank, world.now, &mut world.rng).await,
            Err(FlowError::NoAnswer("the bank is down".into()))
        );
        assert_eq!(desk.store().purses().await.unwrap().len(), 1);

        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        assert_eq!(
            flows::answer_returns(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(ReturnsAnswered {
                answered: 1,
                left: 0
            })
        );
        // His three cents credited with the return, her seven refunded.
        assert_eq!(world.bank.balance(desk.seller(), Currency::USD), 3);
        assert_eq!(world.bank.balance(world.buyer.id(), Currency::USD), 97);
        assert_eq!(desk.store().purses().await.unwrap(), vec![]);
        assert_eq!(desk.takings().await.unwrap(), vec![]);
        // The letter is still in his inbox: a purse handed back is not
        // handed back again, and there is nothing left to redeem.
        let mut bank = SimBank::new(&mut world.bank, desk.seller(), world.now);
        assert_eq!(
            flows::answer_returns(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(ReturnsAnswered::default())
        );
        assert_eq!(
            flows::redeem(&desk, &mut bank, world.now, &mut world.rng).await,
            Ok(None)
        );
        world.bank.check_books(Currency::USD).unwrap();
    });
}
