//! snarkjs's powers-of-tau file (`.ptau`), prepared for phase 2: the phase-1 output a
//! ceremony starts from.
//!
//! Sections used here: 1 the header (the base field's size and modulus, the power `p`);
//! 2 τ^i·G1 for i < 2^(p+1) − 1; 4 α·τ^i·G1, 5 β·τ^i·G1 and 6 β·G2, of which the first
//! points are α and β; 12 to 15 the same in the Lagrange basis of every domain 2^k, k ≤ p,
//! one after the other (2^k points at offset 2^k − 1): τ·G1, τ·G2, α·τ·G1, β·τ·G1. Sections
//! 12 to 15 are what `snarkjs powersoftau prepare phase2` adds.
//!
//! The file can be large (about 2^p KiB), so only the points needed are read, each checked.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    ops::Range,
    path::{Path, PathBuf},
    sync::Mutex,
};

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::PrimeField;

use super::{
    binfile::Sections,
    encoding::{g1_from_lem, g2_from_lem, G1_BYTES, G2_BYTES},
    CeremonyError,
};

/// The sections of a prepared `.ptau` file.
#[derive(Clone, Copy)]
pub(crate) enum PtauSection {
    TauG1 = 2,
    AlphaTauG1 = 4,
    BetaTauG1 = 5,
    BetaG2 = 6,
    LagrangeTauG1 = 12,
    LagrangeTauG2 = 13,
    LagrangeAlphaTauG1 = 14,
    LagrangeBetaTauG1 = 15,
}

/// A prepared powers-of-tau file, open for reading.
pub struct Ptau {
    path: PathBuf,
    file: Mutex<File>,
    sections: Sections,
    power: u32,
}

impl std::fmt::Debug for Ptau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ptau")
            .field("path", &self.path)
            .field("power", &self.power)
            .finish_non_exhaustive()
    }
}

impl Ptau {
    /// Opens `path`: a BN254 `.ptau` file prepared for phase 2.
    pub fn open(path: &Path) -> Result<Self, CeremonyError> {
        let io = |source| CeremonyError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let sections = Sections::read(&mut file, b"ptau", 1)?;
        let header = sections.find(1)?;
        let mut bytes = vec![0; usize::try_from(header.end - header.start).unwrap_or(0)];
        file.seek(SeekFrom::Start(header.start)).map_err(io)?;
        file.read_exact(&mut bytes).map_err(io)?;
        // n8 (32), the base field's modulus, the power, the ceremony's power.
        if bytes.len() != 4 + 32 + 4 + 4 || bytes[..4] != 32u32.to_le_bytes() {
            return Err(CeremonyError::Format(
                "the .ptau header is not that of a BN254 file".into(),
            ));
        }
        let mut modulus = Vec::new();
        super::encoding::modulus_le::<Fq>(&mut modulus);
        if bytes[4..36] != modulus[..] {
            return Err(CeremonyError::Format(
                "the .ptau file is for another curve than BN254".into(),
            ));
        }
        let power = u32::from_le_bytes([bytes[36], bytes[37], bytes[38], bytes[39]]);
        if power == 0 || power >= Fq::MODULUS_BIT_SIZE {
            return Err(CeremonyError::Format(format!(
                "the .ptau file's power {power} is out of range"
            )));
        }
        if !(12..=15).all(|s| sections.has(s)) {
            return Err(CeremonyError::NotPrepared(path.to_owned()));
        }
        Ok(Ptau {
            path: path.to_owned(),
            file: Mutex::new(file),
            sections,
            power,
        })
    }

    /// The power p: the file holds the powers of τ up to 2^p (and twice that in G1).
    pub fn power(&self) -> u32 {
        self.power
    }

    /// The bytes of points `points` of `section` (each `size` bytes), within the section.
    fn raw(
        &self,
        section: PtauSection,
        points: Range<usize>,
        size: usize,
    ) -> Result<Vec<u8>, CeremonyError> {
        let range = self.sections.find(section as u32)?;
        let start = range.start + (points.start * size) as u64;
        let len = (points.end - points.start) * size;
        if start + len as u64 > range.end {
            return Err(CeremonyError::Format(format!(
                "section {} of the .ptau file is shorter than its power says",
                section as u32
            )));
        }
        let mut bytes = vec![0; len];
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let io = |source| CeremonyError::Io {
            action: "read",
            path: self.path.clone(),
            source,
        };
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        file.read_exact(&mut bytes).map_err(io)?;
        Ok(bytes)
    }

    /// Points `points` of a G1 section, checked.
    pub(crate) fn g1(
        &self,
        section: PtauSection,
        points: Range<usize>,
    ) -> Result<Vec<G1Affine>, CeremonyError> {
        self.raw(section, points, G1_BYTES)?
            .chunks_exact(G1_BYTES)
            .map(g1_from_lem)
            .collect()
    }

    /// Points `points` of a G2 section, checked.
    pub(crate) fn g2(
        &self,
        section: PtauSection,
        points: Range<usize>,
    ) -> Result<Vec<G2Affine>, CeremonyError> {
        self.raw(section, points, G2_BYTES)?
            .chunks_exact(G2_BYTES)
            .map(g2_from_lem)
            .collect()
    }

    /// The Lagrange-basis points of the domain of size `size` (a power of two up to 2^p).
    pub(crate) fn lagrange(&self, size: usize) -> Range<usize> {
        size - 1..2 * size - 1
    }
}
