//! Text that goes on the permanent public ledger, and the one check it passes.
//!
//! The ledger is append-only and read for as long as it exists, by people, on whatever
//! screen they have. A character that is invisible, or that changes how the text around it
//! is shown, makes an entry read differently from what its bytes say, for good: a name with
//! U+202E RIGHT-TO-LEFT OVERRIDE in it is shown backwards from that point on; one with a
//! zero-width space is a second, different name that looks like the first. So every free text
//! an entry or a checkpoint carries passes [`check_text`]: officials' names and positions
//! (`OfficialRegistered`), the params manifest's strings (`ParamsPublished`), and the key
//! names of logs and witnesses (a log's origin). Identifiers (official and supervisor ids,
//! jurisdictions and scopes, rule names) have narrower ASCII alphabets of their own.
//!
//! # What is refused
//!
//! - Control characters (general category `Cc`), line breaks and tabs included: ledger text
//!   is one line.
//! - Format characters (`Cf`). Among them every bidirectional control (U+061C, U+200E,
//!   U+200F, U+202A–U+202E, U+2066–U+2069), the zero-width space, joiners and no-break
//!   (U+200B–U+200D, U+2060, U+FEFF), the soft hyphen, and the tag characters.
//! - Line and paragraph separators (U+2028, U+2029).
//! - Private-use code points (`Co`), which have no agreed glyph, and code points unassigned
//!   in the Unicode version of this build ([`UNICODE_VERSION`]), which may become anything,
//!   format characters included. A later build knows more characters, and accepts more.
//! - Emoji (below).
//!
//! Letters, marks, digits, punctuation, spaces and symbols of every script are accepted, and
//! so is right-to-left text itself: only the invisible controls that override its direction
//! are refused.
//!
//! # Emoji
//!
//! Refused: ledger text is a record of who holds which office, and an emoji is drawn
//! differently by every system and font, or not at all. Most emoji people use are sequences
//! joined by U+200D ZERO WIDTH JOINER, a format character refused above, so accepting the
//! single ones would accept broken halves of the others. Precisely, refused are the code
//! points whose default presentation is emoji (`Emoji_Presentation=Yes`: U+1F600 and its
//! kind, the regional indicators that make flags, the skin-tone modifiers), and the
//! selectors that make emoji of other characters (U+FE0F, U+20E3 COMBINING ENCLOSING
//! KEYCAP), with U+FE0E. Symbols whose default presentation is text, such as ©, ™, ☎ or ♥,
//! are ordinary characters and accepted.

use std::fmt;

use unicode_properties::{
    emoji::{is_emoji_presentation_selector, is_text_presentation_selector},
    EmojiStatus, GeneralCategory, UnicodeEmoji as _, UnicodeGeneralCategory as _,
};

/// The Unicode version whose character properties [`check_text`] uses.
pub const UNICODE_VERSION: (u64, u64, u64) = unicode_properties::UNICODE_VERSION;

/// U+20E3 COMBINING ENCLOSING KEYCAP: makes `1` into the keycap emoji.
const KEYCAP: char = '\u{20E3}';

/// Why a character may not be on the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusedClass {
    /// A control character (`Cc`).
    Control,
    /// A format character (`Cf`): a bidirectional control, a zero-width character, ….
    Format,
    /// A line or paragraph separator.
    Separator,
    /// A private-use code point.
    PrivateUse,
    /// A code point unassigned in [`UNICODE_VERSION`].
    Unassigned,
    /// An emoji, or a selector that makes one.
    Emoji,
}

impl fmt::Display for RefusedClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Control => "a control character",
            Self::Format => {
                "an invisible format character (such as a bidi control or a zero-width character)"
            }
            Self::Separator => "a line or paragraph separator",
            Self::PrivateUse => "a private-use character",
            Self::Unassigned => "not a character of this build's Unicode version",
            Self::Emoji => "an emoji",
        })
    }
}

/// A text refused by [`check_text`]: its first refused character.
///
/// The message names the character by its code point, never by itself: printed, a bidi
/// control would reorder the message too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("U+{:04X} (character {}) is {class}: ledger text may not hold it", u32::from(*.character), .position + 1)]
pub struct TextError {
    /// The character.
    pub character: char,
    /// Its position, counted in characters from 0.
    pub position: usize,
    /// Why it is refused.
    pub class: RefusedClass,
}

