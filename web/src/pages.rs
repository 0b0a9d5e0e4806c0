//! The templates. Every value is escaped by `maud` as it is written; the only markup not
//! written by a template is the QR code's SVG, which `qrcode` draws from the page's URL and
//! which holds no text.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use probity_api::{FilingInfo, KeySetup};
use probity_core::{format_minor_units, Period};

use crate::{
    lang::{Lang, Text},
    query::{encode, Query, Selection},
    views::{
        AboutPage, AlertCount, ChallengeOutcome, ChallengeSummary, OfficialLog, OfficialPage,
        OfficialRow, ProvedStatement, Standing, Statement,
    },
    STYLESHEET_PATH,
};

/// What every page needs to know: the request's language, and whether the visitor chose it
/// (then the page's links carry the choice); and how the service's keys were made (under
/// dev keys every page warns that proofs can be forged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The language of the page.
    pub lang: Lang,
    /// Whether the visitor chose it with `?lang=`, rather than their browser's
    /// `Accept-Language`.
    pub chosen: bool,
    /// How the Groth16 keys the service verifies with were made.
    pub keys: KeySetup,
}

impl Context {
    /// The context of a request: the language of `?lang=` if it names one, else of
    /// `Accept-Language`; and the service's `keys`.
    pub fn new(query: &Query, accept_language: Option<&str>, keys: KeySetup) -> Context {
        match query.lang {
            Some(lang) => Context {
                lang,
                chosen: true,
                keys,
            },
            None => Context {
                lang: Lang::negotiate(accept_language),
                chosen: false,
                keys,
            },
        }
    }

    pub(crate) fn t(&self, text: Text) -> &'static str {
        self.lang.text(text)
    }

    pub(crate) fn fill(&self, text: Text, args: &[&str]) -> String {
        self.lang.fill(text, args)
    }

    /// A link to `path` with `params` (empty values left out), carrying the language if the
    /// visitor chose it.
    pub(crate) fn href(&self, path: &str, params: &[(&str, &str)]) -> String {
        let lang = self.chosen.then(|| ("lang", self.lang.tag()));
        link(path, params.iter().copied().chain(lang))
    }
}

fn link<'a>(path: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = path.to_owned();
    let mut sep = '?';
    for (name, value) in params {
        if value.is_empty() {
            continue;
        }
        out.push(sep);
        out.push_str(name);
        out.push('=');
        out.push_str(&encode(value));
        sep = '&';
    }
    out
}

/// An amount of minor units (fen) as yuan, in the language.
pub(crate) fn yuan(ctx: &Context, minor: i64) -> String {
    ctx.fill(Text::Yuan, &[&format_minor_units(i128::from(minor))])
}

/// A time (ms since the epoch) in UTC, the zone written out.
pub(crate) fn utc(ms: u64) -> String {
    probity_core::format_utc(ms / 1000)
}

fn period(p: Period) -> String {
    p.to_string()
}

/// The page around `main`: head, header with the navigation and the language switch
/// (`path` and `params` are this page's, to switch to the same page), footer.
pub(crate) fn layout(
    ctx: &Context,
    title: &str,
    path: &str,
    params: &[(&str, &str)],
    main: Markup,
) -> String {
    layout_with(ctx, title, path, params, main, None)
}

