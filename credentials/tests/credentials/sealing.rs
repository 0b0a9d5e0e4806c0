use probity_credentials::{
    open, seal, Attachment, DecodeError, FieldError, OpenError, SealedTip, TipBody, TipSecretKey,
};

use crate::{context, rng};

fn body() -> TipBody {
    let scan =
        Attachment::new("deed.pdf", "application/pdf", vec![0x25; 1000]).expect("attachment");
    TipBody::new("see the attached deed", vec![scan]).expect("body")
}

#[test]
fn seal_and_open() {
    let mut rng = rng(30);
    // SUPERVISOR
    let key = TipSecretKey::generate(&mut rng);
    let stored = TipSecretKey::from_bytes(&*key.to_bytes()).expect("key round trip");
    let ctx = context("GOV-0001", 3);
    // CLIENT
    let sealed = seal(&key.public_key(), &ctx, &body(), &mut rng).expect("seal");
    let wire = SealedTip::from_bytes(&sealed.to_bytes()).expect("decode");
    assert_eq!(wire.digest(), sealed.digest());
    // SUPERVISOR
    let opened = open(&stored, &ctx, &wire).expect("open");
    assert_eq!(opened, body());
    assert_eq!(opened.attachments()[0].name(), "deed.pdf");
    assert_eq!(opened.attachments()[0].data().len(), 1000);
}

#[test]
fn sealed_tip_is_bound_to_key_and_context() {
    let mut rng = rng(31);
    let key = TipSecretKey::generate(&mut rng);
    let ctx = context("GOV-0001", 3);
    let sealed = seal(&key.public_key(), &ctx, &body(), &mut rng).expect("seal");

    let other_key = TipSecretKey::generate(&mut rng);
    assert_eq!(
        open(&other_key, &ctx, &sealed).expect_err("wrong key"),
        OpenError::Decryption
    );
    assert_eq!(
        open(&key, &context("GOV-0002", 3), &sealed).expect_err("moved to another subject"),
        OpenError::Decryption
    );
    assert_eq!(
        open(&key, &context("GOV-0001", 4), &sealed).expect_err("moved to another epoch"),
        OpenError::Decryption
    );
    let mut bytes = sealed.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let altered = SealedTip::from_bytes(&bytes).expect("well-formed");
    assert_ne!(altered.digest(), sealed.digest());
    assert_eq!(
        open(&key, &ctx, &altered).expect_err("altered"),
        OpenError::Decryption
    );
}

#[test]
fn body_limits() {
    assert_eq!(
        TipBody::new("", vec![]).expect_err("empty"),
        FieldError::Length
    );
    assert_eq!(
        TipBody::new(&"x".repeat(TipBody::MAX_TEXT_LEN + 1), vec![]).expect_err("long text"),
        FieldError::Length
    );
    let small = Attachment::new("a.txt", "text/plain", vec![1]).expect("attachment");
    assert_eq!(
        TipBody::new("x", vec![small; TipBody::MAX_ATTACHMENTS + 1]).expect_err("count"),
        FieldError::TooManyAttachments
    );
    assert_eq!(
        Attachment::new("a", "text/plain", vec![0; Attachment::MAX_DATA_LEN + 1]).expect_err("big"),
        FieldError::Length
    );
    let big = Attachment::new(
        "a",
        "application/octet-stream",
        vec![0; Attachment::MAX_DATA_LEN],
    )
    .expect("at the limit");
    assert_eq!(
        TipBody::new("x", vec![big.clone(), big.clone(), big]).expect_err("total"),
        FieldError::Length
    );
    assert_eq!(
        Attachment::new("a\nb", "text/plain", vec![]).expect_err("name"),
        FieldError::Alphabet
    );
    assert_eq!(
        Attachment::new("a", "text plain", vec![]).expect_err("type"),
        FieldError::Alphabet
    );

    let bytes = body().to_bytes();
    let mut trailing = bytes.to_vec();
    trailing.push(0);
    assert_eq!(
        TipBody::from_bytes(&trailing).expect_err("trailing"),
        DecodeError::TrailingBytes
    );
    let mut bad_utf8 = bytes.to_vec();
    bad_utf8[5] = 0xff;
    assert_eq!(
        TipBody::from_bytes(&bad_utf8).expect_err("utf-8"),
        DecodeError::Text
    );
}

#[test]
fn sealed_length_shows_the_size_bucket_not_the_text_length() {
    let mut rng = rng(32);
    let key = TipSecretKey::generate(&mut rng);
    let ctx = context("GOV-0001", 3);
    let sealed_len = |text: &str, rng: &mut _| {
        let body = TipBody::new(text, vec![]).expect("body");
        seal(&key.public_key(), &ctx, &body, rng)
            .expect("seal")
            .to_bytes()
            .len()
    };
    // version, enc, a 1 KiB bucket and the AEAD tag.
    let one_kib = 1 + 32 + 1024 + 16;
    for text in ["x", "a short tip", &"y".repeat(900), &"z".repeat(1017)] {
        assert_eq!(sealed_len(text, &mut rng), one_kib, "{} bytes", text.len());
    }
    // Past 1 KiB, the next power of two.
    assert_eq!(sealed_len(&"w".repeat(1018), &mut rng), one_kib + 1024);
    assert_eq!(sealed_len(&"w".repeat(3000), &mut rng), 1 + 32 + 4096 + 16);
}

#[test]
fn a_ciphertext_of_no_bucket_length_is_refused() {
    let mut rng = rng(33);
    let key = TipSecretKey::generate(&mut rng);
    let sealed = seal(
        &key.public_key(),
        &context("GOV-0001", 3),
        &body(),
        &mut rng,
    )
    .expect("seal")
    .to_bytes();
    for cut in [1, 16, 100] {
        assert_eq!(
            SealedTip::from_bytes(&sealed[..sealed.len() - cut]).expect_err("cut"),
            DecodeError::Length,
            "{cut} bytes cut"
        );
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(
        SealedTip::from_bytes(&longer).expect_err("longer"),
        DecodeError::Length
    );
}
