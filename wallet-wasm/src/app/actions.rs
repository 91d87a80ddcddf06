//! What the parts of the page do through the shared [`Page`]: read the
//! overview again, run work with a progress line, check a seller's ask,
//! and tell how a payment ended.

use halfpenny_web::{at_once, browser, in_background};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::sentences::{AppError, said};
use super::{Page, keep_storage};
use crate::courier::Link;
use crate::pay::{self, Checked, Outcome};
use crate::wallet::{self, BankCheck};

impl Page {
    /// Shows `e` on the error line, in words.
    pub fn fail(self, e: impl Into<AppError>) {
        self.error.set(Some(said(&e.into())));
    }

    /// Runs `work` after a repaint, with `message` on the progress line and
    /// its error, in words, on the error line.
    pub fn run(self, message: &str, work: impl Future<Output = Result<(), AppError>> + 'static) {
        in_background(self.busy, self.error, message, async move {
            work.await.map_err(|e| said(&e))
        });
    }

    /// As [`Page::run`], but starts at once (work that waits on the
    /// browser rather than computing).
    pub fn run_now(
        self,
        message: &str,
        work: impl Future<Output = Result<(), AppError>> + 'static,
    ) {
        at_once(self.busy, self.error, message, async move {
            work.await.map_err(|e| said(&e))
        });
    }

    /// Reads the overview again.
    pub fn read_overview(self, bank: BankCheck) {
        spawn_local(async move {
            let Some(k) = self.keeper.get_value() else {
                return;
            };
            match wallet::overview(&k, bank).await {
                Ok(o) => self.shown.set(Some(o)),
                Err(e) => self.fail(e),
            }
        })
    }

    /// Reads the overview again. The pay window asks the bank only when
    /// she presses "Check with the bank": paying contacts no one but the
    /// seller.
    pub fn refresh(self) {
        self.read_overview(if self.popup {
            BankCheck::Skip
        } else {
            BankCheck::Ask
        });
    }

    /// Asks the bank again: the overview records any refund it answered.
    pub fn check_with_bank(self) {
        self.read_overview(BankCheck::Ask);
    }

    /// Her wallet is there (found, made or restored): keep its storage,
    /// show it, and check what a seller asks.
    pub fn opened(self) {
        keep_storage(self.storage_kept);
        self.refresh();
        self.check_ask();
    }

    /// How a payment ended: paid (a shop's popup then closes), or unknown.
    pub fn show_outcome(self, outcome: Outcome, from_page: bool) {
        match outcome {
            Outcome::Paid(text) => {
                self.ask.set(None);
                self.paid.set(Some(text));
                if from_page {
                    browser::close_soon();
                }
            }
            Outcome::Unknown(text) => self.paid.set(Some(text)),
        }
    }

    /// Settles what a lost reply left pending with this seller, then sees
    /// whether she can pay it or needs a purse for it first, and pays at
    /// once if her allowance for this shop covers it.
    pub fn check_ask(self) {
        let (Some(k), Some(a)) = (self.keeper.get_value(), self.ask.get_untracked()) else {
            return;
        };
        let Some(mut l) = self.link.try_update_value(Option::take).flatten() else {
            return;
        };
        self.run_now("Checking with the shop…", async move {
            let checked = pay::check(&k, &mut l, &a).await;
            let from_page = matches!(l, Link::Page(_));
            self.link.set_value(Some(l));
            self.ask_checked.set(true);
            match checked? {
                Checked::PaidBefore => {
                    // An earlier payment for this very item went through (the
                    // button has unlocked it): she must not pay twice.
                    self.ask.set(None);
                    self.paid.set(Some(format!(
                        "Your earlier payment for {} went through.",
                        a.request.item
                    )));
                    self.refresh();
                    browser::close_soon();
                }
                Checked::NeedsPurse => self.needs_purse.set(true),
                Checked::CanPay => self.needs_purse.set(false),
                Checked::PaidFromAllowance(outcome) => {
                    self.refresh();
                    self.show_outcome(outcome, from_page);
                }
            }
            Ok(())
        });
    }
}