/// [`layout`], with this server's `script` (a path) loaded after the page is parsed.
pub(crate) fn layout_with(
    ctx: &Context,
    title: &str,
    path: &str,
    params: &[(&str, &str)],
    main: Markup,
    script: Option<&str>,
) -> String {
    let page = html! {
        (DOCTYPE)
        html lang=(ctx.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (ctx.t(Text::SiteName)) }
                link rel="stylesheet" href=(STYLESHEET_PATH);
                @if let Some(script) = script { script src=(script) defer {} }
            }
            body {
                @if ctx.keys == KeySetup::Dev {
                    div.dev-keys role="alert" { "⚠ " (ctx.t(Text::DevKeysBanner)) }
                }
                header.site {
                    div.brand {
                        a.name href=(ctx.href("/", &[])) { (ctx.t(Text::SiteName)) }
                        span.tagline { (ctx.t(Text::SiteTagline)) }
                    }
                    nav {
                        a href=(ctx.href("/", &[])) { (ctx.t(Text::NavOfficials)) }
                        a href=(ctx.href("/stats", &[])) { (ctx.t(Text::NavStats)) }
                        a href=(ctx.href("/log", &[])) { (ctx.t(Text::NavLog)) }
                        a href=(ctx.href("/about", &[])) { (ctx.t(Text::NavAbout)) }
                        span.switch aria-label=(ctx.t(Text::LanguageSwitch)) {
                            @for lang in Lang::ALL {
                                @if lang == ctx.lang {
                                    strong lang=(lang.tag()) { (lang.autonym()) }
                                } @else {
                                    a lang=(lang.tag()) hreflang=(lang.tag())
                                        href=(link(path, params.iter().copied().chain([("lang", lang.tag())]))) {
                                        (lang.autonym())
                                    }
                                }
                            }
                        }
                    }
                }
                main { (main) }
                footer.site { p { (ctx.t(Text::Footer)) } }
            }
        }
    };
    page.into_string()
}

fn standing_cell(ctx: &Context, standing: Option<(Period, Standing)>) -> Markup {
    let Some((p, standing)) = standing else {
        return html! { span.muted { (ctx.t(Text::NoDeadline)) } };
    };
    let (class, text) = match standing {
        Standing::OnTime => ("ok", ctx.t(Text::OnTime).to_owned()),
        Standing::Late => ("warn", ctx.t(Text::Late).to_owned()),
        Standing::Missing => ("bad", ctx.t(Text::Missing).to_owned()),
        Standing::Due(deadline) => ("muted", ctx.fill(Text::Due, &[&utc(deadline)])),
    };
    html! {
        span class=(format!("badge {class}")) { (text) }
        " "
        span.muted { (ctx.fill(Text::StandingFor, &[&period(p)])) }
    }
}

