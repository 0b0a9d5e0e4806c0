//! Proof verification off the async threads, in batches.
//!
//! Handlers hand proof files to the [`ProofChecker`]. One worker thread per core takes every
//! proof waiting, decodes them, and checks each group of one statement and capacity with
//! one batch equation ([`probity_verifier::verify_batch`]). Under load, proofs queue while
//! the workers are busy, so batches grow with the load and the cost per proof falls to
//! about half of checking one at a time; an idle service checks a lone proof at once.
//!
//! A batch that fails is checked again proof by proof, so a bad proof refuses only its own
//! request, and a good one is never refused because of another's. The batch's random
//! scalars come from the thread's CSPRNG, which a prover cannot predict.

use std::{
    collections::HashMap,
    sync::{mpsc, Arc, Mutex},
};

use probity_core::{Capacity, ProofEnvelope, PublicInputs, StatementKind};
use probity_verifier::{EnvelopeVerifyError, Proof, StatementVerifyingKey};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// The verifying keys the service accepts proofs under.
pub(crate) type Keys = HashMap<(StatementKind, Capacity), StatementVerifyingKey>;

/// Most proofs one worker takes at once. Beyond this the batch saving is nearly all had,
/// and a larger batch only makes its first proof wait longer.
const MAX_BATCH: usize = 32;

/// A proof waiting to be checked, and where its answer goes.
struct Pending {
    envelope: ProofEnvelope,
    reply: oneshot::Sender<Result<PublicInputs, ApiError>>,
}

/// Checks proof files on its own worker threads; see the [module](self).
///
/// The workers stop when the checker is dropped.
pub(crate) struct ProofChecker {
    keys: Arc<Keys>,
    queue: mpsc::Sender<Pending>,
}

impl ProofChecker {
    /// Starts `workers` threads checking proofs under `keys`.
    pub(crate) fn start(keys: Keys, workers: usize) -> std::io::Result<Self> {
        let keys = Arc::new(keys);
        // Unbounded: the HTTP layer's concurrency limit bounds the requests, and so the
        // proofs, in flight.
        let (queue, rx) = mpsc::channel();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let (keys, rx) = (Arc::clone(&keys), Arc::clone(&rx));
            std::thread::Builder::new()
                .name(format!("probity-proofs-{i}"))
                .spawn(move || run(&keys, &rx))?;
        }
        Ok(Self { keys, queue })
    }

    /// Whether the service has a key for `statement` at `capacity`.
    pub(crate) fn accepts(&self, statement: StatementKind, capacity: Capacity) -> bool {
        self.keys.contains_key(&(statement, capacity))
    }

    /// Verifies proof files; returns their typed public inputs, in order, or the first
    /// refusal.
    pub(crate) async fn verify(
        &self,
        envelopes: Vec<ProofEnvelope>,
    ) -> Result<Vec<PublicInputs>, ApiError> {
        let mut answers = Vec::with_capacity(envelopes.len());
        for envelope in envelopes {
            let (reply, answer) = oneshot::channel();
            self.queue
                .send(Pending { envelope, reply })
                .map_err(|_| ApiError::unavailable("the service is shutting down"))?;
            answers.push(answer);
        }
        let mut inputs = Vec::with_capacity(answers.len());
        for answer in answers {
            inputs.push(
                answer
                    .await
                    .map_err(|_| ApiError::internal("proof verification stopped"))??,
            );
        }
        Ok(inputs)
    }
}

