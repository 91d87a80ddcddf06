//! Every cent in one named state, whatever happens: random sequences of her
//! operations (buying purses, paying, refunding, recovering, reloading the
//! page), with at every step a message lost, an answer lost, a message
//! delivered twice or the other side down, through the flows against the
//! simulation. After each step:
//!
//! - her states add up to exactly the purses in her store plus the orders
//!   still pending: nothing counted twice, nothing left out;
//! - with the bank: her balance plus every state that left it (all but
//!   `refunded`, which is back in it), less the orders the bank never saw,
//!   is exactly what she was funded;
//! - with the seller: what she counts spent, plus her pending payments he
//!   took, is exactly what his receipts say he took.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::rc::Rc;

use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::messages::{Denomination, Outcome, PurseRequest};
use halfpenny::wallet::{HalfState, Wallet};
use halfpenny::{Amount, Currency, KeyId, Suite, testing};
use halfpenny_sim::World;
use halfpenny_store::MemoryStore;
use halfpenny_wallet::flows::{self, FlowError};
use halfpenny_wallet::scenarios::links::{Faults, SharedWorld, SimBank, SimSeller};
use halfpenny_wallet::{Keeper, Money};
use pollster::block_on;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const FUNDED: u64 = 200;

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    LoseMessage,
    LoseAnswer,
    Twice,
    Down,
}

impl Fault {
    fn faults(self) -> Faults {
        let mut f = Faults::default();
        match self {
            Fault::None => {}
            Fault::LoseMessage => f.lose_message = 1,
            Fault::LoseAnswer => f.lose_answer = 1,
            Fault::Twice => f.duplicate = 1,
            Fault::Down => f.down = true,
        }
        f
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// A purse of `count` coins of `coin` cents.
    Buy {
        coin: u64,
        count: u32,
        fault: Fault,
    },
    Pay {
        price: u64,
        fault: Fault,
    },
    /// Refunds the unspent halves of her `n`-th purse.
    Refund {
        n: usize,
        fault: Fault,
    },
    /// The page opens again: pending orders and payments through the
    /// seller, refunds and orders with the bank.
    Recover {
        seller: Fault,
        bank: Fault,
    },
    /// The seller answers the bank's return requests.
    SellerAnswers,
    /// The page is closed and opened again.
    Reload,
    /// Time passes.
    Wait {
        secs: u64,
    },
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::None),
        1 => Just(Fault::LoseMessage),
        1 => Just(Fault::LoseAnswer),
        1 => Just(Fault::Twice),
        1 => Just(Fault::Down),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (prop::sample::select(vec![1u64, 2, 5]), 1u32..6, fault())
            .prop_map(|(coin, count, fault)| Step::Buy { coin, count, fault }),
        4 => (1u64..8, fault()).prop_map(|(price, fault)| Step::Pay { price, fault }),
        1 => (0usize..3, fault()).prop_map(|(n, fault)| Step::Refund { n, fault }),
        2 => (fault(), fault()).prop_map(|(seller, bank)| Step::Recover { seller, bank }),
        1 => Just(Step::SellerAnswers),
        1 => Just(Step::Reload),
        1 => prop::sample::select(vec![30u64, 800, 3 * 86_400])
            .prop_map(|secs| Step::Wait { secs }),
    ]
}

struct Run {
    world: SharedWorld,
    seller: SimSeller,
    bank: SimBank,
    rng: ChaCha20Rng,
    store: &'static MemoryStore,
    keeper: Keeper<&'static MemoryStore>,
    items: u32,
}

