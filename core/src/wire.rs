//! Versioned file formats shared by the prover, the verifier and the params tooling: the proof
//! envelope and the params manifest. Both are JSON; both refuse unknown versions and unknown
//! fields, so that a file from a newer Probity fails loudly instead of half-parsing.

use serde::{Deserialize, Serialize};

use crate::{
    declaration::Capacity,
    statement::{PublicInputError, PublicInputs, StatementKind},
    types::{parse_field_decimal, OfficialId, Period},
    Fr,
};

/// Version of [`ProofEnvelope`]. Version 2 is commitment format v2 (DESIGN.md §4: the
/// commitment binds the capacity); version 1 proofs are refused, never read.
pub const PROOF_ENVELOPE_VERSION: u32 = 2;
/// Version of [`ParamsManifest`]. Version 2 keys are for the circuits of commitment format v2;
/// version 1 manifests are refused, never read.
pub const PARAMS_MANIFEST_VERSION: u32 = 2;

/// What a reader of a file in another version should do. Version 1 is the commitment format
/// that did not bind the capacity (DESIGN.md §4).
fn version_advice(found: u32, current: u32, what_to_do_with_v1: &'static str) -> &'static str {
    if found == 1 && current == 2 {
        what_to_do_with_v1
    } else if found < current {
        "it is older than this build reads"
    } else {
        "upgrade probity if the file is newer"
    }
}

fn envelope_advice(found: u32) -> &'static str {
    version_advice(
        found,
        PROOF_ENVELOPE_VERSION,
        "it was made for commitment format v1, which did not bind the capacity and is refused: \
         the official must commit and file the declaration again, then prove anew",
    )
}

fn manifest_advice(found: u32) -> &'static str {
    version_advice(
        found,
        PARAMS_MANIFEST_VERSION,
        "its keys are for commitment format v1, which did not bind the capacity and is \
         refused: make new params (`probity setup --dev`, or a ceremony)",
    )
}
/// Length of a Groth16 proof over BN254 in arkworks compressed form.
pub const PROOF_LEN: usize = 128;

/// A proof file: what an official hands to a supervisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofEnvelope {
    /// Always [`PROOF_ENVELOPE_VERSION`].
    pub version: u32,
    /// The statement.
    pub statement: StatementKind,
    /// The declarations' capacity (selects the key).
    pub capacity: Capacity,
    /// The official the statement is about.
    pub official: OfficialId,
    /// The period(s): one, or the earlier and the later for `wealth_growth`.
    pub periods: Vec<Period>,
    /// Public inputs as canonical decimal strings, in verifying-key order.
    pub public_inputs: Vec<String>,
    /// The 128-byte compressed proof, hex.
    pub proof: String,
}

/// A proof envelope that does not parse or does not agree with itself.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not JSON, or not this format.
    #[error("not a Probity proof file: {0}")]
    Format(String),
    /// A version this build does not read.
    #[error("proof file version {0} is not supported (this build reads version {PROOF_ENVELOPE_VERSION}): {advice}", advice = envelope_advice(*.0))]
    Version(u32),
    /// The public inputs do not decode.
    #[error("the proof file's public inputs are not valid: {0}")]
    PublicInputs(String),
    /// The proof bytes are not 128 bytes of hex.
    #[error("the proof is not {PROOF_LEN} bytes of hex")]
    ProofBytes,
    /// The official id or periods disagree with the public inputs.
    #[error("the proof file is inconsistent: {0}")]
    Inconsistent(String),
}

impl From<PublicInputError> for EnvelopeError {
    fn from(e: PublicInputError) -> Self {
        Self::PublicInputs(e.to_string())
    }
}

impl ProofEnvelope {
    /// Wraps a proof.
    pub fn new(
        capacity: Capacity,
        official: OfficialId,
        inputs: &PublicInputs,
        proof: &[u8; PROOF_LEN],
    ) -> Self {
        let periods = inputs
            .named_commitments()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        Self {
            version: PROOF_ENVELOPE_VERSION,
            statement: inputs.kind(),
            capacity,
            official,
            periods,
            public_inputs: inputs
                .to_public_inputs()
                .iter()
                .map(Fr::to_string)
                .collect(),
            proof: hex::encode(proof),
        }
    }

