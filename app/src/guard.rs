//! What every request passes before a page sees it, and what every response carries.
//!
//! In order: the `Host` header must name this app on loopback (against DNS rebinding: a
//! site whose name resolves to 127.0.0.1 would otherwise be same-origin with its own pages);
//! a write (any method but GET and HEAD) must come from this app's own origin (against
//! CSRF); then the one-time token is exchanged for the session cookie, or the session cookie
//! must be this run's. A refused request reaches no handler, so it has no side effect.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use probity_web::Lang;

use crate::{
    page,
    session::{Found, Session},
    text::T,
    AppState, Live,
};

/// The session cookie. `HttpOnly` (no script reads it; the pages have none anyway) and
/// `SameSite=Strict` (no other site's page sends it). Cookies are not bound to a port: two
/// apps on 127.0.0.1 share the name, and the later one's session replaces the earlier's in
/// the browser, which then asks for the earlier one's address again.
pub(crate) const SESSION_COOKIE: &str = "probity_app";
/// The language chosen with `?lang=`, remembered for the pages that follow (forms post
/// without it).
const LANG_COOKIE: &str = "probity_lang";

/// Every response's `Content-Security-Policy`: the app's own stylesheets, no script at all,
/// forms posted only here, no framing.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of a download (`Content-Disposition: attachment`, such as a tip's attachment):
/// the same, sandboxed, so that a browser that rendered it anyway would give it a unique
/// origin of its own, with no script, no form, and nothing of this app's.
const DOWNLOAD_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; sandbox";

/// The security headers on every response, refusals included. `Cache-Control: no-store`: a
/// page may show a receipt code, which must not stay in the browser's disk cache.
/// `Referrer-Policy: same-origin`, not `no-referrer`: under `no-referrer` a browser sends
/// `Origin: null` with a form's POST, which the CSRF check could not tell from a sandboxed
/// page elsewhere; `same-origin` sends the true origin to this app and nothing to any other
/// (and the pages link nowhere else).
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let download = headers
        .get(header::CONTENT_DISPOSITION)
        .is_some_and(|v| v.as_bytes().starts_with(b"attachment"));
    let policy = if download {
        DOWNLOAD_POLICY
    } else {
        CONTENT_SECURITY_POLICY
    };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The checks of every request (see the module's documentation).
pub(crate) async fn guard(
    State(app): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let (lang, chosen) = choose_lang(&request);
    let headers = request.headers();
    if !header_is(headers, &header::HOST, &app.hosts) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            lang,
            T::ForeignHostTitle,
            T::ForeignHost,
        );
    }
    let write = !matches!(*request.method(), Method::GET | Method::HEAD);
    if write && !from_this_app(headers, &app.origins) {
        return refuse(
            StatusCode::FORBIDDEN,
            lang,
            T::ForeignOriginTitle,
            T::ForeignOrigin,
        );
    }
    request.extensions_mut().insert(lang);
    let response = if request.uri().path().starts_with("/static/") {
        // The stylesheets are public and hold nothing of the session: the refusal pages
        // use them too.
        next.run(request).await
    } else if let Some(token) = token_param(&request) {
        exchange(&app, request.headers(), &token, lang)
    } else {
        match session_of(&app, request.headers()) {
            Some(found) => {
                request.extensions_mut().insert(found);
                next.run(request).await
            }
            None => refuse(
                StatusCode::UNAUTHORIZED,
                lang,
                T::NoSessionTitle,
                T::NoSession,
            ),
        }
    };
    remember_lang(response, chosen.then_some(lang))
}

fn refuse(status: StatusCode, lang: Lang, title: T, body: T) -> Response {
    (status, Html(page::refusal(lang, title, body))).into_response()
}

/// Whether `name` is present once, and is exactly one of `allowed`.
fn header_is(headers: &HeaderMap, name: &header::HeaderName, allowed: &[String]) -> bool {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => allowed.iter().any(|a| a.as_bytes() == value.as_bytes()),
        _ => false,
    }
}

/// A write comes from this app's pages: its `Origin` is this app's, and the browser does not
/// call it cross-site (`Sec-Fetch-Site`, which pages cannot set; absent in older browsers).
fn from_this_app(headers: &HeaderMap, origins: &[String]) -> bool {
    let fetch_site = headers.get("sec-fetch-site");
    header_is(headers, &header::ORIGIN, origins)
        && !matches!(fetch_site, Some(site) if site.as_bytes() != b"same-origin")
}