fn run(keys: &Keys, queue: &Mutex<mpsc::Receiver<Pending>>) {
    loop {
        let batch = {
            let queue = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Ok(first) = queue.recv() else { return };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        check(keys, batch);
    }
}

/// A decoded proof, waiting for its group's batch.
type Decoded = (
    PublicInputs,
    Proof,
    oneshot::Sender<Result<PublicInputs, ApiError>>,
);

/// Checks a batch of waiting proofs and answers each.
fn check(keys: &Keys, batch: Vec<Pending>) {
    let mut groups: HashMap<(StatementKind, Capacity), Vec<Decoded>> = HashMap::new();
    for Pending { envelope, reply } in batch {
        let key = (envelope.statement, envelope.capacity);
        match decode(keys, &envelope) {
            Ok((inputs, proof)) => groups.entry(key).or_default().push((inputs, proof, reply)),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }
    for (key, group) in groups {
        // `decode` found the key.
        let Some(vk) = keys.get(&key) else { continue };
        let all_verify = group.len() > 1
            && probity_verifier::verify_batch(
                vk,
                group.iter().map(|(inputs, proof, _)| (inputs, proof)),
                &mut rand::thread_rng(),
            )
            .is_ok();
        for (inputs, proof, reply) in group {
            let answer = if all_verify || probity_verifier::verify(vk, &inputs, &proof).is_ok() {
                Ok(inputs)
            } else {
                Err(ApiError::invalid_proof(format!(
                    "the {} proof does not verify",
                    key.0
                )))
            };
            let _ = reply.send(answer);
        }
    }
}

fn decode(keys: &Keys, envelope: &ProofEnvelope) -> Result<(PublicInputs, Proof), ApiError> {
    let vk = keys
        .get(&(envelope.statement, envelope.capacity))
        .ok_or_else(|| {
            ApiError::unprocessable(format!(
                "the service has no key for {} at capacity {}",
                envelope.statement, envelope.capacity
            ))
        })?;
    probity_verifier::decode_envelope(vk, envelope).map_err(|err| match err {
        EnvelopeVerifyError::Failed(_) => {
            ApiError::invalid_proof(format!("the {} proof does not verify", envelope.statement))
        }
        other => ApiError::bad_request(format!(
            "the {} proof file is not valid: {other}",
            envelope.statement
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_core::{testing::golden_opening, Opening, SignedAmount};

    /// Keys and a prover for `net_worth_range` at capacity 16.
    fn setup() -> (Keys, probity_prover::Prover, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = probity_params::setup_dev(
            dir.path(),
            &[StatementKind::NetWorthRange],
            &[Capacity::C16],
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .expect("dev params");
        let keys = manifest
            .keys
            .iter()
            .map(|e| {
                let vk = StatementVerifyingKey::from_manifest_entry(e).expect("key");
                ((e.statement, e.capacity), vk)
            })
            .collect();
        let params = probity_params::Params::open(dir.path()).expect("params");
        let prover = probity_prover::Prover::from_params(
            &params,
            StatementKind::NetWorthRange,
            Capacity::C16,
        )
        .expect("prover");
        (keys, prover, dir)
    }

    fn band_proof(prover: &probity_prover::Prover, o: &Opening, hi: i64) -> ProofEnvelope {
        prover
            .net_worth_range(o, SignedAmount(0), SignedAmount(hi), &mut rand::rngs::OsRng)
            .expect("proof")
    }

    /// Runs `check` on `envelopes` as one batch and returns each answer.
    fn answers(keys: &Keys, envelopes: Vec<ProofEnvelope>) -> Vec<Result<PublicInputs, ApiError>> {
        let (batch, receivers): (Vec<_>, Vec<_>) = envelopes
            .into_iter()
            .map(|envelope| {
                let (reply, answer) = oneshot::channel();
                (Pending { envelope, reply }, answer)
            })
            .unzip();
        check(keys, batch);
        receivers
            .into_iter()
            .map(|mut r| r.try_recv().expect("every proof is answered"))
            .collect()
    }

    #[test]
    fn a_bad_proof_in_a_batch_refuses_only_itself() {
        let (keys, prover, _dir) = setup();
        let o = golden_opening();
        let good: Vec<_> = (0..3)
            .map(|_| band_proof(&prover, &o, 1_000_000_000))
            .collect();
        // A well-formed proof of another band, presented as a proof of this one: it decodes,
        // and only the equation can refuse it.
        let mut forged = good[0].clone();
        forged.proof = band_proof(&prover, &o, 2_000_000_000).proof;
        // Bytes that are not a point.
        let mut garbled = good[0].clone();
        garbled.proof = "ff".repeat(128);
        // A capacity the service has no key for.
        let mut unkeyed = good[0].clone();
        unkeyed.capacity = Capacity::C64;

        let mut batch = good.clone();
        batch.insert(1, forged);
        batch.push(garbled);
        batch.push(unkeyed);
        let answers = answers(&keys, batch);
        let codes: Vec<_> = answers
            .iter()
            .map(|a| a.as_ref().map_or_else(|e| e.code, |_| "verified"))
            .collect();
        assert_eq!(
            codes,
            [
                "verified",
                "invalid_proof",
                "verified",
                "verified",
                "bad_request",
                "unprocessable"
            ]
        );
        for (answer, proof) in answers.iter().zip([&good[0], &good[0], &good[1], &good[2]]) {
            if let Ok(inputs) = answer {
                assert_eq!(inputs, &proof.validate().expect("valid"));
            }
        }
    }

    #[test]
    fn a_batch_of_good_proofs_all_verify_and_a_lone_bad_one_does_not() {
        let (keys, prover, _dir) = setup();
        let o = golden_opening();
        let good: Vec<_> = (0..4)
            .map(|_| band_proof(&prover, &o, 1_000_000_000))
            .collect();
        assert!(answers(&keys, good.clone()).iter().all(Result::is_ok));
        let mut forged = good[0].clone();
        forged.proof.clone_from(&good[1].proof);
        forged
            .public_inputs
            .clone_from(&band_proof(&prover, &o, 2_000_000_000).public_inputs);
        let lone = answers(&keys, vec![forged]);
        assert!(matches!(&lone[..], [Err(e)] if e.code == "invalid_proof"));
    }
}
