//! A tiny PEM reader and writer (RFC 7468 textual encoding): labels and base64 bodies only.
//!
//! Tolerant of what people paste into environment variables: CRLF line ends, missing line breaks
//! (`-----BEGIN PUBLIC KEY-----MIIB...-----END PUBLIC KEY-----` on one line, as Clerk accepts for
//! `CLERK_JWT_KEY`), literal `\n` escapes, and text around the blocks.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::keys::KeyError;

const BEGIN: &str = "-----BEGIN ";
const DASHES: &str = "-----";

/// Standard base64, padding optional on input, always written on output.
const PEM_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One decoded `-----BEGIN LABEL-----` ... `-----END LABEL-----` block.
pub(crate) struct Block {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

/// Every PEM block in `input`, in order. At least one, or an error.
pub(crate) fn parse(input: &str) -> Result<Vec<Block>, KeyError> {
    let mut blocks = Vec::new();
    let mut rest = input;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = rest.get(start + BEGIN.len()..).unwrap_or_default();
        let label_end = after_begin.find(DASHES).ok_or(KeyError::InvalidPem("unterminated BEGIN line"))?;
        let label = after_begin.get(..label_end).unwrap_or_default();
        if label.is_empty()
            || label.len() > 64
            || !label.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            return Err(KeyError::InvalidPem("invalid label on the BEGIN line"));
        }
        let body_and_rest = after_begin.get(label_end + DASHES.len()..).unwrap_or_default();
        let end_marker = format!("-----END {label}-----");
        let body_end =
            body_and_rest.find(&end_marker).ok_or(KeyError::InvalidPem("no END line matching the BEGIN line"))?;
        let body = body_and_rest.get(..body_end).unwrap_or_default();
        if body.contains(':') {
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`).
            return Err(if body.contains("ENCRYPTED") {
                KeyError::Unsupported("encrypted PEM keys".to_owned())
            } else {
                KeyError::InvalidPem("PEM headers are not supported")
            });
        }
        let cleaned: Vec<u8> =
            body.replace("\\n", "").replace("\\r", "").bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let der = PEM_BASE64.decode(&cleaned).map_err(|_| KeyError::InvalidPem("the body is not valid base64"))?;
        if der.is_empty() {
            return Err(KeyError::InvalidPem("the body is empty"));
        }
        blocks.push(Block { label: label.to_owned(), der });
        rest = body_and_rest.get(body_end + end_marker.len()..).unwrap_or_default();
    }
    if blocks.is_empty() {
        return Err(KeyError::InvalidPem("no -----BEGIN ...----- line found"));
    }
    Ok(blocks)
}

/// Encodes `der` as a PEM block with 64-character lines and a trailing newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = PEM_BASE64.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    // The body is ASCII, so every 64-byte chunk is valid UTF-8.
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_pasted_forms() {
        let der: Vec<u8> = (0u8..=200).collect();
        let pem = encode("PUBLIC KEY", &der);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        let variants = [
            pem.clone(),
            pem.replace('\n', "\r\n"),
            pem.replace('\n', ""),
            pem.replace('\n', "\\n"),
            format!("some text before\n{pem}and after"),
        ];
        for v in variants {
            let blocks = parse(&v).expect("parses");
            assert_eq!(blocks.len(), 1);
            assert_eq!(blocks[0].label, "PUBLIC KEY");
            assert_eq!(blocks[0].der, der);
        }
    }

    #[test]
    fn reads_several_blocks() {
        let two = format!("{}{}", encode("EC PARAMETERS", &[6, 1, 1]), encode("EC PRIVATE KEY", &[4, 2]));
        let blocks = parse(&two).expect("parses");
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["EC PARAMETERS", "EC PRIVATE KEY"]);
    }

    #[test]
    fn rejects_broken_pem() {
        for bad in [
            "",
            "hello",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
            "-----BEGIN -----\nAAAA\n-----END -----\n",
            "-----BEGIN lower-----\nAAAA\n-----END lower-----\n",
            "-----BEGIN PUBLIC KEY",
            "-----BEGIN é-----",
        ] {
            assert!(matches!(parse(bad), Err(KeyError::InvalidPem(_))), "{bad:?}");
        }
        let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(parse(encrypted), Err(KeyError::Unsupported(_))));
    }
}
