//! The service's configuration: defaults that run on a fresh machine, a TOML file, and
//! `PROBITY_*` environment overrides.

use std::{net::SocketAddr, path::PathBuf};

use serde::{Deserialize, Serialize};

use probity_credentials::ExpirySchedule;

use crate::api::Band;

/// The length of a credential expiry period, in epochs: 13 (a quarter of weekly epochs).
pub const EXPIRY_PERIOD_EPOCHS: u64 = 13;
/// Whole periods a credential outlasts the period it was issued in.
pub const EXPIRY_PERIODS: u64 = 4;

/// The configuration. Every field has a default; a config file names only what it changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The data folder: database, keys, params.
    pub data_dir: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The log's origin: the first line of every checkpoint.
    pub origin: String,
    /// The registrar's Ed25519 public key (hex). Unset: read `DATA/registrar.pub`, which
    /// `probity admin init` writes.
    pub registrar_key: Option<String>,
    /// The supervisors' tip public key (hex), made on their side with `probity supervisor
    /// tip-keygen`. Unset: the service uses `DATA/tip.pub`, and on first start makes the pair
    /// itself and writes the secret half to `DATA/supervisor-tip.key` to be handed over (for
    /// development: the operator then has held the key that opens every tip).
    pub tip_public_key: Option<String>,
    /// The capacities the service verifies proofs at: it needs keys for each, and makes dev
    /// keys for those it lacks on first start when [`Config::allow_dev_keys`] lets it.
    pub capacities: Vec<usize>,
    /// The public net-worth bands a filing proves its net worth within.
    pub net_worth_bands: Vec<Band>,
    /// Growth allowed beyond income in `wealth_growth`, in minor units.
    pub wealth_growth_tolerance: u64,
    /// Length of a tip epoch, in seconds (one tip per reporter, official and epoch). Part of
    /// the expiry schedule published in `WhistleblowerKeysPublished`
    /// ([`Config::expiry_schedule`]), and fixed for the life of the log: the service refuses
    /// to start on a log that published another.
    pub epoch_seconds: u64,
    /// Distinct reporters on one official in one epoch that raise an alert (tags are per
    /// epoch, so reporters of different epochs cannot be told apart).
    pub reporters_threshold: usize,
    /// The window of that count, in epochs (the current one and those before it): the alert
    /// fires once as the count first reaches the threshold within it.
    pub reporters_window_epochs: u64,
    /// `band_jump` fires when the public net-worth band rises by this many bands or more
    /// between an official's consecutive filed periods.
    pub band_jump_bands: usize,
    /// `many_late_filings` fires when an official is late in this many …
    pub late_filings_threshold: usize,
    /// … of the last this many periods that have a deadline.
    pub late_filings_window: usize,
    /// Largest request body, in bytes, except tips.
    pub max_body_bytes: usize,
    /// Largest tip request body, in bytes (a sealed tip holds up to 8 MiB, in base64).
    pub max_tip_bytes: usize,
    /// Bytes of request bodies held in memory at once, across all requests: a body chunk
    /// that would go beyond it fails its request with 503 (`overloaded`). At least
    /// `max_body_bytes` and `max_tip_bytes`, so that any single request can be served.
    pub max_body_bytes_in_flight: usize,
    /// Requests in flight at once; more are refused with 503.
    pub max_concurrency: usize,
    /// Longest a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// How often deadlines (overdue filings, expired challenges) are checked, in seconds.
    pub sweep_interval_secs: u64,
    /// Tips wait in a pool and are logged together, in a random order, once per window of
    /// this many seconds (at the first sweep after the window closes), so that neither the
    /// log nor a checkpoint shows when a tip arrived, only its window. 0 logs each tip at
    /// once, which shows its arrival to the second: for tests and development only.
    pub tip_batch_secs: u64,
    /// Anchoring on an EVM chain (`probity serve --anchor evm`); unset, nothing is anchored.
    pub anchor: Option<AnchorConfig>,
    /// The register's public address (`https://register.example`, no trailing `/`): the
    /// QR code of an official's page and the commands of `/about` use it. Unset, they use the
    /// request's `Host` header over `http`, which is right on a test machine and wrong
    /// behind a TLS proxy; a production register sits behind TLS and sets this.
    pub public_url: Option<String>,
    /// The witnesses this register names: their `cosignature/v1` verifier keys
    /// (`name+id+base64(0x04 || key)`, as `probity ledger keygen --witness` prints it on the
    /// witness's side; a type-`0x01` key of the same witness is taken as its `0x04` key). The
    /// log pages show them, and their script checks a cosignature on the checkpoint by one
    /// of them under its key; a cosignature by anyone else is shown as not checked.
    pub witness_keys: Vec<String>,
    /// Whether the service may run on development Groth16 keys, and make them on first start
    /// for each capacity the params folder lacks (DESIGN.md §6). Without it, the service opens
    /// only on ceremony keys that cover every capacity, and refuses before it makes or changes
    /// anything in the data folder.
    ///
    /// # Caution
    /// Whoever made development keys can forge proofs that the service accepts and every
    /// client verifies. The service says so at `/v1/info` (`keys`) and on every page of the
    /// register.
    ///
    /// Neither the config file nor the environment sets it: a setting left behind would
    /// silently run a production register on forgeable keys. `probity serve --dev` sets it
    /// for one start, as do programs that open a service for tests or a demo.
    #[serde(skip)]
    pub allow_dev_keys: bool,
}

