//! The statistics page (`/stats`): filings per period, officials per net-worth band, proofs
//! per statement, challenges by outcome and the log's size over time, each as a chart drawn
//! here as SVG (no script, no inline style: presentation attributes and the stylesheet's
//! classes only) with its figures as text beside it: the SVG's `<title>` and `<desc>` for
//! screen readers, and a table for every reader and for print.
//!
//! Only counts and the public bounds of proved bands are shown: the view has no field for an
//! amount, an asset or what a challenge asked.
//!
//! Every coordinate is integer arithmetic on `u128` over a scale of at least 1, so no figure
//! (none, or near `u64::MAX`) can put a NaN, an infinity or an overflow in an attribute.

use maud::{html, Markup};
use probity_core::{Period, StatementKind};

use crate::{
    lang::Text,
    pages::{layout, utc, yuan, Context, OPEN_ENDED},
    views::Standing,
};

/// How the officials stand for one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodFilings {
    /// The period.
    pub period: Period,
    /// Officials who first filed by the deadline.
    pub on_time: u64,
    /// Officials who first filed after it.
    pub late: u64,
    /// Officials with no filing, the deadline passed.
    pub missing: u64,
    /// Officials with no filing yet, the deadline not passed.
    pub due: u64,
    /// Officials who filed for a period with no deadline set.
    pub no_deadline: u64,
}

impl PeriodFilings {
    /// No official counted yet for `period`.
    pub fn new(period: Period) -> PeriodFilings {
        PeriodFilings {
            period,
            on_time: 0,
            late: 0,
            missing: 0,
            due: 0,
            no_deadline: 0,
        }
    }

    /// Counts one official: how they stand against the period's deadline (`None`: the period
    /// has no deadline, and they filed for it).
    pub fn count(&mut self, standing: Option<Standing>) {
        let counter = match standing {
            Some(Standing::OnTime) => &mut self.on_time,
            Some(Standing::Late) => &mut self.late,
            Some(Standing::Missing) => &mut self.missing,
            Some(Standing::Due(_)) => &mut self.due,
            None => &mut self.no_deadline,
        };
        *counter = counter.saturating_add(1);
    }
}

/// How many officials' latest net-worth proof was against one band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandCount {
    /// The band's public bounds `[lo, hi]`, minor units; `None`: officials who proved none.
    pub band: Option<(i64, i64)>,
    /// How many officials.
    pub officials: u64,
}

/// How many proofs of one statement were accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofCount {
    /// The statement.
    pub statement: StatementKind,
    /// How many.
    pub proofs: u64,
}

/// Challenges by where they stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChallengeCounts {
    /// Answered with a verified proof.
    pub answered: u64,
    /// Expired unanswered.
    pub expired: u64,
    /// Waiting for an answer.
    pub open: u64,
}

/// The log's size at one time: `size` entries once the entry logged at `time_ms` was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogPoint {
    /// When, ms since the epoch.
    pub time_ms: u64,
    /// How many entries the log held then.
    pub size: u64,
}

/// Everything the statistics page shows.
#[derive(Clone, Debug, Default)]
pub struct StatsPage {
    /// Every period with a deadline or a filing, oldest first.
    pub periods: Vec<PeriodFilings>,
    /// Officials per band, the bands by their lower bound and then "no band proved"; empty
    /// when no official is registered.
    pub bands: Vec<BandCount>,
    /// Proofs per statement, every statement listed.
    pub proofs: Vec<ProofCount>,
    /// Challenges by outcome.
    pub challenges: ChallengeCounts,
    /// The log's size over time, oldest first; the last point is the latest checkpoint's.
    pub log_size: Vec<LogPoint>,
}

/// A count with its thousands grouped, as both languages write them: `1,000,000`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `value` of `max` scaled to `length`: `value / max * length`, rounded down, never more
/// than `length`; `max` is taken as at least 1.
fn scale(value: u64, max: u64, length: u64) -> u64 {
    let max = u128::from(max.max(1));
    let scaled = u128::from(value.min(max as u64)) * u128::from(length) / max;
    // At most `length`, so it fits.
    u64::try_from(scaled).unwrap_or(length)
}

/// The width of a bar chart's drawing, in its own units; it scales to the page.
const CHART_WIDTH: u64 = 480;
/// The longest a bar gets: room is left after it for its total.
const BAR_LENGTH: u64 = 380;
/// One bar's row: its label above, the bar under it.
const ROW_HEIGHT: u64 = 44;
const BAR_HEIGHT: u64 = 18;

