//! The canonical binary encoding every Halfpenny message uses, and its text form.
//!
//! Fixed layouts, big-endian integers, explicit length prefixes with a maximum
//! per field. Decoding is strict: a value decodes only from its one canonical
//! encoding, and truncated input, oversized fields and trailing bytes are
//! typed errors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The largest message any decoder accepts (a purse of 10,000 tokens fits).
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// Errors of decoding bytes or text that came from outside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the message ends too early (needed {needed} more bytes at byte {at})")]
    Truncated { needed: usize, at: usize },
    #[error("the message has {0} unexpected bytes at its end")]
    TrailingBytes(usize),
    #[error("the {field} is too long ({len}, at most {max})")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("the message is too large ({0} bytes, at most {MAX_MESSAGE_BYTES})")]
    TooLarge(usize),
    #[error("version {0} of this message is not supported")]
    UnknownVersion(u8),
    #[error("the {field} has an unknown kind ({tag})")]
    UnknownTag { field: &'static str, tag: u8 },
    #[error("the {0} is not valid")]
    Invalid(&'static str),
    #[error("the text is not a Halfpenny {0}")]
    WrongPrefix(&'static str),
    #[error("the text is not valid base64url")]
    BadBase64,
}

impl WireError {
    pub fn invalid(field: &'static str) -> Self {
        Self::Invalid(field)
    }

    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "truncated",
            Self::TrailingBytes(_) => "trailing_bytes",
            Self::TooLong { .. } => "field_too_long",
            Self::TooLarge(_) => "message_too_large",
            Self::UnknownVersion(_) => "unknown_version",
            Self::UnknownTag { .. } => "unknown_kind",
            Self::Invalid(_) => "invalid_field",
            Self::WrongPrefix(_) => "wrong_prefix",
            Self::BadBase64 => "bad_base64",
        }
    }
}

/// Appends canonical encodings to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// An unsigned LEB128 integer: 7 bits a byte, low bits first, the top bit
    /// set on every byte but the last. Small values take one byte.
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.u8((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.u8(v as u8);
    }

    pub fn array(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// Bytes with a u16 length prefix. Callers keep lengths within their
    /// field's maximum; a longer slice is cut, which the decoder then refuses.
    pub fn bytes16(&mut self, v: &[u8]) {
        let len = u16::try_from(v.len()).unwrap_or(u16::MAX);
        self.u16(len);
        self.array(v.get(..usize::from(len)).unwrap_or(v));
    }

    /// Bytes with a u32 length prefix.
    pub fn bytes32(&mut self, v: &[u8]) {
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        self.u32(len);
        self.array(v);
    }

    /// A short string with a u8 length prefix.
    pub fn str8(&mut self, v: &str) {
        let len = u8::try_from(v.len()).unwrap_or(u8::MAX);
        self.u8(len);
        self.array(v.as_bytes().get(..usize::from(len)).unwrap_or(v.as_bytes()));
    }

    /// A list with a u32 count prefix.
    pub fn list<T: Encode>(&mut self, items: &[T]) {
        self.u32(u32::try_from(items.len()).unwrap_or(u32::MAX));
        for item in items {
            item.encode(self);
        }
    }
}

/// Reads canonical encodings from a slice, never past its end.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end.and_then(|e| self.buf.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(WireError::Truncated {
                needed: n - self.remaining().min(n),
                at: self.pos,
            }),
        }
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An unsigned LEB128 integer in its shortest form only (see [`Writer::varint`]).
    pub fn varint(&mut self, field: &'static str) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for i in 0..10u32 {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte holds the top bit of a u64 and nothing more; a
            // zero last byte after the first would be a longer form of a
            // shorter number.
            if (i == 9 && byte > 1) || (i > 0 && byte == 0) {
                return Err(WireError::Invalid(field));
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::Invalid(field))
    }

    pub fn bytes16(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], WireError> {
        let len = usize::from(self.u16()?);
        if len > max {
            return Err(WireError::TooLong { field, len, max });
        }
        self.take(len)
    }

    pub fn bytes32(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], WireError> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(WireError::TooLong { field, len, max });
        }
        self.take(len)
    }

    pub fn str8(&mut self, field: &'static str, max: usize) -> Result<&'a str, WireError> {
        let len = usize::from(self.u8()?);
        if len > max {
            return Err(WireError::TooLong { field, len, max });
        }
        std::str::from_utf8(self.take(len)?).map_err(|_| WireError::Invalid(field))
    }

    /// A list of at most `max` items. Memory is reserved only as items arrive.
    pub fn list<T: Decode>(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Vec<T>, WireError> {
        let count = self.u32()? as usize;
        if count > max {
            return Err(WireError::TooLong {
                field,
                len: count,
                max,
            });
        }
        let mut out = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            out.push(T::decode(self)?);
        }
        Ok(out)
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<(), WireError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(WireError::TrailingBytes(n)),
        }
    }
}

