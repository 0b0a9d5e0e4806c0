//! The tips inbox: every tip the service holds, each checked against its log entry and
//! opened on this computer with the supervisors' tip key (`Supervisor::tips`), its text shown
//! as text; a reply to a tip, which may close it.
//!
//! A tip's attachments are what a stranger sent: they are never rendered. The page lists each
//! one's name, declared type and size, as text; each downloads as a file
//! (`Content-Disposition: attachment`, `Content-Type: application/octet-stream`, `nosniff`,
//! and a `Content-Security-Policy` with `sandbox`, so that even a browser that displayed it
//! would run nothing of it with this app's origin), or is saved to the data folder on
//! request. Tips are opened again for each request and kept in no cache.

use std::{path::PathBuf, sync::Arc};

use axum::{
    extract::{Extension, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    supervisor::{read_tip_key, ReadTip, Tips, TIP_KEY_FILE},
    SupervisorError,
};
use probity_credentials::Attachment;
use probity_web::Lang;
use serde::Deserialize;

use super::{page, supervisor};
use crate::{
    text::{fill, T},
    whistleblower::call,
    AppState,
};

pub(super) const TIPS: &str = "/supervisor/tips";
const REPLY: &str = "/supervisor/tips/reply";
const SAVE: &str = "/supervisor/tips/save";
const ATTACHMENT: &str = "/supervisor/tips/{entry}/attachments/{n}";

/// Where attachments are saved on request, in the data folder (`tip-ENTRY/` under it).
const SAVED_DIR: &str = "tip-attachments";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(TIPS, get(inbox))
        .route(REPLY, post(reply))
        .route(SAVE, post(save))
        .route(ATTACHMENT, get(attachment))
}

/// Every tip, checked and opened with the tip key of the data folder.
fn open_tips(app: &AppState) -> Result<Tips, SupervisorError> {
    let secret = read_tip_key(&app.data_dir.join(TIP_KEY_FILE))?;
    supervisor(app)?.tips(&secret)
}

async fn inbox(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    inbox_page(&app, lang, None).await
}

async fn inbox_page(app: &Arc<AppState>, lang: Lang, done: Option<Markup>) -> Response {
    let app2 = Arc::clone(app);
    let tips = call(lang, SupervisorError::is_untrusted, move || {
        open_tips(&app2)
    })
    .await;
    let main = html! {
        h1 { (T::SuTips.get(lang)) }
        p.intro { (T::SuTipsIntro.get(lang)) }
        @if let Some(done) = done { (done) }
        @match tips {
            Err(error) => (error),
            Ok(tips) if tips.tips.is_empty() => p.empty { (T::SuNoTips.get(lang)) },
            Ok(tips) => { @for tip in &tips.tips { (tip_markup(lang, tip)) } },
        }
    };
    page(lang, Some(TIPS), T::SuTips, main).into_response()
}

fn tip_markup(lang: Lang, tip: &ReadTip) -> Markup {
    let v = &tip.view;
    let entry = v.entry.to_string();
    let subject = html! {
        @match probity_core::OfficialId::new(&v.subject) {
            Ok(id) => a href=(super::record_path(&id)) { (id) },
            Err(_) => code { (v.subject) },
        }
    };
    html! {
        section.tip id=(format!("tip-{entry}")) {
            h2 {
                (fill(lang, T::SuTipAt, &[&entry])) " " (subject) " "
                @if v.status == "closed" { span.badge.muted { (T::StatusClosed.get(lang)) } }
                @else { span.badge.warn { (T::StatusOpen.get(lang)) } }
            }
            @match &tip.opened {
                Err(e) => (crate::page::failure(lang, e, e.is_untrusted())),
                Ok(opened) => {
                    div.tip-text { (opened.body.text()) }
                    (attachments(lang, v.entry, opened.body.attachments()))
                }
            }
            h3 { (T::Replies.get(lang)) }
            @if v.replies.is_empty() { p.empty { (T::NoReplies.get(lang)) } } @else {
                ol.replies { @for r in &v.replies { li { span.muted { (r.day) } p.reply { (r.message) } } } }
            }
            @if v.status != "closed" { (reply_form(lang, v.entry)) }
        }
    }
}

fn attachments(lang: Lang, entry: u64, list: &[Attachment]) -> Markup {
    if list.is_empty() {
        return html! {};
    }
    html! {
        h3 { (T::SuAttachments.get(lang)) }
        p.note { (T::SuAttachmentsNote.get(lang)) }
        table.attachments {
            tr { th { (T::SuFileName.get(lang)) } th { (T::SuDeclaredType.get(lang)) } th { (T::SuSize.get(lang)) } th {} }
            @for (i, a) in list.iter().enumerate() {
                tr {
                    td { code { (a.name()) } } td { code { (a.media_type()) } }
                    td { (fill(lang, T::SuBytes, &[&a.data().len().to_string()])) }
                    td { a.download href=(format!("{TIPS}/{entry}/attachments/{}", i + 1)) download { (T::SuDownload.get(lang)) } }
                }
            }
        }
        form.inline method="post" action=(SAVE) {
            input type="hidden" name="tip" value=(entry);
            button type="submit" { (T::SuSaveAll.get(lang)) }
        }
    }
}

