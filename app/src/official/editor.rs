//! The declaration editor: the files of the data folder, a new one from the template or
//! imported from elsewhere (checked as a declaration before it is written), and
//! one file's items, a fieldset per item, with the totals and the net worth recomputed on
//! every submit. Saving goes through `DeclarationDraft::save`: core's parser checks the
//! whole edited file first, and on any error the file is left as it was.

use std::sync::Arc;

use axum::{
    extract::{DefaultBodyLimit, Extension, Multipart, Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::declaration_edit::{DeclarationDraft, EditError, ItemFields, Totals};
use probity_core::{Capacity, Category, Declaration, OfficialId, Period};
use probity_web::Lang;
use serde::Deserialize;

use super::{declaration_names, declaration_path, locked, unlocked, yuan};
use crate::{
    page,
    text::{fill, T},
    whistleblower::page,
    AppState,
};

pub(super) const LIST: &str = "/official/declarations";
const NEW: &str = "/official/declarations/new";
const IMPORT: &str = "/official/declarations/import";

/// The largest declaration file imported: far above any real one (a capacity-1024 file is
/// about 200 KiB), and small enough to read in memory.
const MAX_IMPORT: usize = 1 << 20;
const EDIT: &str = "/official/declaration";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(LIST, get(list))
        .route(NEW, post(new))
        .route(
            IMPORT,
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT + 4096)),
        )
        .route(EDIT, get(edit_form).post(edit))
}

fn error_box(error: &dyn std::error::Error, lang: Lang) -> Markup {
    page::failure(lang, error, false)
}

async fn list(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    list_page(&app, lang, None)
}

