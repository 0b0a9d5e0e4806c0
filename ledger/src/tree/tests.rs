//! RFC 6962 known answers, exhaustive small-tree proofs and corrupted proofs.

use super::*;

fn h(s: &str) -> Hash {
    Hash(hex::decode(s).expect("hex").try_into().expect("32 bytes"))
}

/// The Certificate Transparency reference leaves (also transparency-dev/merkle's testdata).
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Their published roots for sizes 0 to 8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn reference_tree() -> MemoryTree {
    MemoryTree::from_leaves(
        LEAVES
            .iter()
            .map(|l| leaf_hash(&hex::decode(l).expect("hex"))),
    )
}

#[test]
fn rfc6962_reference_roots() {
    let t = reference_tree();
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    for (size, want) in ROOTS.iter().enumerate() {
        assert_eq!(t.root(size as u64).expect("root"), h(want), "size {size}");
    }
}

#[test]
fn rfc6962_reference_proofs() {
    let t = reference_tree();
    let cases: [(u64, u64, &[&str]); 2] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (index, size, path) in cases {
        let p = t.inclusion_proof(index, size).expect("proof");
        assert_eq!(
            p.path,
            path.iter().map(|s| h(s)).collect::<Vec<_>>(),
            "inclusion {index} in {size}"
        );
    }
    let cases: [(u64, u64, &[&str]); 2] = [
        (
            2,
            8,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (old, new, path) in cases {
        let p = t.consistency_proof(old, new).expect("proof");
        assert_eq!(
            p.path,
            path.iter().map(|s| h(s)).collect::<Vec<_>>(),
            "consistency {old} to {new}"
        );
        p.verify(h(ROOTS[old as usize]), h(ROOTS[new as usize]))
            .expect("verifies");
    }
}

fn flip(mut x: Hash, bit: usize) -> Hash {
    x.0[bit / 8] ^= 1 << (bit % 8);
    x
}

/// Every way to corrupt an inclusion proof that the issue names must fail.
fn assert_inclusion_corruptions_fail(p: &InclusionProof, leaf: Hash, roots: &[Hash]) {
    let root = roots[p.tree_size as usize];
    let mut bad = Vec::new();
    for i in 0..p.path.len() {
        let mut q = p.clone();
        q.path[i] = flip(q.path[i], (i * 37) % 256);
        bad.push((q, "a flipped bit"));
    }
    for index in [p.index.wrapping_sub(1), p.index + 1, p.index ^ 2] {
        if index != p.index && index < p.tree_size {
            bad.push((InclusionProof { index, ..p.clone() }, "a wrong index"));
        }
    }
    // A proof is checked against the root signed with its size, so a wrong size comes with
    // that size's (authentic) root.
    for size in [p.tree_size - 1, p.tree_size + 1, p.tree_size * 2] {
        if size > p.index && size != p.tree_size && (size as usize) < roots.len() {
            let q = InclusionProof {
                tree_size: size,
                ..p.clone()
            };
            assert!(
                q.verify(leaf, roots[size as usize]).is_err(),
                "a wrong size accepted: {q:?}"
            );
        }
    }
    if let Some((_, rest)) = p.path.split_last() {
        bad.push((
            InclusionProof {
                path: rest.to_vec(),
                ..p.clone()
            },
            "a truncated path",
        ));
    }
    let mut longer = p.clone();
    longer.path.push(leaf);
    bad.push((longer, "an extended path"));
    let mut prefixed = p.clone();
    prefixed.path.insert(0, root);
    bad.push((prefixed, "a path with an extra first hash"));
    for (q, what) in bad {
        // A path may stay valid only if the corrupted proof is the same proof.
        assert!(q.verify(leaf, root).is_err(), "{what} accepted: {q:?}");
    }
    assert!(
        p.verify(flip(leaf, 3), root).is_err(),
        "a wrong leaf accepted"
    );
    assert!(
        p.verify(leaf, flip(root, 200)).is_err(),
        "a wrong root accepted"
    );
}

fn assert_consistency_corruptions_fail(p: &ConsistencyProof, roots: &[Hash]) {
    let (old_root, new_root) = (roots[p.old_size as usize], roots[p.new_size as usize]);
    let mut bad = Vec::new();
    for i in 0..p.path.len() {
        let mut q = p.clone();
        q.path[i] = flip(q.path[i], (i * 53) % 256);
        bad.push((q, "a flipped bit"));
    }
    for old in [p.old_size - 1, p.old_size + 1] {
        if old >= 1 && old < p.new_size && old != p.old_size {
            let q = ConsistencyProof {
                old_size: old,
                ..p.clone()
            };
            assert!(
                q.verify(roots[old as usize], new_root).is_err(),
                "a wrong old size accepted: {q:?}"
            );
        }
    }
    for new in [p.new_size - 1, p.new_size + 1] {
        if new > p.old_size && new != p.new_size && (new as usize) < roots.len() {
            let q = ConsistencyProof {
                new_size: new,
                ..p.clone()
            };
            assert!(
                q.verify(old_root, roots[new as usize]).is_err(),
                "a wrong new size accepted: {q:?}"
            );
        }
    }
    if let Some((_, rest)) = p.path.split_last() {
        bad.push((
            ConsistencyProof {
                path: rest.to_vec(),
                ..p.clone()
            },
            "a truncated path",
        ));
    }
    let mut longer = p.clone();
    longer.path.push(old_root);
    bad.push((longer, "an extended path"));
    for (q, what) in bad {
        assert!(
            q.verify(old_root, new_root).is_err(),
            "{what} accepted: {q:?}"
        );
    }
    if p.old_size != p.new_size {
        assert!(
            p.verify(flip(old_root, 1), new_root).is_err(),
            "a wrong old root accepted"
        );
    }
    assert!(
        p.verify(old_root, flip(new_root, 9)).is_err(),
        "a wrong new root accepted"
    );
}

#[test]
fn every_proof_up_to_64_verifies_and_every_corruption_fails() {
    let leaves: Vec<Hash> = (0u32..64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let t = MemoryTree::from_leaves(leaves.iter().copied());
    let roots: Vec<Hash> = (0..=64).map(|n| t.root(n).expect("root")).collect();
    for n in 1..=64u64 {
        let root = roots[n as usize];
        // The root from a fresh tree of exactly n leaves agrees (no dependence on later leaves).
        assert_eq!(
            MemoryTree::from_leaves(leaves[..n as usize].iter().copied())
                .root(n)
                .expect("root"),
            root
        );
        for i in 0..n {
            let p = t.inclusion_proof(i, n).expect("inclusion proof");
            p.verify(leaves[i as usize], root)
                .expect("valid inclusion proof");
            assert_inclusion_corruptions_fail(&p, leaves[i as usize], &roots);
        }
        for m in 0..=n {
            let p = t.consistency_proof(m, n).expect("consistency proof");
            p.verify(roots[m as usize], root)
                .expect("valid consistency proof");
            if m > 0 {
                assert_consistency_corruptions_fail(&p, &roots);
            }
        }
    }
}

#[test]
fn impossible_proofs_are_refused() {
    let t = reference_tree();
    assert!(matches!(
        t.inclusion_proof(8, 8),
        Err(ProofError::OutOfRange(_))
    ));
    assert!(matches!(
        t.inclusion_proof(0, 9),
        Err(ProofError::OutOfRange(_))
    ));
    assert!(matches!(
        t.consistency_proof(5, 4),
        Err(ProofError::OutOfRange(_))
    ));
    let p = InclusionProof {
        index: 3,
        tree_size: 3,
        path: vec![],
    };
    assert!(p.verify(EMPTY_ROOT, EMPTY_ROOT).is_err());
    // The empty tree is a prefix of every tree, but only with an empty proof and the empty root.
    let root = t.root(8).expect("root");
    let p = ConsistencyProof {
        old_size: 0,
        new_size: 8,
        path: vec![],
    };
    p.verify(EMPTY_ROOT, root).expect("empty prefix");
    assert!(p.verify(root, root).is_err());
    assert!(ConsistencyProof {
        path: vec![root],
        ..p
    }
    .verify(EMPTY_ROOT, root)
    .is_err());
}

#[test]
fn proofs_serialize_as_base64_json() {
    let t = reference_tree();
    let p = t.inclusion_proof(5, 8).expect("proof");
    let json = serde_json::to_string(&p).expect("serializes");
    assert!(
        json.starts_with(
            r#"{"index":5,"tree_size":8,"path":["vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="#
        ),
        "{json}"
    );
    let back: InclusionProof = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, p);
    assert!(
        serde_json::from_str::<InclusionProof>(r#"{"index":5,"tree_size":8,"path":[],"x":1}"#)
            .is_err()
    );
}

#[test]
fn batched_hashes_equal_one_by_one() {
    let leaves: Vec<Hash> = (0u32..100).map(|i| leaf_hash(&i.to_le_bytes())).collect();
    let whole = MemoryTree::from_leaves(leaves.iter().copied());
    let mut split = MemoryTree::from_leaves(leaves[..37].iter().copied());
    let fresh = hashes_for_append(&split, 37, &leaves[37..]).expect("hashes");
    split.hashes.extend(fresh);
    split.size = 100;
    assert_eq!(split.hashes, whole.hashes);
}