/// `/`: the officials list, searchable, filtered and paged.
pub fn officials(
    ctx: &Context,
    query: &Query,
    selection: &Selection<'_>,
    rows: &[OfficialRow<'_>],
) -> String {
    let search = query.search.as_str();
    let jurisdiction = query.jurisdiction.as_deref().unwrap_or_default();
    let position = query.position.as_deref().unwrap_or_default();
    let page_text = selection.page.to_string();
    let filters = [
        ("q", search),
        ("jurisdiction", jurisdiction),
        ("position", position),
    ];
    let page_link = |page: usize| {
        let page = page.to_string();
        let mut params = filters.to_vec();
        params.push(("page", &page));
        ctx.href("/", &params)
    };
    let mut here = filters.to_vec();
    if selection.page > 1 {
        here.push(("page", &page_text));
    }
    let main = html! {
        h1 { (ctx.t(Text::OfficialsTitle)) }
        p.intro { (ctx.t(Text::OfficialsIntro)) }
        form.search method="get" action="/" {
            @if ctx.chosen { input type="hidden" name="lang" value=(ctx.lang.tag()); }
            label {
                span { (ctx.t(Text::SearchLabel)) }
                input type="search" name="q" value=(search) maxlength="256";
            }
            label {
                span { (ctx.t(Text::Jurisdiction)) }
                select name="jurisdiction" {
                    option value="" { (ctx.t(Text::AllJurisdictions)) }
                    @for j in &selection.jurisdictions {
                        option value=(j) selected[*j == jurisdiction] { (j) }
                    }
                }
            }
            label {
                span { (ctx.t(Text::Position)) }
                select name="position" {
                    option value="" { (ctx.t(Text::AllPositions)) }
                    @for p in &selection.positions {
                        option value=(p) selected[*p == position] { (p) }
                    }
                }
            }
            button type="submit" { (ctx.t(Text::SearchButton)) }
        }
        p.count { (ctx.fill(Text::Matches, &[&selection.total.to_string()])) }
        @if rows.is_empty() {
            p.empty { (ctx.t(Text::NoMatches)) }
        } @else {
            table.officials {
                thead { tr {
                    th { (ctx.t(Text::Id)) }
                    th { (ctx.t(Text::Name)) }
                    th { (ctx.t(Text::Position)) }
                    th { (ctx.t(Text::Jurisdiction)) }
                    th { (ctx.t(Text::LatestPeriod)) }
                    th { (ctx.t(Text::Standing)) }
                } }
                tbody {
                    @for row in rows {
                        @let id = row.official.official.as_str();
                        tr {
                            td { a href=(ctx.href(&official_path(id), &[])) { code { (id) } } }
                            td { a href=(ctx.href(&official_path(id), &[])) { (row.official.name) } }
                            td { (row.official.position) }
                            td { (row.official.jurisdiction) }
                            td { @match row.latest_filed {
                                Some(p) => (period(p)),
                                None => span.muted { (ctx.t(Text::NothingFiled)) },
                            } }
                            td { (standing_cell(ctx, row.standing)) }
                        }
                    }
                }
            }
        }
        @if selection.pages > 1 {
            nav.pages {
                @if selection.page > 1 {
                    a rel="prev" href=(page_link(selection.page - 1)) { "← " (ctx.t(Text::Previous)) }
                }
                span { (ctx.fill(Text::PageOf, &[&page_text, &selection.pages.to_string()])) }
                @if selection.page < selection.pages {
                    a rel="next" href=(page_link(selection.page + 1)) { (ctx.t(Text::Next)) " →" }
                }
            }
        }
    };
    layout(ctx, ctx.t(Text::OfficialsTitle), "/", &here, main)
}

/// The path of an official's page (the id percent-encoded, though ids need none).
pub fn official_path(id: &str) -> String {
    format!("/officials/{}", encode(id))
}

fn statement_text(ctx: &Context, s: &Statement) -> String {
    match s {
        Statement::NetWorth { period: p, lo, hi } => {
            let p = period(*p);
            // The outer bands are open-ended in words: their far bounds (±2^62 fen) are
            // only there because a range proof needs two.
            if *hi >= OPEN_ENDED {
                ctx.fill(Text::NetWorthAtLeast, &[&p, &yuan(ctx, *lo)])
            } else if *lo <= -OPEN_ENDED && *hi < 0 {
                ctx.fill(Text::NetWorthNegative, &[&p, &yuan(ctx, *lo)])
            } else if *lo <= -OPEN_ENDED {
                ctx.fill(Text::NetWorthAtMost, &[&p, &yuan(ctx, *hi)])
            } else {
                ctx.fill(
                    Text::NetWorthBetween,
                    &[&p, &yuan(ctx, *lo), &yuan(ctx, *hi)],
                )
            }
        }
        Statement::CategoryTotal {
            period: p,
            category,
            lo,
            hi,
        } => {
            let name = Text::category(*category).map_or_else(
                || ctx.fill(Text::CatCode, &[&category.to_string()]),
                |t| ctx.t(t).to_owned(),
            );
            if *lo == 0 && *hi == 0 {
                ctx.fill(Text::HoldsNone, &[&period(*p), &name])
            } else {
                ctx.fill(
                    Text::CategoryBetween,
                    &[&period(*p), &name, &yuan(ctx, *lo), &yuan(ctx, *hi)],
                )
            }
        }
        Statement::WealthGrowth {
            from,
            to,
            tolerance,
        } => {
            let (from, to) = (period(*from), period(*to));
            if *tolerance == 0 {
                ctx.fill(Text::GrowthExplained, &[&from, &to])
            } else {
                let tolerance = i64::try_from(*tolerance).unwrap_or(i64::MAX);
                ctx.fill(
                    Text::GrowthExplainedWithin,
                    &[&from, &to, &yuan(ctx, tolerance)],
                )
            }
        }
        Statement::AssetIncluded { period: p } => ctx.fill(Text::AssetDeclared, &[&period(*p)]),
        Statement::Other { kind, periods } => {
            let periods: Vec<String> = periods.iter().map(|p| period(*p)).collect();
            ctx.fill(
                Text::UnreadableStatement,
                &[kind.name(), &periods.join("–")],
            )
        }
    }
}

/// Bounds at or beyond this (2^61 fen, about 2.3·10^16 yuan) read as "no bound".
pub(crate) const OPEN_ENDED: i64 = 1 << 61;

fn rule_text(ctx: &Context, rule: &str) -> String {
    let text = match rule {
        "declaration_overdue" => Text::RuleOverdue,
        "filed_after_deadline" => Text::RuleFiledLate,
        "wealth_growth_missing" => Text::RuleGrowthMissing,
        "challenge_expired" => Text::RuleChallengeExpired,
        "declaration_amended" => Text::RuleAmended,
        other => return other.to_owned(),
    };
    ctx.t(text).to_owned()
}

/// A commitment, shortened for the table; the whole of it in the title. The script checks
/// both against the filing's entry (`entry-field`, as [`shown_field`]).
fn commitment_cell(commitment: &str) -> Markup {
    let chars: Vec<char> = commitment.chars().collect();
    let short = if chars.len() > 20 {
        let head: String = chars[..10].iter().collect();
        let tail: String = chars[chars.len() - 6..].iter().collect();
        format!("{head}…{tail}")
    } else {
        commitment.to_owned()
    };
    html! { code.entry-field data-field="commitment" title=(commitment) { (short) } }
}

/// A figure of the entry a row names, as the row shows it: the in-browser check holds it to
/// the entry's member `field` (`period` as the pages write a period, `deadline` as a UTC
/// time), as it does the row's index, type and time.
fn shown_field(field: &'static str, text: String) -> Markup {
    html! { span.entry-field data-field=(field) { (text) } }
}

/// The in-browser check of the entries an official's page names: a mark per entry, from
/// its proof, if the page has the log's.
struct EntryChecks<'a> {
    log: Option<&'a OfficialLog<'a>>,
    official: &'a str,
}

