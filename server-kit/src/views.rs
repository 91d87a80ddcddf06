//! JSON views both servers' APIs show alike: the bank API's amount view.

pub use halfpenny_bank_api::AmountView;
