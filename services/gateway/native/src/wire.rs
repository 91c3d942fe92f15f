//! Protocol Buffers wire format: a bounds-checked reader and the writers the encoder needs.
//!
//! The reader never panics on hostile input: every read returns `None` when the bytes are not
//! what they must be, and the caller hands the whole body back to Python's decoder, which
//! names the problem.

pub const VARINT: u8 = 0;
pub const LEN: u8 = 2;

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn varint(&mut self) -> Option<u64> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = *self.buf.get(self.pos)?;
            self.pos += 1;
            if i == 9 && byte > 1 {
                return None; // more than 64 bits
            }
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    /// A tag or a length: upb reads them in at most five bytes, padded or not, and refuses
    /// a longer encoding (a value varint may take ten).
    fn varint32(&mut self) -> Option<u32> {
        let start = self.pos;
        let value = self.varint()?;
        if self.pos - start > 5 {
            return None;
        }
        u32::try_from(value).ok()
    }

    /// The next field's number and wire type.
    pub fn tag(&mut self) -> Option<(u32, u8)> {
        let tag = self.varint32()?;
        let number = tag >> 3;
        if number == 0 {
            return None;
        }
        Some((number, (tag & 7) as u8))
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.varint32()?;
        if length > i32::MAX as u32 {
            return None;
        }
        let length = usize::try_from(length).ok()?;
        let end = self.pos.checked_add(length)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }
}

pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub fn put_tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

pub fn put_len(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    put_tag(out, number, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_overlong_ones_are_refused() {
        for value in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            assert_eq!(Reader::new(&out).varint(), Some(value));
        }
        assert_eq!(Reader::new(&[0xFF; 10]).varint(), None);
        assert_eq!(Reader::new(&[0x80]).varint(), None);
    }

    #[test]
    fn tags_and_lengths_take_at_most_five_bytes_as_in_upb() {
        assert_eq!(
            Reader::new(&[0x8A, 0x80, 0x80, 0x80, 0x00]).tag(),
            Some((1, LEN))
        );
        assert_eq!(
            Reader::new(&[0x8A, 0x80, 0x80, 0x80, 0x80, 0x00]).tag(),
            None
        );
        assert_eq!(
            Reader::new(&[0x81, 0x80, 0x80, 0x80, 0x00, b'a']).bytes(),
            Some(&b"a"[..])
        );
        assert_eq!(
            Reader::new(&[0x81, 0x80, 0x80, 0x80, 0x80, 0x00, b'a']).bytes(),
            None
        );
    }

    #[test]
    fn a_length_past_the_end_is_refused() {
        assert_eq!(Reader::new(&[0x05, b'a']).bytes(), None);
        assert_eq!(Reader::new(&[0x01, b'a']).bytes(), Some(&b"a"[..]));
    }
}
