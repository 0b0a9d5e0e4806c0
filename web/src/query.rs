//! What a visitor asks for in a page's query string, read leniently: a malformed, repeated or
//! unknown parameter is ignored (the first of each name counts), never an error, so that no
//! query string can make a page fail.

use probity_api::OfficialInfo;

use crate::lang::Lang;

/// Officials shown per page of the list.
pub const PAGE_SIZE: usize = 50;

/// Longest search text read, in characters: more cannot match a name or an id anyway
/// (names are at most 256 bytes).
const MAX_SEARCH_CHARS: usize = 256;

/// The parameters of a page's query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// `lang`: the language asked for, if it names one.
    pub lang: Option<Lang>,
    /// `q`: search text, trimmed (empty: no search).
    pub search: String,
    /// `jurisdiction`: only officials of this jurisdiction.
    pub jurisdiction: Option<String>,
    /// `position`: only officials of this position.
    pub position: Option<String>,
    /// `page`: the page of the list, from 1.
    pub page: usize,
    /// `start`: the first log entry of a page of the entry browser.
    pub start: Option<u64>,
    /// `from`: the earlier size of a consistency proof, as given (to be checked by the page).
    pub from: Option<String>,
}

impl Query {
    /// Reads a raw query string (without the `?`), percent-decoded as
    /// `application/x-www-form-urlencoded`, bytes that are not UTF-8 replaced.
    pub fn parse(raw: Option<&str>) -> Query {
        let mut query = Query {
            page: 1,
            ..Query::default()
        };
        let mut seen: Vec<String> = Vec::new();
        for pair in raw.unwrap_or_default().split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            if seen.contains(&name) {
                continue;
            }
            let value = decode(value);
            let value = value.trim();
            match name.as_str() {
                "lang" => query.lang = Lang::from_param(value),
                "q" => query.search = value.chars().take(MAX_SEARCH_CHARS).collect(),
                "jurisdiction" if !value.is_empty() => query.jurisdiction = Some(value.into()),
                "position" if !value.is_empty() => query.position = Some(value.into()),
                "page" => query.page = value.parse::<usize>().ok().filter(|p| *p > 0).unwrap_or(1),
                "start" => query.start = value.parse::<u64>().ok(),
                "from" if !value.is_empty() => {
                    query.from = Some(value.chars().take(MAX_SEARCH_CHARS).collect())
                }
                _ => continue,
            }
            seen.push(name);
        }
        query
    }

    /// Whether `official` matches the search and the filters. The search matches the id or
    /// the name, ignoring case, anywhere in them.
    pub fn matches(&self, official: &OfficialInfo) -> bool {
        if self
            .jurisdiction
            .as_ref()
            .is_some_and(|j| *j != official.jurisdiction)
            || self
                .position
                .as_ref()
                .is_some_and(|p| *p != official.position)
        {
            return false;
        }
        if self.search.is_empty() {
            return true;
        }
        let needle = self.search.to_lowercase();
        official.official.as_str().to_lowercase().contains(&needle)
            || official.name.to_lowercase().contains(&needle)
    }
}

/// Percent-decodes a form-encoded component (`+` is a space); a `%` not followed by two hex
/// digits stays as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query component (everything but unreserved characters).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One page of the officials that match a query, and the values the filters offer.
#[derive(Clone, Debug)]
pub struct Selection<'a> {
    /// The officials of this page, in id order.
    pub officials: Vec<&'a OfficialInfo>,
    /// How many officials match.
    pub total: usize,
    /// This page (from 1; a page past the end shows the last one).
    pub page: usize,
    /// How many pages (at least 1).
    pub pages: usize,
    /// Every jurisdiction of a registered official, sorted, each once.
    pub jurisdictions: Vec<&'a str>,
    /// Every position of a registered official, sorted, each once.
    pub positions: Vec<&'a str>,
}

