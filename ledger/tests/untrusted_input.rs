//! Every parser of text or bytes that comes from outside the log (a client's request, a
//! mirror, a server) on any input: it answers with an error, and never panics. A panic here is
//! a dropped connection in the service and a crash in an auditor's or witness's client.
//!
//! Each property runs on arbitrary input and on input shaped like the real thing (tile paths,
//! numbers at the edges, a valid checkpoint or entry with one byte changed), where the bugs
//! live.

mod common;

use common::{entry, signer};
use probity_ledger::{
    decode_bundle, parse_tile_path, tile_path, CheckpointVerifier, ConsistencyProof, Entry,
    InclusionProof, Log, MemoryStore, SignedCheckpoint, TileError,
};
use proptest::prelude::*;

/// A small log, its latest checkpoint signed over 300 entries (a full tile and a partial one).
fn log() -> &'static Log<MemoryStore> {
    static LOG: std::sync::OnceLock<Log<MemoryStore>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Log::open(MemoryStore::new(), signer()).expect("opens");
        let entries: Vec<Entry> = (0..300).map(|i| entry(1, i)).collect();
        log.append_batch(&entries).expect("appends");
        log.checkpoint_at(1_767_225_600).expect("signs");
        log
    })
}

/// Numbers where parsers break: 0, 1, the tile width, the C2SP group base, the u64 edges.
fn edge_number() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(63),
        Just(64),
        Just(255),
        Just(256),
        Just(999),
        Just(1000),
        Just(1 << 56),
        Just(u64::MAX >> 8),
        Just(u64::MAX),
        any::<u64>(),
        0u64..2000,
    ]
}

/// A C2SP-looking tile path: a level (or `entries`), an index in groups of three digits, and
/// maybe a partial width, each part either canonical or bent.
fn tile_like_path() -> impl Strategy<Value = String> {
    let level = prop_oneof![
        Just("entries".to_owned()),
        edge_number().prop_map(|n| n.to_string()),
        edge_number().prop_map(|n| format!("+{n}")),
        edge_number().prop_map(|n| format!("0{n}")),
        "[0-9a-z+x-]{0,4}",
    ];
    let index = prop_oneof![
        edge_number().prop_map(|n| {
            // The canonical spelling: groups of three digits, all but the last after `x`.
            let digits = format!("{n:0>3}");
            let pad = (3 - digits.len() % 3) % 3;
            let digits = format!("{}{digits}", "0".repeat(pad));
            let groups: Vec<&str> = (0..digits.len() / 3)
                .map(|i| &digits[3 * i..3 * i + 3])
                .collect();
            let (last, rest) = groups.split_last().expect("at least one group");
            rest.iter()
                .map(|g| format!("x{g}/"))
                .chain([(*last).to_owned()])
                .collect::<String>()
        }),
        "(x?[0-9]{1,4}/){0,8}[0-9+x]{0,4}",
    ];
    let width = prop_oneof![
        Just(String::new()),
        edge_number().prop_map(|w| format!(".p/{w}")),
        "\\.p/[0-9+]{0,4}",
        "\\.p/[0-9]{1,3}/[0-9]{1,3}",
    ];
    (level, index, width).prop_map(|(l, n, w)| format!("tile/{l}/{n}{w}"))
}

fn any_path() -> impl Strategy<Value = String> {
    prop_oneof![
        tile_like_path(),
        any::<String>(),
        "[tile/entrisx.p0-9+]{0,60}"
    ]
}