fn list_page(app: &AppState, lang: Lang, error: Option<Markup>) -> Response {
    let names = declaration_names(app);
    let folder = app.data_dir.display().to_string();
    let main = html! {
        h1 { (T::OfDeclarations.get(lang)) }
        p.intro { (fill(lang, T::OfDeclarationsIntro, &[&folder])) }
        @if names.is_empty() { p.empty { (T::OfNoDeclarations.get(lang)) } } @else {
            ul #declarations {
                @for name in &names {
                    li { a href=(format!("{EDIT}?file={name}")) { (name) } }
                }
            }
        }
        @if let Some(error) = error { (error) }
        h2 { (T::OfImportDeclaration.get(lang)) }
        form.app method="post" action=(IMPORT) enctype="multipart/form-data" {
            label { (T::OfImportFile.get(lang)) input #import type="file" name="file" accept=".toml" required; }
            p.muted { (T::OfImportNote.get(lang)) }
            button #import-button type="submit" { (T::OfImport.get(lang)) }
        }
        h2 { (T::OfNewDeclaration.get(lang)) }
        form.app method="post" action=(NEW) {
            label { (T::OfFileName.get(lang)) input #new-name type="text" name="name" required placeholder="2027.toml"; }
            label { (T::OfOfficialId.get(lang)) input #new-official type="text" name="official" required; }
            label { (T::OfPeriod.get(lang)) input #new-period type="text" name="period" required inputmode="numeric"; }
            label { (T::OfCapacity.get(lang))
                select #new-capacity name="capacity" {
                    @for c in Capacity::ALL { option value=(c.slots()) selected[c == Capacity::default()] { (c.slots()) } }
                }
            }
            button type="submit" { (T::OfCreate.get(lang)) }
        }
    };
    page(lang, Some(LIST), T::OfDeclarations, main).into_response()
}

#[derive(Default, Deserialize)]
pub(crate) struct NewFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    official: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    capacity: String,
}

/// `POST /official/declarations/new`: a new file from the template, never over one.
async fn new(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<NewFields>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let made = (|| -> Result<String, String> {
        let (name, path) = new_file(&app, lang, &fields.name)?;
        let official = OfficialId::new(fields.official.trim())?;
        let period = fields
            .period
            .trim()
            .parse::<u32>()
            .map_err(|_| T::OfBadPeriod.get(lang).to_owned())
            .and_then(Period::new)?;
        let capacity = fields
            .capacity
            .parse::<usize>()
            .map_err(|e| e.to_string())
            .and_then(Capacity::new)?;
        DeclarationDraft::new_from_template(&path, &official, period, capacity)
            .and_then(|d| d.save())
            .map_err(|e| e.to_string())?;
        Ok(name)
    })();
    opened_or_refused(&app, lang, made)
}

/// The editor of the file just made, or the list with what went wrong.
fn opened_or_refused(app: &AppState, lang: Lang, made: Result<String, String>) -> Response {
    match made {
        Ok(name) => Redirect::to(&format!("{EDIT}?file={name}")).into_response(),
        Err(words) => {
            let error = html! { div.failure role="alert" { p { strong { (T::Failed.get(lang)) } " " (words) } } };
            list_page(app, lang, Some(error))
        }
    }
}

/// A file name for a new declaration in the data folder (`.toml` added if missing): plain
/// characters only, so that it stays in the folder, and never one already there.
fn new_file(app: &AppState, lang: Lang, raw: &str) -> Result<(String, std::path::PathBuf), String> {
    let mut name = raw.trim().to_owned();
    if !name.ends_with(".toml") {
        name.push_str(".toml");
    }
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain || name.starts_with('.') {
        return Err(T::OfBadName.get(lang).to_owned());
    }
    let path = app.data_dir.join(&name);
    if path.exists() {
        return Err(fill(lang, T::OfExists, &[&name]));
    }
    Ok((name, path))
}

/// `POST /official/declarations/import`: a declaration file from elsewhere (an accountant's,
/// a copy), written into the data folder under its own name once it checks as a declaration;
/// never over a file already there. A file that does not check is not written.
async fn import(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    mut form: Multipart,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let mut upload = None;
    let mut unreadable = false;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) => upload = Some((name, bytes)),
                    Err(_) => unreadable = true,
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        }
    }
    let made = (|| -> Result<String, String> {
        let (name, bytes) = match upload {
            Some(u) if !unreadable && !u.1.is_empty() => u,
            _ => return Err(T::OfImportUnreadable.get(lang).to_owned()),
        };
        if bytes.len() > MAX_IMPORT {
            return Err(T::OfImportUnreadable.get(lang).to_owned());
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| T::OfImportNotText.get(lang).to_owned())?;
        Declaration::from_toml(text)
            .map_err(|e| fill(lang, T::OfImportInvalid, &[&e.to_string()]))?;
        // The name as the browser sent it, its last component only.
        let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
        let (name, path) = new_file(&app, lang, base)?;
        probity_core::durable::create_new(
            &path,
            text.as_bytes(),
            probity_core::durable::Access::OwnerOnly,
        )
        .map_err(|e| e.to_string())?;
        Ok(name)
    })();
    opened_or_refused(&app, lang, made)
}

#[derive(Deserialize)]
pub(crate) struct FileParam {
    #[serde(default)]
    file: String,
}

async fn edit_form(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Query(param): Query<FileParam>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let Some(path) = declaration_path(&app, &param.file) else {
        return list_page(&app, lang, Some(no_such_file(lang, &param.file)));
    };
    match DeclarationDraft::open(&path) {
        Ok(draft) => match draft.check() {
            Ok(checked) => editor_page(lang, &param.file, &draft.items(), Some(&checked), None),
            Err(e) => editor_page(
                lang,
                &param.file,
                &draft.items(),
                None,
                Some(Outcome::Invalid(e)),
            ),
        },
        Err(e) => list_page(&app, lang, Some(error_box(&e, lang))),
    }
}

fn no_such_file(lang: Lang, name: &str) -> Markup {
    html! { div.failure role="alert" { p { (fill(lang, T::OfNoSuchFile, &[name])) } } }
}

