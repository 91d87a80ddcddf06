//! Her keys: saved once, found again by a new connection and still good for
//! the bank; never replaced by a second identity; never shown in a debug
//! line or an error.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use halfpenny::{Currency, Suite, testing};
use halfpenny_store::WalletStore;
use halfpenny_store::backup::Backup;
use halfpenny_store::conformance::join;

use super::{BANK_URL, Connect, PURSE, adopt, balances, buy, create, funded, reopen, usd};
use crate::{Keeper, KeeperError};

/// The identity made on one connection is saved whole; a new connection
/// loads the same public identity and bank, and the reloaded private keys
/// work: the bank accepts a purse request they sign, and they open the purse.
pub async fn an_identity_reloads_with_working_keys<C: Connect>(mut wallet: C) {
    let mut w = funded(21, Suite::Rsa2048Sha256);
    let buyer = testing::buyer_identity().public();
    assert!(
        Keeper::load(wallet.connect().await)
            .await
            .unwrap()
            .is_none(),
        "a new wallet has no identity"
    );
    let made = adopt(&w, wallet.connect().await).await;
    assert_eq!(made.public(), buyer);
    drop(made);

    let store = wallet.connect().await;
    let saved = store
        .identity()
        .await
        .unwrap()
        .expect("the identity is saved");
    let keys = saved.private_identity().expect("the saved keys read back");
    assert_eq!(keys.public(), buyer);
    assert_eq!(saved.bank, w.bank.bank.public());
    assert_eq!(saved.bank_url, BANK_URL);
    assert_eq!(saved.created_at, w.now);

    let k = Keeper::load(store)
        .await
        .unwrap()
        .expect("a new connection finds the identity");
    assert_eq!(k.public(), buyer);
    assert_eq!(k.bank(), &w.bank.bank.public());
    assert_eq!(k.bank_url(), BANK_URL);
    buy(&mut w, &k, PURSE).await;
    assert_eq!(balances(&k).await, (15, 0));
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85);
}

/// A wallet that has an identity refuses another, whether its keys are to be
/// made or given, and keeps everything as it was.
pub async fn a_second_identity_is_refused_and_changes_nothing<C: Connect>(mut wallet: C) {
    let mut w = funded(22, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &k, PURSE).await;
    let request = w.seller.offer("article", usd(6), None, w.now, &mut w.rng);
    k.pay(&request, w.now).await.unwrap();
    let store = k.store();
    let before = (
        store.identity().await.unwrap(),
        store.purses().await.unwrap(),
        store.events().await.unwrap(),
    );

    let made = Keeper::create(
        wallet.connect().await,
        "http://127.0.0.1:8701".into(),
        w.bank.bank.public(),
        w.now,
        &mut w.rng,
    )
    .await;
    assert_eq!(made.err(), Some(KeeperError::AlreadyCreated));
    let given = Keeper::create_with(
        wallet.connect().await,
        &testing::key(testing::OTHER_SIGNING),
        &testing::key(testing::OTHER_SEALING),
        "http://127.0.0.1:8701".into(),
        w.bank.bank.public(),
        w.now,
    )
    .await;
    assert_eq!(given.err(), Some(KeeperError::AlreadyCreated));

    let after = (
        store.identity().await.unwrap(),
        store.purses().await.unwrap(),
        store.events().await.unwrap(),
    );
    assert_eq!(after, before, "a refused identity changes nothing");
    let again = reopen(&mut wallet).await;
    assert_eq!(again.public(), testing::buyer_identity().public());
    assert_eq!(again.bank_url(), BANK_URL);
    assert_eq!(balances(&again).await, (9, 6));
}

