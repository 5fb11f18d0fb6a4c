//! What the service hands out: documents (PDF), spreadsheet exports (CSV, XLSX), charts and
//! yearly statistics.
//!
//! Everything here is pure — documents, projection rows or statistics in, bytes out — so the
//! office dashboard (`office::reports`) and the JSON API (`http::privacy`) serve the same files.
//!
//! - [`layout`]: a flow layout on A4 pages typeset by krilla, with the bundled DejaVu Sans
//!   embedded and subset, text normalised to NFC, PDF/A-2b when it validates.
//! - [`documents`]: the progress report (with its pace chart drawn as vectors), the
//!   recommendation letter and the access export.
//! - [`sheets`]: tables as CSV (UTF-8 with BOM, `;` in French and Dutch) and XLSX, with a
//!   formula-injection guard.
//! - [`stats`]: the yearly statistics per public authority × partner body × trade × contract type.
//! - [`calendar`]: an advisor's agenda as an iCalendar feed (RFC 5545, by the `icalendar` crate).

pub mod calendar;
pub mod documents;
pub mod layout;
pub mod sheets;
pub mod stats;

pub use documents::{LetterContext, ReportFigures, Signer, access_export, progress_report, recommendation_letter};