/// A value with a canonical binary encoding.
pub trait Encode {
    fn encode(&self, w: &mut Writer);

    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }
}

/// A value that can be decoded from its canonical encoding.
pub trait Decode: Sized {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError>;

    /// Decodes a whole message: no more than [`MAX_MESSAGE_BYTES`], no trailing bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(WireError::TooLarge(bytes.len()));
        }
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// The text form: a short prefix naming what it is, then base64url without padding.
/// Safe in URLs, QR codes and JSON strings.
pub trait TextForm: Encode + Decode {
    /// For example `hph1.` for a half; ends with a dot, which base64url never uses.
    const PREFIX: &'static str;
    /// What it is, for error messages.
    const NAME: &'static str;

    fn to_text(&self) -> String {
        let mut s = String::from(Self::PREFIX);
        URL_SAFE_NO_PAD.encode_string(self.to_bytes(), &mut s);
        s
    }

    fn from_text(text: &str) -> Result<Self, WireError> {
        let body = text
            .trim()
            .strip_prefix(Self::PREFIX)
            .ok_or(WireError::WrongPrefix(Self::NAME))?;
        // base64 grows by 4/3; refuse before decoding anything too large.
        if body.len() / 4 * 3 > MAX_MESSAGE_BYTES {
            return Err(WireError::TooLarge(body.len() / 4 * 3));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| WireError::BadBase64)?;
        Self::from_bytes(&bytes)
    }
}

impl<const N: usize> Encode for [u8; N] {
    fn encode(&self, w: &mut Writer) {
        w.array(self);
    }
}

impl<const N: usize> Decode for [u8; N] {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.array()
    }
}

/// Encodes an optional value as a 0/1 flag and the value.
pub fn put_option<T: Encode>(w: &mut Writer, v: &Option<T>) {
    match v {
        None => w.u8(0),
        Some(x) => {
            w.u8(1);
            x.encode(w);
        }
    }
}

pub fn get_option<T: Decode>(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<Option<T>, WireError> {
    match r.u8()? {
        0 => Ok(None),
        1 => Ok(Some(T::decode(r)?)),
        tag => Err(WireError::UnknownTag { field, tag }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_in_their_shortest_form_only() {
        for (v, len) in [
            (0u64, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (u64::MAX, 10),
        ] {
            let mut w = Writer::new();
            w.varint(v);
            let bytes = w.into_bytes();
            assert_eq!(bytes.len(), len, "{v}");
            let mut r = Reader::new(&bytes);
            assert_eq!(r.varint("value"), Ok(v));
            assert_eq!(r.finish(), Ok(()));
        }
        // 0 written in two bytes, 1 in three, a u64 with an 11th byte, an
        // overflowing tenth byte, and a number that never ends.
        for bad in [
            &[0x80, 0x00][..],
            &[0x81, 0x80, 0x00],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            &[0xff; 11],
        ] {
            assert_eq!(
                Reader::new(bad).varint("value"),
                Err(WireError::Invalid("value")),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Reader::new(&[0x80]).varint("value"),
            Err(WireError::Truncated { .. })
        ));
    }

    #[test]
    fn reader_refuses_to_read_past_the_end() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Ok(0x0102));
        assert_eq!(r.u32(), Err(WireError::Truncated { needed: 3, at: 2 }));
    }

    #[test]
    fn declared_lengths_over_the_maximum_are_refused_before_reading() {
        let mut w = Writer::new();
        w.u16(9);
        w.array(&[0; 9]);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(
            r.bytes16("share", 8),
            Err(WireError::TooLong {
                field: "share",
                len: 9,
                max: 8
            })
        );
    }

    #[test]
    fn huge_list_counts_do_not_allocate() {
        let bytes = u32::MAX.to_be_bytes();
        let mut r = Reader::new(&bytes);
        let res: Result<Vec<[u8; 4]>, _> = r.list("items", usize::MAX);
        assert_eq!(res, Err(WireError::Truncated { needed: 4, at: 4 }));
    }

    #[test]
    fn trailing_bytes_are_refused() {
        assert_eq!(
            <[u8; 2]>::from_bytes(&[1, 2, 3]),
            Err(WireError::TrailingBytes(1))
        );
        assert_eq!(<[u8; 2]>::from_bytes(&[1, 2]), Ok([1, 2]));
    }
}
