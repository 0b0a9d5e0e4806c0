//! # probity-params
//!
//! Groth16 keys per `(statement, capacity)` (DESIGN.md §6): generation, key files, the params
//! manifest, and loading with integrity checks.
//!
//! A params folder holds `manifest.json` and one proving-key file per key pair. The manifest
//! lists, for each pair, the statement, capacity, number of constraints, the verifying key
//! (compressed, hex) and the SHA-256 of the proving-key file. Loading a proving key refuses a
//! file whose hash differs from the manifest; the manifest itself is what every party pins
//! (it is published on the ledger as `ParamsPublished`).
//!
//! # Caution
//! [`setup_dev`] makes keys with OS randomness on one machine. Whoever runs it knows the
//! toxic waste and can forge proofs for every statement: dev keys are for development and
//! demos only. Production keys come from a multi-party ceremony.
//!
//! # What it must never do
//!
//! - Load a proving key whose SHA-256 differs from the manifest, or a manifest of another
//!   format version.
//! - Leave a half-written key or manifest: every write is atomic and durable.
//! - Pass dev keys off as production keys: the manifest says how its keys were made.
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ceremony;

use std::{
    fs,
    path::{Path, PathBuf},
};

use ark_bn254::Bn254;
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use probity_circuits::StatementCircuit;
use probity_core::{
    durable, Capacity, Fr, ManifestEntry, ParamsManifest, StatementKind, PARAMS_MANIFEST_VERSION,
};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

/// File name of the manifest inside a params folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Errors of generating or loading params.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Ceremony keys cannot go where dev keys are.
    #[error("{0} holds development keys: import the ceremony's keys into an empty folder")]
    DevKeysThere(PathBuf),
    /// The folder has no manifest.
    #[error("no params in {0}: run `probity setup --dev` to make development keys there, or pass --params DIR")]
    NoManifest(PathBuf),
    /// The manifest does not parse.
    #[error("{0}")]
    Manifest(String),
    /// No key for this statement and capacity.
    #[error("the params in {dir} have no key for {statement} at capacity {capacity}: run `probity setup --dev --capacity {capacity}`")]
    MissingKey {
        /// The folder.
        dir: PathBuf,
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
    },
    /// The proving-key file differs from the manifest.
    #[error("the proving key {path} does not match the params manifest (SHA-256 {actual}, manifest says {expected}): the file is corrupted or was replaced; restore it or run setup again")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// Its hash.
        actual: String,
        /// The manifest's hash.
        expected: String,
    },
    /// A key does not decode.
    #[error("the key {0} does not decode: {1}")]
    Decode(String, String),
    /// Key generation failed.
    #[error("key generation for {0} failed: {1}")]
    Setup(StatementKind, String),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ParamsError + 'a {
    move |source| ParamsError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Writes `bytes` to `path` atomically and durably ([`probity_core::durable::write_atomic`]),
/// the one way clients replace a file they must not lose (keys, receipts, checkpoints): after
/// a crash, a power cut included, `path` holds the old bytes or the new ones; once this
/// returns, the new ones.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ParamsError> {
    durable::write_atomic(path, bytes).map_err(io("cannot write", path))
}

/// Creates the secret file `path`, readable by its owner only, durably and never over an
/// existing file ([`probity_core::durable::create_new`]).
pub fn create_secret(path: &Path, bytes: &[u8]) -> Result<(), ParamsError> {
    durable::create_new(path, bytes, durable::Access::OwnerOnly).map_err(io("cannot create", path))
}

/// Syncs the folder holding `path` (`fsync`), so that a file created, linked or renamed into
/// it survives a crash.
pub fn sync_parent(path: &Path) -> Result<(), ParamsError> {
    durable::sync_parent(path).map_err(io("cannot flush the folder", path))
}

/// The number of constraints of a statement's circuit.
pub fn num_constraints(kind: StatementKind, capacity: Capacity) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    StatementCircuit::empty(kind, capacity)
        .generate_constraints(cs.clone())
        .expect("synthesizing an empty circuit in setup mode cannot fail");
    cs.num_constraints()
}

/// A freshly generated key pair.
pub struct GeneratedKeys {
    /// The proving key.
    pub proving_key: ProvingKey<Bn254>,
    /// The verifying key.
    pub verifying_key: VerifyingKey<Bn254>,
    /// The circuit's constraint count.
    pub num_constraints: usize,
}

