//! A small SVG writer: the document frame, a handful of elements, escaping and number
//! formatting. Knows nothing about heart rates; [`super::session`] and [`super::week`] decide what
//! to draw.
//!
//! Text is left to the viewer's fonts (`text-anchor` does the alignment), so nothing here needs
//! to measure glyphs and no font file or system font library is involved.

use std::fmt::Write as _;

/// The font stack for every label: whatever sans-serif the viewer has.
const FONT: &str = "Helvetica, Arial, sans-serif";

/// An SVG document being written, in pixels, origin top left.
/// The text colour of every plot.
pub(super) const INK: &str = "#1f2933";

pub(super) struct Svg {
    out: String,
    open_groups: usize,
}

impl Svg {
    /// Starts a `width` x `height` document on a white background, with `title` as its
    /// accessible name (`<title>`).
    pub(super) fn new(width: f64, height: f64, title: &str) -> Self {
        let (w, h) = (num(width), num(height));
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" role=\"img\" font-family=\"{FONT}\" font-size=\"12\">\n"
        ));
        out.push_str("<title>");
        out.push_str(&escape(title));
        out.push_str("</title>\n");
        let mut svg = Svg {
            out,
            open_groups: 0,
        };
        svg.rect(
            "background",
            (0.0, 0.0),
            (width, height),
            &[("fill", "#ffffff".into())],
        );
        svg
    }

    /// Opens a `<g>` with these attributes; close it with [`Svg::end_group`].
    pub(super) fn group(&mut self, class: &str, attrs: &[(&str, String)]) {
        self.out.push_str("<g");
        self.attrs(&[("class", class.to_owned())]);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.open_groups += 1;
    }

    /// Closes the innermost open `<g>` (does nothing when none is open).
    pub(super) fn end_group(&mut self) {
        if self.open_groups > 0 {
            self.open_groups -= 1;
            self.out.push_str("</g>\n");
        }
    }

    /// A rectangle with its top-left corner at `(x, y)`; negative sizes are drawn as empty.
    pub(super) fn rect(
        &mut self,
        class: &str,
        (x, y): (f64, f64),
        (w, h): (f64, f64),
        attrs: &[(&str, String)],
    ) {
        self.out.push_str("<rect");
        self.attrs(&[
            ("class", class.to_owned()),
            ("x", num(x)),
            ("y", num(y)),
            ("width", num(w.max(0.0))),
            ("height", num(h.max(0.0))),
        ]);
        self.attrs(attrs);
        self.out.push_str("/>\n");
    }

    /// A straight line from `a` to `b`.
    pub(super) fn line(
        &mut self,
        class: &str,
        a: (f64, f64),
        b: (f64, f64),
        attrs: &[(&str, String)],
    ) {
        self.out.push_str("<line");
        self.attrs(&[
            ("class", class.to_owned()),
            ("x1", num(a.0)),
            ("y1", num(a.1)),
            ("x2", num(b.0)),
            ("y2", num(b.1)),
        ]);
        self.attrs(attrs);
        self.out.push_str("/>\n");
    }

    /// An open polyline through `points`.
    pub(super) fn polyline(&mut self, class: &str, points: &[(f64, f64)]) {
        self.out.push_str("<polyline");
        self.attrs(&[("class", class.to_owned())]);
        self.out.push_str(" points=\"");
        for (i, &(x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let _ = write!(self.out, "{},{}", num(x), num(y));
        }
        self.out.push_str("\"/>\n");
    }

    /// A `<path>` with path data `d` (already made of numbers from [`num`]).
    pub(super) fn path(&mut self, class: &str, d: &str, attrs: &[(&str, String)]) {
        self.out.push_str("<path");
        self.attrs(&[("class", class.to_owned()), ("d", d.to_owned())]);
        self.attrs(attrs);
        self.out.push_str("/>\n");
    }

    /// Text with its anchor point at `(x, y)` (the baseline; `text-anchor` in `attrs` sets the
    /// horizontal alignment).
    pub(super) fn text(
        &mut self,
        class: &str,
        (x, y): (f64, f64),
        text: &str,
        attrs: &[(&str, String)],
    ) {
        self.out.push_str("<text");
        self.attrs(&[("class", class.to_owned()), ("x", num(x)), ("y", num(y))]);
        self.attrs(attrs);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</text>\n");
    }

    /// A vertical axis title centred on `(x, y)`, read bottom to top.
    pub(super) fn y_axis_title(&mut self, (x, y): (f64, f64), title: &str) {
        self.text(
            "axis-title",
            (x, y),
            title,
            &[
                ("text-anchor", "middle".into()),
                ("fill", INK.into()),
                ("transform", format!("rotate(-90 {} {})", num(x), num(y))),
            ],
        );
    }

    /// A short message in a white box centred on `(cx, cy)`, at most `max_width` wide ("no
    /// readings", "no morning checks yet"...).
    pub(super) fn note(&mut self, note: &str, (cx, cy): (f64, f64), max_width: f64) {
        // Wide enough for 16 px sans-serif (about 9 px a character on average).
        let width = (note.chars().count() as f64 * 9.5 + 48.0).clamp(200.0, max_width.max(200.0));
        self.rect(
            "note-box",
            (cx - width / 2.0, cy - 26.0),
            (width, 44.0),
            &[
                ("fill", "#ffffff".into()),
                ("fill-opacity", "0.9".into()),
                ("stroke", "#9aa5b1".into()),
                ("rx", "6".into()),
            ],
        );
        self.text(
            "note",
            (cx, cy + 2.0),
            note,
            &[
                ("text-anchor", "middle".into()),
                ("font-size", "16".into()),
                ("fill", "#1f2933".into()),
            ],
        );
    }

    /// Closes any open group and the document.
    pub(super) fn finish(mut self) -> String {
        while self.open_groups > 0 {
            self.end_group();
        }
        self.out.push_str("</svg>\n");
        self.out
    }

    fn attrs(&mut self, attrs: &[(&str, String)]) {
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"{}\"", escape(value));
        }
    }
}