impl EntryChecks<'_> {
    fn mark(&self, index: u64) -> Markup {
        let proof = self.log.and_then(|log| log.proofs.get(&index));
        html! {
            @if let Some(proof) = proof { " " (crate::log::entry_check(index, proof, Some(self.official))) }
        }
    }
}

fn filings_table(ctx: &Context, filings: &[FilingInfo], checks: &EntryChecks<'_>) -> Markup {
    // Newest period first; within a period, in log order.
    let mut order: Vec<usize> = (0..filings.len()).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(filings[*i].period), filings[*i].entry));
    html! {
        table.filings {
            thead { tr {
                th { (ctx.t(Text::Period)) }
                th { (ctx.t(Text::Commitment)) }
                th { (ctx.t(Text::FiledAt)) }
                th { (ctx.t(Text::Timeliness)) }
                th { (ctx.t(Text::Amendment)) }
                th { (ctx.t(Text::Entry)) }
            } }
            tbody {
                @for i in order {
                    @let f = &filings[i];
                    @let earlier = filings.iter().any(|g| g.period == f.period && g.entry < f.entry);
                    @let later = filings.iter().any(|g| g.period == f.period && g.entry > f.entry);
                    tr {
                        td { (shown_field("period", period(f.period))) }
                        td { (commitment_cell(&f.commitment.to_string())) }
                        td.entry-time { (utc(f.time)) }
                        td { @match f.late {
                            Some(false) => span.badge.ok { (ctx.t(Text::OnTime)) },
                            Some(true) => span.badge.warn { (ctx.t(Text::Late)) },
                            None => span.muted { (ctx.t(Text::NoDeadline)) },
                        } }
                        td {
                            @if earlier { (ctx.t(Text::AmendsEarlier)) }
                            @if earlier && later { "; " }
                            @if later { (ctx.t(Text::AmendedLater)) }
                            @if !earlier && !later { span.muted { (ctx.t(Text::Original)) } }
                        }
                        td { span.entry-index { (f.entry) } (checks.mark(f.entry)) }
                    }
                }
            }
        }
    }
}

