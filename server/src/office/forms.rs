//! Form fields of the dashboard with their errors: a refused form is drawn again with what was
//! typed, the invalid field marked (`aria-invalid`, red border), its error written next to it and
//! naming it in the user's language, and the page's script brings the first error into view.

use maud::{Markup, html};

use super::i18n::Lang;

/// One invalid field of a submitted form.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The input's `name`.
    pub field: String,
    /// The sentence shown next to it, which names the field.
    pub message: String,
}

impl Problem {
    /// A problem with `field`, whose label is `label`: "Label : why" (French spacing) or
    /// "Label: why".
    pub fn new(lang: Lang, field: &str, label: &str, why: &str) -> Problem {
        let colon = if lang == Lang::Fr { " :" } else { ":" };
        Problem { field: field.to_owned(), message: format!("{label}{colon} {why}") }
    }
}

/// The problem of a field, if any.
pub fn problem<'a>(problems: &'a [Problem], field: &str) -> Option<&'a Problem> {
    problems.iter().find(|p| p.field == field)
}

/// How an input is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text (dates too: typed as `21/11/2026`).
    Text,
    /// A number.
    Number,
    /// A password.
    Password,
}

/// A labelled input with its value and, when refused, its error right above it.
pub fn field(label: &str, name: &str, value: &str, kind: Kind, problems: &[Problem]) -> Markup {
    field_in("f", label, name, value, kind, problems)
}

/// [`field`] with its id prefixed by `prefix` (several forms of one kind on a page).
pub fn field_in(prefix: &str, label: &str, name: &str, value: &str, kind: Kind, problems: &[Problem]) -> Markup {
    let id = format!("{prefix}-{}", name.replace(['[', ']', '.'], "-"));
    let p = problem(problems, name);
    let first = problems.first().is_some_and(|f| f.field == name);
    let error_id = format!("{id}-error");
    html! {
        p.field.invalid[p.is_some()] {
            label for=(id) { (label) }
            br;
            @if let Some(p) = p { span.field-error id=(error_id) role="alert" { (p.message) } br; }
            // Never remembered by the browser (autofill, restored form state): what is typed may
            // be personal data, and no erasure reaches the browser's profile.
            input id=(id) name=(name) value=(value) autocomplete="off" aria-invalid=[p.map(|_| "true")]
                aria-describedby=[p.map(|_| error_id.as_str())] autofocus[first]
                type=(match kind { Kind::Number => "number", Kind::Password => "password", Kind::Text => "text" })
                step=[(kind == Kind::Number).then_some("any")];
        }
    }
}

/// A labelled `<select>` of `(value, label)` options.
pub fn select(label: &str, name: &str, value: &str, options: &[(String, String)], problems: &[Problem]) -> Markup {
    select_in("f", label, name, value, options, problems)
}

/// [`select`] with its id prefixed by `prefix` (several forms of one kind on a page).
pub fn select_in(
    prefix: &str,
    label: &str,
    name: &str,
    value: &str,
    options: &[(String, String)],
    problems: &[Problem],
) -> Markup {
    let id = format!("{prefix}-{name}");
    let p = problem(problems, name);
    html! {
        p.field.invalid[p.is_some()] {
            label for=(id) { (label) }
            br;
            @if let Some(p) = p { span.field-error role="alert" { (p.message) } br; }
            select id=(id) name=(name) aria-invalid=[p.map(|_| "true")] {
                @for (v, l) in options { option value=(v) selected[v == value] { (l) } }
            }
        }
    }
}

/// The sentence above a refused form's button: how many fields to correct.
pub fn summary(problems: &[Problem], text: &str) -> Markup {
    html! { @if !problems.is_empty() { p.form-error role="alert" { (text) } } }
}

pub use crate::projection::fold;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        assert_eq!(fold("  Élodie   DUPRÉ "), "elodie dupre");
        assert_eq!(fold("Françoise Lemaître"), fold("francoise lemaitre"));
        assert_ne!(fold("Jean Dupont"), fold("Jean Dupond"));
    }
}