/// A part of a bar: a class of the stylesheet (its colour) and the part's name and figure.
struct Segment {
    class: &'static str,
    name: String,
    value: u64,
}

/// One bar: its label, and its parts stacked from the left.
struct Bar {
    label: String,
    segments: Vec<Segment>,
}

impl Bar {
    fn total(&self) -> u64 {
        self.segments
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.value))
    }

    /// The bar's figures in words: `2025: on time 1, late 1, missing 53`.
    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| {
                if s.name.is_empty() {
                    grouped(s.value)
                } else {
                    format!("{} {}", s.name, grouped(s.value))
                }
            })
            .collect();
        format!("{}: {}", self.label, parts.join(", "))
    }
}

/// A horizontal bar chart, the bars stacked when they have several parts, each bar labelled
/// above and its total written after it. `id` makes the title's and description's ids.
fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(Bar::total).max().unwrap_or(0);
    let height = ROW_HEIGHT * bars.len() as u64 + 4;
    let desc: Vec<String> = bars.iter().map(Bar::describe).collect();
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox=(format!("0 0 {CHART_WIDTH} {height}"))
            width=(CHART_WIDTH) height=(height)
            aria-labelledby=(format!("{id}-title {id}-desc")) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc.join("; ")) }
            @for (row, bar) in bars.iter().enumerate() {
                (bar_row(bar, ROW_HEIGHT * row as u64, max))
            }
        }
    }
}

/// One bar of a chart whose longest bar is `max`, its row starting at `top`.
fn bar_row(bar: &Bar, top: u64, max: u64) -> Markup {
    // Each part ends where the sum up to it ends, so rounding never makes a bar longer than
    // its total.
    let mut parts = Vec::new();
    let (mut sum, mut start) = (0u64, 0u64);
    for segment in &bar.segments {
        sum = sum.saturating_add(segment.value);
        let end = scale(sum, max, BAR_LENGTH);
        if end > start {
            parts.push((segment, start, end - start));
        }
        start = end;
    }
    html! {
        text.label x="0" y=(top + 14) { (bar.label) }
        @for (segment, x, width) in parts {
            rect class=(segment.class) x=(x) y=(top + 20) width=(width) height=(BAR_HEIGHT) {
                title {
                    (bar.label) " · "
                    @if !segment.name.is_empty() { (segment.name) ": " }
                    (grouped(segment.value))
                }
            }
        }
        text.total x=(start + 6) y=(top + 16 + BAR_HEIGHT) { (grouped(bar.total())) }
    }
}

/// The size of the log chart's drawing, and its plotting area inside it.
const LOG_WIDTH: u64 = 480;
const LOG_HEIGHT: u64 = 220;
const PLOT_LEFT: u64 = 70;
const PLOT_RIGHT: u64 = 470;
const PLOT_TOP: u64 = 16;
const PLOT_BOTTOM: u64 = 180;

/// The log's size over time, as a line through the points with the area under it filled;
/// the axes say the first and last times and the largest size.
fn log_chart(ctx: &Context, points: &[LogPoint]) -> Markup {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return html! {};
    };
    let max = points.iter().map(|p| p.size).max().unwrap_or(0);
    let span = last.time_ms.saturating_sub(first.time_ms);
    let xy = |p: &LogPoint| {
        let x = PLOT_LEFT
            + scale(
                p.time_ms.saturating_sub(first.time_ms),
                span,
                PLOT_RIGHT - PLOT_LEFT,
            );
        let y = PLOT_BOTTOM - scale(p.size, max, PLOT_BOTTOM - PLOT_TOP);
        (x, y)
    };
    let line: Vec<String> = points
        .iter()
        .map(|p| {
            let (x, y) = xy(p);
            format!("{x},{y}")
        })
        .collect();
    let (last_x, _) = xy(last);
    let (first_x, _) = xy(first);
    let area = format!(
        "{first_x},{PLOT_BOTTOM} {} {last_x},{PLOT_BOTTOM}",
        line.join(" ")
    );
    let title = ctx.t(Text::StatsLogTitle);
    let desc: Vec<String> = points.iter().map(|p| log_point_text(ctx, p)).collect();
    html! {
        svg.chart.log xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox=(format!("0 0 {LOG_WIDTH} {LOG_HEIGHT}"))
            width=(LOG_WIDTH) height=(LOG_HEIGHT)
            aria-labelledby="log-size-title log-size-desc" {
            title #log-size-title { (title) }
            desc #log-size-desc { (desc.join("; ")) }
            line.axis x1=(PLOT_LEFT) y1=(PLOT_BOTTOM) x2=(PLOT_RIGHT) y2=(PLOT_BOTTOM) {}
            line.axis x1=(PLOT_LEFT) y1=(PLOT_TOP) x2=(PLOT_LEFT) y2=(PLOT_BOTTOM) {}
            text.tick x=(PLOT_LEFT - 6) y=(PLOT_TOP + 5) text-anchor="end" { (grouped(max)) }
            text.tick x=(PLOT_LEFT - 6) y=(PLOT_BOTTOM) text-anchor="end" { "0" }
            polygon.area points=(area) {}
            polyline.line points=(line.join(" ")) {}
            @for p in points {
                @let (x, y) = xy(p);
                circle.point cx=(x) cy=(y) r="2.5" { title { (log_point_text(ctx, p)) } }
            }
            text.tick x=(PLOT_LEFT) y=(PLOT_BOTTOM + 18) { (utc(first.time_ms)) }
            text.tick x=(PLOT_RIGHT) y=(PLOT_BOTTOM + 36) text-anchor="end" { (utc(last.time_ms)) }
        }
    }
}