fn statements_list(
    ctx: &Context,
    statements: &[ProvedStatement],
    checks: &EntryChecks<'_>,
) -> Markup {
    html! {
        ul.statements {
            @for s in statements {
                li {
                    span.check title=(ctx.t(Text::Verified)) { "✓" }
                    " "
                    span.statement { (statement_text(ctx, &s.statement)) }
                    " "
                    span.muted { "(" (ctx.t(Text::Verified)) ", " (ctx.fill(Text::EntryShort, &[&s.entry.to_string()])) ")" }
                    (checks.mark(s.entry))
                }
            }
        }
    }
}

fn alerts_list(ctx: &Context, alerts: &[AlertCount]) -> Markup {
    html! {
        ul.alerts {
            @for a in alerts {
                li { (rule_text(ctx, &a.rule)) ": " strong { (ctx.fill(Text::AlertCount, &[&a.count.to_string()])) } }
            }
        }
    }
}

fn challenges_table(
    ctx: &Context,
    challenges: &[ChallengeSummary],
    checks: &EntryChecks<'_>,
) -> Markup {
    html! {
        table.challenges {
            thead { tr {
                th { (ctx.t(Text::Period)) }
                th { (ctx.t(Text::Issued)) }
                th { (ctx.t(Text::Deadline)) }
                th { (ctx.t(Text::Outcome)) }
                th { (ctx.t(Text::Entry)) }
            } }
            tbody {
                @for c in challenges {
                    tr {
                        td { (shown_field("period", period(c.period))) }
                        td.entry-time { (utc(c.issued_ms)) }
                        td { (shown_field("deadline", utc(c.deadline_ms))) }
                        td { @match c.outcome {
                            ChallengeOutcome::Open => span.badge.muted { (ctx.t(Text::ChallengeOpen)) },
                            ChallengeOutcome::Answered => span.badge.ok { (ctx.t(Text::ChallengeAnswered)) },
                            ChallengeOutcome::Expired => span.badge.bad { (ctx.t(Text::ChallengeExpired)) },
                        } }
                        td { span.entry-index { (c.entry) } (checks.mark(c.entry)) }
                    }
                }
            }
        }
    }
}

