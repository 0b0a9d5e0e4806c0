//! The QR code of a page's URL, as SVG drawn on the server (no script, no image fetched).

use qrcode::{render::svg, EcLevel, QrCode};

/// The SVG of a QR code holding `url`, without the XML declaration so that it sits inside
/// HTML; `None` if the URL is too long for a QR code. Medium error correction: it still
/// scans from a creased or smudged printout.
pub(crate) fn svg(url: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_becomes_an_inline_svg_without_text() {
        let svg = super::svg("http://127.0.0.1:8080/officials/GOV-0001").expect("fits");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("GOV-0001"), "the URL is drawn, not written");
        assert!(
            !svg.contains("style="),
            "inline styles break the pages' CSP"
        );
        assert!(super::svg(&"x".repeat(5000)).is_none());
    }

    /// The dark modules an SVG of [`super::svg`] draws, read back from its rectangles
    /// (`M{left} {top}h{w}v{h}H{left}V{top}`, in pixels): row by row, with the quiet zone of
    /// `quiet` modules on each side taken off.
    pub(crate) fn modules_drawn(svg: &str, modules: usize, quiet: usize) -> Vec<bool> {
        let attr = |name: &str| -> usize {
            let at = svg.find(&format!(" {name}=\"")).expect("the attribute") + name.len() + 3;
            svg[at..at + svg[at..].find('"').expect("its end")]
                .parse()
                .expect("a number")
        };
        let unit = attr("width") / (modules + 2 * quiet);
        let d_at = svg.find(" d=\"").expect("the path") + 4;
        let d = &svg[d_at..d_at + svg[d_at..].find('"').expect("its end")];
        let mut dark = vec![false; modules * modules];
        for rect in d.split('M').filter(|r| !r.is_empty()) {
            let nums: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().expect("a number"))
                .collect();
            let (left, top, width, height) = (nums[0], nums[1], nums[2], nums[3]);
            for y in (top..top + height).step_by(unit) {
                for x in (left..left + width).step_by(unit) {
                    dark[(y / unit - quiet) * modules + (x / unit - quiet)] = true;
                }
            }
        }
        dark
    }

    #[test]
    fn the_svg_draws_exactly_the_qr_code_of_the_url() {
        use qrcode::{Color, EcLevel, QrCode};
        for url in [
            "http://127.0.0.1:8080/officials/GOV-0001",
            "https://register.example/officials/%E7%8E%8B-42",
        ] {
            let code =
                QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).expect("fits");
            let expected: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
            let svg = super::svg(url).expect("fits");
            assert_eq!(modules_drawn(&svg, code.width(), 4), expected, "{url}");
            // Another address draws another code.
            let other_url = format!("{url}0");
            let other = QrCode::with_error_correction_level(other_url.as_bytes(), EcLevel::M)
                .expect("fits");
            let drawn = modules_drawn(&super::svg(&other_url).expect("fits"), other.width(), 4);
            assert_ne!(drawn, expected);
        }
    }
}
