//! What the commands that talk to a service share: the server address, the role keys on
//! this machine, and the [`Connection`] to the service, which pins the log key and keeps the
//! accepted checkpoint and the receipts in the data folder (`log.vkey`, `checkpoint`,
//! `receipts/`: see `probity_client`).
//!
//! Files in the data folder for the role keys:
//!
//! | file | holds |
//! |---|---|
//! | `registrar.key`, `official.key`, `supervisor.key` | a role's Ed25519 secret key, hex, mode 0600 ([`probity_client::keys`]) |
//! | `registrar.pub` | the registrar's public key (the service reads it) |
//!
//! # Trust
//!
//! What the service says is checked by the connection, not believed. An answer that does not
//! check out is an untrusted error ([`is_untrusted`]), which the commands whose exit code
//! reports verification (`supervisor verify`, `supervisor audit`) turn into exit code 1.

use probity_client::{
    keys, params::ParamsFetchError, AuditorError, Client, Connection, ConnectionError, NewlyPinned,
    OfficialError, Progress, RegistrarError, SupervisorError, Task, Untrusted, WhistleblowerError,
};
use probity_core::Period;

use super::Ctx;

/// The roles that sign requests, and their key files ([`probity_client::keys`]).
pub(crate) use probity_client::KeyRole;

impl Ctx {
    /// An unsigned client of the server.
    pub(crate) fn client(&self) -> Client {
        Client::new(&self.server)
    }

    /// An unsigned connection to the server, keeping its state in the data folder.
    pub(crate) fn connection(&self) -> Connection {
        Connection::new(self.client(), &self.data_dir)
    }
}

/// Refuses if the data folder already holds a key for `role` ([`keys::refuse_existing_key`]).
pub(crate) fn refuse_existing_key(ctx: &Ctx, role: KeyRole) -> anyhow::Result<()> {
    Ok(keys::refuse_existing_key(&ctx.data_dir, role)?)
}