/// A coordinate or size for an attribute: one decimal at most ("12", "12.5"); anything not
/// finite becomes "0" so the document stays valid.
pub(super) fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == 0.0 {
        return "0".to_owned();
    }
    let s = format!("{rounded:.1}");
    match s.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => s,
    }
}

/// An `(r, g, b)` colour as `#rrggbb`.
pub(super) fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `colour` mixed with white: `amount` 0 keeps it, 1 gives white.
pub(super) fn tint((r, g, b): (u8, u8, u8), amount: f64) -> (u8, u8, u8) {
    let a = amount.clamp(0.0, 1.0);
    let mix = |c: u8| {
        (f64::from(c) + (255.0 - f64::from(c)) * a)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    (mix(r), mix(g), mix(b))
}

/// `text` made safe for XML character data and attribute values. Characters XML 1.0 forbids
/// (most control characters) become U+FFFD, so a strange title can never break the document.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_always_valid() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(-3.5), "-3.5");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&apos;");
        assert_eq!(escape("x\u{1}y"), "x\u{FFFD}y");
        assert_eq!(escape("Mon – ≈"), "Mon – ≈");
    }

    #[test]
    fn colours() {
        assert_eq!(hex((0, 140, 100)), "#008c64");
        assert_eq!(tint((0, 100, 255), 0.5), (128, 178, 255));
        assert_eq!(tint((10, 20, 30), 0.0), (10, 20, 30));
    }

    #[test]
    fn a_document_closes_its_groups() {
        let mut svg = Svg::new(100.0, 50.0, "t & u");
        svg.group("g", &[]);
        svg.text("label", (1.0, 2.0), "<hi>", &[]);
        let out = svg.finish();
        assert!(out.starts_with("<svg"));
        assert!(out.trim_end().ends_with("</svg>"));
        assert!(out.contains("<title>t &amp; u</title>"));
        assert!(out.contains("&lt;hi&gt;"));
        assert_eq!(out.matches("<g").count(), out.matches("</g>").count());
    }
}
