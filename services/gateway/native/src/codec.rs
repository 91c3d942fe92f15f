//! A strict protobuf decoder and an encoder driven by the schema (schema.rs): messages in
//! one generic form, a value per field.
//!
//! Decoding is strict where protobuf is lenient: a singular field given twice, two members
//! of one oneof, an unknown field, a wire type that does not match, or a string that is not
//! UTF-8 give `None`, and the request goes to Python's decoder (which merges, discards or
//! refuses them with a precise error). What is decoded re-encodes byte for byte as upb
//! writes the same message: fields in number order, proto3 defaults left out, fields with
//! presence (messages, `optional`, oneof members) written whenever set.

use crate::schema::{Schema, Type};
use crate::wire::{put_len, put_tag, put_varint, Reader, LEN, VARINT};

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Unset,
    Str(String),
    /// int32, enum and int64 alike (int32s sign-extended).
    Int(i64),
    Bool(bool),
    Message(Box<Msg>),
    Repeated(Vec<Msg>),
}

/// A message: one value per field of its type, by slot (field-number order).
#[derive(Clone, Debug)]
pub struct Msg {
    pub values: Vec<Value>,
}

impl Msg {
    /// The string in `slot` ("" when unset).
    pub fn str(&self, slot: usize) -> &str {
        match &self.values[slot] {
            Value::Str(s) => s,
            _ => "",
        }
    }

    /// The integer in `slot` (0 when unset).
    pub fn int(&self, slot: usize) -> i64 {
        match self.values[slot] {
            Value::Int(v) => v,
            _ => 0,
        }
    }

    pub fn message(&self, slot: usize) -> Option<&Msg> {
        match &self.values[slot] {
            Value::Message(m) => Some(m),
            _ => None,
        }
    }

    pub fn message_mut(&mut self, slot: usize) -> Option<&mut Msg> {
        match &mut self.values[slot] {
            Value::Message(m) => Some(m),
            _ => None,
        }
    }
}

/// Messages nested deeper than this go to Python (upb's own limit is 100): a contract whose
/// messages contain themselves must not let a body exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A message of type `ty` from its bytes, or None (see the module's comment).
pub fn decode(schema: &Schema, ty: usize, bytes: &[u8]) -> Option<Msg> {
    decode_at(schema, ty, bytes, 0)
}

fn decode_at(schema: &Schema, ty: usize, bytes: &[u8], depth: usize) -> Option<Msg> {
    if depth > MAX_DEPTH {
        return None;
    }
    let message = &schema.messages[ty];
    let mut values = vec![Value::Unset; message.fields.len()];
    let (mut seen, mut oneofs) = (0u64, 0u64);
    let mut reader = Reader::new(bytes);
    while !reader.done() {
        let (number, wire_type) = reader.tag()?;
        let slot = (*message.slot_of.get(number as usize)?)?;
        let field = &message.fields[slot];
        if !field.repeated {
            if seen & (1 << slot) != 0 {
                return None; // protobuf keeps the last; Python words what it does
            }
            seen |= 1 << slot;
            if let Some(oneof) = field.oneof {
                if oneofs & (1 << oneof) != 0 {
                    return None; // two members of a oneof: the last would win
                }
                oneofs |= 1 << oneof;
            }
        }
        values[slot] = match (field.ty, wire_type) {
            (Type::Str, LEN) => Value::Str(String::from_utf8(reader.bytes()?.to_vec()).ok()?),
            // protobuf keeps an int32's low 32 bits
            (Type::Int32, VARINT) => Value::Int(i64::from(reader.varint()? as u32 as i32)),
            (Type::Int64, VARINT) => Value::Int(reader.varint()? as i64),
            (Type::Bool, VARINT) => Value::Bool(reader.varint()? != 0),
            (Type::Message(inner), LEN) => {
                let item = decode_at(schema, inner, reader.bytes()?, depth + 1)?;
                if field.repeated {
                    match &mut values[slot] {
                        Value::Repeated(items) => {
                            items.push(item);
                            continue;
                        }
                        _ => Value::Repeated(vec![item]),
                    }
                } else {
                    Value::Message(Box::new(item))
                }
            }
            _ => return None, // a wire type the field does not have; fixed-width; groups
        };
    }
    Some(Msg { values })
}

/// The items of the root's one repeated message field (a PublishRequest's events), each
/// as its bytes with the item type; None for a body with anything else in it.
pub fn items<'b>(schema: &Schema, body: &'b [u8]) -> Option<(usize, Vec<&'b [u8]>)> {
    let root = &schema.messages[schema.root];
    let [field] = &root.fields[..] else {
        return None;
    };
    let Type::Message(item) = field.ty else {
        return None;
    };
    let mut out = Vec::new();
    let mut reader = Reader::new(body);
    while !reader.done() {
        let (number, wire_type) = reader.tag()?;
        if number != field.number || wire_type != LEN || !field.repeated {
            return None;
        }
        out.push(reader.bytes()?);
    }
    Some((item, out))
}

/// The bytes of `msg` (of type `ty`) as upb serializes the same message.
pub fn encode(schema: &Schema, ty: usize, msg: &Msg, out: &mut Vec<u8>) {
    for (field, value) in schema.messages[ty].fields.iter().zip(&msg.values) {
        match value {
            Value::Unset => {}
            Value::Str(s) => {
                if field.presence || !s.is_empty() {
                    put_len(out, field.number, s.as_bytes());
                }
            }
            Value::Int(v) => {
                if field.presence || *v != 0 {
                    put_tag(out, field.number, VARINT);
                    put_varint(out, *v as u64); // a negative int32 takes ten bytes, as in upb
                }
            }
            Value::Bool(flag) => {
                if field.presence || *flag {
                    put_tag(out, field.number, VARINT);
                    out.push(u8::from(*flag));
                }
            }
            Value::Message(inner) => put_message(schema, field.ty, field.number, inner, out),
            Value::Repeated(items) => {
                for item in items {
                    put_message(schema, field.ty, field.number, item, out);
                }
            }
        }
    }
}