    /// Parses and checks a proof file: version, public inputs, proof length, and that the
    /// official id and periods agree with the public inputs.
    pub fn from_json(text: &str) -> Result<Self, EnvelopeError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let v: VersionOnly =
            serde_json::from_str(text).map_err(|e| EnvelopeError::Format(e.to_string()))?;
        if v.version != PROOF_ENVELOPE_VERSION {
            return Err(EnvelopeError::Version(v.version));
        }
        let env: Self =
            serde_json::from_str(text).map_err(|e| EnvelopeError::Format(e.to_string()))?;
        env.validate()?;
        Ok(env)
    }

    /// Checks an envelope however it was made: version, public inputs, proof length, and that
    /// the official id and periods agree with the public inputs. Returns the typed inputs.
    pub fn validate(&self) -> Result<PublicInputs, EnvelopeError> {
        if self.version != PROOF_ENVELOPE_VERSION {
            return Err(EnvelopeError::Version(self.version));
        }
        let inputs = self.inputs()?;
        self.proof_bytes()?;
        if inputs.official_tag() != self.official.tag() {
            return Err(EnvelopeError::Inconsistent(format!(
                "the public official_tag is not the tag of official `{}`",
                self.official
            )));
        }
        let periods: Vec<Period> = inputs
            .named_commitments()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        if periods != self.periods {
            return Err(EnvelopeError::Inconsistent(
                "the periods do not match the public inputs".into(),
            ));
        }
        Ok(inputs)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an envelope always serializes")
    }

    /// The typed public inputs.
    pub fn inputs(&self) -> Result<PublicInputs, EnvelopeError> {
        let x = self
            .public_inputs
            .iter()
            .map(|s| parse_field_decimal(s))
            .collect::<Result<Vec<Fr>, String>>()
            .map_err(EnvelopeError::PublicInputs)?;
        Ok(PublicInputs::from_public_inputs(self.statement, &x)?)
    }

    /// The proof bytes.
    pub fn proof_bytes(&self) -> Result<[u8; PROOF_LEN], EnvelopeError> {
        let bytes = hex::decode(&self.proof).map_err(|_| EnvelopeError::ProofBytes)?;
        bytes.try_into().map_err(|_| EnvelopeError::ProofBytes)
    }
}

/// The params manifest (DESIGN.md §6): one entry per key pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsManifest {
    /// Always [`PARAMS_MANIFEST_VERSION`].
    pub version: u32,
    /// How the keys were made: `"dev"` (one machine, OS randomness) or `"ceremony"`.
    pub setup: String,
    /// The key pairs.
    pub keys: Vec<ManifestEntry>,
}

/// One key pair of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// The statement.
    pub statement: StatementKind,
    /// The capacity.
    pub capacity: Capacity,
    /// Number of constraints of the circuit.
    pub num_constraints: usize,
    /// The verifying key, arkworks compressed serialization, hex.
    pub verifying_key: String,
    /// File name of the proving key, relative to the manifest.
    pub proving_key_file: String,
    /// SHA-256 of the proving-key file, hex.
    pub proving_key_sha256: String,
    /// For a key from a ceremony (`setup = "ceremony"`): its transcript, so that each
    /// contributor can find theirs in the key in use. Absent for dev keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<KeyCeremony>,
}

/// A ceremony key's transcript, as `probity ceremony verify` checked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyCeremony {
    /// The circuit hash (BLAKE2b-512, hex) every contribution's transcript starts from.
    pub circuit_hash: String,
    /// The contributions, first to last: the contributor's name (empty if none) and the
    /// contribution hash (BLAKE2b-512, hex), as snarkjs prints them.
    pub contributions: Vec<KeyContribution>,
}

/// One contribution of a ceremony key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyContribution {
    /// The name the contributor gave.
    pub name: String,
    /// The contribution hash, hex.
    pub hash: String,
}

