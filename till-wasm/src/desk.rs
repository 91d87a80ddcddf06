//! The desk: the seller's till driver, `halfpenny_till::TillDesk`, over
//! the page's IndexedDB store (tested natively in `halfpenny-till`), and
//! what only the page says: the refusal the buyer copies back to her
//! wallet, and errors as people read them.

use halfpenny::messages::Payment;
use halfpenny::till::TillError;
use halfpenny::wire::TextForm;
pub use halfpenny_till::{
    DeskError, Forwarded, OFFER_SECS, Redemption, ReturnAnswer, TillDesk, flows, price,
};

/// An error as people read it (the wallet's sentences too).
pub use halfpenny_web::sentence;

/// The refusal the buyer copies back to her wallet when the till judged
/// her payment and refused it (it consumed nothing): the pay protocol's
/// `refused` message (shop-widget/PROTOCOL.md) as one line of JSON, with
/// the payment's nonce, and for a `double_spend` every half already spent:
/// `{"halfpenny":1,"type":"refused","payment":"n_…","code":"double_spend",
/// "message":"Halves #3 and #7 were already spent.","spent":[3,7]}`.
/// `None` for anything else (a payment it could not read, or for a request
/// it never made, was not judged here).
pub fn refusal_for_buyer(payment: &str, e: &DeskError) -> Option<String> {
    let DeskError::Till(till) = e else {
        return None;
    };
    let nonce = Payment::from_text(payment.trim()).ok()?.payment;
    let mut message = serde_json::json!({
        "halfpenny": 1,
        "type": "refused",
        "payment": nonce.to_string(),
        "code": till.code(),
        "message": sentence(till),
    });
    if let (TillError::AlreadySpent(spent), Some(fields)) = (till, message.as_object_mut()) {
        let spent: Vec<u32> = spent.iter().map(|s| s.0).collect();
        fields.insert("spent".into(), spent.into());
    }
    Some(message.to_string())
}
