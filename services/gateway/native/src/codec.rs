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

/// A message of type `ty` from its bytes, or None (see the module's comment).
pub fn decode(schema: &Schema, ty: usize, bytes: &[u8]) -> Option<Msg> {
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
                let item = decode(schema, inner, reader.bytes()?)?;
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
