//! The contract as data: the message types the gateway decodes (from ingest.proto's
//! descriptors) and each field's rule (from its options), both handed over by Python at
//! start (`quanhub.gateway.fastpath.schema()`, `quanhub.common.contract.native_table()`).
//!
//! Nothing here names a field of ingest.proto. The code that joins fields (rules.rs,
//! lib.rs) looks the few it needs up by name once, when the fast path is built; a name the
//! schema does not have fails there, and the gateway runs on Python alone.

use crate::formats::Format;
use crate::pii::Kind as PiiKind;

/// A field's type on the wire and in `codec::Value`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Type {
    Str,
    /// int32 and (open, proto3) enums: the low 32 bits of the varint, sign-extended.
    Int32,
    Int64,
    Bool,
    /// A message of the type at this index of `Schema::messages`.
    Message(usize),
}

/// What is done to a value before its format is checked (options.proto `Normalize`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Normalize {
    None,
    Strip,
    StripUpper,
}

/// options.proto `FieldClass`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    None,
    Personal,
    Identifier,
    Closed,
    FreeText,
}

/// One field's rule (options.proto `FieldRule`), as `contract.native_table()` gives it.
#[derive(Clone, Debug)]
pub struct Rule {
    pub required: bool,
    pub normalize: Normalize,
    pub format: Option<Format>,
    /// Characters (strings only).
    pub max_length: usize,
    pub class: Class,
    pub personal: Option<PiiKind>,
    pub non_negative: bool,
    /// 0: no limit of its own.
    pub max_items: usize,
}

#[derive(Debug)]
pub struct Field {
    pub number: u32,
    pub name: String,
    pub ty: Type,
    pub repeated: bool,
    /// Index into its message's `oneofs`.
    pub oneof: Option<usize>,
    /// Written whenever set, default or not (message fields, `optional` and oneof members).
    pub presence: bool,
    pub rule: Rule,
}

impl Field {
    /// A singular string that quanhub.common.fields scrubs as free text: classed so, or not
    /// classed at all (`fields.class_of`).
    pub fn is_free_text(&self) -> bool {
        self.ty == Type::Str
            && !self.repeated
            && matches!(self.rule.class, Class::FreeText | Class::None)
    }
}

#[derive(Debug)]
pub struct Message {
    pub name: String,
    /// By field number.
    pub fields: Vec<Field>,
    /// Field number -> index in `fields`.
    pub slot_of: Vec<Option<usize>>,
    pub oneofs: Vec<String>,
    /// The oneofs of which one member must be set (`oneof_required`).
    pub required_oneofs: Vec<usize>,
}

/// One field of a message type as the descriptors give it: (number, name, type, repeated,
/// message type or "", oneof or "", presence).
pub type FieldSpec = (u32, String, String, bool, String, String, bool);

pub struct Schema {
    pub messages: Vec<Message>,
    /// The request (PublishRequest).
    pub root: usize,
}

/// A message type's name and fields, as handed over.
pub type MessageSpec = (String, Vec<FieldSpec>);

/// Rules by message name and field number; see `Schema::new`.
pub trait Rules {
    fn rule(&self, message: &str, number: u32, name: &str) -> Result<Option<Rule>, String>;
    fn required_oneofs(&self, message: &str) -> Vec<String>;
    fn default_max_length(&self) -> usize;
}

impl Schema {
    /// The schema of `messages` (the request type named `root` and every type within it),
    /// each field with its rule (a field without one: no rule but the default length).
    pub fn new(messages: &[MessageSpec], root: &str, rules: &dyn Rules) -> Result<Self, String> {
        let index = |name: &str| {
            messages
                .iter()
                .position(|(m, _)| m == name)
                .ok_or_else(|| format!("no message type {name}"))
        };
        let mut out = Vec::with_capacity(messages.len());
        for (name, specs) in messages {
            let mut fields = Vec::with_capacity(specs.len());
            let mut oneofs: Vec<String> = Vec::new();
            for (number, field, ty, repeated, inner, oneof, presence) in specs {
                let ty = match ty.as_str() {
                    "string" => Type::Str,
                    "int32" | "enum" => Type::Int32,
                    "int64" => Type::Int64,
                    "bool" => Type::Bool,
                    "message" => Type::Message(index(inner)?),
                    other => return Err(format!("{name}.{field}: unsupported type {other}")),
                };
                if *repeated && !matches!(ty, Type::Message(_)) {
                    // Packed or not, upb reads both; this decoder reads neither.
                    return Err(format!(
                        "{name}.{field}: repeated scalars are not supported"
                    ));
                }
                let oneof = if oneof.is_empty() {
                    None
                } else {
                    Some(match oneofs.iter().position(|o| o == oneof) {
                        Some(i) => i,
                        None => {
                            oneofs.push(oneof.clone());
                            oneofs.len() - 1
                        }
                    })
                };
                let default = Rule {
                    required: false,
                    normalize: Normalize::None,
                    format: None,
                    max_length: rules.default_max_length(),
                    class: Class::None,
                    personal: None,
                    non_negative: false,
                    max_items: 0,
                };
                let rule = rules.rule(name, *number, field)?.unwrap_or(default);
                fields.push(Field {
                    number: *number,
                    name: field.clone(),
                    ty,
                    repeated: *repeated,
                    oneof,
                    presence: *presence,
                    rule,
                });
            }
            fields.sort_by_key(|f| f.number);
            if fields.len() > 64 || oneofs.len() > 64 {
                return Err(format!("{name}: more than 64 fields or oneofs"));
            }
            let top = fields.last().map_or(0, |f| f.number as usize);
            if top > 4096 {
                return Err(format!(
                    "{name}: field number {top} is too large for a table"
                ));
            }
            let mut slot_of = vec![None; top + 1];
            for (slot, f) in fields.iter().enumerate() {
                slot_of[f.number as usize] = Some(slot);
            }
            let required_oneofs = rules
                .required_oneofs(name)
                .iter()
                .map(|o| {
                    oneofs
                        .iter()
                        .position(|x| x == o)
                        .ok_or_else(|| format!("{name} has no oneof {o}"))
                })
                .collect::<Result<_, _>>()?;
            out.push(Message {
                name: name.clone(),
                fields,
                slot_of,
                oneofs,
                required_oneofs,
            });
        }
        Ok(Schema {
            root: index(root)?,
            messages: out,
        })
    }

    pub fn message(&self, name: &str) -> Result<usize, String> {
        self.messages
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| format!("no message type {name}"))
    }

    /// The slot of `message`'s field `name` (its index in `Message::fields`).
    pub fn slot(&self, message: usize, name: &str) -> Result<usize, String> {
        let m = &self.messages[message];
        m.fields
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| format!("{} has no field {name}", m.name))
    }

    /// The slot of a field of type `ty`, and the message type it holds (if any).
    pub fn typed(&self, message: usize, name: &str, ty: Type) -> Result<usize, String> {
        let slot = self.slot(message, name)?;
        let field = &self.messages[message].fields[slot];
        if field.ty != ty || field.repeated {
            return Err(format!(
                "{}.{name} is not a singular {ty:?}",
                self.messages[message].name
            ));
        }
        Ok(slot)
    }

    /// The slot and message type of a singular message field.
    pub fn nested(&self, message: usize, name: &str) -> Result<(usize, usize), String> {
        let slot = self.slot(message, name)?;
        match self.messages[message].fields[slot] {
            Field {
                ty: Type::Message(inner),
                repeated: false,
                ..
            } => Ok((slot, inner)),
            _ => Err(format!(
                "{}.{name} is not a message",
                self.messages[message].name
            )),
        }
    }
}