/// What the page says about the file.
enum Outcome {
    /// Saved: the file holds the rows shown.
    Saved,
    /// Not saved, and why; the file is as it was.
    Refused(EditError),
    /// The rows shown are not a valid declaration (a check, or the file as opened).
    Invalid(EditError),
}

fn editor_page(
    lang: Lang,
    name: &str,
    items: &[ItemFields],
    checked: Option<&(Declaration, Totals)>,
    outcome: Option<Outcome>,
) -> Response {
    let switch = format!("{EDIT}?file={name}");
    let main = html! {
        h1 { (T::OfEditTitle.get(lang)) " " code { (name) } }
        @match checked {
            Some((d, _)) => p.intro { (fill(lang, T::OfEditIntro, &[d.official().as_str(), &d.period().to_string(), &d.capacity().to_string()])) },
            None => p.intro { (T::OfEditIntroInvalid.get(lang)) },
        }
        @match &outcome {
            Some(Outcome::Saved) => p.ok #saved { (T::OfSaved.get(lang)) },
            Some(Outcome::Refused(e)) => div.failure #invalid role="alert" {
                p { strong { (T::OfNotSaved.get(lang)) } " " (e.to_string()) }
            },
            Some(Outcome::Invalid(e)) => div.failure #invalid role="alert" { p { (e.to_string()) } },
            None => {},
        }
        @if let Some((_, totals)) = checked { (totals_markup(lang, totals)) }
        form.app.editor method="post" action=(switch) {
            input type="hidden" name="items" value=(items.len());
            @for (i, item) in items.iter().enumerate() { (item_fieldset(lang, &(i + 1).to_string(), item, true)) }
            (item_fieldset(lang, "new", &ItemFields { owner: "self".to_owned(), ..ItemFields::default() }, false))
            div.buttons {
                button #check type="submit" name="action" value="check" { (T::OfRecompute.get(lang)) }
                button #save type="submit" name="action" value="save" { (T::OfSave.get(lang)) }
            }
        }
        ul.actions { li { a href=(super::filing::FILE) { (T::OfFile.get(lang)) } } li { a href=(LIST) { (T::OfDeclarations.get(lang)) } } }
    };
    page(lang, Some(&switch), T::OfEditTitle, main).into_response()
}

fn totals_markup(lang: Lang, totals: &Totals) -> Markup {
    let row = |label: T, fen: i128, id: &str| {
        html! { tr { th { (label.get(lang)) } td.amount id=(id) { (yuan(lang, fen)) } } }
    };
    html! {
        table.totals #totals {
            (row(T::OfAssets, totals.assets as i128, "total-assets"))
            (row(T::OfLiabilities, totals.liabilities as i128, "total-liabilities"))
            (row(T::OfNetWorth, totals.net_worth, "net-worth"))
            (row(T::OfIncome, totals.income as i128, "total-income"))
        }
    }
}

fn item_fieldset(lang: Lang, key: &str, item: &ItemFields, existing: bool) -> Markup {
    let name = |field: &str| format!("{field}.{key}");
    let known = Category::all()
        .filter_map(|c| c.name())
        .any(|n| n == item.category);
    html! {
        fieldset.item id=(format!("item-{key}")) {
            legend { @if existing { (fill(lang, T::OfItem, &[key])) } @else { (T::OfAddItem.get(lang)) } }
            label { (T::OfCategory.get(lang))
                select name=(name("category")) {
                    @if !existing { option value="" { "—" } }
                    @if !known && existing { option value=(item.category) selected { (item.category) } }
                    @for c in Category::all() {
                        @if let Some(n) = c.name() { option value=(n) selected[n == item.category] { (n) " — " (c) } }
                    }
                }
            }
            label { (T::OfAssetId.get(lang)) input type="text" name=(name("asset_id")) value=(item.asset_id) autocomplete="off"; }
            label { (T::OfValue.get(lang)) input.amount type="text" name=(name("value")) value=(item.value_yuan) inputmode="decimal" autocomplete="off"; }
            label { (T::OfOwner.get(lang))
                select name=(name("owner")) {
                    @for (o, t) in [("self", T::OfOwnerSelf), ("spouse", T::OfOwnerSpouse), ("child", T::OfOwnerChild)] {
                        option value=(o) selected[o == item.owner] { (t.get(lang)) }
                    }
                }
            }
            label { (T::OfNote.get(lang)) input type="text" name=(name("note")) value=(item.note) autocomplete="off"; }
            @if existing {
                label.remove { input type="checkbox" name=(name("remove")) value="1"; " " (T::OfRemove.get(lang)) }
            }
        }
    }
}

