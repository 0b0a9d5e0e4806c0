//! What the issuer sees never reappears, and two presentations share nothing.
//!
//! Every group element and scalar on the wire is 32 bytes, so comparing every 32-byte
//! window of one message with every 32-byte window of another finds any shared element,
//! wherever it sits.

use std::collections::HashSet;

use probity_credentials::TipSecretKey;

use crate::{context, World};

fn windows(bytes: &[u8]) -> HashSet<&[u8]> {
    bytes.windows(32).collect()
}

fn assert_disjoint(a: &[u8], b: &[u8], what: &str) {
    let a = windows(a);
    assert!(
        b.windows(32).all(|w| !a.contains(w)),
        "{what}: a 32-byte value appears in both"
    );
}

#[test]
fn presentations_share_no_value() {
    let mut w = World::new(50);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, request, response) = w.enroll(20);
    let issuer_view = [request, response, credential_p(&credential)].concat();

    let same = context("GOV-0001", 5);
    let (_, a) = w.tip(&credential, &supervisors, &same, "one");
    let (_, b) = w.tip(&credential, &supervisors, &context("GOV-0002", 5), "two");
    let (_, c) = w.tip(&credential, &supervisors, &same, "three");
    let (a, b, c) = (a.to_bytes(), b.to_bytes(), c.to_bytes());

    // Two presentations for different officials: nothing in common.
    assert_disjoint(&a, &b, "presentations for two officials");
    // For the same official and epoch they share the tag, by design, and nothing else.
    let tag_at = 1 + 8 + 1 + 5 + 3 * 32;
    assert_eq!(a[tag_at..tag_at + 32], c[tag_at..tag_at + 32]);
    let strip = |p: &[u8]| [&p[..tag_at], &p[tag_at + 32..]].concat();
    assert_disjoint(&strip(&a), &strip(&c), "presentations for one official");

    for p in [&a, &b, &c] {
        assert_disjoint(&issuer_view, p, "issuance messages and a presentation");
    }
}

/// `P` as issued: the issuer chose it, so it must never be shown again.
fn credential_p(credential: &probity_credentials::Credential) -> Vec<u8> {
    let bytes = credential.to_bytes();
    bytes[bytes.len() - 64..bytes.len() - 32].to_vec()
}
