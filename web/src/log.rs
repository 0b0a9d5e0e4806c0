//! The log's pages: the latest checkpoint (`/log`), the entry browser (`/log/entries`), one
//! entry with its inclusion proof (`/log/entries/{index}`) and a consistency proof
//! (`/log/consistency`).
//!
//! Every one of them shows the checkpoint's signed note and the log key, and carries the
//! status line ([`check_status`]) that [`VERIFY_SCRIPT`](crate::VERIFY_SCRIPT) fills in: it
//! reads the note, the key, the entry's canonical JSON and the proofs from the page's text,
//! so what it checks is what the visitor sees. Without JavaScript the pages show everything
//! and say that nothing was checked in the browser.

use maud::{html, Markup};

use crate::{
    lang::Text,
    pages::{layout_with, utc, Context},
    VERIFY_SCRIPT_PATH,
};

/// Entries per page of the entry browser.
pub const ENTRIES_PER_PAGE: u64 = 50;

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// The latest checkpoint, as the log signed it.
#[derive(Clone, Debug)]
pub struct CheckpointView<'a> {
    /// The signed note exactly as `/v1/log/checkpoint` serves it (UTF-8).
    pub note: &'a str,
    /// The log's name, the note's first line.
    pub origin: &'a str,
    /// How many entries it covers.
    pub size: u64,
    /// When the log signed it, POSIX seconds.
    pub time: u64,
    /// The root hash over its entries.
    pub root: Hash,
    /// The log's verifier key, `origin+id+base64`, as `/v1/info` gives it.
    pub log_key: &'a str,
    /// The witnesses' `cosignature/v1` verifier keys (`name+id+base64(0x04 || key)`) this
    /// register names: a cosignature on the note by one of them is checked under it, any
    /// other is shown as not checked.
    pub witness_keys: &'a [String],
}

/// One row of the entry browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRow {
    /// The entry's index.
    pub index: u64,
    /// Its type, as the log names it.
    pub kind: &'static str,
    /// When it was logged, ms since the epoch.
    pub time_ms: u64,
}

/// What the script needs to check an entry on its own: the entry's canonical JSON (it
/// hashes it itself: it never takes a leaf hash from the page) and its audit path in the
/// checkpoint's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryProof {
    /// The canonical JSON, exactly the bytes the leaf hash is over.
    pub json: String,
    /// The RFC 6962 audit path from the leaf up.
    pub path: Vec<Hash>,
}

/// One row of the entry browser with its proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedEntry {
    /// The entry's index, type and time, as the row shows them.
    pub row: EntryRow,
    /// The entry and its audit path.
    pub proof: EntryProof,
}

/// One entry with its inclusion proof in the checkpoint's tree.
#[derive(Clone, Debug)]
pub struct EntryView<'a> {
    /// The entry's index, type and time.
    pub row: EntryRow,
    /// Its canonical JSON: the bytes the leaf hash is over.
    pub json: &'a str,
    /// `SHA-256(0x00 || json)`.
    pub leaf: Hash,
    /// The RFC 6962 audit path from the leaf up.
    pub path: &'a [Hash],
}

/// What the consistency page shows.
#[derive(Clone, Debug)]
pub enum ConsistencyView {
    /// No size given yet: the form only.
    Ask,
    /// The size given is not one of this log's (the text as given).
    BadSize(String),
    /// The proof from `from` entries to the checkpoint's.
    Proof {
        /// The earlier size.
        from: u64,
        /// The root hash at that size.
        old_root: Hash,
        /// The RFC 9162 consistency proof.
        path: Vec<Hash>,
    },
}

fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The mark the script puts on one entry shown on the page (an entry browser's row, an
/// official's filing), with what it checks it from: the canonical JSON, which it hashes
/// itself, and the audit path. The row around it (`tr` or `li`) may show the entry's index
/// (`.entry-index`), type (`.entry-kind`) and time (`.entry-time`), and `official` the
/// official the entry must be about: the script checks each against the JSON. Empty
/// without JavaScript.
pub(crate) fn entry_check(index: u64, proof: &EntryProof, official: Option<&str>) -> Markup {
    let path: Vec<String> = proof.path.iter().map(hex).collect();
    html! {
        span.entry-check data-index=(index) data-entry-json=(proof.json)
            data-path=(path.join(" ")) data-official=[official] {}
    }
}

/// The line the script fills in. Its text without JavaScript says that nothing was checked;
/// every text the script may show is one of its data attributes, in the page's language.
pub(crate) fn check_status(ctx: &Context) -> Markup {
    html! {
        p #browser-check .check-status
            data-running=(ctx.t(Text::CheckRunning))
            data-ok=(ctx.t(Text::CheckOk))
            data-ok-first=(ctx.t(Text::CheckOkFirst))
            data-ok-consistent=(ctx.t(Text::CheckOkConsistent))
            data-fail-signature=(ctx.t(Text::CheckFailSignature))
            data-fail-inclusion=(ctx.t(Text::CheckFailInclusion))
            data-fail-consistency=(ctx.t(Text::CheckFailConsistency))
            data-fail-proof=(ctx.t(Text::CheckFailProof))
            data-fail-key=(ctx.t(Text::CheckFailKey))
            data-fail-fetch=(ctx.t(Text::CheckFailFetch))
            data-fail-entry=(ctx.t(Text::CheckFailEntry))
            data-fail-cosignature=(ctx.t(Text::CheckFailCosignature))
            data-entry-ok=(ctx.t(Text::EntryCheckOk))
            data-entry-ok-title=(ctx.t(Text::EntryCheckOkTitle))
            data-entry-bad=(ctx.t(Text::EntryCheckBad))
            data-cosigned=(ctx.t(Text::CosignedBy))
            data-cosignature-bad=(ctx.t(Text::CosignatureBad))
            data-cosignature-unknown=(ctx.t(Text::CosignatureUnknown))
            data-insecure=(ctx.t(Text::CheckInsecure)) {
            (ctx.t(Text::CheckNoScript))
        }
    }
}

/// The checkpoint: its figures, the signed note the script verifies and the key it verifies
/// it under.
fn checkpoint_section(ctx: &Context, cp: &CheckpointView<'_>) -> Markup {
    html! {
        section.checkpoint {
            h2 { (ctx.t(Text::CheckpointTitle)) }
            dl {
                dt { (ctx.t(Text::LogOrigin)) }
                dd { code { (cp.origin) } }
                dt { (ctx.t(Text::TreeSize)) }
                dd #checkpoint-size { (cp.size) }
                dt { (ctx.t(Text::SignedAt)) }
                dd { (crate::pages::utc(cp.time.saturating_mul(1000))) }
                dt { (ctx.t(Text::RootHash)) }
                dd { code.wrap #checkpoint-root { (hex(&cp.root)) } }
                dt { (ctx.t(Text::LogKeyPin)) }
                dd { code.wrap #log-key { (cp.log_key) } }
            }
            p.muted { (ctx.t(Text::SignedNote)) }
            pre.note #checkpoint-note { (cp.note) }
            (witnesses(ctx, cp.witness_keys))
        }
    }
}

/// The witness keys the script checks cosignatures under, and the list it fills with what
/// it found of each cosignature on the note.
fn witnesses(ctx: &Context, keys: &[String]) -> Markup {
    html! {
        h3 { (ctx.t(Text::WitnessesTitle)) }
        @if keys.is_empty() {
            p.muted { (ctx.t(Text::WitnessKeysNone)) }
        } @else {
            p.muted { (ctx.t(Text::WitnessKeys)) }
        }
        ul.hashes #witness-keys {
            @for key in keys { li { code { (key) } } }
        }
        ul.cosignatures #cosignatures {}
    }
}

/// The checkpoint section for a page that is not one of the log's (an official's): the
/// entries it shows are checked against it.
pub(crate) fn log_check_section(ctx: &Context, cp: &CheckpointView<'_>) -> Markup {
    html! {
        section.log-check {
            h2 { (ctx.t(Text::LogCheckTitle)) }
            p.intro { (ctx.t(Text::LogCheckIntro)) }
            (checkpoint_section(ctx, cp))
        }
    }
}

fn hash_list(id: &str, hashes: &[Hash], ctx: &Context) -> Markup {
    html! {
        @if hashes.is_empty() {
            p.muted { (ctx.t(Text::PathEmpty)) }
        }
        ol.hashes id=(id) start="0" {
            @for h in hashes { li { code { (hex(h)) } } }
        }
    }
}

/// `/log`: the latest checkpoint, or that there is none yet.
pub fn checkpoint(ctx: &Context, cp: Option<&CheckpointView<'_>>) -> String {
    let main = html! {
        h1 { (ctx.t(Text::LogTitle)) }
        p.intro { (ctx.t(Text::LogIntro)) }
        @match cp {
            None => p.empty { (ctx.t(Text::LogEmpty)) },
            Some(cp) => {
                (check_status(ctx))
                p {
                    a href=(ctx.href("/log/entries", &[])) { (ctx.t(Text::EntriesTitle)) }
                    " · "
                    a href=(ctx.href("/log/consistency", &[])) { (ctx.t(Text::ConsistencyTitle)) }
                }
                p.muted { (ctx.t(Text::LogLinks)) }
                (checkpoint_section(ctx, cp))
            }
        }
    };
    let script = cp.map(|_| VERIFY_SCRIPT_PATH);
    layout_with(ctx, ctx.t(Text::LogTitle), "/log", &[], main, script)
}

/// `/log/entries?start=N`: up to [`ENTRIES_PER_PAGE`] entries from `start`.
pub fn entries(ctx: &Context, cp: &CheckpointView<'_>, start: u64, rows: &[ListedEntry]) -> String {
    let start_text = start.to_string();
    let page_link = |from: u64| ctx.href("/log/entries", &[("start", &from.to_string())]);
    let last_start = cp.size.saturating_sub(1) / ENTRIES_PER_PAGE * ENTRIES_PER_PAGE;
    let main = html! {
        h1 { (ctx.t(Text::EntriesTitle)) }
        (check_status(ctx))
        @if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            p.count { (ctx.fill(Text::EntriesRange, &[&first.row.index.to_string(), &last.row.index.to_string(), &cp.size.to_string()])) }
            (entries_table(ctx, rows))
        } @else {
            p.empty { (ctx.fill(Text::EntriesNone, &[&cp.size.to_string()])) }
        }
        nav.pages {
            @if start > 0 {
                a href=(page_link(0)) { "⇤ " (ctx.t(Text::First)) }
                a rel="prev" href=(page_link(start.saturating_sub(ENTRIES_PER_PAGE))) { "← " (ctx.t(Text::Previous)) }
            }
            @if start.saturating_add(ENTRIES_PER_PAGE) < cp.size {
                a rel="next" href=(page_link(start + ENTRIES_PER_PAGE)) { (ctx.t(Text::Next)) " →" }
                a href=(page_link(last_start)) { (ctx.t(Text::Latest)) " ⇥" }
            }
        }
        (checkpoint_section(ctx, cp))
    };
    let here = [("start", start_text.as_str())];
    layout_with(
        ctx,
        ctx.t(Text::EntriesTitle),
        "/log/entries",
        &here,
        main,
        Some(VERIFY_SCRIPT_PATH),
    )
}

fn entries_table(ctx: &Context, rows: &[ListedEntry]) -> Markup {
    html! {
        table.entries {
            thead { tr {
                th { (ctx.t(Text::EntryIndex)) }
                th { (ctx.t(Text::EntryType)) }
                th { (ctx.t(Text::EntryTime)) }
                th { (ctx.t(Text::EntryCheckColumn)) }
            } }
            tbody {
                @for listed in rows {
                    @let row = &listed.row;
                    tr {
                        td { a.entry-index href=(ctx.href(&entry_path(row.index), &[])) { (row.index) } }
                        td { code.entry-kind { (row.kind) } }
                        td.entry-time { (utc(row.time_ms)) }
                        td { (entry_check(row.index, &listed.proof, None)) }
                    }
                }
            }
        }
    }
}

/// The path of an entry's page.
pub fn entry_path(index: u64) -> String {
    format!("/log/entries/{index}")
}

/// `/log/entries/{index}`: the entry's canonical JSON and its inclusion proof.
pub fn entry(ctx: &Context, cp: &CheckpointView<'_>, entry: &EntryView<'_>) -> String {
    let index = entry.row.index;
    let title = ctx.fill(Text::EntryTitle, &[&index.to_string()]);
    let main = html! {
        h1 { (title) }
        (check_status(ctx))
        dl {
            dt { (ctx.t(Text::EntryType)) }
            dd { code { (entry.row.kind) } }
            dt { (ctx.t(Text::EntryTime)) }
            dd { (utc(entry.row.time_ms)) }
            dt { (ctx.t(Text::LeafHash)) }
            dd { code.wrap #leaf-hash { (hex(&entry.leaf)) } }
        }
        h2 { (ctx.t(Text::CanonicalJson)) }
        pre.json #entry-json data-index=(index) { (entry.json) }
        h2 { (ctx.fill(Text::InclusionTitle, &[&cp.size.to_string()])) }
        p.muted { (ctx.t(Text::AuditPath)) }
        (hash_list("audit-path", entry.path, ctx))
        (checkpoint_section(ctx, cp))
    };
    layout_with(
        ctx,
        &title,
        &entry_path(index),
        &[],
        main,
        Some(VERIFY_SCRIPT_PATH),
    )
}

/// The page for an entry the checkpoint does not cover (served with 404).
pub fn entry_not_found(ctx: &Context, index: &str, size: u64) -> String {
    let shown: String = index.chars().take(32).collect();
    let main = html! {
        h1 { (ctx.t(Text::EntriesTitle)) }
        p.empty { (ctx.fill(Text::EntryNotFound, &[&shown, &size.to_string()])) }
        p { a href=(ctx.href("/log/entries", &[])) { "← " (ctx.t(Text::EntriesTitle)) } }
    };
    layout_with(
        ctx,
        ctx.t(Text::EntriesTitle),
        "/log/entries",
        &[],
        main,
        None,
    )
}

/// `/log/consistency?from=SIZE`: the form, and the proof or why there is none.
pub fn consistency(ctx: &Context, cp: &CheckpointView<'_>, view: &ConsistencyView) -> String {
    let given = match view {
        ConsistencyView::Ask => String::new(),
        ConsistencyView::BadSize(text) => text.clone(),
        ConsistencyView::Proof { from, .. } => from.to_string(),
    };
    let main = html! {
        h1 { (ctx.t(Text::ConsistencyTitle)) }
        (check_status(ctx))
        p.intro { (ctx.t(Text::ConsistencyIntro)) }
        form.search method="get" action="/log/consistency" {
            @if ctx.chosen { input type="hidden" name="lang" value=(ctx.lang.tag()); }
            label {
                span { (ctx.t(Text::ConsistencyFrom)) }
                input type="text" inputmode="numeric" name="from" value=(given) maxlength="20";
            }
            button type="submit" { (ctx.t(Text::ConsistencyButton)) }
        }
        @match view {
            ConsistencyView::Ask => {},
            ConsistencyView::BadSize(text) => p.empty.bad #consistency-error {
                (ctx.fill(Text::ConsistencyBad, &[text, &cp.size.to_string()]))
            },
            ConsistencyView::Proof { from, old_root, path } => {
                div #consistency-proof data-from=(from) {
                    dl {
                        dt { (ctx.fill(Text::ConsistencyOldRoot, &[&from.to_string()])) }
                        dd { code.wrap #consistency-old-root { (hex(old_root)) } }
                        dt { (ctx.fill(Text::ConsistencyOldRoot, &[&cp.size.to_string()])) }
                        dd { code.wrap { (hex(&cp.root)) } }
                    }
                    p.muted { (ctx.t(Text::ConsistencyPath)) }
                    (hash_list("consistency-path", path, ctx))
                }
            },
        }
        (checkpoint_section(ctx, cp))
    };
    let here: Vec<(&str, &str)> = if given.is_empty() {
        Vec::new()
    } else {
        vec![("from", given.as_str())]
    };
    layout_with(
        ctx,
        ctx.t(Text::ConsistencyTitle),
        "/log/consistency",
        &here,
        main,
        Some(VERIFY_SCRIPT_PATH),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;
    use probity_api::KeySetup;

    fn cp() -> CheckpointView<'static> {
        CheckpointView {
            note: "example.org/log\n3\nAAAA\n\n\u{2014} example.org/log abc=\n",
            origin: "example.org/log",
            size: 3,
            time: 1_772_323_200,
            root: [7; 32],
            log_key: "example.org/log+01020304+AQ==",
            witness_keys: &[],
        }
    }

    #[test]
    fn the_check_line_carries_every_message_and_says_nothing_was_checked_without_script() {
        let ctx = Context {
            lang: Lang::En,
            chosen: false,
            keys: KeySetup::Ceremony,
        };
        let html = checkpoint(&ctx, Some(&cp()));
        assert!(html.contains(r#"<script src="/static/verify.js" defer></script>"#));
        assert!(html.contains("Not checked in your browser: that needs JavaScript"));
        assert!(html.contains(r#"data-ok="✓ checked in your browser""#));
        assert!(html.contains("0707070707070707070707070707070707070707070707070707070707070707"));
        let zh = checkpoint(
            &Context {
                lang: Lang::ZhCn,
                chosen: false,
                keys: KeySetup::Ceremony,
            },
            Some(&cp()),
        );
        assert!(zh.contains("✓ 已在您的浏览器中核验"));
        // No checkpoint, nothing to check: no script.
        assert!(!checkpoint(&ctx, None).contains("<script"));
    }

    #[test]
    fn a_bad_size_is_said_in_words() {
        let ctx = Context {
            lang: Lang::En,
            chosen: false,
            keys: KeySetup::Ceremony,
        };
        let html = consistency(&ctx, &cp(), &ConsistencyView::BadSize("<x>".into()));
        assert!(html
            .contains("“&lt;x&gt;” is not a size of this log: give a whole number from 1 to 3."));
        assert!(!html.contains("<x>"));
    }
}
