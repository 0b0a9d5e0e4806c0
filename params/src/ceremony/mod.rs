//! The phase-2 ceremony in snarkjs's formats (DESIGN §6: production keys come from a
//! multi-party ceremony; one honest contributor suffices).
//!
//! Probity's ceremony lives in the snarkjs/circom ecosystem so that a contributor or an
//! auditor can check it with a tool Probity did not write:
//! - [`r1cs`]: a statement's circuit in iden3's `.r1cs` format;
//! - [`Ptau`]: phase 1, a powers-of-tau file prepared for phase 2;
//! - [`init`]: the initial `.zkey` of a circuit, byte for byte what `snarkjs groth16 setup`
//!   writes for the same `.r1cs` and `.ptau`.
//!
//! Every file read is input: sizes are checked against the sections that hold them, and
//! every point read is checked to be on its curve and in its subgroup.

mod binfile;
mod derive;
mod encoding;
mod phase2;
mod ptau;
mod r1cs;
mod zkey;

use std::path::PathBuf;

use probity_core::{Capacity, StatementKind};

pub use phase2::{
    beacon, contribute, proving_key, verify, Beacon, Contributed, Contribution, Verified,
};
#[cfg(feature = "test-dependencies")]
pub use ptau::insecure_ptau_for_tests;
pub use ptau::Ptau;
pub use zkey::{CircuitHash, CircuitReference, InitialZkey};

/// Errors of the ceremony's files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// A file could not be read or written.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not in the format it should be.
    #[error("{0}")]
    Format(String),
    /// The powers-of-tau file has no Lagrange sections.
    #[error("{0} is not prepared for phase 2: run `snarkjs powersoftau prepare phase2` on it")]
    NotPrepared(PathBuf),
    /// The powers-of-tau file is too small for the circuit.
    #[error("the circuit needs a powers-of-tau file of power {needed} or more; this one has power {power}")]
    PtauTooSmall {
        /// The power needed.
        needed: u32,
        /// The file's power.
        power: u32,
    },
    /// A key does not pass its check.
    #[error("the key does not verify: {0}")]
    Invalid(String),
    /// The circuit could not be synthesized.
    #[error("the {0} circuit at capacity {1} cannot be synthesized: {2}")]
    Circuit(StatementKind, Capacity, String),
}

/// A statement's circuit in iden3's `.r1cs` format.
pub struct R1csFile {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its constraints.
    pub num_constraints: usize,
    /// Its public inputs (the constant one not counted).
    pub num_public_inputs: usize,
    /// Its wires (the constant one included).
    pub num_wires: usize,
}

/// The circuit of `kind` at `capacity` as an `.r1cs` file: wire 0 is the constant one, then
/// the public inputs in DESIGN §5 order, then the rest; no outputs.
pub fn r1cs(kind: StatementKind, capacity: Capacity) -> Result<R1csFile, CeremonyError> {
    let shape = r1cs::ConstraintSystemShape::of(kind, capacity)?;
    Ok(R1csFile {
        bytes: shape.r1cs_file(),
        num_constraints: shape.num_constraints(),
        num_public_inputs: shape.num_public(),
        num_wires: shape.num_wires(),
    })
}

/// The initial `.zkey` of the circuit of `kind` at `capacity` over `ptau`: what `snarkjs
/// groth16 setup` makes from [`r1cs`]'s file and the same `.ptau`, byte for byte.
pub fn init(
    kind: StatementKind,
    capacity: Capacity,
    ptau: &Ptau,
) -> Result<InitialZkey, CeremonyError> {
    let shape = r1cs::ConstraintSystemShape::of(kind, capacity)?;
    zkey::initial(&shape, ptau)
}

/// What every key of the circuit of `kind` at `capacity` over `ptau` must hold, to [`verify`]
/// keys against: cheaper than [`init`], since the check does not remake A and B.
pub fn reference(
    kind: StatementKind,
    capacity: Capacity,
    ptau: &Ptau,
) -> Result<CircuitReference, CeremonyError> {
    let shape = r1cs::ConstraintSystemShape::of(kind, capacity)?;
    CircuitReference::of(&shape, ptau)
}