/// Generates a key pair for one statement and capacity with `rng` as the toxic waste.
///
/// # Caution
/// Whoever knows `rng`'s output can forge proofs.
pub fn generate_keys(
    kind: StatementKind,
    capacity: Capacity,
    rng: &mut dyn CryptoRngCore,
) -> Result<GeneratedKeys, ParamsError> {
    let circuit = StatementCircuit::empty(kind, capacity);
    // ark-groth16 takes a sized RNG, which a `&mut dyn` is.
    let mut rng = rng;
    let proving_key =
        Groth16::<Bn254>::generate_random_parameters_with_reduction(circuit, &mut rng)
            .map_err(|e| ParamsError::Setup(kind, e.to_string()))?;
    Ok(GeneratedKeys {
        verifying_key: proving_key.vk.clone(),
        proving_key,
        num_constraints: num_constraints(kind, capacity),
    })
}

/// Progress of [`setup_dev`]: called before each key pair with its index and the total.
pub struct SetupStep {
    /// The statement about to be generated.
    pub statement: StatementKind,
    /// Its capacity.
    pub capacity: Capacity,
    /// 0-based index.
    pub index: usize,
    /// Number of key pairs.
    pub total: usize,
}

/// File name of a proving key.
pub fn proving_key_file(kind: StatementKind, capacity: Capacity) -> String {
    format!("{}-{}.pk", kind.name(), capacity.slots())
}

/// Makes development keys for every statement in `kinds` at every capacity in `capacities`,
/// writes them and the manifest into `dir`, and returns the manifest. Entries for other pairs
/// already in `dir`'s manifest are kept; regenerated pairs are replaced.
///
/// # Caution
/// See the crate docs: dev keys let their maker forge proofs.
pub fn setup_dev(
    dir: &Path,
    kinds: &[StatementKind],
    capacities: &[Capacity],
    rng: &mut dyn CryptoRngCore,
    mut progress: impl FnMut(&SetupStep),
) -> Result<ParamsManifest, ParamsError> {
    fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
    let mut manifest = match Params::open(dir) {
        Ok(p) => p.manifest,
        Err(ParamsError::NoManifest(_)) => ParamsManifest {
            version: PARAMS_MANIFEST_VERSION,
            setup: "dev".into(),
            keys: Vec::new(),
        },
        Err(e) => return Err(e),
    };
    manifest.setup = "dev".into();
    let pairs: Vec<(StatementKind, Capacity)> = capacities
        .iter()
        .flat_map(|c| kinds.iter().map(move |k| (*k, *c)))
        .collect();
    for (index, (kind, capacity)) in pairs.iter().copied().enumerate() {
        progress(&SetupStep {
            statement: kind,
            capacity,
            index,
            total: pairs.len(),
        });
        let keys = generate_keys(kind, capacity, rng)?;
        // The manifest is rewritten after each pair, so an interrupted setup keeps what it made.
        add_key(dir, &mut manifest, kind, capacity, &keys.proving_key, None)?;
    }
    Ok(manifest)
}

/// Writes `proving_key`'s file into `dir` and its entry into `manifest` (replacing one for the
/// same pair), then the manifest, atomically.
fn add_key(
    dir: &Path,
    manifest: &mut ParamsManifest,
    kind: StatementKind,
    capacity: Capacity,
    proving_key: &ProvingKey<Bn254>,
    ceremony: Option<probity_core::KeyCeremony>,
) -> Result<(), ParamsError> {
    let mut pk_bytes = Vec::new();
    proving_key
        .serialize_uncompressed(&mut pk_bytes)
        .expect("serializing into a Vec cannot fail");
    let mut vk_bytes = Vec::new();
    proving_key
        .vk
        .serialize_compressed(&mut vk_bytes)
        .expect("serializing into a Vec cannot fail");
    let file = proving_key_file(kind, capacity);
    write_atomic(&dir.join(&file), &pk_bytes)?;
    manifest
        .keys
        .retain(|e| !(e.statement == kind && e.capacity == capacity));
    manifest.keys.push(ManifestEntry {
        statement: kind,
        capacity,
        num_constraints: num_constraints(kind, capacity),
        verifying_key: hex::encode(vk_bytes),
        proving_key_file: file,
        proving_key_sha256: hex::encode(Sha256::digest(&pk_bytes)),
        ceremony,
    });
    manifest.keys.sort_by_key(|e| (e.capacity, e.statement));
    write_atomic(&dir.join(MANIFEST_FILE), manifest.to_json().as_bytes())
}

/// A key from the ceremony, checked, to import.
pub struct CeremonyKey {
    /// Its statement.
    pub statement: StatementKind,
    /// Its capacity.
    pub capacity: Capacity,
    /// The proving key read from the final `.zkey`.
    pub proving_key: ProvingKey<Bn254>,
    /// Its transcript, for the manifest.
    pub transcript: probity_core::KeyCeremony,
}

