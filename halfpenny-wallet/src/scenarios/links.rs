//! The flows' links over the simulation: [`SimSeller`] carries her messages
//! to the world's seller (through him to the bank, for a purse), and
//! [`SimBank`] to the world's bank, each with [`Faults`] a scenario sets:
//! a message lost on its way, an answer lost on its way back, a message
//! delivered twice, or the other side down.

use std::cell::RefCell;
use std::rc::Rc;

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, Payment};
use halfpenny::till::TillError;
use halfpenny::{CaseId, Nonce};
use halfpenny_sim::{SimError, World};
use halfpenny_store::Via;

use crate::flows::{BankLink, InboxLetter, LinkError, PaymentAnswer, SellerLink, StatusAnswer};

/// The world both links reach.
pub type SharedWorld = Rc<RefCell<World>>;

/// What goes wrong with the next messages; each count is used up one
/// message at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// The message never arrives.
    pub lose_message: u32,
    /// It arrives and is acted on; the answer never comes back.
    pub lose_answer: u32,
    /// It arrives twice (the first answer is the one that comes back).
    pub duplicate: u32,
    /// Nothing is reachable until this is set back to false.
    pub down: bool,
}

/// How one message fares.
enum Fate {
    Lost,
    AnswerLost,
    Twice,
    Fine,
}

impl Faults {
    fn next(&mut self) -> Fate {
        let take = |n: &mut u32| {
            let hit = *n > 0;
            *n = n.saturating_sub(1);
            hit
        };
        if self.down || take(&mut self.lose_message) {
            Fate::Lost
        } else if take(&mut self.lose_answer) {
            Fate::AnswerLost
        } else if take(&mut self.duplicate) {
            Fate::Twice
        } else {
            Fate::Fine
        }
    }
}

fn refused(e: &SimError) -> LinkError {
    LinkError::Refused {
        code: e.code().to_owned(),
        message: e.to_string(),
    }
}

fn lost() -> LinkError {
    LinkError::NoAnswer("lost on the way".into())
}

/// Runs `deliver` as `fate` says: not at all, once, or twice; its answer,
/// unless it is lost.
fn carry<T>(fate: Fate, mut deliver: impl FnMut() -> T) -> Option<T> {
    match fate {
        Fate::Lost => None,
        Fate::AnswerLost => {
            deliver();
            None
        }
        Fate::Twice => {
            let first = deliver();
            deliver();
            Some(first)
        }
        Fate::Fine => Some(deliver()),
    }
}

/// The world's seller, reached through his shop page.
#[derive(Debug)]
pub struct SimSeller {
    pub world: SharedWorld,
    pub faults: Faults,
}

impl SellerLink for SimSeller {
    async fn order_purse(
        &mut self,
        request: &ForwardedPurseRequest,
    ) -> Result<SealedBox, LinkError> {
        let world = &self.world;
        carry(self.faults.next(), || {
            let w = &mut *world.borrow_mut();
            let seller = w.seller.id();
            let response = w.bank.mint(request, seller, w.now, &mut w.rng)?;
            w.seller.receive(&response, w.now)
        })
        .ok_or_else(lost)?
        .map_err(|e| refused(&e))
    }

    async fn pay(&mut self, payment: &Payment) -> PaymentAnswer {
        let world = &self.world;
        let answer = carry(self.faults.next(), || {
            let w = &mut *world.borrow_mut();
            w.seller.take_payment(payment, w.now, &mut w.rng)
        });
        match answer {
            None => PaymentAnswer::Unknown,
            Some(Ok(receipt)) => PaymentAnswer::Receipt(receipt),
            Some(Err(e)) => PaymentAnswer::Refused {
                code: e.code().to_owned(),
                message: e.to_string(),
                spent: match e {
                    SimError::Till(TillError::AlreadySpent(s)) => s,
                    _ => vec![],
                },
            },
        }
    }

    async fn status(&mut self, payment: Nonce) -> StatusAnswer {
        let world = &self.world;
        match carry(self.faults.next(), || world.borrow().seller.status(payment)) {
            None => StatusAnswer::Unknown,
            Some(Some(receipt)) => StatusAnswer::Taken(receipt),
            // The simulated till judges at once: one it does not hold, it
            // never took.
            Some(None) => StatusAnswer::NotTaken,
        }
    }

    fn via(&self) -> Via {
        Via::ShopPage
    }
}

/// The world's bank.
#[derive(Debug)]
pub struct SimBank {
    pub world: SharedWorld,
    pub faults: Faults,
}

impl BankLink for SimBank {
    async fn refund(&mut self, letter: &SealedBox) -> Result<CaseId, LinkError> {
        let world = &self.world;
        carry(self.faults.next(), || {
            let w = &mut *world.borrow_mut();
            w.bank.refund(letter, w.now, &mut w.rng)
        })
        .ok_or_else(lost)?
        .map_err(|e| refused(&e))
    }

    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError> {
        let world = &self.world;
        let letters = carry(self.faults.next(), || {
            let w = &*world.borrow();
            w.bank.inbox(request, w.now)
        })
        .ok_or_else(lost)?
        .map_err(|e| refused(&e))?;
        // A buyer's only letters in the simulation are refund results.
        Ok(letters
            .into_iter()
            .map(|letter| InboxLetter {
                kind: "refund_result".into(),
                letter,
            })
            .collect())
    }

    async fn recover_purse(&mut self, request: &SealedBox) -> Result<Option<SealedBox>, LinkError> {
        let world = &self.world;
        carry(self.faults.next(), || {
            let w = &*world.borrow();
            w.bank.recover_purse(request, w.now)
        })
        .ok_or_else(lost)?
        .map_err(|e| refused(&e))
    }
}
