//! Spreadsheet exports that open right in Excel in every language: a [`Sheet`] of typed cells
//! written as CSV (UTF-8 with a byte-order mark; `;` as separator and `,` as decimal mark in
//! French and Dutch, as a Belgian Excel expects; `,` and `.` in English) or as XLSX
//! (rust_xlsxwriter: real numbers and dates, a bold header row, filters).
//!
//! Every text cell passes [`guard`]: one starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is prefixed with `'`, so a worksite named `=HYPERLINK(…)` stays text (formula
//! injection). Numbers never print as `-0`.

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use unicode_normalization::UnicodeNormalization;

use crate::office::i18n::{Lang, format_date};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (guarded).
    Text(String),
    /// A number.
    Number(f64),
    /// A date.
    Date(NaiveDate),
    /// Nothing.
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Number(v)
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }
}

/// A table with translated headers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The worksheet's name (XLSX), at most 31 characters.
    pub name: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, as long as `headers`.
    pub rows: Vec<Vec<Cell>>,
}

/// Neutralise a text that a spreadsheet would read as a formula; normalise it to NFC.
pub fn guard(s: &str) -> String {
    let s: String = s.nfc().collect();
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s }
}

/// A number as the language writes it in a CSV cell: no thousands separator, at most two
/// decimals, `,` as decimal mark in French and Dutch, never `-0`.
pub fn csv_number(v: f64, lang: Lang) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let rounded = (v * 100.0).round() / 100.0;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let mut s = format!("{rounded:.2}");
    while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
        s.pop();
    }
    match lang {
        Lang::Fr | Lang::Nl => s.replace('.', ","),
        Lang::En => s,
    }
}

/// The CSV field separator of a language.
pub fn separator(lang: Lang) -> u8 {
    match lang {
        Lang::Fr | Lang::Nl => b';',
        Lang::En => b',',
    }
}

/// The sheet as CSV bytes (BOM, the language's separator, RFC 4180 quoting by the `csv` crate).
pub fn to_csv(sheet: &Sheet, lang: Lang) -> Vec<u8> {
    let mut out = csv_head(&sheet.headers, lang);
    out.extend(csv_rows(&sheet.rows, lang));
    out
}

/// The start of a CSV file: the byte-order mark and the header line. With [`csv_rows`], a CSV
/// can be sent as it is read, in pieces that make the same bytes as [`to_csv`].
pub fn csv_head(headers: &[String], lang: Lang) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv_writer(&mut out, lang);
        let _ = w.write_record(headers.iter().map(|h| guard(h)));
        let _ = w.flush();
    }
    out
}

/// Lines of a CSV file.
pub fn csv_rows(rows: &[Vec<Cell>], lang: Lang) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = csv_writer(&mut out, lang);
        for row in rows {
            let fields: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => guard(s),
                    Cell::Number(v) => csv_number(*v, lang),
                    Cell::Date(d) => format_date(*d, lang),
                    Cell::Empty => String::new(),
                })
                .collect();
            let _ = w.write_record(&fields);
        }
        let _ = w.flush();
    }
    out
}

fn csv_writer(out: &mut Vec<u8>, lang: Lang) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new().delimiter(separator(lang)).terminator(csv::Terminator::CRLF).from_writer(out)
}

/// The sheet as an XLSX workbook.
pub fn to_xlsx(sheet: &Sheet, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let name: String = sheet.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if !name.is_empty() {
        ws.set_name(&name)?;
    }
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format(match lang {
        Lang::Nl => "dd-mm-yyyy",
        Lang::Fr | Lang::En => "dd/mm/yyyy",
    });
    let number = Format::new().set_num_format("#,##0.##");
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, guard(h), &bold)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).clamp(10.0, 40.0))?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, guard(s))?;
                }
                Cell::Number(v) if v.is_finite() => {
                    let v = if *v == 0.0 { 0.0 } else { *v };
                    ws.write_number_with_format(r, c, v, &number)?;
                }
                Cell::Number(_) | Cell::Empty => {}
                Cell::Date(d) => {
                    use chrono::Datelike;
                    let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    ws.write_datetime_with_format(r, c, &dt, &date_format)?;
                }
            }
        }
    }
    if !sheet.headers.is_empty() {
        ws.autofilter(0, 0, sheet.rows.len() as u32, sheet.headers.len() as u16 - 1)?;
        ws.set_freeze_panes(1, 0)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("-1"), "'-1");
        assert_eq!(guard("@SUM"), "'@SUM");
        assert_eq!(guard("\tx"), "'\tx");
        assert_eq!(guard("Rénovation"), "Rénovation");
    }

    #[test]
    fn numbers_never_print_minus_zero() {
        assert_eq!(csv_number(-0.0, Lang::Fr), "0");
        assert_eq!(csv_number(1234.5, Lang::Fr), "1234,5");
        assert_eq!(csv_number(1234.5, Lang::En), "1234.5");
        assert_eq!(csv_number(151.75, Lang::Nl), "151,75");
        assert_eq!(csv_number(600.0, Lang::En), "600");
    }

    #[test]
    fn csv_has_a_bom_and_the_language_separator() {
        let sheet = Sheet {
            name: "x".into(),
            headers: vec!["Chantier".into(), "Heures".into()],
            rows: vec![vec!["Rénovation; école".into(), Cell::Number(1.5)]],
        };
        let fr = String::from_utf8(to_csv(&sheet, Lang::Fr)).unwrap();
        assert_eq!(fr, "\u{feff}Chantier;Heures\r\n\"Rénovation; école\";1,5\r\n");
        let en = String::from_utf8(to_csv(&sheet, Lang::En)).unwrap();
        assert!(en.starts_with("\u{feff}Chantier,Heures\r\n"));
        assert!(to_xlsx(&sheet, Lang::Fr).unwrap().starts_with(b"PK"));
    }
}