/// A progress bar on stderr for the client library's long operations (a proving key's
/// download): hidden with `--json`, and, as every bar of indicatif, when stderr is not a
/// terminal.
pub(crate) struct DownloadBar {
    json: bool,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

impl DownloadBar {
    pub(crate) fn new(ctx: &Ctx) -> Self {
        Self {
            json: ctx.json,
            bar: std::cell::RefCell::default(),
        }
    }
}

impl Progress for DownloadBar {
    fn start(&self, task: Task, total: Option<u64>) {
        let (bar, template) = match total {
            Some(n) => (
                indicatif::ProgressBar::new(n),
                "{msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            ),
            None => (
                indicatif::ProgressBar::no_length(),
                "{spinner} {msg} {bytes} ({bytes_per_sec})",
            ),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(template).expect("the template is valid"),
        );
        if self.json {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.set_message(format!("Downloading the {task}"));
        if let Some(old) = self.bar.replace(Some(bar)) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Tells the user that an operation pinned the log key, when it did.
pub(crate) fn tell_pinned(newly_pinned: Option<&NewlyPinned>) {
    if let Some(pinned) = newly_pinned {
        eoutln!(
            "Pinned the log key of {} in {} (compare it with the key the operator publishes).",
            pinned.origin,
            pinned.path.display()
        );
    }
}

/// Whether `e` is, or was caused by, an answer of the service that does not check out
/// ([`Untrusted`]): the commands whose exit code reports verification turn it into 1.
pub(crate) fn is_untrusted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<Untrusted>()
            || c.downcast_ref::<ConnectionError>()
                .is_some_and(ConnectionError::is_untrusted)
            || c.downcast_ref::<ParamsFetchError>()
                .is_some_and(ParamsFetchError::is_untrusted)
            || c.downcast_ref::<AuditorError>()
                .is_some_and(AuditorError::is_untrusted)
            || c.downcast_ref::<RegistrarError>()
                .is_some_and(RegistrarError::is_untrusted)
            || c.downcast_ref::<WhistleblowerError>()
                .is_some_and(WhistleblowerError::is_untrusted)
            || c.downcast_ref::<SupervisorError>()
                .is_some_and(SupervisorError::is_untrusted)
            || c.downcast_ref::<OfficialError>()
                .is_some_and(OfficialError::is_untrusted)
    })
}

/// Parses a period argument: a year (`2026`) or a month (`202606`).
pub(crate) fn parse_period(s: &str) -> Result<Period, String> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a period: use a year (2026) or a month (202606)"))?;
    Period::new(n)
}

/// Parses a deadline: `YYYY-MM-DD` is the end of that day in UTC (its last millisecond);
/// an RFC 3339 time (`2026-06-30T17:00:00+08:00`, `…Z`) is that instant. Milliseconds since
/// the Unix epoch.
pub(crate) fn parse_deadline(s: &str) -> Result<u64, String> {
    let bad = || {
        format!("`{s}` is not a date: use YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time such as 2026-06-30T17:00:00+08:00")
    };
    let s = s.trim();
    let date = s.get(..10).ok_or_else(bad)?;
    let days = civil_days(date).ok_or_else(bad)?;
    let rest = &s[10..];
    if rest.is_empty() {
        let next_day_ms = (days + 1).checked_mul(86_400_000).ok_or_else(bad)?;
        return u64::try_from(next_day_ms - 1).map_err(|_| bad());
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?;
    let num = |t: &str| -> Option<i64> {
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (h, m, sec) = (
        num(rest.get(0..2).ok_or_else(bad)?).ok_or_else(bad)?,
        num(rest.get(3..5).ok_or_else(bad)?).ok_or_else(bad)?,
        num(rest.get(6..8).ok_or_else(bad)?).ok_or_else(bad)?,
    );
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") || h > 23 || m > 59 || sec > 60 {
        return Err(bad());
    }
    let mut tail = &rest[8..];
    let mut millis = 0i64;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let ms: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = ms.parse().map_err(|_| bad())?;
        tail = &frac[digits..];
    }
    let offset_min = match tail {
        "Z" | "z" => 0,
        _ if tail.len() == 6 && tail.get(3..4) == Some(":") => {
            let sign = match tail.get(0..1) {
                Some("+") => 1,
                Some("-") => -1,
                _ => return Err(bad()),
            };
            let (oh, om) = (
                num(&tail[1..3]).ok_or_else(bad)?,
                num(&tail[4..6]).ok_or_else(bad)?,
            );
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            sign * (oh * 60 + om)
        }
        _ => return Err(bad()),
    };
    let secs = days * 86_400 + h * 3600 + m * 60 + sec - offset_min * 60;
    u64::try_from(secs * 1000 + millis).map_err(|_| bad())
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
fn civil_days(date: &str) -> Option<i64> {
    probity_core::parse_date(date)
}

/// A time in ms since the epoch, as `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn format_ms(ms: u64) -> String {
    probity_core::format_utc(ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse_as_the_end_of_a_day_or_an_instant() {
        // 2026-03-01 00:00 UTC is 1_772_323_200 s.
        assert_eq!(parse_deadline("2026-02-28"), Ok(1_772_323_200_000 - 1));
        assert_eq!(
            parse_deadline("2026-03-01T00:00:00Z"),
            Ok(1_772_323_200_000)
        );
        assert_eq!(
            parse_deadline("2026-03-01T08:00:00.5+08:00"),
            Ok(1_772_323_200_500)
        );
        assert_eq!(parse_deadline("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_deadline("2024-02-29"), Ok(1_709_251_199_999));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "tomorrow",
            "2026-03-01T25:00:00Z",
            "2026-03-01T00:00:00",
            "2026-03-01T00:00:00+0800",
            "1969-12-31T00:00:00Z",
        ] {
            assert!(parse_deadline(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_are_years_or_months() {
        assert_eq!(parse_period("2026").map(Period::get), Ok(2026));
        assert_eq!(parse_period("202606").map(Period::get), Ok(202_606));
        assert!(parse_period("202613").is_err());
        assert!(parse_period("last year").is_err());
    }
}
