//! A text code as a QR code, in SVG (pure Rust: `qrcodegen`), for the other
//! side's camera.

use std::fmt::Write;

use qrcodegen::{QrCode, QrCodeEcc};

/// The quiet zone around the code, in modules.
const BORDER: i32 = 4;

/// An SVG drawing `text` as a QR code (low error correction: the codes are
/// long and shown on a screen). `None` if the text is too long for a QR code.
pub fn svg(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Low).ok()?;
    let size = qr.size();
    let side = size + 2 * BORDER;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + BORDER, y + BORDER);
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="100%" height="100%" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_payment_request_fits_in_a_qr_code() {
        let code = format!("hpr1.{}", "A".repeat(200));
        let svg = svg(&code).unwrap();
        assert!(svg.starts_with("<svg "));
        assert!(
            svg.contains("<path d=\"M4,4h1v1h-1z"),
            "the finder pattern's corner"
        );
    }

    #[test]
    fn text_too_long_for_any_qr_code_gives_none() {
        assert_eq!(svg(&"x".repeat(5000)), None);
    }
}
