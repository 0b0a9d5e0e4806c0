//! Criterion benches: issuance (client and issuer sides), presentation, verification,
//! sealing and opening. Every input is made, and checked once, outside the timed loop.

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use probity_credentials::{
    issuance, open, presentation, seal, CredentialAttributes, EnrollmentCodes, EnrollmentStore,
    Epoch, Issuer, Scope, Subject, TipBody, TipContext, TipSecretKey,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn setup() -> (
    ChaCha20Rng,
    Issuer,
    EnrollmentCodes,
    CredentialAttributes,
    TipContext,
) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let issuer = Issuer::generate(&mut rng);
    let attributes = CredentialAttributes::new(Epoch(20), Scope::new("CN-BJ").expect("scope"));
    let ctx = TipContext::new(Subject::new("GOV-0001").expect("subject"), Epoch(5));
    (rng, issuer, EnrollmentCodes::new(), attributes, ctx)
}

fn issuance(c: &mut Criterion) {
    let (mut rng, issuer, codes, attributes, _) = setup();
    let params = issuer.public_params().clone();
    // Inputs made outside the timed routine draw from their own RNG.
    let mut setup_rng = ChaCha20Rng::seed_from_u64(2);
    let mut group = c.benchmark_group("issuance");

    group.bench_function("client_request", |b| {
        let code = codes.issue_code(&mut rng).expect("code");
        b.iter(|| issuance::request(&params, code.clone(), attributes.clone(), &mut rng))
    });

    group.bench_function("issuer_handle_issuance", |b| {
        b.iter_batched(
            || {
                let code = codes.issue_code(&mut setup_rng).expect("code");
                issuance::request(&params, code, attributes.clone(), &mut setup_rng).0
            },
            |request| {
                issuer
                    .handle_issuance(&request, &codes, &attributes, &mut rng)
                    .expect("issuance")
            },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("client_handle_response", |b| {
        b.iter_batched(
            || {
                let code = codes.issue_code(&mut setup_rng).expect("code");
                let (request, state) =
                    issuance::request(&params, code, attributes.clone(), &mut setup_rng);
                let response = issuer
                    .handle_issuance(&request, &codes, &attributes, &mut setup_rng)
                    .expect("issuance");
                (state, response)
            },
            |(state, response)| state.handle_response(response).expect("credential"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn tips(c: &mut Criterion) {
    let (mut rng, issuer, codes, attributes, ctx) = setup();
    let scope = attributes.scope.clone();
    let params = issuer.public_params().clone();
    let code = codes.issue_code(&mut rng).expect("code");
    let (request, state) = issuance::request(&params, code, attributes.clone(), &mut rng);
    let response = issuer
        .handle_issuance(&request, &codes, &attributes, &mut rng)
        .expect("issuance");
    let credential = state.handle_response(response).expect("credential");
    let supervisors = TipSecretKey::generate(&mut rng);
    let body = TipBody::new(&"x".repeat(1024), vec![]).expect("body");
    let sealed = seal(&supervisors.public_key(), &ctx, &body, &mut rng).expect("seal");
    let p = presentation::present(&credential, &params, &ctx, &sealed, &mut rng).expect("present");
    issuer
        .verify_presentation(&p, &ctx, &scope, &sealed)
        .expect("verifies before timing");

    let mut group = c.benchmark_group("presentation");
    group.bench_function("client_present", |b| {
        b.iter(|| presentation::present(&credential, &params, &ctx, &sealed, &mut rng))
    });
    group.finish();

    let mut group = c.benchmark_group("verification");
    group.bench_function("issuer_verify_presentation", |b| {
        b.iter(|| issuer.verify_presentation(&p, &ctx, &scope, &sealed))
    });
    group.finish();

    let mut group = c.benchmark_group("sealing");
    for size in [1usize << 10, 64 << 10] {
        let body = TipBody::new(&"x".repeat(size), vec![]).expect("body");
        let sealed = seal(&supervisors.public_key(), &ctx, &body, &mut rng).expect("seal");
        open(&supervisors, &ctx, &sealed).expect("opens before timing");
        group.bench_with_input(BenchmarkId::new("seal", size), &body, |b, body| {
            b.iter(|| seal(&supervisors.public_key(), &ctx, body, &mut rng))
        });
        group.bench_with_input(BenchmarkId::new("open", size), &sealed, |b, sealed| {
            b.iter(|| open(&supervisors, &ctx, sealed))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = issuance, tips
}
criterion_main!(benches);