fn cents(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut w = World::with_suite(seed, Suite::Ed25519).unwrap();
        w.bank.fund(w.buyer.id(), cents(FUNDED)).unwrap();
        // One small store per case, kept for the test's life.
        let store: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
        let keeper = block_on(Keeper::create_with(
            store,
            &testing::key(testing::BUYER_SIGNING),
            &testing::key(testing::BUYER_SEALING),
            "http://127.0.0.1:8700".into(),
            w.bank.bank.public(),
            w.now,
        ))
        .unwrap();
        let world = Rc::new(RefCell::new(w));
        Self {
            seller: SimSeller {
                world: world.clone(),
                faults: Faults::default(),
            },
            bank: SimBank {
                world: world.clone(),
                faults: Faults::default(),
            },
            world,
            rng: ChaCha20Rng::seed_from_u64(seed),
            store,
            keeper,
            items: 0,
        }
    }

    fn seller_id(&self) -> KeyId {
        self.world.borrow().seller.id()
    }

    fn now(&self) -> halfpenny::Timestamp {
        self.world.borrow().now
    }

    /// Runs one step. What a step returns is not judged here (a lost
    /// message is an error she is shown); the states are, after it.
    fn run(&mut self, step: &Step) {
        let now = self.now();
        match *step {
            Step::Buy { coin, count, fault } => {
                self.seller.faults = fault.faults();
                let body = PurseRequest {
                    seller: self.seller_id(),
                    currency: Currency::USD,
                    money: Denomination::list(&[(coin, count)]),
                    authorizations: vec![],
                    suite: None,
                };
                let bought = block_on(flows::buy_purse(
                    &self.keeper,
                    &mut self.seller,
                    &body,
                    now,
                    &mut self.rng,
                ));
                assert!(
                    !matches!(bought, Err(FlowError::Keeper(_))),
                    "her store refused a purse: {bought:?}"
                );
            }
            Step::Pay { price, fault } => {
                self.seller.faults = fault.faults();
                self.items += 1;
                let request = {
                    let w = &mut *self.world.borrow_mut();
                    let item = format!("item-{}", self.items);
                    w.seller.offer(&item, cents(price), None, w.now, &mut w.rng)
                };
                let _ = block_on(flows::pay(&self.keeper, &mut self.seller, &request, now));
            }
            Step::Refund { n, fault } => {
                self.bank.faults = fault.faults();
                let purses = block_on(self.keeper.summaries()).unwrap();
                if let Some(p) = purses.get(n) {
                    let _ = block_on(flows::refund(
                        &self.keeper,
                        &mut self.bank,
                        p.purse,
                        now,
                        &mut self.rng,
                    ));
                }
            }
            Step::Recover { seller, bank } => {
                self.seller.faults = seller.faults();
                self.bank.faults = bank.faults();
                let id = self.seller_id();
                let checked = block_on(flows::recover_orders(
                    &self.keeper,
                    Some((id, &mut self.seller)),
                    Some(&mut self.bank),
                    now,
                    &mut self.rng,
                ));
                assert!(!matches!(checked, Err(FlowError::Keeper(_))), "{checked:?}");
                let _ = block_on(flows::recover_payments(
                    &self.keeper,
                    &mut self.seller,
                    id,
                    now,
                ));
                let _ = block_on(flows::collect_refunds(
                    &self.keeper,
                    &mut self.bank,
                    now,
                    &mut self.rng,
                ));
            }
            Step::SellerAnswers => {
                let w = &mut *self.world.borrow_mut();
                w.seller
                    .answer_returns(&mut w.bank, w.now, &mut w.rng)
                    .unwrap();
            }
            Step::Reload => {
                self.keeper = block_on(Keeper::load(self.store))
                    .unwrap()
                    .expect("her wallet is saved");
            }
            Step::Wait { secs } => self.world.borrow_mut().advance(secs),
        }
    }

    /// Her money in dollars, after a step: the three checks of this file.
    fn check(&self, after: &Step) {
        let now = self.now();
        let money: Vec<Money> = block_on(self.keeper.money(now)).unwrap();
        assert!(money.len() <= 1, "one currency: {money:?}");
        let m = money.first().copied();
        let total = m.map_or(0, |m| m.total());

        // Nothing counted twice, nothing left out.
        let purses = block_on(self.keeper.summaries()).unwrap();
        let orders = block_on(self.keeper.orders_to_send()).unwrap();
        let held: u64 = block_on(halfpenny_store::WalletStore::purses(self.store))
            .unwrap()
            .iter()
            .flat_map(|p| p.halves.values())
            .filter_map(|h| h.kind.value())
            .map(|v| v.minor())
            .sum();
        let ordered: u64 = orders.iter().map(|o| o.value.minor()).sum();
        assert_eq!(total, held + ordered, "after {after:?}: {m:?}");

        let w = self.world.borrow();
        // With the bank.
        let unseen: u64 = orders
            .iter()
            .filter(|o| !w.bank.mint_answers.contains_key(&o.nonce))
            .map(|o| o.value.minor())
            .sum();
        // Refunds the bank paid whose result she has not read yet: still
        // `refunding` to her, already back in her balance.
        let wallet = Wallet::new(w.bank.bank.public(), &RustCrypto).unwrap();
        let me = testing::buyer_identity();
        let mut paid_unread = 0;
        for (to, sealed) in &w.bank.outbox {
            if *to != w.buyer.id() {
                continue;
            }
            let result = wallet.open_refund_result(&me, sealed, now).unwrap();
            let purse = block_on(halfpenny_store::WalletStore::purse(
                self.store,
                result.purse,
            ))
            .unwrap()
            .unwrap();
            for line in &result.lines {
                let waiting = purse.halves.get(&line.session).map(|h| &h.state)
                    == Some(&HalfState::Refunding);
                if let (true, Outcome::Credited(a)) = (waiting, &line.outcome) {
                    paid_unread += a.minor();
                }
            }
        }
        let left_bank = m.map_or(0, |m| total - m.refunded);
        let balance = u64::try_from(w.bank.balance(w.buyer.id(), Currency::USD)).unwrap();
        assert_eq!(
            balance + left_bank - unseen - paid_unread,
            FUNDED,
            "after {after:?}: balance {balance}, {m:?}, unseen {unseen}, paid unread {paid_unread}"
        );

        // With the seller.
        let taken_pending: u64 = purses
            .iter()
            .flat_map(|p| {
                let purse = block_on(halfpenny_store::WalletStore::purse(self.store, p.purse))
                    .unwrap()
                    .unwrap();
                p.pending_payments
                    .iter()
                    .filter(|n| w.seller.status(**n).is_some())
                    .map(|n| purse.pending_in(*n).minor())
                    .collect::<Vec<_>>()
            })
            .sum();
        let receipts: u64 = w.seller.receipts.values().map(|r| r.paid.minor()).sum();
        assert_eq!(
            m.map_or(0, |m| m.spent) + taken_pending,
            receipts,
            "after {after:?}: {m:?}"
        );
    }
}