fn put_message(schema: &Schema, ty: Type, number: u32, msg: &Msg, out: &mut Vec<u8>) {
    let Type::Message(inner) = ty else {
        unreachable!("a message value in a field of type {ty:?}");
    };
    let mut bytes = Vec::new();
    encode(schema, inner, msg, &mut bytes);
    put_len(out, number, &bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{MessageSpec, Rule, Rules};

    struct NoRules;

    impl Rules for NoRules {
        fn rule(&self, _: &str, _: u32, _: &str) -> Result<Option<Rule>, String> {
            Ok(None)
        }
        fn required_oneofs(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
        fn default_max_length(&self) -> usize {
            128
        }
    }

    /// message Outer { string s = 1; int32 i = 2; optional bool b = 3; repeated Inner items = 4;
    ///   oneof o { Inner x = 5; Inner y = 6; } int64 l = 7; } message Inner { string t = 1; }
    fn schema() -> Schema {
        let field = |n: u32, name: &str, ty: &str, rep: bool, msg: &str, oneof: &str, p: bool| {
            (n, name.into(), ty.into(), rep, msg.into(), oneof.into(), p)
        };
        let messages: Vec<MessageSpec> = vec![
            (
                "Request".into(),
                vec![field(1, "outers", "message", true, "Outer", "", false)],
            ),
            (
                "Outer".into(),
                vec![
                    field(1, "s", "string", false, "", "", false),
                    field(2, "i", "int32", false, "", "", false),
                    field(3, "b", "bool", false, "", "", true),
                    field(4, "items", "message", true, "Inner", "", false),
                    field(5, "x", "message", false, "Inner", "o", true),
                    field(6, "y", "message", false, "Inner", "o", true),
                    field(7, "l", "int64", false, "", "", false),
                ],
            ),
            (
                "Inner".into(),
                vec![field(1, "t", "string", false, "", "", false)],
            ),
        ];
        Schema::new(&messages, "Request", &NoRules).expect("a valid schema")
    }

    fn round_trip(bytes: &[u8]) -> Option<Vec<u8>> {
        let schema = schema();
        let outer = schema.message("Outer").unwrap();
        let msg = decode(&schema, outer, bytes)?;
        let mut out = Vec::new();
        encode(&schema, outer, &msg, &mut out);
        Some(out)
    }

    #[test]
    fn a_canonical_message_re_encodes_byte_for_byte() {
        let bytes = [
            &b"\x0a\x02hi"[..],                              // s = "hi"
            b"\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", // i = -1 (ten bytes)
            b"\x18\x00",                                     // b = false: present, so written
            b"\x22\x03\x0a\x01a\x22\x00",                    // items: {t: "a"}, {}
            b"\x2a\x00",                                     // x = {} (a set oneof member)
            b"\x38\x80\x01",                                 // l = 128
        ]
        .concat();
        assert_eq!(round_trip(&bytes), Some(bytes));
    }

    #[test]
    fn defaults_without_presence_are_left_out() {
        assert_eq!(round_trip(b"\x0a\x00\x10\x00\x38\x00"), Some(Vec::new()));
        // An int32 given as a 64-bit varint keeps its low 32 bits, as protobuf does.
        assert_eq!(
            round_trip(b"\x10\x81\x80\x80\x80\x10"),
            Some(b"\x10\x01".to_vec())
        );
    }

    #[test]
    fn what_protobuf_reads_leniently_is_refused() {
        for bytes in [
            &b"\x0a\x01a\x0a\x01b"[..], // a singular field twice (the last would win)
            b"\x2a\x00\x32\x00",        // two members of one oneof
            b"\x40\x01",                // an unknown field
            b"\x0a\x02\xc3\x28",        // invalid UTF-8
            b"\x08\x01",                // a varint where a string is
            b"\x15\x00\x00\x00\x00",    // a fixed32
            b"\x0a\x05ab",              // a length past the end
        ] {
            assert_eq!(round_trip(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn a_request_is_its_items_and_nothing_else() {
        let schema = schema();
        let outer = schema.message("Outer").unwrap();
        let (item, items) = items(&schema, b"\x0a\x00\x0a\x02\x10\x01").unwrap();
        assert_eq!((item, items.len()), (outer, 2));
        assert!(super::items(&schema, b"\x0a\x00\x10\x01").is_none());
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let field = |n: u32, ty: &str, msg: &str| {
            (
                n,
                "f".into(),
                ty.into(),
                false,
                msg.into(),
                String::new(),
                true,
            )
        };
        let messages: Vec<MessageSpec> = vec![("Node".into(), vec![field(1, "message", "Node")])];
        let schema = Schema::new(&messages, "Node", &NoRules).unwrap();
        let nest = |levels: usize| {
            let mut bytes = Vec::new();
            for _ in 0..levels {
                let mut outer = vec![0x0a];
                put_varint(&mut outer, bytes.len() as u64);
                outer.extend_from_slice(&bytes);
                bytes = outer;
            }
            bytes
        };
        assert!(decode(&schema, 0, &nest(MAX_DEPTH)).is_some());
        assert!(decode(&schema, 0, &nest(MAX_DEPTH + 1)).is_none());
    }
}
