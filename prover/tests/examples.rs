//! The example declarations in `examples/`: they parse, and their wealth growth is explained
//! (or not) by income exactly as their comments say.

use std::{fs, path::PathBuf};

use probity_core::{income, net_worth, Capacity, Declaration};
use probity_prover::wallet::{KdfParams, Passphrase, Wallet, WalletError};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const FEN_PER_YUAN: i128 = 100;

fn example(name: &str) -> Declaration {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    let text = fs::read_to_string(&path).expect("the example file exists");
    Declaration::from_toml(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// `(net worth, income)` in yuan.
fn totals(declaration: &Declaration) -> (i128, i128) {
    let slots = declaration.slots();
    let income = i128::try_from(income(&slots)).expect("income fits");
    (net_worth(&slots) / FEN_PER_YUAN, income / FEN_PER_YUAN)
}

#[test]
fn examples_parse_as_one_official_with_capacity_16() {
    for (name, period) in [
        ("gov-0001-2025.toml", 2025),
        ("gov-0001-2026.toml", 2026),
        ("gov-0001-2026-unexplained.toml", 2026),
    ] {
        let d = example(name);
        assert_eq!(d.official().as_str(), "GOV-0001", "{name}");
        assert_eq!(d.period().get(), period, "{name}");
        assert_eq!(d.capacity(), Capacity::C16, "{name}");
        assert_eq!(d.currency(), "CNY", "{name}");
    }
}

#[test]
fn growth_2025_to_2026_is_explained_by_income() {
    let (prev_worth, _) = totals(&example("gov-0001-2025.toml"));
    let (curr_worth, curr_income) = totals(&example("gov-0001-2026.toml"));
    assert_eq!(prev_worth, 3_055_000);
    assert_eq!(curr_worth, 3_370_000);
    assert_eq!(curr_income, 476_000);
    let growth = curr_worth - prev_worth;
    assert_eq!(growth, 315_000);
    assert!(
        growth <= curr_income,
        "wealth_growth holds with tolerance 0"
    );
}

#[test]
fn growth_to_the_unexplained_2026_file_is_not_explained() {
    let (prev_worth, _) = totals(&example("gov-0001-2025.toml"));
    let (curr_worth, curr_income) = totals(&example("gov-0001-2026-unexplained.toml"));
    assert_eq!(curr_income, 476_000, "same income as the honest 2026 file");
    let growth = curr_worth - prev_worth;
    assert_eq!(growth, 6_615_000);
    assert_eq!(growth - curr_income, 6_139_000, "the unexplained part");
    assert!(
        growth > 10 * curr_income,
        "far beyond any reasonable tolerance"
    );
}

#[test]
fn the_unexplained_file_does_not_open_the_honest_commitment() {
    // OFFICIAL: commits the honest 2026 file, then presents the other one for the same period.
    let dir = std::env::temp_dir().join(format!(
        "probity-examples-{}-{:016x}",
        std::process::id(),
        rand::rngs::OsRng.next_u64()
    ));
    fs::create_dir_all(&dir).expect("temp dir is writable");
    let path = dir.join("wallet.probity");
    let passphrase = Passphrase::new("examples");
    let mut wallet = Wallet::create_with(&path, &passphrase, KdfParams::insecure_for_tests())
        .expect("new wallet");
    let mut rng = ChaCha20Rng::seed_from_u64(2026);

    let honest = example("gov-0001-2026.toml");
    let filed = wallet
        .commit(&honest, &mut rng)
        .expect("commit")
        .commitment();
    wallet
        .commit(&example("gov-0001-2025.toml"), &mut rng)
        .expect("commit 2025");

    let reopened = Wallet::open(&path, &passphrase).expect("open");
    assert_eq!(
        reopened
            .opening(&honest)
            .expect("the honest file opens")
            .commitment(),
        filed
    );
    let err = reopened
        .opening(&example("gov-0001-2026-unexplained.toml"))
        .expect_err("another file");
    assert!(
        matches!(err, WalletError::DeclarationChanged { .. }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("the declaration file for GOV-0001 2026 differs from the one committed on"));
    let _ = fs::remove_dir_all(&dir);
}