/// Writes ceremony keys and their manifest (`setup = "ceremony"`) into `dir`. A folder
/// holding dev keys is refused: its keys would be marked as the ceremony's.
pub fn import_ceremony(dir: &Path, keys: &[CeremonyKey]) -> Result<ParamsManifest, ParamsError> {
    fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
    let mut manifest = match Params::open(dir) {
        Ok(p) if p.manifest.setup == "ceremony" => p.manifest,
        Ok(_) => return Err(ParamsError::DevKeysThere(dir.to_owned())),
        Err(ParamsError::NoManifest(_)) => ParamsManifest {
            version: PARAMS_MANIFEST_VERSION,
            setup: "ceremony".into(),
            keys: Vec::new(),
        },
        Err(e) => return Err(e),
    };
    for key in keys {
        add_key(
            dir,
            &mut manifest,
            key.statement,
            key.capacity,
            &key.proving_key,
            Some(key.transcript.clone()),
        )?;
    }
    Ok(manifest)
}

/// A params folder with its manifest.
#[derive(Clone, Debug)]
pub struct Params {
    dir: PathBuf,
    manifest: ParamsManifest,
}

impl Params {
    /// Opens `dir/manifest.json`.
    pub fn open(dir: &Path) -> Result<Self, ParamsError> {
        let path = dir.join(MANIFEST_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ParamsError::NoManifest(dir.to_owned()))
            }
            Err(e) => return Err(io("cannot read", &path)(e)),
        };
        let manifest = ParamsManifest::from_json(&text).map_err(ParamsError::Manifest)?;
        Ok(Self {
            dir: dir.to_owned(),
            manifest,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &ParamsManifest {
        &self.manifest
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest entry of one key pair.
    pub fn entry(
        &self,
        kind: StatementKind,
        capacity: Capacity,
    ) -> Result<&ManifestEntry, ParamsError> {
        self.manifest
            .entry(kind, capacity)
            .ok_or_else(|| ParamsError::MissingKey {
                dir: self.dir.clone(),
                statement: kind,
                capacity,
            })
    }

    /// Loads a proving key after checking its file's SHA-256 against the manifest.
    ///
    /// The file is decoded without curve checks: the hash check has already tied it to the
    /// manifest every party pins, and a wrong key could only make the prover's own proofs fail.
    pub fn proving_key(
        &self,
        kind: StatementKind,
        capacity: Capacity,
    ) -> Result<ProvingKey<Bn254>, ParamsError> {
        let entry = self.entry(kind, capacity)?;
        let path = self.dir.join(&entry.proving_key_file);
        let bytes = fs::read(&path).map_err(io("cannot read proving key", &path))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != entry.proving_key_sha256 {
            return Err(ParamsError::HashMismatch {
                path,
                actual,
                expected: entry.proving_key_sha256.clone(),
            });
        }
        ProvingKey::deserialize_uncompressed_unchecked(&bytes[..])
            .map_err(|e| ParamsError::Decode(path.display().to_string(), e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use rand::{rngs::StdRng, SeedableRng};

    use super::*;

    #[test]
    fn setup_writes_a_manifest_and_loading_checks_the_hash() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rng = StdRng::seed_from_u64(1);
        let mut steps = Vec::new();
        let manifest = setup_dev(
            dir.path(),
            &[StatementKind::AssetIncluded],
            &[Capacity::C16],
            &mut rng,
            |s| steps.push((s.statement, s.capacity, s.index, s.total)),
        )
        .expect("setup");
        assert_eq!(
            steps,
            vec![(StatementKind::AssetIncluded, Capacity::C16, 0, 1)]
        );
        assert_eq!(manifest.setup, "dev");
        let entry = manifest
            .entry(StatementKind::AssetIncluded, Capacity::C16)
            .expect("entry");
        assert_eq!(entry.num_constraints, 1_419);

        let params = Params::open(dir.path()).expect("open");
        let pk = params
            .proving_key(StatementKind::AssetIncluded, Capacity::C16)
            .expect("load");
        let mut vk = Vec::new();
        pk.vk.serialize_compressed(&mut vk).expect("serialize");
        assert_eq!(
            hex::encode(vk),
            entry.verifying_key,
            "the proving key's vk is the manifest's"
        );

        assert!(matches!(
            params.proving_key(StatementKind::NetWorthRange, Capacity::C16),
            Err(ParamsError::MissingKey { .. })
        ));

        // Flip one byte of the proving key: refused with a clear error.
        let path = dir.path().join(&entry.proving_key_file);
        let mut bytes = fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, bytes).expect("write");
        let err = params
            .proving_key(StatementKind::AssetIncluded, Capacity::C16)
            .expect_err("tampered key");
        assert!(matches!(err, ParamsError::HashMismatch { .. }));
        assert!(err
            .to_string()
            .contains("does not match the params manifest"));
    }

    #[test]
    fn a_missing_manifest_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Params::open(dir.path()).expect_err("empty folder");
        assert!(err.to_string().contains("probity setup --dev"));
    }
}