/// Where and how to anchor (DESIGN.md §7): every declaration commitment and, in batches, each
/// checkpoint go to a `ProbityRegistry` contract, after the ledger write and never before it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorConfig {
    /// The chain's JSON-RPC endpoint (`http://…`).
    pub rpc: String,
    /// The registry's address (`0x…`, from `probity chain deploy`).
    pub registry: String,
    /// A file holding the registry operator's secret key (hex). Unset: `DATA/chain.key`.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Seconds between anchoring rounds: a round anchors everything logged since the last.
    #[serde(default = "AnchorConfig::default_interval")]
    pub interval_secs: u64,
}

/// Leaves out the endpoint, which may carry an access token.
impl std::fmt::Debug for AnchorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorConfig")
            .field("registry", &self.registry)
            .field("key_file", &self.key_file)
            .field("interval_secs", &self.interval_secs)
            .finish_non_exhaustive()
    }
}

impl AnchorConfig {
    /// Seconds between rounds unless configured.
    pub const DEFAULT_INTERVAL_SECS: u64 = 10;

    fn default_interval() -> u64 {
        Self::DEFAULT_INTERVAL_SECS
    }
}

/// 10^6 major units in minor units (cents, fen).
const MILLION: i64 = 100_000_000;

/// The default bands, in minor units: negative, then 0–1M, 1M–5M, 5M–20M, 20M–100M and
/// above 100M major units. The outer bounds are ±2^62, far beyond any real figure.
pub fn default_bands() -> Vec<Band> {
    let edge = 1i64 << 62;
    let cuts = [0, MILLION, 5 * MILLION, 20 * MILLION, 100 * MILLION];
    let mut bands = vec![Band { lo: -edge, hi: -1 }];
    for pair in cuts.windows(2) {
        bands.push(Band {
            lo: pair[0],
            hi: pair[1] - 1,
        });
    }
    bands.push(Band {
        lo: 100 * MILLION,
        hi: edge,
    });
    bands
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("probity-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            origin: "probity.local/log".into(),
            registrar_key: None,
            tip_public_key: None,
            capacities: vec![16, 64],
            net_worth_bands: default_bands(),
            wealth_growth_tolerance: 0,
            epoch_seconds: 7 * 24 * 3600,
            reporters_threshold: 3,
            reporters_window_epochs: 4,
            band_jump_bands: 2,
            late_filings_threshold: 2,
            late_filings_window: 3,
            max_body_bytes: 256 << 10,
            max_tip_bytes: 12 << 20,
            // Five full-size tips at once, or hundreds of ordinary requests: without it, 512
            // slow 12 MiB bodies could hold 6 GiB.
            max_body_bytes_in_flight: 64 << 20,
            max_concurrency: 512,
            request_timeout_secs: 30,
            sweep_interval_secs: 10,
            tip_batch_secs: 600,
            anchor: None,
            public_url: None,
            witness_keys: Vec::new(),
            allow_dev_keys: false,
        }
    }
}