impl<'a> Selection<'a> {
    /// Selects from every registered official, in the order given (the service's is by id).
    /// One pass over them, keeping only a page: cheap for tens of thousands.
    pub fn select(officials: impl IntoIterator<Item = &'a OfficialInfo>, query: &Query) -> Self {
        let mut jurisdictions = std::collections::BTreeSet::new();
        let mut positions = std::collections::BTreeSet::new();
        let mut matched = Vec::new();
        for official in officials {
            jurisdictions.insert(official.jurisdiction.as_str());
            positions.insert(official.position.as_str());
            if query.matches(official) {
                matched.push(official);
            }
        }
        let total = matched.len();
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = query.page.clamp(1, pages);
        let start = (page - 1) * PAGE_SIZE;
        let officials = matched.into_iter().skip(start).take(PAGE_SIZE).collect();
        Selection {
            officials,
            total,
            page,
            pages,
            jurisdictions: jurisdictions.into_iter().collect(),
            positions: positions.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(id: &str, name: &str, jurisdiction: &str, position: &str) -> OfficialInfo {
        OfficialInfo {
            official: probity_core::OfficialId::new(id).expect("id"),
            name: name.into(),
            position: position.into(),
            jurisdiction: jurisdiction.into(),
            public_key: String::new(),
            entry: 0,
        }
    }

    #[test]
    fn malformed_queries_are_read_leniently() {
        let q = Query::parse(Some(
            "page=0&q=%E5%BC%A0+&lang=xx&page=9&%zz=1&jurisdiction=",
        ));
        assert_eq!(q.page, 1);
        assert_eq!(q.search, "张");
        assert_eq!(q.lang, None);
        assert_eq!(q.jurisdiction, None);
        let q = Query::parse(Some("page=18446744073709551616&q=%FF%&lang=en"));
        assert_eq!(q.page, 1);
        assert_eq!(q.search, "\u{fffd}%");
        assert_eq!(q.lang, Some(Lang::En));
        assert_eq!(Query::parse(None).page, 1);
        assert_eq!(Query::parse(Some("&&=&==")).search, "");
        assert_eq!(encode("CN-ZJ/HZ 张"), "CN-ZJ%2FHZ%20%E5%BC%A0");
    }

    #[test]
    fn selection_filters_searches_and_pages() {
        let all: Vec<OfficialInfo> = (0..120)
            .map(|i| {
                official(
                    &format!("GOV-{i:04}"),
                    &format!("Name {i}"),
                    if i % 2 == 0 { "CN-ZJ-HZ" } else { "CN-ZJ-NB" },
                    if i % 3 == 0 { "Mayor" } else { "Head" },
                )
            })
            .collect();
        let s = Selection::select(&all, &Query::parse(Some("page=3")));
        assert_eq!(
            (s.total, s.page, s.pages, s.officials.len()),
            (120, 3, 3, 20)
        );
        assert_eq!(s.officials[0].official.as_str(), "GOV-0100");
        let s = Selection::select(&all, &Query::parse(Some("page=99")));
        assert_eq!(s.page, 3, "a page past the end shows the last");
        let s = Selection::select(&all, &Query::default());
        assert_eq!(
            s.page, 1,
            "a page of 0 (a query built by hand) shows the first"
        );
        assert_eq!(s.jurisdictions, ["CN-ZJ-HZ", "CN-ZJ-NB"]);
        assert_eq!(s.positions, ["Head", "Mayor"]);
        let s = Selection::select(
            &all,
            &Query::parse(Some("jurisdiction=CN-ZJ-HZ&position=Mayor")),
        );
        assert_eq!(s.total, 20, "i divisible by 6");
        let s = Selection::select(&all, &Query::parse(Some("q=gov-011")));
        assert_eq!(s.total, 10);
        let s = Selection::select(&all, &Query::parse(Some("q=name+7")));
        assert_eq!(s.total, 11, "7 and 70 to 79");
        let s = Selection::select(&all, &Query::parse(Some("q=nobody")));
        assert_eq!((s.total, s.page, s.pages), (0, 1, 1));
    }
}
