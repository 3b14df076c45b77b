//! Whether bytes are text provdb can quote today: UTF-8 with no NUL byte.
//! Checked as a stream, a buffer at a time, so a large file is never held
//! whole; the reasons are the ones `cite` gives when it refuses a source.

/// A running check of bytes fed in order.
#[derive(Debug, Default)]
pub struct PlainTextCheck {
    /// Bytes checked so far.
    offset: u64,
    /// The start of a character cut by the end of the last buffer.
    carry: Vec<u8>,
    /// Where the first byte that is not UTF-8 is.
    bad_at: Option<u64>,
    /// True once a NUL byte was seen.
    nul: bool,
}

impl PlainTextCheck {
    /// A check of no bytes yet.
    pub fn new() -> PlainTextCheck {
        PlainTextCheck::default()
    }

    /// Checks the next bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.nul {
            return;
        }
        if bytes.contains(&0) {
            self.nul = true;
            return;
        }
        if self.bad_at.is_some() {
            return;
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), bytes].concat();
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.offset += data.len() as u64,
            Err(error) => match error.error_len() {
                // A character cut by the end of this buffer: kept for the next.
                None => {
                    self.offset += error.valid_up_to() as u64;
                    self.carry = data[error.valid_up_to()..].to_vec();
                }
                Some(_) => self.bad_at = Some(self.offset + error.valid_up_to() as u64),
            },
        }
    }

    /// Why the bytes cannot be quoted, or None when they are plain text.
    pub fn finish(self) -> Option<String> {
        if self.nul {
            return Some("it is binary (it contains NUL bytes)".into());
        }
        let bad_at = self
            .bad_at
            .or_else(|| (!self.carry.is_empty()).then_some(self.offset));
        bad_at.map(|at| format!("it is not valid UTF-8 (bad byte at offset {at})"))
    }
}

/// Why `bytes` cannot be quoted, or None when they are plain text.
pub fn not_text(bytes: &[u8]) -> Option<String> {
    let mut check = PlainTextCheck::new();
    check.feed(bytes);
    check.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reasons, worked out by hand for each input.
    #[test]
    fn reasons_match_what_cite_says() {
        assert_eq!(not_text("613 killed — é".as_bytes()), None);
        assert_eq!(
            not_text(b"%PDF-1.7\n\x00\x01"),
            Some("it is binary (it contains NUL bytes)".into())
        );
        // "caf" then 0xE9, Windows-1252's é: byte 3 is not UTF-8.
        assert_eq!(
            not_text(b"caf\xe9 au lait"),
            Some("it is not valid UTF-8 (bad byte at offset 3)".into())
        );
        // A file that ends inside a character.
        assert_eq!(
            not_text(b"ab\xc3"),
            Some("it is not valid UTF-8 (bad byte at offset 2)".into())
        );
        // UTF-16 with a byte order mark: FF FE, then 'a' 0.
        assert_eq!(
            not_text(b"\xff\xfea\x00"),
            Some("it is binary (it contains NUL bytes)".into())
        );
    }

    #[test]
    fn a_character_cut_between_buffers_is_whole_again() {
        let text = "Khojaly — 26 février 1992".as_bytes();
        for cut in 0..=text.len() {
            let mut check = PlainTextCheck::new();
            check.feed(&text[..cut]);
            check.feed(&text[cut..]);
            assert_eq!(check.finish(), None, "cut at {cut}");
        }
        // And a bad byte after a cut is placed where it is in the whole.
        let bad = b"ab\xc3\xa9cd\xffx";
        for cut in 0..=bad.len() {
            let mut check = PlainTextCheck::new();
            check.feed(&bad[..cut]);
            check.feed(&bad[cut..]);
            assert_eq!(
                check.finish(),
                Some("it is not valid UTF-8 (bad byte at offset 6)".into()),
                "cut at {cut}"
            );
        }
    }
}