impl Config {
    /// Reads a TOML config file.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("the config file is not valid: {e}"))
    }

    /// Applies `PROBITY_LISTEN`, `PROBITY_ORIGIN`, `PROBITY_REGISTRAR_KEY`,
    /// `PROBITY_TIP_PUBLIC_KEY`,
    /// `PROBITY_CAPACITIES` (comma-separated), `PROBITY_SWEEP_INTERVAL_SECS`,
    /// `PROBITY_TIP_BATCH_SECS`, `PROBITY_PUBLIC_URL` and `PROBITY_WITNESS_KEYS`
    /// (comma-separated) from `env`.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(v) = env("PROBITY_LISTEN") {
            self.listen = v.parse().map_err(|_| {
                format!("PROBITY_LISTEN=`{v}` is not an address like 127.0.0.1:8080")
            })?;
        }
        if let Some(v) = env("PROBITY_ORIGIN") {
            self.origin = v;
        }
        if let Some(v) = env("PROBITY_REGISTRAR_KEY") {
            self.registrar_key = Some(v);
        }
        if let Some(v) = env("PROBITY_TIP_PUBLIC_KEY") {
            self.tip_public_key = Some(v);
        }
        if let Some(v) = env("PROBITY_CAPACITIES") {
            self.capacities = v
                .split(',')
                .map(|c| c.trim().parse::<usize>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("PROBITY_CAPACITIES=`{v}` is not a list like 16,64"))?;
        }
        if let Some(v) = env("PROBITY_SWEEP_INTERVAL_SECS") {
            self.sweep_interval_secs = v
                .parse()
                .map_err(|_| format!("PROBITY_SWEEP_INTERVAL_SECS=`{v}` is not a number"))?;
        }
        if let Some(v) = env("PROBITY_TIP_BATCH_SECS") {
            self.tip_batch_secs = v
                .parse()
                .map_err(|_| format!("PROBITY_TIP_BATCH_SECS=`{v}` is not a number"))?;
        }
        if let Some(v) = env("PROBITY_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = env("PROBITY_WITNESS_KEYS") {
            self.witness_keys = v
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect();
        }
        Ok(())
    }

    /// The schedule of tip epochs and credential expiries this service publishes: epochs of
    /// `epoch_seconds`, and credentials that expire at the end of the
    /// [`EXPIRY_PERIODS`]-th period of [`EXPIRY_PERIOD_EPOCHS`] epochs after the one they
    /// were issued in (with weekly epochs: at the end of the fourth quarter after the
    /// quarter of enrollment).
    pub fn expiry_schedule(&self) -> Result<ExpirySchedule, String> {
        ExpirySchedule::new(self.epoch_seconds, EXPIRY_PERIOD_EPOCHS, EXPIRY_PERIODS).map_err(
            |_| {
                format!(
                    "epoch_seconds must be 1 to {}",
                    ExpirySchedule::MAX_EPOCH_SECONDS
                )
            },
        )
    }

    /// Checks values that would make the service misbehave.
    pub fn validate(&self) -> Result<(), String> {
        for c in &self.capacities {
            probity_core::Capacity::new(*c)?;
        }
        if self.capacities.is_empty() {
            return Err("capacities must name at least one capacity".into());
        }
        if self.net_worth_bands.is_empty() || self.net_worth_bands.iter().any(|b| b.lo > b.hi) {
            return Err("net_worth_bands must be a non-empty list of bands with lo <= hi".into());
        }
        if self.epoch_seconds == 0 || self.reporters_threshold == 0 {
            return Err("epoch_seconds and reporters_threshold must be positive".into());
        }
        if self.band_jump_bands == 0
            || self.late_filings_threshold == 0
            || self.late_filings_threshold > self.late_filings_window
        {
            return Err("band_jump_bands and late_filings_threshold must be positive, and late_filings_threshold at most late_filings_window".into());
        }
        self.expiry_schedule()?;
        if self.max_concurrency == 0 || self.request_timeout_secs == 0 {
            return Err("max_concurrency and request_timeout_secs must be positive".into());
        }
        if self.max_body_bytes_in_flight < self.max_body_bytes.max(self.max_tip_bytes) {
            return Err(
                "max_body_bytes_in_flight must be at least max_body_bytes and max_tip_bytes: a request that fits its route's limit must fit the budget"
                    .into(),
            );
        }
        if self.anchor.as_ref().is_some_and(|a| a.interval_secs == 0) {
            return Err("anchor.interval_secs must be positive".into());
        }
        for key in &self.witness_keys {
            probity_ledger::CheckpointVerifier::from_vkey(key).map_err(|e| {
                format!("witness_keys: `{key}` is not a witness's verifier key: {e}")
            })?;
        }
        if let Some(url) = &self.public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if !rest.is_some_and(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"\"'<>`\\".contains(&b))
            }) {
                return Err(format!(
                    "public_url `{url}` is not an address like https://register.example"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_keys_must_be_verifier_keys() {
        let witness = probity_ledger::CheckpointSigner::new(
            "witness.test/w1",
            ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
        )
        .expect("a key");
        let good = Config {
            witness_keys: vec![witness.verifier().cosignature_vkey()],
            ..Config::default()
        };
        assert_eq!(good.validate(), Ok(()));
        let bad = Config {
            witness_keys: vec!["witness.test/w1+00000000+AQ==".into()],
            ..Config::default()
        };
        assert!(bad
            .validate()
            .is_err_and(|e| e.starts_with("witness_keys:")));
        let mut from_env = Config::default();
        let key = witness.verifier().cosignature_vkey();
        from_env
            .apply_env(|name| (name == "PROBITY_WITNESS_KEYS").then(|| format!(" {key}, ")))
            .expect("applies");
        assert_eq!(from_env.witness_keys, vec![key]);
    }

    #[test]
    fn a_public_url_is_an_http_address() {
        for good in ["https://register.example", "http://127.0.0.1:8080/register"] {
            let c = Config {
                public_url: Some(good.into()),
                ..Config::default()
            };
            assert_eq!(c.validate(), Ok(()), "{good}");
        }
        for bad in [
            "register.example",
            "https://",
            "https://a b",
            "ftp://x",
            "https://x\"y",
        ] {
            let c = Config {
                public_url: Some(bad.into()),
                ..Config::default()
            };
            assert!(c.validate().is_err(), "{bad}");
        }
    }

    /// Padding puts the largest tip body in the last size bucket, a little over 8 MiB; in
    /// base64, with the presentation (at most 330 bytes, in hex) and the JSON around it, it
    /// still fits the default tip body limit.
    #[test]
    fn the_largest_padded_tip_fits_the_tip_body_limit() {
        let sealed_base64 = probity_credentials::SealedTip::MAX_ENCODED_LEN.div_ceil(3) * 4;
        let presentation_hex = 2 * 330;
        let json_and_subject = 256;
        assert!(
            sealed_base64 + presentation_hex + json_and_subject <= Config::default().max_tip_bytes,
            "{sealed_base64} bytes of sealed tip"
        );
    }

    /// Only the program that opens the service grants development keys, for that start.
    #[test]
    fn neither_a_file_nor_the_environment_allows_dev_keys() {
        assert!(!Config::default().allow_dev_keys);
        let refused = Config::from_toml("allow_dev_keys = true\n").expect_err("not a file key");
        assert!(refused.contains("allow_dev_keys"), "{refused}");
        let mut c = Config::default();
        c.apply_env(|k| {
            ["PROBITY_DEV", "PROBITY_ALLOW_DEV_KEYS"]
                .contains(&k)
                .then(|| "1".to_owned())
        })
        .expect("applies");
        assert!(!c.allow_dev_keys, "no variable sets it");
    }

    #[test]
    fn a_file_names_only_what_it_changes_and_env_overrides_it() {
        let mut c =
            Config::from_toml("listen = \"0.0.0.0:9000\"\ncapacities = [16]\n").expect("valid");
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.capacities, vec![16]);
        assert_eq!(c.origin, Config::default().origin);
        c.apply_env(|k| (k == "PROBITY_LISTEN").then(|| "127.0.0.1:7000".to_owned()))
            .expect("valid");
        assert_eq!(c.listen.port(), 7000);
        assert!(c
            .apply_env(|k| (k == "PROBITY_CAPACITIES").then(|| "16,x".to_owned()))
            .is_err());
        assert!(Config::from_toml("unknown = 1").is_err());
        assert!(Config {
            capacities: vec![17],
            ..Config::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn an_anchor_table_needs_its_endpoint_and_registry_and_a_positive_interval() {
        let c = Config::from_toml("[anchor]\nrpc = \"http://127.0.0.1:8545\"\nregistry = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n")
            .expect("valid");
        let anchor = c.anchor.as_ref().expect("anchoring");
        assert_eq!(anchor.interval_secs, AnchorConfig::DEFAULT_INTERVAL_SECS);
        assert_eq!(anchor.key_file, None);
        assert!(c.validate().is_ok());
        assert!(Config::from_toml("[anchor]\nrpc = \"http://127.0.0.1:8545\"\n").is_err());
        let mut zero = c.clone();
        if let Some(a) = zero.anchor.as_mut() {
            a.interval_secs = 0;
        }
        assert!(zero.validate().is_err());
    }

    #[test]
    fn the_body_budget_must_hold_the_largest_request_a_route_accepts() {
        assert!(Config::default().validate().is_ok());
        let c = Config::from_toml("max_body_bytes_in_flight = 1048576\n").expect("valid");
        assert_eq!(c.max_body_bytes_in_flight, 1 << 20);
        assert!(c.validate().is_err(), "below max_tip_bytes");
        let small = Config {
            max_tip_bytes: 1 << 20,
            ..c
        };
        assert!(small.validate().is_ok());
    }

    #[test]
    fn default_bands_cover_every_net_worth_without_overlap() {
        let bands = default_bands();
        for pair in bands.windows(2) {
            assert_eq!(pair[0].hi + 1, pair[1].lo);
        }
        assert_eq!(bands.first().map(|b| b.lo), Some(-(1 << 62)));
        assert_eq!(bands.last().map(|b| b.hi), Some(1 << 62));
    }
}
