//! The whistleblower's pages: enroll with the one-time code, write a tip about an official
//! chosen from the list, read a tip's status and the supervisors' replies with its receipt
//! code. Each calls `probity_client::Whistleblower` as the command line does, and shows its
//! errors in its words; a form that fails comes back with what the user typed.
//!
//! Secrets travel only in POST bodies (the enrollment code, the tip, the receipt code), never
//! in an address; the receipt code is shown once, on the page that answers the tip's POST
//! (which no cache keeps: `Cache-Control: no-store`), and kept nowhere.

use std::sync::Arc;

use axum::{
    extract::{multipart::MultipartError, DefaultBodyLimit, Extension, Multipart, State},
    http::StatusCode,
    response::Html,
    routing::get,
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    api::{OfficialInfo, TipStatus},
    whistleblower::{Enrollment, TipOutcome, TipSent, TipStatusReport},
    Whistleblower, WhistleblowerError,
};
use probity_credentials::Attachment;
use probity_web::Lang;
use serde::Deserialize;

use crate::{
    page::{self, Frame, Roles},
    text::{fill, T},
    AppState,
};

const ENROLL: &str = "/whistleblower/enroll";
const TIP: &str = "/whistleblower/tip";
const STATUS: &str = "/whistleblower/status";

/// The largest tip form the app reads: the library's limits on a tip (64 KiB of text, 8
/// attachments of 4 MiB, 8 MiB in all) and room for the form's own encoding. A larger form
/// stops being read there, and the page says the tip is too large.
const TIP_FORM_LIMIT: usize = (8 << 20) + (512 << 10);

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(ENROLL, get(enroll_form).post(enroll))
        .route(
            TIP,
            get(tip_form)
                .post(send_tip)
                .layer(DefaultBodyLimit::max(TIP_FORM_LIMIT)),
        )
        .route(STATUS, get(status_form).post(status))
}

/// The whistleblower's part of the home page: where to go, and the safety notes.
pub(crate) fn home_section(lang: Lang, enrolled: bool) -> Markup {
    html! {
        section.role #whistleblower {
            h2 { (T::WbRole.get(lang)) }
            @if enrolled {
                p { (T::WbEnrolled.get(lang)) }
                ul.actions {
                    li { a href=(TIP) { (T::WbWriteTip.get(lang)) } }
                    li { a href=(STATUS) { (T::WbStatus.get(lang)) } }
                }
            } @else {
                p { (T::WbNotEnrolled.get(lang)) }
                ul.actions { li { a href=(ENROLL) { (T::WbEnroll.get(lang)) } } }
            }
            (safety_notes(lang))
        }
    }
}

fn safety_notes(lang: Lang) -> Markup {
    html! {
        aside.safety {
            h3 { (T::SafetyTitle.get(lang)) }
            ul {
                li { (T::SafetyOperator.get(lang)) }
                li { (T::SafetyDevice.get(lang)) }
                li { (T::SafetyCredential.get(lang)) }
                li { (T::SafetyPool.get(lang)) }
            }
        }
    }
}

fn whistleblower(app: &AppState) -> Whistleblower {
    Whistleblower::new(app.client.clone(), &app.data_dir)
}

/// Runs a blocking call of the library off the server's threads; its error (or a panic's)
/// as the words to show.
pub(crate) async fn call<R, E>(
    lang: Lang,
    untrusted: fn(&E) -> bool,
    f: impl FnOnce() -> Result<R, E> + Send + 'static,
) -> Result<R, Markup>
where
    R: Send + 'static,
    E: std::error::Error + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(page::failure(lang, &e, untrusted(&e))),
        Err(e) => Err(page::failure(lang, &e, false)),
    }
}

pub(crate) fn page(lang: Lang, switch: Option<&str>, title: T, main: Markup) -> Html<String> {
    let frame = Frame {
        lang,
        switch,
        session: true,
        nav: &[],
        refresh: false,
    };
    Html(page::layout(frame, title.get(lang), main))
}