/// The `token` of `GET /?token=…`, the printed address.
fn token_param(request: &Request) -> Option<String> {
    if request.uri().path() != "/" || request.method() != Method::GET {
        return None;
    }
    query_param(request.uri().query()?, "token")
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.to_owned())
    })
}

/// The value of the cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

/// The session the request's cookie names, touched now; `None` without one of this run.
fn session_of(app: &AppState, headers: &HeaderMap) -> Option<Found> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let mut live = app.live.lock().unwrap_or_else(|e| e.into_inner());
    let live = live.as_mut()?;
    live.session
        .id()
        .matches(&id)
        .then(|| live.session.touch(Instant::now()))
}

/// `GET /?token=T`: the printed address. The right token, once, starts the session: the
/// cookie is set and the browser sent to `/`, so that the token leaves the address bar and
/// the history's latest entry. A browser that already has the session is sent on too (the
/// user opened the address again); any other request with a token is refused.
fn exchange(app: &AppState, headers: &HeaderMap, token: &str, lang: Lang) -> Response {
    let see_home = || {
        let mut response = StatusCode::SEE_OTHER.into_response();
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
        response
    };
    if session_of(app, headers).is_some() {
        return see_home();
    }
    let mut stored = app.token.lock().unwrap_or_else(|e| e.into_inner());
    if !stored.as_ref().is_some_and(|t| t.matches(token)) {
        return refuse(StatusCode::FORBIDDEN, lang, T::TokenUsedTitle, T::TokenUsed);
    }
    *stored = None;
    let session = Session::new(app.idle_timeout, Instant::now());
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
        session.id().reveal()
    );
    *app.live.lock().unwrap_or_else(|e| e.into_inner()) = Some(Live {
        session,
        officials: None,
        verdicts: Default::default(),
        filing: None,
        just_locked: false,
    });
    let mut response = see_home();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The page's language: `?lang=` (then remembered), the cookie of an earlier choice, or the
/// browser's `Accept-Language`. The second value says whether `?lang=` chose it.
fn choose_lang(request: &Request) -> (Lang, bool) {
    let asked = request
        .uri()
        .query()
        .and_then(|q| query_param(q, "lang"))
        .and_then(|l| Lang::from_param(&l));
    if let Some(lang) = asked {
        return (lang, true);
    }
    let headers = request.headers();
    if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|l| Lang::from_param(&l)) {
        return (lang, false);
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    (Lang::negotiate(accept), false)
}

fn remember_lang(mut response: Response, chosen: Option<Lang>) -> Response {
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn hosts_and_origins_match_exactly_and_once() {
        let allowed = ["127.0.0.1:4000".to_owned(), "localhost:4000".to_owned()];
        assert!(header_is(
            &headers(&[("host", "localhost:4000")]),
            &header::HOST,
            &allowed
        ));
        for bad in [
            "evil.example:4000",
            "127.0.0.1",
            "127.0.0.1:4001",
            "127.0.0.1:4000.",
        ] {
            assert!(
                !header_is(&headers(&[("host", bad)]), &header::HOST, &allowed),
                "{bad}"
            );
        }
        let twice = headers(&[("host", "127.0.0.1:4000"), ("host", "evil.example")]);
        assert!(!header_is(&twice, &header::HOST, &allowed));
        assert!(!header_is(&HeaderMap::new(), &header::HOST, &allowed));

        let origins = ["http://127.0.0.1:4000".to_owned()];
        let ok = headers(&[
            ("origin", "http://127.0.0.1:4000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(from_this_app(&ok, &origins));
        assert!(from_this_app(
            &headers(&[("origin", "http://127.0.0.1:4000")]),
            &origins
        ));
        for bad in [
            headers(&[("origin", "null")]),
            headers(&[("origin", "http://evil.example")]),
            headers(&[
                ("origin", "http://127.0.0.1:4000"),
                ("sec-fetch-site", "cross-site"),
            ]),
            headers(&[
                ("origin", "http://127.0.0.1:4000"),
                ("sec-fetch-site", "same-site"),
            ]),
            HeaderMap::new(),
        ] {
            assert!(!from_this_app(&bad, &origins), "{bad:?}");
        }
    }

    #[test]
    fn cookies_and_query_parameters_are_found_by_exact_name() {
        let h = headers(&[("cookie", "xprobity_app=1; probity_app=abc; probity_lang=en")]);
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
        assert_eq!(
            query_param("lang=en&token=t1", "token").as_deref(),
            Some("t1")
        );
        assert_eq!(query_param("xtoken=t1", "token"), None);
    }
}