/// The submitted form: every item's fields by number, the new item's, removals, the action.
struct Submitted {
    items: Vec<ItemFields>,
    removed: Vec<usize>,
    new: ItemFields,
    save: bool,
}

fn read_form(pairs: Vec<(String, String)>) -> Submitted {
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let fields = |key: &str| ItemFields {
        category: get(&format!("category.{key}")),
        asset_id: get(&format!("asset_id.{key}")),
        value_yuan: get(&format!("value.{key}")),
        owner: get(&format!("owner.{key}")),
        note: get(&format!("note.{key}")),
    };
    // At most as many rows as the largest capacity: a form cannot make the app loop long.
    let count = get("items")
        .parse::<usize>()
        .unwrap_or(0)
        .min(Capacity::C1024.slots());
    Submitted {
        items: (1..=count).map(|n| fields(&n.to_string())).collect(),
        removed: (1..=count)
            .filter(|n| !get(&format!("remove.{n}")).is_empty())
            .collect(),
        new: fields("new"),
        save: get("action") == "save",
    }
}

/// Applies the submitted edits to `draft`: changes, the new item, then removals (last first).
fn apply(draft: &mut DeclarationDraft, form: &Submitted) -> Result<(), EditError> {
    for (i, item) in form.items.iter().enumerate() {
        if draft.items().get(i) != Some(item) {
            draft.set_item(i + 1, item)?;
        }
    }
    if !(form.new.category.is_empty() && form.new.value_yuan.trim().is_empty()) {
        draft.add_item(&form.new)?;
    }
    for &n in form.removed.iter().rev() {
        draft.remove_item(n)?;
    }
    Ok(())
}

/// `POST /official/declaration?file=NAME`: recompute the totals of the edited items, or save.
async fn edit(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Query(param): Query<FileParam>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let Some(path) = declaration_path(&app, &param.file) else {
        return list_page(&app, lang, Some(no_such_file(lang, &param.file)));
    };
    let mut draft = match DeclarationDraft::open(&path) {
        Ok(draft) => draft,
        Err(e) => return list_page(&app, lang, Some(error_box(&e, lang))),
    };
    let form = read_form(pairs);
    if let Err(e) = apply(&mut draft, &form) {
        // The user's rows as typed, with the message; nothing was written.
        let mut rows = form.items.clone();
        if !form.new.value_yuan.trim().is_empty() {
            rows.push(form.new.clone());
        }
        return editor_page(lang, &param.file, &rows, None, Some(Outcome::Refused(e)));
    }
    let (checked, outcome) = match (form.save, draft.check()) {
        (_, Err(e)) if form.save => (None, Some(Outcome::Refused(e))),
        (_, Err(e)) => (None, Some(Outcome::Invalid(e))),
        (true, Ok(_)) => match draft.save() {
            Ok(checked) => (Some(checked), Some(Outcome::Saved)),
            Err(e) => (None, Some(Outcome::Refused(e))),
        },
        (false, Ok(checked)) => (Some(checked), None),
    };
    editor_page(lang, &param.file, &draft.items(), checked.as_ref(), outcome)
}