/// The enrollment form. No `Debug`: it holds the one-time code.
#[derive(Default, Deserialize)]
pub(crate) struct EnrollFields {
    #[serde(default)]
    code: String,
    #[serde(default)]
    scope: String,
}

async fn enroll_form(Extension(lang): Extension<Lang>) -> Html<String> {
    enroll_page(lang, &EnrollFields::default(), None)
}

fn enroll_page(lang: Lang, fields: &EnrollFields, error: Option<Markup>) -> Html<String> {
    let main = html! {
        h1 { (T::EnrollTitle.get(lang)) }
        p.intro { (T::EnrollIntro.get(lang)) }
        @if let Some(error) = error { (error) }
        form.app method="post" action=(ENROLL) {
            label { (T::EnrollCode.get(lang))
                input #code type="text" name="code" value=(fields.code) required
                    autocomplete="off" spellcheck="false";
            }
            label { (T::EnrollScope.get(lang))
                input #scope type="text" name="scope" value=(fields.scope) autocomplete="off";
            }
            button type="submit" { (T::EnrollSubmit.get(lang)) }
        }
        (safety_notes(lang))
    };
    page(lang, Some(ENROLL), T::EnrollTitle, main)
}

async fn enroll(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<EnrollFields>,
) -> Html<String> {
    let wb = whistleblower(&app);
    let (code, scope) = (fields.code.clone(), fields.scope.trim().to_owned());
    let enrolled = call(lang, WhistleblowerError::is_untrusted, move || {
        wb.enroll(&code, (!scope.is_empty()).then_some(scope.as_str()))
    })
    .await;
    match enrolled {
        Ok(enrolled) => enrolled_page(lang, &enrolled),
        Err(error) => enroll_page(lang, &fields, Some(error)),
    }
}

fn enrolled_page(lang: Lang, enrolled: &Enrollment) -> Html<String> {
    let until = probity_core::format_utc(enrolled.valid_until_ms / 1000);
    let main = html! {
        h1 { (T::EnrolledTitle.get(lang)) }
        p.ok #enrolled { (fill(lang, T::EnrolledScope, &[enrolled.scope.as_str()])) }
        p { (fill(lang, T::EnrolledUntil, &[&until])) }
        p { (T::EnrolledFingerprint.get(lang)) br; code.wrap { (enrolled.issuer_fingerprint) } }
        p.warning { (T::SafetyCredential.get(lang)) " " (T::SafetyDevice.get(lang)) }
        ul.actions { li { a href=(TIP) { (T::WbWriteTip.get(lang)) } } }
    };
    page(lang, None, T::EnrolledTitle, main)
}

/// What the user typed into the tip form, to give it back when sending fails. No `Debug`:
/// it is the tip (its subject and text).
#[derive(Default)]
struct TipFields {
    subject: String,
    text: String,
}

/// The officials, fetched once per session and kept in memory. The whole list is fetched,
/// never one official by name: a request naming the subject would tie them to this
/// machine's address in any access log on the way.
pub(crate) async fn officials(
    app: &Arc<AppState>,
    lang: Lang,
) -> Result<Arc<Vec<OfficialInfo>>, Markup> {
    let cached = app
        .live
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|l| l.officials.clone());
    if let Some(list) = cached {
        return Ok(list);
    }
    let client = app.client.clone();
    let list: Vec<OfficialInfo> =
        call(lang, |_| false, move || client.get("/v1/officials")).await?;
    let list = Arc::new(list);
    if let Some(live) = app.live.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        live.officials = Some(Arc::clone(&list));
    }
    Ok(list)
}

async fn tip_form(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
) -> Html<String> {
    tip_page(&app, lang, &TipFields::default(), None).await
}

