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
}