fn log_point_text(ctx: &Context, p: &LogPoint) -> String {
    ctx.fill(Text::StatsLogPoint, &[&utc(p.time_ms), &grouped(p.size)])
}

/// A band's public bounds in words, in yuan: `1,000,000.00 yuan to 4,999,999.99 yuan`; the
/// outer bands open-ended, as the official's page writes them.
fn band_text(ctx: &Context, band: Option<(i64, i64)>) -> String {
    match band {
        None => ctx.t(Text::NoBandProved).to_owned(),
        Some((lo, hi)) if hi >= OPEN_ENDED => ctx.fill(Text::BandAtLeast, &[&yuan(ctx, lo)]),
        Some((lo, hi)) if lo <= -OPEN_ENDED && hi < 0 => {
            ctx.fill(Text::BandNegative, &[&yuan(ctx, lo)])
        }
        Some((lo, hi)) if lo <= -OPEN_ENDED => ctx.fill(Text::BandAtMost, &[&yuan(ctx, hi)]),
        Some((lo, hi)) => ctx.fill(Text::BandBetween, &[&yuan(ctx, lo), &yuan(ctx, hi)]),
    }
}

fn statement_name(ctx: &Context, statement: StatementKind) -> &'static str {
    ctx.t(match statement {
        StatementKind::NetWorthRange => Text::KindNetWorth,
        StatementKind::CategoryTotalRange => Text::KindCategoryTotal,
        StatementKind::WealthGrowth => Text::KindWealthGrowth,
        StatementKind::AssetIncluded => Text::KindAssetIncluded,
    })
}

/// The parts of a period's bar, in the order they stack: the filed, then the not filed.
fn period_segments(ctx: &Context, p: &PeriodFilings) -> Vec<Segment> {
    [
        ("on-time", Text::OnTime, p.on_time),
        ("late", Text::Late, p.late),
        ("missing", Text::Missing, p.missing),
        ("due", Text::NotYetDue, p.due),
        ("no-deadline", Text::FiledNoDeadline, p.no_deadline),
    ]
    .into_iter()
    .map(|(class, name, value)| Segment {
        class,
        name: ctx.t(name).to_owned(),
        value,
    })
    .collect()
}

/// One bar of one part, for the charts that count one thing per bar.
fn single(label: String, class: &'static str, value: u64) -> Bar {
    Bar {
        label,
        segments: vec![Segment {
            class,
            name: String::new(),
            value,
        }],
    }
}

