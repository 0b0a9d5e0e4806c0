//! A statement's circuit as a constraint system, and its export in iden3's `.r1cs` format.
//!
//! Wire order is arkworks' variable order, which is also what a zkey's points follow: wire 0
//! is the constant one, then the public inputs in DESIGN §5 order, then every other
//! variable. The file has no outputs and no private inputs (snarkjs needs neither: it counts
//! public signals as outputs plus public inputs), and labels each wire with its own index.

use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use probity_circuits::StatementCircuit;
use probity_core::{Capacity, StatementKind};

use super::{
    binfile::Writer,
    encoding::{fr_le, modulus_le},
    CeremonyError,
};

/// A statement circuit's constraints `A·z ∘ B·z = C·z`, as the prover synthesizes them.
pub(crate) struct ConstraintSystemShape {
    /// A, B and C: for each constraint, the (coefficient, wire) pairs of its row.
    pub(crate) matrices: [Matrix<Fr>; 3],
    /// The constant one and the public inputs.
    pub(crate) num_instance: usize,
    /// Every other wire.
    pub(crate) num_witness: usize,
}

impl ConstraintSystemShape {
    /// The circuit of `kind` at `capacity`, synthesized as the prover does (setup mode,
    /// linear combinations inlined for the fewest constraints).
    pub(crate) fn of(kind: StatementKind, capacity: Capacity) -> Result<Self, CeremonyError> {
        let internal = |e: ark_relations::gr1cs::SynthesisError| {
            CeremonyError::Circuit(kind, capacity, e.to_string())
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        StatementCircuit::empty(kind, capacity)
            .generate_constraints(cs.clone())
            .map_err(internal)?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(internal)?;
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| CeremonyError::Circuit(kind, capacity, "no R1CS constraints".into()))?;
        let [a, b, c]: [Matrix<Fr>; 3] = matrices.try_into().map_err(|_| {
            CeremonyError::Circuit(kind, capacity, "not three R1CS matrices".into())
        })?;
        Ok(ConstraintSystemShape {
            matrices: [a, b, c],
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
        })
    }

    pub(crate) fn num_constraints(&self) -> usize {
        self.matrices[0].len()
    }

    pub(crate) fn num_wires(&self) -> usize {
        self.num_instance + self.num_witness
    }

    /// The public inputs (the constant one not counted).
    pub(crate) fn num_public(&self) -> usize {
        self.num_instance - 1
    }

    /// The `.r1cs` file.
    pub(crate) fn r1cs_file(&self) -> Vec<u8> {
        let mut header = Vec::new();
        header.extend_from_slice(&32u32.to_le_bytes());
        modulus_le::<Fr>(&mut header);
        for n in [self.num_wires(), 0, self.num_public(), 0] {
            header.extend_from_slice(&(n as u32).to_le_bytes());
        }
        header.extend_from_slice(&(self.num_wires() as u64).to_le_bytes());
        header.extend_from_slice(&(self.num_constraints() as u32).to_le_bytes());

        let mut constraints = Vec::new();
        for row in 0..self.num_constraints() {
            for matrix in &self.matrices {
                let terms = &matrix[row];
                constraints.extend_from_slice(&(terms.len() as u32).to_le_bytes());
                for (coefficient, wire) in terms {
                    constraints.extend_from_slice(&(*wire as u32).to_le_bytes());
                    fr_le(coefficient, &mut constraints);
                }
            }
        }

        let mut labels = Vec::with_capacity(8 * self.num_wires());
        for wire in 0..self.num_wires() as u64 {
            labels.extend_from_slice(&wire.to_le_bytes());
        }

        let mut file = Writer::new(b"r1cs", 1);
        file.section(1, &header);
        file.section(2, &constraints);
        file.section(3, &labels);
        file.finish()
    }
}
