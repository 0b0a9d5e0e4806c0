//! Every field of every encoding: the identity, non-canonical points and scalars, wrong
//! versions, truncation and trailing bytes are refused.

use probity_credentials::{
    issuance, Credential, DecodeError, IssuerPublicParams, IssuerSecretKey, Presentation,
    SealedTip, TipPublicKey, TipSecretKey,
};

use crate::{context, World};

/// p = 2^255 − 19, little-endian.
const FIELD_P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
const GROUP_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0);
    out
}

fn sub_le(a: &[u8; 32], b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in 0..32 {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        out[i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    assert_eq!(borrow, 0);
    out
}

/// Bad variants of the 32-byte point at `at`, each with the error it must give.
fn bad_points(bytes: &[u8], at: usize) -> Vec<(Vec<u8>, DecodeError)> {
    let point = &bytes[at..at + 32];
    let mut variants = Vec::new();
    let mut with = |replacement: [u8; 32], err| {
        let mut b = bytes.to_vec();
        b[at..at + 32].copy_from_slice(&replacement);
        variants.push((b, err));
    };
    with([0; 32], DecodeError::IdentityPoint);
    // The same point's field element, negated: the "negative" root, which Ristretto refuses.
    with(sub_le(&FIELD_P, point), DecodeError::InvalidPoint);
    // Bit 255 set: outside the 255-bit field encoding.
    let mut high = [0u8; 32];
    high.copy_from_slice(point);
    high[31] |= 0x80;
    with(high, DecodeError::InvalidPoint);
    // Not a point at all.
    let mut junk = [0u8; 32];
    junk[0] = 1;
    with(junk, DecodeError::InvalidPoint);
    variants
}

fn bad_scalars(bytes: &[u8], at: usize) -> Vec<(Vec<u8>, DecodeError)> {
    let scalar = &bytes[at..at + 32];
    [add_le(scalar, &GROUP_ORDER), [0xff; 32], GROUP_ORDER]
        .into_iter()
        .map(|replacement| {
            let mut b = bytes.to_vec();
            b[at..at + 32].copy_from_slice(&replacement);
            (b, DecodeError::NonCanonicalScalar)
        })
        .collect()
}

fn framing(bytes: &[u8]) -> Vec<(Vec<u8>, DecodeError)> {
    let mut wrong_version = bytes.to_vec();
    wrong_version[0] = 2;
    let mut trailing = bytes.to_vec();
    trailing.push(0);
    vec![
        (wrong_version, DecodeError::UnsupportedVersion(2)),
        (trailing, DecodeError::TrailingBytes),
        (bytes[..bytes.len() - 1].to_vec(), DecodeError::Truncated),
        (vec![], DecodeError::Truncated),
    ]
}

/// Framing cases for an encoding whose last field runs to the end (a sealed tip's
/// ciphertext): a shorter or longer ciphertext is well-formed, and fails to open instead.
fn framing_open_ended(bytes: &[u8]) -> Vec<(Vec<u8>, DecodeError)> {
    let mut wrong_version = bytes.to_vec();
    wrong_version[0] = 2;
    vec![
        (wrong_version, DecodeError::UnsupportedVersion(2)),
        (bytes[..1 + 32 + 15].to_vec(), DecodeError::Length),
        (bytes[..20].to_vec(), DecodeError::Truncated),
        (vec![], DecodeError::Truncated),
    ]
}

fn check<T: std::fmt::Debug>(
    name: &str,
    decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
    good: &[u8],
    points: &[usize],
    scalars: &[usize],
) {
    decode(good).expect("the honest encoding decodes");
    let mut cases = if name == "sealed tip" {
        framing_open_ended(good)
    } else {
        framing(good)
    };
    for &at in points {
        cases.extend(bad_points(good, at));
    }
    for &at in scalars {
        cases.extend(bad_scalars(good, at));
    }
    for (i, (bytes, want)) in cases.into_iter().enumerate() {
        let got = decode(&bytes).expect_err("malformed encoding must be refused");
        assert_eq!(got, want, "{name}: case {i}");
    }
}

fn offsets(start: usize, n: usize) -> Vec<usize> {
    (0..n).map(|i| start + 32 * i).collect()
}

#[test]
fn every_field_of_every_encoding() {
    let mut w = World::new(20);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, request, response) = w.enroll(20);
    let ctx = context("GOV-0001", 5);
    let (sealed, presentation) = w.tip(&credential, &supervisors, &ctx, "x");

    let params = w.issuer.public_params().to_bytes();
    check(
        "params",
        IssuerPublicParams::from_bytes,
        &params,
        &offsets(1, 4),
        &[],
    );

    let sk = w.issuer.secret_key().to_bytes();
    check(
        "secret key",
        IssuerSecretKey::from_bytes,
        &sk,
        &[],
        &offsets(1, 5),
    );

    // version || code (20) || expiry (8) || len || "CN-BJ" || D || E1 || E2 || challenge ||
    // 3 responses
    let request_head = 1 + 20 + 8 + 1 + 5;
    check(
        "request",
        issuance::Request::from_bytes,
        &request,
        &offsets(request_head, 3),
        &offsets(request_head + 96, 4),
    );

    // version || expiry (8) || len || "CN-BJ" || P || EQ1 || EQ2 || T1 || challenge || 8
    let head = 1 + 8 + 1 + 5;
    check(
        "response",
        issuance::Response::from_bytes,
        &response,
        &offsets(head, 4),
        &offsets(head + 128, 9),
    );

    // version || k || expiry || len || scope || P || Q
    let cred = credential.to_bytes();
    check(
        "credential",
        Credential::from_bytes,
        &cred,
        &offsets(1 + 32 + 8 + 1 + 5, 2),
        &[1],
    );

    // version || expiry || len || scope || P' || Ck || CQ || T || challenge || 3 responses
    check(
        "presentation",
        Presentation::from_bytes,
        &presentation.to_bytes(),
        &offsets(head, 4),
        &offsets(head + 128, 4),
    );

    check(
        "sealed tip",
        SealedTip::from_bytes,
        &sealed.to_bytes(),
        &[],
        &[],
    );
}

#[test]
fn text_fields_are_validated() {
    let mut w = World::new(21);
    let (credential, _, response) = w.enroll(20);
    let cred = credential.to_bytes();
    let scope_at = 1 + 32 + 8;
    let mut bad = cred.to_vec();
    bad[scope_at + 1] = b' ';
    assert_eq!(
        Credential::from_bytes(&bad).expect_err("space"),
        DecodeError::Text
    );
    let mut empty = cred[..scope_at].to_vec();
    empty.push(0);
    empty.extend_from_slice(&cred[scope_at + 6..]);
    assert_eq!(
        Credential::from_bytes(&empty).expect_err("empty"),
        DecodeError::Length
    );
    let mut long = response.clone();
    long[9] = 200;
    assert!(issuance::Response::from_bytes(&long).is_err());
    let (_, request, _) = w.enroll(20);
    let mut bad = request.clone();
    bad[1 + 20 + 8 + 1] = b' ';
    assert_eq!(
        issuance::Request::from_bytes(&bad).expect_err("space in the scope"),
        DecodeError::Text
    );
}

/// A sealed tip's ciphertext runs to the end of the input; its length is checked against
/// the limits, on both sides: from the smallest size bucket to the largest.
#[test]
fn sealed_tip_length_is_bounded() {
    let mut w = World::new(23);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(20);
    let (sealed, _) = w.tip(&credential, &supervisors, &context("GOV-0001", 1), "x");
    let bytes = sealed.to_bytes();
    let head = &bytes[..1 + 32];

    let at_max = [head, &vec![0u8; SealedTip::MAX_CIPHERTEXT_LEN]].concat();
    SealedTip::from_bytes(&at_max).expect("the longest ciphertext is well-formed");
    let over = [head, &vec![0u8; SealedTip::MAX_CIPHERTEXT_LEN + 1]].concat();
    assert_eq!(
        SealedTip::from_bytes(&over).expect_err("one byte over"),
        DecodeError::Length
    );
    let at_min = [head, &[0u8; 1024 + 16][..]].concat();
    SealedTip::from_bytes(&at_min).expect("the smallest bucket and its tag are well-formed");
    for short in [1024 + 15, 16, 15] {
        let under = [head, &vec![0u8; short]].concat();
        assert_eq!(
            SealedTip::from_bytes(&under).expect_err("shorter than the smallest bucket"),
            DecodeError::Length
        );
    }
}

/// Low-order, twist and non-canonical X25519 keys are refused as tip keys, and as the
/// encapsulated key of a sealed tip.
#[test]
fn tip_public_keys_are_validated() {
    let mut w = World::new(22);
    let key = TipSecretKey::generate(&mut w.rng).public_key();
    TipPublicKey::from_bytes(&key.to_bytes()).expect("honest key");

    let mut one = [0u8; 32];
    one[0] = 1;
    let order_8 = hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
        .expect("hex");
    let mut minus_one = FIELD_P;
    minus_one[0] -= 1;
    let mut non_canonical = key.to_bytes();
    non_canonical[31] |= 0x80;
    let p_plus_one = add_le(&FIELD_P, &one);
    for (bytes, want) in [
        ([0u8; 32].to_vec(), DecodeError::IdentityPoint),
        (one.to_vec(), DecodeError::IdentityPoint),
        (order_8.clone(), DecodeError::IdentityPoint),
        (minus_one.to_vec(), DecodeError::InvalidPoint),
        (non_canonical.to_vec(), DecodeError::InvalidPoint),
        (p_plus_one.to_vec(), DecodeError::InvalidPoint),
        (FIELD_P.to_vec(), DecodeError::InvalidPoint),
        (vec![1; 31], DecodeError::Length),
    ] {
        assert_eq!(TipPublicKey::from_bytes(&bytes).expect_err("bad key"), want);
    }

    let (credential, _, _) = w.enroll(20);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (sealed, _) = w.tip(&credential, &supervisors, &context("GOV-0001", 1), "x");
    let mut bytes = sealed.to_bytes();
    bytes[1..33].copy_from_slice(&order_8);
    assert_eq!(
        SealedTip::from_bytes(&bytes).expect_err("low-order enc"),
        DecodeError::IdentityPoint
    );
}