/// Two tabs making an identity at the same moment: one is saved, the other
/// refused, and every connection then loads the one saved.
pub async fn two_tabs_creating_at_once_keep_one_identity<C: Connect>(mut wallet: C) {
    let w = funded(23, Suite::Rsa2048Sha256);
    let (tab_a, tab_b) = (wallet.connect().await, wallet.connect().await);
    let hers = (
        testing::key(testing::BUYER_SIGNING),
        testing::key(testing::BUYER_SEALING),
    );
    let others = (
        testing::key(testing::OTHER_SIGNING),
        testing::key(testing::OTHER_SEALING),
    );
    let bank = w.bank.bank.public();
    let (a, b) = join(
        Keeper::create_with(
            tab_a,
            &hers.0,
            &hers.1,
            BANK_URL.into(),
            bank.clone(),
            w.now,
        ),
        Keeper::create_with(tab_b, &others.0, &others.1, BANK_URL.into(), bank, w.now),
    )
    .await;
    let kept = match (a, b) {
        (Ok(k), Err(KeeperError::AlreadyCreated)) | (Err(KeeperError::AlreadyCreated), Ok(k)) => {
            k.public()
        }
        (a, b) => panic!("exactly one identity is made: {a:?} {b:?}"),
    };
    assert!(
        kept == testing::buyer_identity().public() || kept == testing::other_identity().public(),
        "the identity saved is one of the two made"
    );
    assert_eq!(reopen(&mut wallet).await.public(), kept);
}

/// Her private keys appear in no debug line of the keeper, its store or what
/// it saved, and in no error's text, in any of the forms bytes are printed in:
/// a list of numbers, hex, or base64.
pub async fn private_keys_never_show<C: Connect>(mut wallet: C) {
    let mut w = funded(24, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &k, PURSE).await;
    let saved = k.store().identity().await.unwrap().unwrap();
    let secrets = [&saved.signing_pkcs8[..], &saved.sealing_pkcs8[..]];

    let refused = create(&w, wallet.connect().await).await.unwrap_err();
    let mut shown = vec![
        format!("{k:?}"),
        format!("{:?}", k.store()),
        format!("{:?}", reopen(&mut wallet).await),
        format!("{saved:?}"),
        format!("{refused} {refused:?}"),
    ];

    // Keys saved damaged (the signing key cut short) are refused unread.
    let mut damaged = saved.clone();
    let cut = damaged.signing_pkcs8.len() - 20;
    damaged.signing_pkcs8.truncate(cut);
    let store = wallet.connect().await;
    let only_keys = Backup {
        identity: damaged.clone(),
        purses: vec![],
        events: vec![],
        refunds: vec![],
        orders: vec![],
    };
    store.replace(&only_keys).await.unwrap();
    let unread = Keeper::load(store).await.unwrap_err();
    assert_eq!(unread, KeeperError::BadSavedKeys);
    shown.push(format!("{unread} {unread:?} {damaged:?}"));

    for text in &shown {
        for secret in secrets {
            assert_hidden(text, secret);
        }
    }
}

/// Panics if `text` holds a run of the private part of `der` (an RSA PKCS#8
/// key of about 1,218 bytes: the modulus, which is public, comes first).
fn assert_hidden(text: &str, der: &[u8]) {
    assert!(der.len() > 1_000, "an RSA-2048 key: {} bytes", der.len());
    let end = der.len() - 3;
    for run in [&der[600..648], &der[end - 48..end]] {
        let list = format!("{run:?}");
        let mut forms = vec![
            list.trim_matches(['[', ']']).to_owned(),
            hex(run),
            hex(run).to_uppercase(),
        ];
        // Base64 is read in 3-byte groups: one of three offsets lines up
        // with whatever the run was printed as part of.
        for skip in 0..3 {
            let aligned = &run[skip..skip + 45];
            forms.push(STANDARD_NO_PAD.encode(aligned));
            forms.push(URL_SAFE_NO_PAD.encode(aligned));
        }
        for form in forms {
            assert!(!text.contains(&form), "a private key shows in: {text:.200}");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_printed_in_any_form_is_found() {
        let der = testing::BUYER_SIGNING;
        let mut printed = vec![format!("{der:?}"), hex(der), hex(der).to_uppercase()];
        // Printed after 0, 1 or 2 other bytes, as in a record that holds it.
        for before in 0..3 {
            let record: Vec<u8> = [&[7u8; 2][..before], der].concat();
            printed.push(STANDARD_NO_PAD.encode(&record));
            printed.push(URL_SAFE_NO_PAD.encode(&record));
        }
        for text in printed {
            let found = std::panic::catch_unwind(|| assert_hidden(&text, der));
            assert!(found.is_err(), "not found in: {text:.80}");
        }
        assert_hidden(&format!("{:?}", testing::buyer_identity()), der);
    }
}