/// Filings per period: stacked bars, a legend, and the table of the figures.
fn filings_section(ctx: &Context, periods: &[PeriodFilings]) -> Markup {
    let bars: Vec<Bar> = periods
        .iter()
        .map(|p| Bar {
            label: p.period.to_string(),
            segments: period_segments(ctx, p),
        })
        .collect();
    let columns = bars.first().map(|b| &b.segments[..]).unwrap_or_default();
    html! {
        section.stats #filings {
            h2 { (ctx.t(Text::StatsFilingsTitle)) }
            p.intro { (ctx.t(Text::StatsFilingsIntro)) }
            @if bars.is_empty() {
                p.empty { (ctx.t(Text::StatsFilingsNone)) }
            } @else {
                figure.chart {
                    (bar_chart("filings", ctx.t(Text::StatsFilingsTitle), &bars))
                    figcaption {
                        ul.legend {
                            @for s in columns {
                                li { span class=(format!("swatch {}", s.class)) {} (s.name) }
                            }
                        }
                    }
                }
                table.figures {
                    thead { tr {
                        th { (ctx.t(Text::Period)) }
                        @for s in columns { th.number { (s.name) } }
                        th.number { (ctx.t(Text::Total)) }
                    } }
                    tbody {
                        @for bar in &bars {
                            tr {
                                th scope="row" { (bar.label) }
                                @for s in &bar.segments { td.number { (grouped(s.value)) } }
                                td.number { (grouped(bar.total())) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A chart of one figure per bar with its table: `heading` over the labels, `unit` over
/// the figures; `none` is said instead when every figure is zero or there is no bar.
fn simple_section(
    ctx: &Context,
    id: &str,
    title: Text,
    intro: Option<Text>,
    none: Text,
    (heading, unit): (Text, Text),
    bars: &[Bar],
) -> Markup {
    let nothing = bars.iter().all(|b| b.total() == 0);
    html! {
        section.stats id=(id) {
            h2 { (ctx.t(title)) }
            @if let Some(intro) = intro { p.intro { (ctx.t(intro)) } }
            @if nothing {
                p.empty { (ctx.t(none)) }
            } @else {
                figure.chart { (bar_chart(id, ctx.t(title), bars)) }
                table.figures {
                    thead { tr { th { (ctx.t(heading)) } th.number { (ctx.t(unit)) } } }
                    tbody {
                        @for bar in bars {
                            tr { th scope="row" { (bar.label) } td.number { (grouped(bar.total())) } }
                        }
                    }
                }
            }
        }
    }
}

fn log_section(ctx: &Context, points: &[LogPoint]) -> Markup {
    html! {
        section.stats #log-size {
            h2 { (ctx.t(Text::StatsLogTitle)) }
            p.intro { (ctx.t(Text::StatsLogIntro)) }
            @if points.is_empty() {
                p.empty { (ctx.t(Text::LogEmpty)) }
            } @else {
                figure.chart { (log_chart(ctx, points)) }
                details.figures {
                    summary { (ctx.t(Text::StatsFigures)) }
                    table.figures {
                        thead { tr { th { (ctx.t(Text::EntryTime)) } th.number { (ctx.t(Text::TreeSize)) } } }
                        tbody {
                            @for p in points {
                                tr { th scope="row" { (utc(p.time_ms)) } td.number { (grouped(p.size)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `/stats`: the register in figures, as charts with their figures as text.
pub fn stats(ctx: &Context, page: &StatsPage) -> String {
    let bands: Vec<Bar> = page
        .bands
        .iter()
        .map(|b| {
            let class = if b.band.is_some() { "band" } else { "no-band" };
            single(band_text(ctx, b.band), class, b.officials)
        })
        .collect();
    let proofs: Vec<Bar> = page
        .proofs
        .iter()
        .map(|p| {
            single(
                statement_name(ctx, p.statement).to_owned(),
                "proofs",
                p.proofs,
            )
        })
        .collect();
    let c = page.challenges;
    let challenges = [
        (Text::ChallengeAnswered, "answered", c.answered),
        (Text::ChallengeExpired, "expired", c.expired),
        (Text::ChallengeOpen, "open", c.open),
    ]
    .map(|(text, class, value)| single(ctx.t(text).to_owned(), class, value));
    let main = html! {
        h1 { (ctx.t(Text::StatsTitle)) }
        p.intro { (ctx.t(Text::StatsIntro)) }
        (filings_section(ctx, &page.periods))
        (simple_section(ctx, "bands", Text::StatsBandsTitle, Some(Text::StatsBandsIntro),
            Text::StatsOfficialsNone, (Text::StatsBand, Text::NavOfficials), &bands))
        (simple_section(ctx, "proofs", Text::StatsProofsTitle, None,
            Text::StatsProofsNone, (Text::StatsStatement, Text::StatsProofs), &proofs))
        (simple_section(ctx, "challenges", Text::StatsChallengesTitle, Some(Text::ChallengesIntro),
            Text::StatsChallengesNone, (Text::Outcome, Text::Challenges), &challenges))
        (log_section(ctx, &page.log_size))
    };
    layout(ctx, ctx.t(Text::StatsTitle), "/stats", &[], main)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;
    use probity_api::KeySetup;

    fn ctx(lang: Lang) -> Context {
        Context {
            lang,
            chosen: false,
            keys: KeySetup::Ceremony,
        }
    }

    fn p(n: u32) -> Period {
        Period::new(n).expect("period")
    }

    /// Every number in the page's SVG attributes: none may be NaN, infinite or negative.
    fn svg_numbers_are_finite(html: &str) {
        assert!(!html.contains("NaN"));
        for svg in html.split("<svg").skip(1) {
            let svg = &svg[..svg.find("</svg>").expect("an svg ends")];
            for attribute in [
                " x=\"",
                " y=\"",
                " width=\"",
                " height=\"",
                " cx=\"",
                " cy=\"",
            ] {
                for (at, _) in svg.match_indices(attribute) {
                    let value = &svg[at + attribute.len()..];
                    let value = &value[..value.find('"').expect("quoted")];
                    let number: f64 = value.parse().expect("a number");
                    assert!(number.is_finite() && number >= 0.0, "{attribute}{value}");
                }
            }
        }
    }

    #[test]
    fn stats_with_nothing_yet_say_so_and_draw_no_chart() {
        for lang in Lang::ALL {
            let html = stats(&ctx(lang), &StatsPage::default());
            assert!(!html.contains("<svg"), "no chart of nothing");
            assert!(!html.contains("style="));
            for none in [
                Text::StatsFilingsNone,
                Text::StatsOfficialsNone,
                Text::StatsProofsNone,
                Text::StatsChallengesNone,
                Text::LogEmpty,
            ] {
                assert!(html.contains(lang.text(none)), "{lang:?} {none:?}");
            }
        }
        // Officials but nothing proved, no period, no challenge: zero bars, still no NaN.
        let zeros = StatsPage {
            periods: vec![PeriodFilings::new(p(2025))],
            bands: vec![BandCount {
                band: None,
                officials: 0,
            }],
            proofs: StatementKind::ALL
                .map(|statement| ProofCount {
                    statement,
                    proofs: 0,
                })
                .to_vec(),
            challenges: ChallengeCounts::default(),
            log_size: vec![LogPoint {
                time_ms: 0,
                size: 1,
            }],
        };
        let html = stats(&ctx(Lang::En), &zeros);
        svg_numbers_are_finite(&html);
        assert!(html.contains(Text::StatsProofsNone.get(Lang::En)));
        assert!(html.contains("1970-01-01 00:00 UTC: 1 entries"));
    }

    #[test]
    fn stats_of_large_figures_stay_in_the_chart_and_read_in_words() {
        let big = u64::MAX;
        let mut period = PeriodFilings::new(p(2025));
        period.on_time = big;
        period.late = big;
        period.missing = 1;
        let page = StatsPage {
            periods: vec![period, PeriodFilings::new(p(2026))],
            bands: vec![
                BandCount {
                    band: Some((100_000_000, 499_999_999)),
                    officials: 10_000,
                },
                BandCount {
                    band: Some((10_000_000_000, 1 << 62)),
                    officials: 3,
                },
                BandCount {
                    band: None,
                    officials: 1,
                },
            ],
            proofs: vec![ProofCount {
                statement: StatementKind::NetWorthRange,
                proofs: 1_000_000,
            }],
            challenges: ChallengeCounts {
                answered: 7,
                expired: 0,
                open: big,
            },
            log_size: vec![
                LogPoint {
                    time_ms: 1_700_000_000_000,
                    size: 1,
                },
                LogPoint {
                    time_ms: big,
                    size: big,
                },
            ],
        };
        let html = stats(&ctx(Lang::En), &page);
        svg_numbers_are_finite(&html);
        // No bar longer than the room for it, however large its figures.
        for (at, _) in html.match_indices(" width=\"") {
            let value = &html[at + 8..];
            let width: u64 = value[..value.find('"').expect("quoted")]
                .parse()
                .expect("a number");
            assert!(width <= CHART_WIDTH, "{width}");
        }
        assert!(html.contains(
            "2025: on time 18,446,744,073,709,551,615, late 18,446,744,073,709,551,615, missing 1"
        ));
        assert!(html.contains("1,000,000.00 yuan to 4,999,999.99 yuan: 10,000"));
        assert!(html.contains("at least 100,000,000.00 yuan: 3"));
        assert!(html.contains("no band proved: 1"));
        assert!(html.contains("net worth in a band: 1,000,000"));
        let zh = stats(&ctx(Lang::ZhCn), &page);
        assert!(zh.contains("1,000,000.00 元 至 4,999,999.99 元: 10,000"));
        assert!(zh.contains("<html lang=\"zh-CN\">"));
    }

    #[test]
    fn stats_counts_are_grouped_and_scaled_without_overflow() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(scale(5, 0, 100), 100, "a zero scale is taken as 1");
        assert_eq!(scale(0, 0, 100), 0);
        assert_eq!(scale(u64::MAX, u64::MAX, 380), 380);
        assert_eq!(scale(u64::MAX / 2, u64::MAX, 380), 189);
    }
}