async fn tip_page(
    app: &Arc<AppState>,
    lang: Lang,
    fields: &TipFields,
    error: Option<Markup>,
) -> Html<String> {
    let enrolled = Roles::of(&app.data_dir).enrolled;
    let officials = if enrolled {
        Some(officials(app, lang).await)
    } else {
        None
    };
    let main = html! {
        h1 { (T::TipTitle.get(lang)) }
        p.intro { (T::TipIntro.get(lang)) }
        @if let Some(error) = error { (error) }
        @match &officials {
            None => p.warning { (T::TipEnrollFirst.get(lang)) " " a href=(ENROLL) { (T::WbEnroll.get(lang)) } },
            Some(Err(error)) => (error),
            Some(Ok(list)) if list.is_empty() => p.empty { (T::TipNoOfficials.get(lang)) },
            Some(Ok(list)) => (tip_form_markup(lang, list, fields)),
        }
        (safety_notes(lang))
    };
    page(lang, Some(TIP), T::TipTitle, main)
}

fn tip_form_markup(lang: Lang, officials: &[OfficialInfo], fields: &TipFields) -> Markup {
    html! {
        form.app method="post" action=(TIP) enctype="multipart/form-data" {
            label { (T::TipSubject.get(lang))
                select #subject name="subject" required {
                    option value="" { (T::TipChoose.get(lang)) }
                    @for o in officials {
                        @let id = o.official.as_str();
                        option value=(id) selected[id == fields.subject] {
                            (o.name) " — " (o.position) " (" (id) ", " (o.jurisdiction) ")"
                        }
                    }
                }
            }
            label { (T::TipText.get(lang))
                textarea #text name="text" rows="10" { (fields.text) }
            }
            label { (T::TipAttachments.get(lang))
                input #attachments type="file" name="attachment" multiple;
            }
            button type="submit" { (T::TipSend.get(lang)) }
        }
    }
}

/// Why the tip form could not be read whole.
enum Unread {
    TooLarge,
    Form(MultipartError),
    Attachment(String),
}

/// Reads the tip form: the subject, the text and the attachments, stopping at the first
/// field that cannot be read (what was read so far is kept, to give back).
async fn read_tip_form(
    mut form: Multipart,
    fields: &mut TipFields,
) -> Result<Vec<Attachment>, Unread> {
    let mut attachments = Vec::new();
    let too_large = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Unread::TooLarge
        } else {
            Unread::Form(e)
        }
    };
    while let Some(field) = form.next_field().await.map_err(too_large)? {
        match field.name().unwrap_or_default() {
            "subject" => fields.subject = field.text().await.map_err(too_large)?,
            "text" => fields.text = field.text().await.map_err(too_large)?,
            "attachment" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let media = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let data = field.bytes().await.map_err(too_large)?;
                // A file input left empty still sends a part, with no name and no data.
                if name.is_empty() && data.is_empty() {
                    continue;
                }
                if data.len() > Attachment::MAX_DATA_LEN {
                    return Err(Unread::TooLarge);
                }
                let attachment = Attachment::new(&name, &media, data.to_vec())
                    .map_err(|e| Unread::Attachment(format!("{name}: {e}")))?;
                attachments.push(attachment);
            }
            _ => {}
        }
    }
    Ok(attachments)
}

async fn send_tip(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    form: Multipart,
) -> Html<String> {
    let mut fields = TipFields::default();
    let attachments = match read_tip_form(form, &mut fields).await {
        Ok(attachments) => attachments,
        Err(unread) => {
            let words = match unread {
                Unread::TooLarge => T::TipTooLarge.get(lang).to_owned(),
                Unread::Form(e) => fill(lang, T::TipUnreadable, &[&e.body_text()]),
                Unread::Attachment(e) => fill(lang, T::TipUnreadable, &[&e]),
            };
            let error = html! { div.failure role="alert" { p { strong { (words) } } } };
            return tip_page(&app, lang, &fields, Some(error)).await;
        }
    };
    let wb = whistleblower(&app);
    let (subject, text) = (fields.subject.clone(), fields.text.clone());
    let sent = call(lang, WhistleblowerError::is_untrusted, move || {
        let draft = wb.draft_tip(&subject)?;
        wb.send_tip(draft, &text, attachments)
    })
    .await;
    match sent {
        Ok(sent) => sent_page(lang, &sent),
        Err(error) => tip_page(&app, lang, &fields, Some(error)).await,
    }
}

