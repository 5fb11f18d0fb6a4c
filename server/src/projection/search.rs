//! The text the portfolio's search matches, folded once when the projection is written, so that
//! a search is one `LIKE` on one column on both backends.

use terrain_client_core::i18n::{Lang, label};
use terrain_client_core::model::Worksite;

pub use terrain_client_core::values::fold;

/// The `search_text` column of a worksite: what office staff may search it by.
pub fn search_text(w: &Worksite) -> String {
    let mut parts = vec![
        w.name.as_str(),
        &w.contract_reference,
        &w.authority.name,
        &w.contractor.name,
        &w.advisor,
        w.status.code(),
    ];
    parts.extend(Lang::ALL.map(|lang| label(lang, w.status)));
    parts.iter().map(|p| fold(p)).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" | ")
}

/// A `LIKE … ESCAPE '\'` pattern matching folded text that contains what was typed (`%` and `_`
/// typed match themselves). `None` when nothing but spaces was typed.
pub fn like_pattern(typed: &str) -> Option<String> {
    let folded = fold(typed);
    if folded.is_empty() {
        return None;
    }
    let mut pattern = String::with_capacity(folded.len() + 2);
    pattern.push('%');
    for c in folded.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_escapes_what_like_would_read_as_wildcards() {
        assert_eq!(like_pattern("  Élodie  DUPRÉ ").as_deref(), Some("%elodie dupre%"));
        assert_eq!(like_pattern("50%_a\\b").as_deref(), Some("%50\\%\\_a\\\\b%"));
        assert_eq!(like_pattern("   "), None);
        assert_eq!(fold("Bâtiments Şahin-Ørsted SA"), "batiments sahin-orsted sa");
        assert_eq!(fold("Nowak-Ștefănescu Łukasz"), "nowak-stefanescu lukasz");
        assert_eq!(fold("Rene\u{301}e  D\u{2019}Hondt"), "renee d'hondt");
    }
}