impl ParamsManifest {
    /// Parses a manifest, refusing other versions.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let m: Self = serde_json::from_str(text)
            .map_err(|e| format!("the params manifest is not valid: {e}"))?;
        if m.version != PARAMS_MANIFEST_VERSION {
            return Err(format!(
                "params manifest version {} is not supported (this build reads version {PARAMS_MANIFEST_VERSION}): {}",
                m.version,
                manifest_advice(m.version)
            ));
        }
        Ok(m)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes")
    }

    /// The entry for one key pair.
    pub fn entry(&self, statement: StatementKind, capacity: Capacity) -> Option<&ManifestEntry> {
        self.keys
            .iter()
            .find(|e| e.statement == statement && e.capacity == capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NetWorthRange, SignedAmount};

    fn envelope() -> ProofEnvelope {
        let official = OfficialId::new("GOV-0001").expect("valid");
        let inputs = PublicInputs::NetWorthRange(NetWorthRange {
            commitment: crate::Commitment(Fr::from(5u64)),
            official_tag: official.tag(),
            period: Period::new(2026).expect("valid"),
            lo: SignedAmount(-1),
            hi: SignedAmount(1),
        });
        ProofEnvelope::new(Capacity::C16, official, &inputs, &[7; PROOF_LEN])
    }

    #[test]
    fn validate_catches_envelopes_built_in_memory() {
        let honest = envelope();
        assert!(honest.validate().is_ok());
        assert_eq!(
            ProofEnvelope::from_json(&honest.to_json()),
            Ok(honest.clone())
        );

        let other_official = ProofEnvelope {
            official: OfficialId::new("GOV-0002").expect("valid"),
            ..honest.clone()
        };
        assert!(matches!(
            other_official.validate(),
            Err(EnvelopeError::Inconsistent(_))
        ));
        let other_period = ProofEnvelope {
            periods: vec![Period::new(2025).expect("valid")],
            ..honest.clone()
        };
        assert!(matches!(
            other_period.validate(),
            Err(EnvelopeError::Inconsistent(_))
        ));
        let newer = ProofEnvelope {
            version: 3,
            ..honest.clone()
        };
        assert_eq!(newer.validate(), Err(EnvelopeError::Version(3)));
        assert!(newer
            .validate()
            .expect_err("newer")
            .to_string()
            .contains("upgrade probity"));
        let short = ProofEnvelope {
            proof: "00".repeat(127),
            ..honest.clone()
        };
        assert_eq!(short.validate(), Err(EnvelopeError::ProofBytes));
        let mut bad_bound = honest;
        bad_bound.public_inputs[NetWorthRange::HI] = (1u128 << 63).to_string();
        assert!(matches!(
            bad_bound.validate(),
            Err(EnvelopeError::PublicInputs(_))
        ));
    }

    /// Commitment format v1 did not bind the capacity (DESIGN.md §4): a v1 proof file or params
    /// manifest is refused with what to do, and never read.
    #[test]
    fn format_v1_proofs_and_manifests_are_refused_with_what_to_do() {
        let v1 = envelope()
            .to_json()
            .replace("\"version\": 2", "\"version\": 1");
        let e = ProofEnvelope::from_json(&v1).expect_err("a v1 proof file");
        assert_eq!(e, EnvelopeError::Version(1));
        assert!(
            e.to_string().contains("commitment format v1")
                && e.to_string()
                    .contains("commit and file the declaration again"),
            "{e}"
        );
        let manifest = ParamsManifest {
            version: PARAMS_MANIFEST_VERSION,
            setup: "dev".into(),
            keys: Vec::new(),
        };
        assert!(ParamsManifest::from_json(&manifest.to_json()).is_ok());
        let v1 = manifest
            .to_json()
            .replace("\"version\": 2", "\"version\": 1");
        let e = ParamsManifest::from_json(&v1).expect_err("a v1 manifest");
        assert!(
            e.contains("commitment format v1") && e.contains("probity setup --dev"),
            "{e}"
        );
    }
}