/// A valid byte string with one byte replaced, one cut, or bytes inserted.
fn bent(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len();
    prop_oneof![
        (0..len, any::<u8>()).prop_map({
            let valid = valid.clone();
            move |(i, b)| {
                let mut v = valid.clone();
                v[i] = b;
                v
            }
        }),
        (0..=len).prop_map({
            let valid = valid.clone();
            move |i| valid[..i].to_vec()
        }),
        (0..=len, prop::collection::vec(any::<u8>(), 1..8)).prop_map(move |(i, extra)| {
            let mut v = valid.clone();
            v.splice(i..i, extra);
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The tile path parser: an error or a tile whose canonical path is the input.
    #[test]
    fn tile_paths_parse_or_are_refused_without_panicking(path in any_path()) {
        if let Ok(tile) = parse_tile_path(&path) {
            prop_assert_eq!(tile_path(&tile), path);
        }
    }

    /// What the service's tile route answers, for any path and any tree size: data, or
    /// "no such tile".
    #[test]
    fn serving_any_tile_path_at_any_size_never_panics(
        path in any_path(),
        size in edge_number(),
    ) {
        match log().tile(&path, size) {
            Ok(_) | Err(TileError::BadPath(_) | TileError::BeyondTree { .. }) => {}
            Err(other) => prop_assert!(false, "{path} at {size}: {other}"),
        }
    }

    /// The service's proof routes take their numbers from the query string.
    #[test]
    fn proofs_for_any_numbers_are_made_or_refused(a in edge_number(), b in edge_number()) {
        let log = log();
        if let Ok(proof) = log.inclusion_proof(a, b) {
            let root = log.root(b).expect("a proved size has a root");
            let leaf = probity_ledger::leaf_hash(&log.entry_bytes(a).expect("in the log"));
            prop_assert!(proof.verify(leaf, root).is_ok());
        }
        if let Ok(proof) = log.consistency_proof(a, b) {
            let old = log.root(a).expect("a proved size has a root");
            let new = log.root(b).expect("a proved size has a root");
            prop_assert!(proof.verify(old, new).is_ok());
        }
    }

    /// Proofs a client reads from a server: any numbers, any path.
    #[test]
    fn proofs_from_a_server_verify_or_fail_without_panicking(
        a in edge_number(),
        b in edge_number(),
        path in prop::collection::vec(any::<[u8; 32]>(), 0..70),
        leaf in any::<[u8; 32]>(),
        root in any::<[u8; 32]>(),
    ) {
        let path: Vec<_> = path.into_iter().map(probity_ledger::Hash).collect();
        let inclusion = InclusionProof { index: a, tree_size: b, path: path.clone() };
        let _ = inclusion.verify(probity_ledger::Hash(leaf), probity_ledger::Hash(root));
        let consistency = ConsistencyProof { old_size: a, new_size: b, path };
        let _ = consistency.verify(probity_ledger::Hash(leaf), probity_ledger::Hash(root));
    }

    /// A checkpoint note as a server serves it: verified against the log's key, or refused.
    #[test]
    fn checkpoint_notes_verify_or_are_refused(
        note in prop_oneof![
            bent(log().checkpoint().expect("signed").to_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..300),
        ],
    ) {
        let _ = SignedCheckpoint::verify(&note, &log().verifier());
    }

    /// A verifier key as a person types it (`--log-key`, a witness's list).
    #[test]
    fn verifier_keys_parse_or_are_refused(
        vkey in prop_oneof![
            bent(log().verifier().ed25519_vkey().into_bytes())
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            any::<String>(),
        ],
    ) {
        let _ = CheckpointVerifier::from_vkey(&vkey);
    }

    /// Entries and entry bundles as a mirror serves them.
    #[test]
    fn entries_and_bundles_decode_or_are_refused(
        bytes in prop_oneof![
            bent(entry(1, 0).to_canonical_json().expect("encodes")),
            bent(log().tile("tile/entries/000.p/3", 300).expect("served")),
            prop::collection::vec(any::<u8>(), 0..300),
        ],
    ) {
        let _ = Entry::from_canonical_json(&bytes);
        let _ = decode_bundle(&bytes);
    }
}

#[test]
fn the_reported_tile_paths_are_refused() {
    // Issue 12: every level from 64 to 255 panicked in `Tile::new`.
    for level in 64..=255 {
        let path = format!("tile/{level}/000");
        assert!(
            matches!(log().tile(&path, 300), Err(TileError::BadPath(_))),
            "{path}"
        );
    }
}