/// Runs `steps`, checking after each, then recovers with everyone
/// reachable: nothing is left pending that the seller or the bank could
/// settle.
fn run_and_settle(seed: u64, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut run = Run::new(seed);
    for step in steps {
        run.run(step);
        run.check(step);
    }
    let end = Step::Recover {
        seller: Fault::None,
        bank: Fault::None,
    };
    run.run(&end);
    run.check(&end);
    let pending = block_on(run.keeper.pending()).unwrap();
    prop_assert!(pending.payments.is_empty(), "{pending:?}");
    prop_assert!(
        pending
            .orders
            .iter()
            .all(|o| run.now().0 < o.ordered_at.0 + 721),
        "only orders the bank may still take wait: {pending:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_cent_is_in_one_state_whatever_is_lost(
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        run_and_settle(seed, &steps)?;
    }
}

const NINE_DAYS: [Step; 3] = [
    Step::Wait { secs: 3 * 86_400 },
    Step::Wait { secs: 3 * 86_400 },
    Step::Wait { secs: 3 * 86_400 },
];

/// An order that never reached the bank, asked about 9 days later: the
/// bank's "never minted" is final, the order goes, nothing was debited.
#[test]
fn an_order_lost_on_the_way_is_dropped_however_late() {
    let lost = Step::Buy {
        coin: 1,
        count: 1,
        fault: Fault::LoseMessage,
    };
    run_and_settle(0, &[&[lost][..], &NINE_DAYS].concat()).unwrap();
}

/// A purse minted but its answer lost, asked about 9 days later: the
/// seller's resend brings a purse letter too old to take through him, so
/// it comes from the bank instead.
#[test]
fn a_purse_whose_answer_was_lost_comes_home_however_late() {
    let lost = Step::Buy {
        coin: 2,
        count: 3,
        fault: Fault::LoseAnswer,
    };
    run_and_settle(0, &[&[lost][..], &NINE_DAYS].concat()).unwrap();
}

/// A return request the seller reads 9 days late is past answering: he
/// skips it, and the bank settles her refund by the deadline rule.
#[test]
fn a_return_request_read_too_late_is_settled_by_the_deadline() {
    let steps = [
        &[
            Step::Buy {
                coin: 1,
                count: 1,
                fault: Fault::None,
            },
            Step::Refund {
                n: 0,
                fault: Fault::None,
            },
        ][..],
        &NINE_DAYS,
        &[Step::SellerAnswers],
    ]
    .concat();
    run_and_settle(0, &steps).unwrap();
}
