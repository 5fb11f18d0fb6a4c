//! A small flow layout onto A4 pages, typeset by krilla: paragraphs wrapped to the text width,
//! label/value fields, tables whose header repeats on each page, rules, vector charts, and a page
//! footer. Text is set in the bundled DejaVu Sans (regular and bold, `assets/fonts/`, with its
//! licence), embedded and subset by krilla, so every Latin, Latin Extended and Vietnamese letter
//! prints as typed. All text is normalised to NFC first: an `é` typed as e + U+0301 prints, and
//! copies out, as one `é`.
//!
//! Documents are written as PDF/A-2b (archivable) when krilla validates them so; a text that
//! cannot be (a character the font lacks) is written as a plain PDF 1.7 rather than refused.

use std::sync::LazyLock;

use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font as KrillaFont, TextDirection};
use unicode_normalization::UnicodeNormalization;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

struct Metrics {
    face: ttf_parser::Face<'static>,
    upem: f32,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        let face = ttf_parser::Face::parse(data, 0).expect("the bundled font parses");
        let upem = f32::from(face.units_per_em());
        Metrics { face, upem }
    }

    fn advance(&self, c: char) -> f32 {
        let gid = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) / self.upem
    }
}

static REGULAR: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(REGULAR_TTF));
static BOLD: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(BOLD_TTF));

/// A4, in points.
pub const PAGE_WIDTH: f32 = 595.276;
/// A4, in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm.
pub const MARGIN: f32 = 56.693;
/// The width text flows in.
pub const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = MARGIN;
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 14.0;
/// Body text size.
pub const BODY: f32 = 9.5;
/// Letter text size.
pub const LETTER: f32 = 10.5;
/// Small print.
pub const SMALL: f32 = 8.0;
const LABEL_WIDTH: f32 = 170.0;
const CELL_PAD: f32 = 3.0;

/// The two faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

impl Face {
    fn metrics(self) -> &'static Metrics {
        match self {
            Face::Regular => &REGULAR,
            Face::Bold => &BOLD,
        }
    }
}