fn reply_form(lang: Lang, entry: u64) -> Markup {
    html! {
        form.app.reply method="post" action=(REPLY) {
            input type="hidden" name="tip" value=(entry);
            label { (T::SuReply.get(lang))
                textarea name="message" rows="4" required {}
            }
            p.muted { (T::SuReplyNote.get(lang)) }
            label.check { input type="checkbox" name="close" value="1"; " " (T::SuClose.get(lang)) }
            button type="submit" { (T::SuSendReply.get(lang)) }
        }
    }
}

/// No `Debug`: the reply goes to a whistleblower and is for them and the supervisors only.
#[derive(Default, Deserialize)]
pub(crate) struct ReplyFields {
    #[serde(default)]
    tip: u64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    close: String,
}

/// `POST /supervisor/tips/reply`: the reply, and the tip closed if asked; then the inbox.
async fn reply(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<ReplyFields>,
) -> Response {
    let app2 = Arc::clone(&app);
    let (tip, close) = (fields.tip, !fields.close.is_empty());
    let replied = call(lang, SupervisorError::is_untrusted, move || {
        supervisor(&app2)?.reply(tip, &fields.message, close)
    })
    .await;
    let done = match replied {
        Err(error) => error,
        Ok(r) if close => {
            let entries: Vec<String> = r.entries.iter().map(ToString::to_string).collect();
            html! { p.ok #replied { (fill(lang, T::SuRepliedClosed, &[&tip.to_string(), &entries.join(", ")])) } }
        }
        Ok(_) => html! { p.ok #replied { (fill(lang, T::SuReplied, &[&tip.to_string()])) } },
    };
    inbox_page(&app, lang, Some(done)).await
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SaveFields {
    #[serde(default)]
    tip: u64,
}

/// `POST /supervisor/tips/save`: the tip's attachments saved under the data folder.
async fn save(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<SaveFields>,
) -> Response {
    let app2 = Arc::clone(&app);
    let saved = call(lang, SupervisorError::is_untrusted, move || {
        let tips = open_tips(&app2)?;
        let dir = app2.data_dir.join(SAVED_DIR);
        match tips.tips.iter().find(|t| t.view.entry == fields.tip) {
            Some(ReadTip { opened: Ok(o), .. }) => o.save_attachments(&dir, fields.tip),
            _ => Ok(Vec::new()),
        }
    })
    .await;
    let done = match saved {
        Err(error) => error,
        Ok(paths) => html! {
            div #saved {
                p.ok { (fill(lang, T::SuSaved, &[&paths.len().to_string()])) }
                ul { @for p in &paths { li { code { (p.display()) } } } }
            }
        },
    };
    inbox_page(&app, lang, Some(done)).await
}

/// `GET /supervisor/tips/{entry}/attachments/{n}`: the `n`th attachment (from 1) of the tip
/// at `entry`, as a file to save, never as a page.
async fn attachment(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Path((entry, n)): Path<(u64, usize)>,
) -> Response {
    let app2 = Arc::clone(&app);
    let found = call(lang, SupervisorError::is_untrusted, move || {
        let tips = open_tips(&app2)?;
        Ok(tips
            .tips
            .into_iter()
            .find(|t| t.view.entry == entry)
            .and_then(|t| t.opened.ok())
            .and_then(|o| o.body.attachments().get(n.checked_sub(1)?).cloned()))
    })
    .await;
    match found {
        Ok(Some(a)) => download(&a, n),
        Ok(None) => {
            let main =
                html! { h1 { (T::NotFoundTitle.get(lang)) } p { (T::SuNoAttachment.get(lang)) } };
            (
                StatusCode::NOT_FOUND,
                page(lang, None, T::NotFoundTitle, main),
            )
                .into_response()
        }
        Err(error) => page(lang, None, T::SuTips, error).into_response(),
    }
}

/// The attachment as a download. The security headers (`nosniff`, and the policy with
/// `sandbox` that every attachment gets) are added with every response's.
fn download(a: &Attachment, n: usize) -> Response {
    let disposition = disposition(a.name(), n);
    let mut response = a.data().to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `attachment; filename="…"; filename*=UTF-8''…`: the name's last component (never one that
/// hides the file or leaves the folder: `attachment-N` then), plain ASCII in the first form
/// and percent-encoded UTF-8 in the second.
fn disposition(name: &str, n: usize) -> String {
    let base = PathBuf::from(name.replace('\\', "/"))
        .file_name()
        .and_then(|s| s.to_str())
        .filter(|s| !s.starts_with('.'))
        .map_or_else(|| format!("attachment-{n}"), str::to_owned);
    let plain: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = base
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_is_named_by_its_last_component_and_nothing_else() {
        assert_eq!(
            disposition("x.html", 1),
            "attachment; filename=\"x.html\"; filename*=UTF-8''x.html"
        );
        assert_eq!(
            disposition("../../etc/房产证 1.pdf", 2),
            "attachment; filename=\"____1.pdf\"; filename*=UTF-8''%E6%88%BF%E4%BA%A7%E8%AF%81%201.pdf"
        );
        for hidden in [".bashrc", "..", "", "a/..", "dir\\.."] {
            assert!(
                disposition(hidden, 3).starts_with("attachment; filename=\"attachment-3\""),
                "{hidden}"
            );
        }
        assert!(disposition("a\"b\r\n.txt", 4).starts_with("attachment; filename=\"a_b__.txt\""));
    }
}
