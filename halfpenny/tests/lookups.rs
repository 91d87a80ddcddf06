//! The bodies of the signed lookups and of a seller's address change:
//! they round-trip, and a decoder refuses what it must.

use halfpenny::CaseId;
use halfpenny::letter::{Letter, LetterKind};
use halfpenny::messages::{
    AddressChange, CaseRequest, InboxRequest, MAX_ADDRESS_BYTES, PurseRecoveryRequest,
};
use halfpenny::wire::{Decode, Encode, WireError};
use halfpenny::{KeyId, Nonce, Timestamp};

#[test]
fn lookup_bodies_round_trip_exactly() {
    let inbox = InboxRequest { after: 41 };
    assert_eq!(inbox.to_bytes(), [1, 0, 0, 0, 0, 0, 0, 0, 41]);
    assert_eq!(InboxRequest::from_bytes(&inbox.to_bytes()), Ok(inbox));

    let case = CaseRequest {
        case: CaseId([7; 16]),
    };
    let mut expected = vec![1];
    expected.extend_from_slice(&[7; 16]);
    assert_eq!(case.to_bytes(), expected);
    assert_eq!(CaseRequest::from_bytes(&case.to_bytes()), Ok(case));

    let recovery = PurseRecoveryRequest {
        request: Nonce([9; 16]),
    };
    let mut expected = vec![1];
    expected.extend_from_slice(&[9; 16]);
    assert_eq!(recovery.to_bytes(), expected);
    assert_eq!(
        PurseRecoveryRequest::from_bytes(&recovery.to_bytes()),
        Ok(recovery)
    );
    // Another version, or a nonce cut short, is refused.
    let mut v2 = vec![2];
    v2.extend_from_slice(&[9; 16]);
    assert_eq!(
        PurseRecoveryRequest::from_bytes(&v2),
        Err(WireError::UnknownVersion(2))
    );
    assert!(PurseRecoveryRequest::from_bytes(&[1; 9]).is_err());

    for address in [None, Some("https://shop.example/notices".to_owned())] {
        let change = AddressChange { address };
        assert_eq!(AddressChange::from_bytes(&change.to_bytes()), Ok(change));
    }
}

#[test]
fn an_address_longer_than_512_bytes_or_not_utf8_is_refused() {
    let longest = AddressChange {
        address: Some("a".repeat(MAX_ADDRESS_BYTES)),
    };
    assert_eq!(
        AddressChange::from_bytes(&longest.to_bytes()),
        Ok(longest.clone())
    );

    let too_long = AddressChange {
        address: Some("a".repeat(MAX_ADDRESS_BYTES + 1)),
    };
    assert_eq!(
        AddressChange::from_bytes(&too_long.to_bytes()),
        Err(WireError::TooLong {
            field: "address",
            len: 513,
            max: 512
        })
    );

    // Version 1, "some", two bytes that are not UTF-8.
    let bytes = [1, 1, 0, 2, 0xff, 0xfe];
    assert_eq!(
        AddressChange::from_bytes(&bytes),
        Err(WireError::Invalid("address"))
    );
    // Version 1, a flag that is neither 0 nor 1.
    assert_eq!(
        AddressChange::from_bytes(&[1, 2]),
        Err(WireError::UnknownTag {
            field: "address",
            tag: 2
        })
    );
}

#[test]
fn the_new_letter_kinds_are_11_to_14_and_decode() {
    for (kind, tag) in [
        (LetterKind::InboxRequest, 11u8),
        (LetterKind::CaseRequest, 12),
        (LetterKind::AddressChange, 13),
        (LetterKind::PurseRecovery, 14),
    ] {
        assert_eq!(kind as u8, tag);
        let letter = Letter {
            kind,
            sender: KeyId([1; 32]),
            recipient: KeyId([2; 32]),
            nonce: Nonce([3; 16]),
            created_at: Timestamp(1_000),
            body: vec![],
        };
        assert_eq!(Letter::from_bytes(&letter.to_bytes()), Ok(letter));
    }
}