/// Text as it is set: NFC, control characters (line breaks included) as spaces.
pub fn clean(s: &str) -> String {
    s.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The width of a text in points.
pub fn text_width(text: &str, face: Face, size: f32) -> f32 {
    let m = face.metrics();
    text.chars().map(|c| m.advance(c)).sum::<f32>() * size
}

/// Greedy line breaking at spaces; a word wider than the line is cut between characters.
pub fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let text = clean(text);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if text_width(&candidate, face, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if text_width(word, face, size) <= width {
            line = word.to_owned();
        } else {
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if text_width(&next, face, size) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn leading(size: f32) -> f32 {
    size * 1.4
}

/// A colour, 0–255 per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colour(pub u8, pub u8, pub u8);

/// Black.
pub const BLACK: Colour = Colour(0, 0, 0);
/// The letterhead's and headings' blue.
pub const BLUE: Colour = Colour(0x1f, 0x4e, 0x79);
/// Grey for small print and grid lines.
pub const GREY: Colour = Colour(0x77, 0x77, 0x77);

#[derive(Clone)]
enum Op {
    Text { x: f32, y: f32, face: Face, size: f32, text: String, colour: Colour },
    Line { points: Vec<(f32, f32)>, width: f32, colour: Colour, dash: Option<f32> },
    Rect { x: f32, y: f32, w: f32, h: f32, colour: Colour },
}

/// Horizontal alignment of a table column.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left.
    Left,
    /// Right (figures).
    Right,
}

/// A table column.
pub struct Column<'a> {
    header: &'a str,
    /// Share of the text width.
    share: f32,
    align: Align,
}

impl<'a> Column<'a> {
    /// A left-aligned column taking `share` of the text width.
    pub fn left(header: &'a str, share: f32) -> Self {
        Column { header, share, align: Align::Left }
    }
    /// A right-aligned column taking `share` of the text width.
    pub fn right(header: &'a str, share: f32) -> Self {
        Column { header, share, align: Align::Right }
    }
}

/// A flow of content onto A4 pages: a cursor goes down from the top margin (y grows downwards)
/// and a new page starts whenever the next block would cross the bottom margin.
pub struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

impl Layout {
    /// An empty first page.
    pub fn new() -> Self {
        Layout { pages: vec![Vec::new()], y: TOP }
    }

    /// Start a new page unless `height` points still fit on this one. Returns whether it did.
    pub fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
            true
        } else {
            false
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// Text at a position (baseline), NFC-normalised.
    pub fn text_at(&mut self, x: f32, baseline: f32, face: Face, size: f32, text: &str, colour: Colour) {
        let text = clean(text);
        if !text.trim().is_empty() {
            self.push(Op::Text { x, y: baseline, face, size, text, colour });
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// The cursor (distance from the top of the page).
    pub fn cursor(&self) -> f32 {
        self.y
    }

    /// The document title.
    pub fn title(&mut self, s: &str) {
        self.styled(s, Face::Bold, 16.0, 0.0, BLUE);
        self.gap(2.0);
    }

    /// A subtitle.
    pub fn subtitle(&mut self, s: &str) {
        self.styled(s, Face::Bold, 12.5, 0.0, BLACK);
    }

    /// A section heading with a rule under it, kept with two lines of what follows.
    pub fn heading(&mut self, s: &str) {
        self.heading_kept_with(s, 3.0 * leading(BODY));
    }

    /// A section heading kept on one page with the `following` points of what comes next (a
    /// chart, say), so it never stands alone at the foot of a page.
    pub fn heading_kept_with(&mut self, s: &str, following: f32) {
        self.gap(10.0);
        self.ensure(leading(12.0) + following);
        self.styled(s, Face::Bold, 11.5, 0.0, BLUE);
        let y = self.y - 1.0;
        self.rule(y, 0.6, BLUE);
        self.gap(4.0);
    }

    /// A horizontal rule across the text width at `y`.
    pub fn rule(&mut self, y: f32, width: f32, colour: Colour) {
        self.push(Op::Line { points: vec![(MARGIN, y), (MARGIN + TEXT_WIDTH, y)], width, colour, dash: None });
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, s: &str, face: Face, size: f32) {
        self.styled(s, face, size, 0.0, BLACK);
    }

    /// A wrapped paragraph, indented.
    pub fn indented(&mut self, s: &str, face: Face, size: f32, indent: f32) {
        self.styled(s, face, size, indent, BLACK);
    }

    /// A wrapped paragraph in a colour, each line of the text's own lines (`\n`) on a new line.
    pub fn styled(&mut self, s: &str, face: Face, size: f32, indent: f32, colour: Colour) {
        for part in s.split('\n') {
            for line in wrap(part, face, size, TEXT_WIDTH - indent) {
                self.ensure(leading(size));
                let baseline = self.y + size;
                self.text_at(MARGIN + indent, baseline, face, size, &line, colour);
                self.y += leading(size);
            }
        }
    }

    /// A label in bold on the left, its value wrapped on the right.
    pub fn field(&mut self, label: &str, value: &str) {
        let labels = wrap(label, Face::Bold, BODY, LABEL_WIDTH - 8.0);
        let values = wrap(value, Face::Regular, BODY, TEXT_WIDTH - LABEL_WIDTH);
        let n = labels.len().max(values.len()).max(1);
        self.ensure(n as f32 * leading(BODY));
        let top = self.y;
        for (i, line) in labels.iter().enumerate() {
            self.text_at(MARGIN, top + BODY + i as f32 * leading(BODY), Face::Bold, BODY, line, BLACK);
        }
        for (i, line) in values.iter().enumerate() {
            self.text_at(MARGIN + LABEL_WIDTH, top + BODY + i as f32 * leading(BODY), Face::Regular, BODY, line, BLACK);
        }
        self.y = top + n as f32 * leading(BODY) + 1.5;
    }

    fn row(&mut self, columns: &[Column], cells: &[String], face: Face) {
        let widths: Vec<f32> = columns.iter().map(|c| c.share * TEXT_WIDTH).collect();
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(&widths).map(|(cell, w)| wrap(cell, face, BODY, w - 2.0 * CELL_PAD)).collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let top = self.y;
        let mut x = MARGIN;
        for ((lines, w), col) in wrapped.iter().zip(&widths).zip(columns) {
            for (i, line) in lines.iter().enumerate() {
                let lx = match col.align {
                    Align::Left => x + CELL_PAD,
                    Align::Right => x + w - CELL_PAD - text_width(line, face, BODY),
                };
                self.text_at(lx, top + BODY + 1.0 + i as f32 * leading(BODY), face, BODY, line, BLACK);
            }
            x += w;
        }
        self.y = top + n as f32 * leading(BODY) + 3.0;
        let y = self.y - 1.0;
        let (width, colour) = if face == Face::Bold { (0.6, BLACK) } else { (0.2, GREY) };
        self.push(Op::Line {
            points: vec![(MARGIN, y), (MARGIN + widths.iter().sum::<f32>(), y)],
            width,
            colour,
            dash: None,
        });
    }

    fn row_height(columns: &[Column], cells: &[String], face: Face) -> f32 {
        let n = cells
            .iter()
            .zip(columns)
            .map(|(c, col)| wrap(c, face, BODY, col.share * TEXT_WIDTH - 2.0 * CELL_PAD).len())
            .max()
            .unwrap_or(1)
            .max(1);
        n as f32 * leading(BODY) + 3.0
    }

    /// A table with a bold header row, repeated at the top of each new page.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let header: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
        let header_height = Self::row_height(columns, &header, Face::Bold);
        let first = rows.first().map_or(0.0, |r| Self::row_height(columns, r, Face::Regular));
        self.ensure(header_height + first);
        self.row(columns, &header, Face::Bold);
        for r in rows {
            if self.ensure(Self::row_height(columns, r, Face::Regular)) {
                self.row(columns, &header, Face::Bold);
            }
            self.row(columns, r, Face::Regular);
        }
    }

    /// A polyline in page coordinates (y down).
    pub fn polyline(&mut self, points: Vec<(f32, f32)>, width: f32, colour: Colour, dash: Option<f32>) {
        if points.len() >= 2 {
            self.push(Op::Line { points, width, colour, dash });
        }
    }

    /// A filled rectangle in page coordinates (y down).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour) {
        if w > 0.0 && h > 0.0 {
            self.push(Op::Rect { x, y, w, h, colour });
        }
    }

    /// Reserve `height` points of the flow (on a new page if needed) and return the top of the
    /// reserved box.
    pub fn reserve(&mut self, height: f32) -> f32 {
        self.ensure(height);
        let top = self.y;
        self.y += height;
        top
    }

    /// Write the pages out as a PDF (PDF/A-2b when it validates), numbering them in the footer.
    pub fn render(self, title: &str, page_label: &str, lang: &str) -> Vec<u8> {
        let count = self.pages.len();
        let pages: Vec<Vec<Op>> = self.pages;
        let archived = write(&pages, count, title, page_label, lang, true);
        match archived {
            Some(bytes) => bytes,
            None => write(&pages, count, title, page_label, lang, false).unwrap_or_default(),
        }
    }
}

fn colour_of(c: Colour) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn write(
    pages: &[Vec<Op>],
    count: usize,
    title: &str,
    page_label: &str,
    lang: &str,
    archival: bool,
) -> Option<Vec<u8>> {
    let mut settings = SerializeSettings::default();
    if archival {
        settings.configuration = ConfigurationBuilder::new().with_archival_validator(Archival::A2_B).finish().ok()?;
    }
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(clean(title))
            .language(lang.to_owned())
            .creator("Terrain".to_owned())
            .producer("Terrain (krilla)".to_owned()),
    );
    let regular = KrillaFont::new(REGULAR_TTF.into(), 0)?;
    let bold = KrillaFont::new(BOLD_TTF.into(), 0)?;
    for (i, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)?);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, face, size, text, colour } => {
                    let font = if *face == Face::Bold { bold.clone() } else { regular.clone() };
                    surface.set_fill(Some(Fill { paint: colour_of(*colour).into(), ..Fill::default() }));
                    surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                }
                Op::Line { points, width, colour, dash } => {
                    let mut pb = PathBuilder::new();
                    let (x0, y0) = points[0];
                    pb.move_to(x0, y0);
                    for (x, y) in &points[1..] {
                        pb.line_to(*x, *y);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: colour_of(*colour).into(),
                            width: *width,
                            opacity: NormalizedF32::ONE,
                            dash: dash.map(|d| StrokeDash { array: vec![d, d * 0.7], offset: 0.0 }),
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Rect { x, y, w, h, colour } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(x + w, *y);
                    pb.line_to(x + w, y + h);
                    pb.line_to(*x, y + h);
                    pb.close();
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill { paint: colour_of(*colour).into(), ..Fill::default() }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        let footer = format!("{page_label} {} / {count}", i + 1);
        let fx = PAGE_WIDTH - MARGIN - text_width(&footer, Face::Regular, SMALL);
        surface.set_fill(Some(Fill { paint: colour_of(GREY).into(), ..Fill::default() }));
        surface.draw_text(
            Point::from_xy(fx, PAGE_HEIGHT - MARGIN + 14.0),
            regular.clone(),
            SMALL,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_nfc_and_wraps() {
        assert_eq!(clean("Ame\u{301}lie\nX"), "Amélie X");
        let lines = wrap("Nguyễn Thị Minh Khai a travaillé sur le chantier", Face::Regular, 10.0, 120.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, Face::Regular, 10.0) <= 120.0));
    }

    #[test]
    fn a_heading_goes_to_the_next_page_with_the_chart_it_announces() {
        let mut l = Layout::new();
        // Fill the page until a heading and three lines still fit, but not a 212-point chart.
        while l.cursor() + leading(12.0) + 3.0 * leading(BODY) + 60.0 < BOTTOM {
            l.paragraph("ligne", Face::Regular, BODY);
        }
        let mut kept = Layout { pages: l.pages.clone(), y: l.y };
        l.heading("Heures par mois");
        assert_eq!(l.pages.len(), 1, "a heading with text under it stays on the page");
        kept.heading_kept_with("Heures par mois", 212.0);
        assert_eq!(kept.pages.len(), 2, "the heading of a chart moves to the chart's page");
        assert!(kept.pages[0].iter().all(|op| !matches!(op, Op::Text { text, .. } if text == "Heures par mois")));
    }

    #[test]
    fn renders_a_pdf() {
        let mut l = Layout::new();
        l.title("Łukasz Nowak-Ștefănescu");
        l.paragraph("Ayşe Yılmaz", Face::Regular, BODY);
        let bytes = l.render("Test", "Page", "fr");
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