/// The answer to a tip: its receipt code, shown this once, and where the tip went. No
/// language switch: following it would lose the code.
fn sent_page(lang: Lang, sent: &TipSent) -> Html<String> {
    let outcome = match &sent.outcome {
        TipOutcome::Pooled { until, note_failed } => html! {
            p #pooled { @match until {
                Some(ms) => (fill(lang, T::TipPooled, &[&probity_core::format_utc(ms / 1000)])),
                None => (T::TipPooledSoon.get(lang)),
            } }
            @if let Some(failed) = note_failed {
                p.warning { (fill(lang, T::TipNoteFailed, &[&failed.error.to_string()])) }
            }
        },
        TipOutcome::Logged { entry, .. } => {
            html! { p #logged { (fill(lang, T::TipLogged, &[&entry.to_string()])) } }
        }
        TipOutcome::Unchecked { entry, error } => html! {
            p.bad { (fill(lang, T::TipUnchecked, &[&entry.to_string(), &error.to_string()])) }
        },
    };
    let main = html! {
        h1 { (T::TipSentTitle.get(lang)) }
        p { (fill(lang, T::TipSentAbout, &[sent.subject.as_str()])) }
        div.receipt {
            p.label { (T::ReceiptCode.get(lang)) }
            p { code #receipt-code { (sent.receipt_code.reveal()) } }
            p.write-down { strong { (T::WriteItDown.get(lang)) } }
        }
        (outcome)
        ul.actions { li { a href=(STATUS) { (T::WbStatus.get(lang)) } } }
    };
    page(lang, None, T::TipSentTitle, main)
}

/// The status form. No `Debug`: it holds the receipt code.
#[derive(Default, Deserialize)]
pub(crate) struct StatusFields {
    #[serde(default)]
    receipt: String,
}

async fn status_form(Extension(lang): Extension<Lang>) -> Html<String> {
    status_page(lang, &StatusFields::default(), None)
}

fn status_page(lang: Lang, fields: &StatusFields, result: Option<Markup>) -> Html<String> {
    let main = html! {
        h1 { (T::StatusTitle.get(lang)) }
        p.intro { (T::StatusIntro.get(lang)) }
        form.app method="post" action=(STATUS) {
            label { (T::ReceiptCode.get(lang))
                input #receipt type="text" name="receipt" value=(fields.receipt) required
                    autocomplete="off" spellcheck="false";
            }
            button type="submit" { (T::StatusCheck.get(lang)) }
        }
        @if let Some(result) = result { (result) }
    };
    page(lang, Some(STATUS), T::StatusTitle, main)
}

async fn status(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<StatusFields>,
) -> Html<String> {
    let wb = whistleblower(&app);
    let code = fields.receipt.clone();
    let report = call(lang, WhistleblowerError::is_untrusted, move || {
        wb.status(&code)
    })
    .await;
    let shown = match report {
        Ok(report) => report_markup(lang, &report),
        Err(error) => error,
    };
    status_page(lang, &fields, Some(shown))
}

fn report_markup(lang: Lang, report: &TipStatusReport) -> Markup {
    let TipStatus {
        status, replies, ..
    } = &report.status;
    let status_word = match status.as_str() {
        "open" => T::StatusOpen.get(lang),
        "closed" => T::StatusClosed.get(lang),
        other => other,
    };
    html! {
        section #status-report {
            @match &report.logged {
                None => p { (T::StatusPooled.get(lang)) },
                Some(logged) => {
                    p { (fill(lang, T::StatusLogged, &[&logged.entry.to_string()])) }
                    p { (T::StatusIs.get(lang)) " " strong #tip-status { (status_word) } }
                }
            }
            h2 { (T::Replies.get(lang)) }
            @if replies.is_empty() {
                p.empty { (T::NoReplies.get(lang)) }
            } @else {
                ol.replies {
                    @for reply in replies {
                        li { span.muted { (reply.day) } p.reply { (reply.message) } }
                    }
                }
            }
        }
    }
}