/// `/officials/{id}`: one official's filings, proved statements, challenges, alerts and a
/// QR code of the page; with the log's checkpoint, each entry it names is checked in the
/// browser.
pub fn official(ctx: &Context, page: &OfficialPage<'_>) -> String {
    let info = &page.record.official;
    let id = info.official.as_str();
    let checks = EntryChecks {
        log: page.log.as_ref(),
        official: id,
    };
    let main = html! {
        div.official-head {
            div {
                h1 { (info.name) " " code.id { (id) } }
                p.meta {
                    (info.position) " · " (info.jurisdiction) " · "
                    span.muted { (ctx.fill(Text::Registered, &[&info.entry.to_string()])) }
                    (checks.mark(info.entry))
                }
            }
            @if let Some(svg) = crate::qr::svg(&page.url) {
                figure.qr {
                    (PreEscaped(svg))
                    figcaption { (ctx.t(Text::QrCaption)) br; code.url #page-url { (page.url) } }
                }
            }
        }
        @if page.log.is_some() { (crate::log::check_status(ctx)) }
        section {
            h2 { (ctx.t(Text::Filings)) }
            @if page.record.filings.is_empty() {
                p.empty { (ctx.t(Text::FilingsNone)) }
            } @else {
                (filings_table(ctx, &page.record.filings, &checks))
            }
        }
        section {
            h2 { (ctx.t(Text::Statements)) }
            p.intro { (ctx.t(Text::StatementsIntro)) }
            @if page.statements.is_empty() {
                p.empty { (ctx.t(Text::StatementsNone)) }
            } @else {
                (statements_list(ctx, &page.statements, &checks))
            }
        }
        section {
            h2 { (ctx.t(Text::Challenges)) }
            p.intro { (ctx.t(Text::ChallengesIntro)) }
            @if page.challenges.is_empty() {
                p.empty { (ctx.t(Text::ChallengesNone)) }
            } @else {
                (challenges_table(ctx, &page.challenges, &checks))
            }
        }
        section {
            h2 { (ctx.t(Text::Alerts)) }
            p.intro { (ctx.t(Text::AlertsIntro)) }
            @if page.alerts.is_empty() {
                p.empty { (ctx.t(Text::AlertsNone)) }
            } @else {
                (alerts_list(ctx, &page.alerts))
            }
        }
        @if let Some(log) = &page.log { (crate::log::log_check_section(ctx, &log.checkpoint)) }
    };
    let script = page.log.as_ref().map(|_| crate::VERIFY_SCRIPT_PATH);
    layout_with(ctx, &info.name, &official_path(id), &[], main, script)
}

/// `/about`: what zero knowledge shows and what it does not, the keys in use, how to check.
pub fn about(ctx: &Context, about: &AboutPage<'_>) -> String {
    let main = html! {
        h1 { (ctx.t(Text::AboutTitle)) }
        section {
            h2 { (ctx.t(Text::AboutShowsTitle)) }
            p { (ctx.t(Text::AboutShows1)) }
            p { (ctx.t(Text::AboutShows2)) }
            p { (ctx.t(Text::AboutShows3)) }
            p.note { (ctx.t(Text::AboutPrivacy)) }
        }
        section {
            h2 { (ctx.t(Text::AboutKeysTitle)) }
            dl {
                dt { (ctx.t(Text::AboutKeysSetup)) }
                dd { code { (about.setup) } }
                dt { (ctx.t(Text::AboutLog)) }
                dd { code { (about.origin) } }
                dt { (ctx.t(Text::AboutLogKey)) }
                dd { code.wrap { (about.log_key) } }
            }
            @match about.setup {
                "dev" => p.warning { "⚠ " (ctx.t(Text::AboutKeysDev)) },
                "ceremony" => p { (ctx.t(Text::AboutKeysCeremony)) },
                other => p.warning { (ctx.fill(Text::AboutKeysOther, &[other])) },
            }
        }
        section {
            h2 { (ctx.t(Text::AboutCheckTitle)) }
            p { (ctx.t(Text::AboutCheckIntro)) }
            @let (url, vkey) = (about.base_url, about.log_key);
            dl.commands {
                dt { code.wrap { "probity ledger verify " (url) " --log-key " (vkey) } }
                dd { (ctx.t(Text::AboutCheckLedger)) }
                dt { code.wrap { "probity --server " (url) " supervisor audit --full" } }
                dd { (ctx.t(Text::AboutCheckAudit)) }
                dt { code.wrap { "probity --server " (url) " supervisor verify --official ID" } }
                dd { (ctx.t(Text::AboutCheckSupervisor)) }
                dt { code.wrap { "probity witness --log " (url) " --log-key " (vkey) " --key w.key" } }
                dd { (ctx.t(Text::AboutCheckWitness)) }
            }
        }
    };
    layout(ctx, ctx.t(Text::AboutTitle), "/about", &[], main)
}

/// The page for an official id that is not registered (served with 404).
pub fn official_not_found(ctx: &Context, id: &str) -> String {
    let main = html! {
        h1 { (ctx.t(Text::NotFoundTitle)) }
        @let shown: String = id.chars().take(64).collect();
        p.empty { (ctx.fill(Text::NotFoundOfficial, &[&shown])) }
        p { a href=(ctx.href("/", &[])) { "← " (ctx.t(Text::NotFoundBack)) } }
    };
    layout(
        ctx,
        ctx.t(Text::NotFoundTitle),
        &official_path(id),
        &[],
        main,
    )
}

/// The page served with 503 when the log cannot be read: no detail, in the visitor's
/// language. `path` and `params` are the page asked for, for the language switch.
pub fn unavailable(ctx: &Context, path: &str, params: &[(&str, &str)]) -> String {
    let main = html! {
        h1 { (ctx.t(Text::UnavailableTitle)) }
        p.empty #unavailable { (ctx.t(Text::UnavailableText)) }
        p { a href=(ctx.href("/", &[])) { "← " (ctx.t(Text::NotFoundBack)) } }
    };
    layout(ctx, ctx.t(Text::UnavailableTitle), path, params, main)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Context {
        Context {
            lang: Lang::En,
            chosen: true,
            keys: KeySetup::Ceremony,
        }
    }

    #[test]
    fn an_officials_page_prints_the_address_its_qr_code_holds_and_marks_each_entry() {
        let record = probity_api::OfficialRecord {
            official: probity_api::OfficialInfo {
                official: probity_core::OfficialId::new("GOV-0001").expect("id"),
                name: "王小明".into(),
                position: "局长".into(),
                jurisdiction: "CN-ZJ".into(),
                public_key: "00".repeat(32),
                entry: 4,
            },
            filings: Vec::new(),
            proofs: Vec::new(),
        };
        let proofs = std::collections::BTreeMap::from([(
            4,
            crate::log::EntryProof {
                json: r#"{"official":"GOV-0001","time":1,"type":"official_registered"}"#.into(),
                path: vec![[9; 32]],
            },
        )]);
        let url = "https://register.example/officials/GOV-0001".to_owned();
        let page = OfficialPage {
            record: &record,
            statements: Vec::new(),
            challenges: Vec::new(),
            alerts: Vec::new(),
            url: url.clone(),
            log: Some(OfficialLog {
                checkpoint: crate::log::CheckpointView {
                    note: "example.org/log\n5\nAAAA\n\n",
                    origin: "example.org/log",
                    size: 5,
                    time: 0,
                    root: [7; 32],
                    log_key: "example.org/log+01020304+AQ==",
                    witness_keys: &[],
                },
                proofs: &proofs,
            }),
        };
        let html = official(&en(), &page);
        // The address printed is the one the QR code beside it draws.
        assert!(html.contains(&format!(r#"<code class="url" id="page-url">{url}</code>"#)));
        assert!(html.contains(&crate::qr::svg(&url).expect("fits")));
        // The registration entry is marked, with its JSON as given and the official.
        assert!(html.contains(r#"<script src="/static/verify.js" defer></script>"#));
        assert!(html.contains(
            r#"data-index="4" data-entry-json="{&quot;official&quot;:&quot;GOV-0001&quot;"#
        ));
        assert!(html.contains(&format!(
            r#"data-path="{}" data-official="GOV-0001""#,
            "09".repeat(32)
        )));
        assert!(html.contains(r#"id="checkpoint-note""#));
        // Without a checkpoint: no script, no marks.
        let page = OfficialPage { log: None, ..page };
        let html = official(&en(), &page);
        assert!(!html.contains("<script") && !html.contains("entry-check"));
    }

    #[test]
    fn the_unavailable_page_says_so_in_the_visitors_language() {
        let html = unavailable(&en(), "/log", &[]);
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("The log cannot be read right now."));
        assert!(html.contains(r#"href="/log?lang=zh-CN""#));
        let zh = unavailable(
            &Context {
                lang: Lang::ZhCn,
                chosen: false,
                keys: KeySetup::Ceremony,
            },
            "/officials/GOV-1",
            &[],
        );
        assert!(zh.contains("日志暂时无法读取"));
        assert!(!zh.contains("<script"));
    }

    /// Whoever made dev keys can forge every proof a page shows as verified: each page says
    /// so, in its own language, above everything else.
    #[test]
    fn every_page_warns_of_dev_keys_and_none_under_ceremony_keys() {
        for lang in Lang::ALL {
            for keys in [KeySetup::Dev, KeySetup::Ceremony] {
                let ctx = Context {
                    lang,
                    chosen: false,
                    keys,
                };
                let about_view = AboutPage {
                    setup: keys.as_str(),
                    origin: "example.org/log",
                    log_key: "example.org/log+01020304+AQ==",
                    base_url: "https://register.example",
                };
                let pages = [
                    officials(
                        &ctx,
                        &Query::parse(None),
                        &Selection::select([], &Query::parse(None)),
                        &[],
                    ),
                    about(&ctx, &about_view),
                    official_not_found(&ctx, "GOV-9"),
                    unavailable(&ctx, "/log", &[]),
                    crate::log::checkpoint(&ctx, None),
                ];
                let banner = format!(
                    r#"<div class="dev-keys" role="alert">⚠ {}</div>"#,
                    lang.text(Text::DevKeysBanner)
                );
                for html in &pages {
                    assert_eq!(
                        html.contains(&banner),
                        keys == KeySetup::Dev,
                        "{lang:?} {keys:?}: {html}"
                    );
                    assert_eq!(html.contains("dev-keys"), keys == KeySetup::Dev);
                }
                // The banner comes first: before the header and the page's own text.
                if keys == KeySetup::Dev {
                    let at = |needle: &str| pages[1].find(needle).expect(needle);
                    assert!(at(&banner) < at("<header"));
                }
            }
        }
        assert!(Lang::En
            .text(Text::DevKeysBanner)
            .contains("whoever made them can forge proofs"));
    }

    fn words(lang: Lang, s: Statement) -> String {
        statement_text(
            &Context {
                lang,
                chosen: false,
                keys: KeySetup::Ceremony,
            },
            &s,
        )
    }

    fn p(n: u32) -> Period {
        Period::new(n).expect("period")
    }

    #[test]
    fn statements_read_in_words_in_both_languages() {
        let none = Statement::CategoryTotal {
            period: p(2026),
            category: 3,
            lo: 0,
            hi: 0,
        };
        assert_eq!(
            words(Lang::En, none.clone()),
            "Holds no securities and funds in 2026"
        );
        assert_eq!(words(Lang::ZhCn, none), "2026 年度未持有证券及基金");
        let band = Statement::NetWorth {
            period: p(2026),
            lo: 100_000_000,
            hi: 499_999_999,
        };
        assert_eq!(
            words(Lang::En, band),
            "Net worth for 2026 between 1,000,000.00 yuan and 4,999,999.99 yuan"
        );
        let edge = 1i64 << 62;
        let top = Statement::NetWorth {
            period: p(2026),
            lo: 10_000_000_000,
            hi: edge,
        };
        assert_eq!(
            words(Lang::En, top),
            "Net worth for 2026 of at least 100,000,000.00 yuan"
        );
        let negative = Statement::NetWorth {
            period: p(2026),
            lo: -edge,
            hi: -1,
        };
        assert!(words(Lang::En, negative).contains("below zero"));
        let growth = Statement::WealthGrowth {
            from: p(2025),
            to: p(2026),
            tolerance: 500_000,
        };
        assert_eq!(
            words(Lang::En, growth),
            "Growth of net worth from 2025 to 2026 explained by income, within 5,000.00 yuan"
        );
    }

    #[test]
    fn the_chosen_language_is_carried_on_links_and_values_are_encoded() {
        let chosen = Context {
            lang: Lang::En,
            chosen: true,
            keys: KeySetup::Ceremony,
        };
        assert_eq!(
            chosen.href("/", &[("q", "张 三"), ("page", "")]),
            "/?q=%E5%BC%A0%20%E4%B8%89&lang=en"
        );
        let negotiated = Context {
            lang: Lang::En,
            chosen: false,
            keys: KeySetup::Ceremony,
        };
        assert_eq!(negotiated.href("/about", &[]), "/about");
        assert_eq!(official_path("GOV-0001"), "/officials/GOV-0001");
    }
}