/// Why `c` may not be on the ledger, if it may not.
fn refused(c: char) -> Option<RefusedClass> {
    let class = match c.general_category() {
        GeneralCategory::Control => RefusedClass::Control,
        GeneralCategory::Format => RefusedClass::Format,
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            RefusedClass::Separator
        }
        // Surrogates cannot be in a `str`; refused all the same, should that change.
        GeneralCategory::PrivateUse | GeneralCategory::Surrogate => RefusedClass::PrivateUse,
        GeneralCategory::Unassigned => RefusedClass::Unassigned,
        _ => {
            let emoji_presentation = matches!(
                c.emoji_status(),
                EmojiStatus::EmojiPresentation
                    | EmojiStatus::EmojiPresentationAndModifierBase
                    | EmojiStatus::EmojiPresentationAndEmojiComponent
                    | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
            );
            let selector = is_emoji_presentation_selector(c)
                || is_text_presentation_selector(c)
                || c == KEYCAP;
            if !(emoji_presentation || selector) {
                return None;
            }
            RefusedClass::Emoji
        }
    };
    Some(class)
}

/// Checks that `text` may go on the ledger: that it holds no control, format, separator,
/// private-use or unassigned character and no emoji (see the [module](self) for the list
/// and why). Lengths and emptiness are each field's own rule.
pub fn check_text(text: &str) -> Result<(), TextError> {
    match text.chars().enumerate().find_map(|(position, character)| {
        refused(character).map(|class| TextError {
            character,
            position,
            class,
        })
    }) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(text: &str) -> Option<RefusedClass> {
        check_text(text).err().map(|e| e.class)
    }

    #[test]
    fn names_in_any_script_are_accepted() {
        for text in [
            "Li Wei",
            "李伟",
            "Zhāng Sān",
            "Müller-Lüdenscheidt",
            "O'Brien, J. R.",
            "محمد بن سلمان",
            "שרה כהן",
            "Иван Петров",
            "Head of department (No. 2)",
            "科长 · 财务处",
            "© ™ ☎ ♥ # * 0-9",
            "Nguyễn Văn A",
            "",
        ] {
            assert_eq!(check_text(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn bidi_controls_and_invisible_characters_are_refused() {
        for c in [
            '\u{061C}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
            '\u{180E}',
        ] {
            let text = format!("Li Wei{c}ieW iL");
            assert_eq!(
                check_text(&text),
                Err(TextError {
                    character: c,
                    position: 6,
                    class: RefusedClass::Format
                }),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn controls_separators_private_use_and_unassigned_are_refused() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1B}', '\u{7F}', '\u{85}', '\u{9B}',
        ] {
            assert_eq!(class_of(&format!("a{c}b")), Some(RefusedClass::Control));
        }
        for c in ['\u{2028}', '\u{2029}'] {
            assert_eq!(class_of(&format!("a{c}b")), Some(RefusedClass::Separator));
        }
        for c in ['\u{E000}', '\u{F8FF}', '\u{F0000}', '\u{10FFFD}'] {
            assert_eq!(class_of(&format!("a{c}b")), Some(RefusedClass::PrivateUse));
        }
        for c in ['\u{0378}', '\u{FFFF}', '\u{E0080}'] {
            assert_eq!(class_of(&format!("a{c}b")), Some(RefusedClass::Unassigned));
        }
    }

    #[test]
    fn emoji_are_refused_and_text_symbols_are_not() {
        for text in [
            "😀",
            "Li Wei 👍",
            "🇨🇳",
            "👍🏽",
            "❤\u{FE0F}",
            "☎\u{FE0E}",
            "1\u{20E3}",
            "🦀",
        ] {
            assert_eq!(class_of(text), Some(RefusedClass::Emoji), "{text:?}");
        }
        // A ZWJ sequence is refused for its joiner if not for its parts.
        assert!(check_text("👨\u{200D}👩").is_err());
        for text in ["❤", "☺", "✈", "☝", "©", "®", "‼", "1", "#"] {
            assert_eq!(check_text(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn the_message_names_the_code_point_not_the_character() {
        let e = check_text("Li\u{202E}Wei").expect_err("refused");
        let message = e.to_string();
        assert!(
            message.starts_with("U+202E (character 3) is an invisible format character"),
            "{message}"
        );
        assert!(!message.contains('\u{202E}'));
    }
}
