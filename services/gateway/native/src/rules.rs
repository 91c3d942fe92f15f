//! Which events the fast path may publish without asking Python: the contract's field rules
//! (schema.rs, read from ingest.proto's options) interpreted as quanhub.common.validation
//! interprets them, and the rules that join fields (validate_event's event time and
//! customs rules, check_publish) as code over fields looked up by name once (`Names`).
//!
//! Each predicate is true only when Python's rule certainly passes. Anything else (a
//! violation, or a string with characters whose Python semantics this module does not
//! reproduce) is false, and the event goes to Python, which decides and words the rejection.
//! So the fast path may send Python events it would have accepted, never the reverse; the
//! differential tests in tests/unit/gateway hold it to that.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::codec::{Msg, Value};
use crate::formats::Formats;
use crate::schema::{Field, Normalize, Schema, Type};

/// The tables and limits Python's rules use besides the contract, handed over at start.
pub struct Tables {
    pub formats: Formats,
    /// CEB message types that are receipts (quanhub.common.canonical).
    pub receipts: HashSet<String>,
    /// What a body's strings may have at most (the gateway's `max_string_chars`).
    pub max_string_chars: usize,
    pub earliest_us: i64,
    pub min_seconds: i64,
    pub max_seconds: i64,
}

/// Who publishes, and the request's own limits.
pub struct Caller<'a> {
    pub partner: &'a str,
    /// The one kind (its number) the partner's role publishes.
    pub kind: Option<u8>,
    /// The hub carrier the partner is (a carrier partner), as `carrier_of` gives it.
    pub own_carrier: &'a str,
    pub customs_code: Option<&'a str>,
    pub latest_us: i64,
}

/// A member of the event's body oneof.
#[derive(Clone, Copy)]
pub struct Body {
    /// Its slot in the event, and its message type.
    pub slot: usize,
    pub ty: usize,
    /// Its kind's number (the gateway's `KINDS`).
    pub kind: u8,
}

/// The fields the rules that join fields read, by slot: looked up by name once, at start.
pub struct Names {
    pub event: usize,
    pub event_id: usize,
    pub occurred_at: usize,
    pub seconds: usize,
    pub nanos: usize,
    pub trace_id: usize,
    /// The event's oneof `body`.
    pub body: usize,
    pub order: Body,
    pub parcel: Body,
    pub customs: Body,
    pub order_platform_code: usize,
    pub order_order_no: usize,
    pub parcel_carrier_code: usize,
    pub parcel_waybill_no: usize,
    pub customs_cop_no: usize,
    pub customs_message_type: usize,
    pub customs_return_status: usize,
    pub customs_return_time: usize,
    pub customs_agent_code: usize,
}

impl Names {
    /// The names in `schema`, whose root's items are events; `kinds` are the body members'
    /// names by kind number. An error names the first one missing.
    pub fn new(schema: &Schema, kinds: &[String]) -> Result<Self, String> {
        let root = &schema.messages[schema.root];
        let event = match root.fields.first().map(|f| f.ty) {
            Some(Type::Message(event)) if root.fields.len() == 1 => event,
            _ => return Err(format!("{} is not one repeated message", root.name)),
        };
        let body = |name: &str| -> Result<Body, String> {
            let (slot, ty) = schema.nested(event, name)?;
            let kind = kinds
                .iter()
                .position(|k| k == name)
                .ok_or_else(|| format!("no kind {name}"))?;
            Ok(Body {
                slot,
                ty,
                kind: u8::try_from(kind).map_err(|e| e.to_string())?,
            })
        };
        let (order, parcel, customs) = (body("order")?, body("parcel")?, body("customs")?);
        let (occurred_at, timestamp) = schema.nested(event, "occurred_at")?;
        let text = |message: usize, name: &str| schema.typed(message, name, Type::Str);
        let oneofs = &schema.messages[event].oneofs;
        Ok(Names {
            event,
            event_id: text(event, "event_id")?,
            occurred_at,
            seconds: schema.typed(timestamp, "seconds", Type::Int64)?,
            nanos: schema.typed(timestamp, "nanos", Type::Int32)?,
            trace_id: text(event, "trace_id")?,
            body: oneofs
                .iter()
                .position(|o| o == "body")
                .ok_or("the event has no oneof body")?,
            order_platform_code: text(order.ty, "platform_code")?,
            order_order_no: text(order.ty, "order_no")?,
            parcel_carrier_code: text(parcel.ty, "carrier_code")?,
            parcel_waybill_no: text(parcel.ty, "waybill_no")?,
            customs_cop_no: text(customs.ty, "cop_no")?,
            customs_message_type: text(customs.ty, "message_type")?,
            customs_return_status: text(customs.ty, "return_status")?,
            customs_return_time: text(customs.ty, "return_time")?,
            customs_agent_code: text(customs.ty, "agent_code")?,
            order,
            parcel,
            customs,
        })
    }

    /// The event's body and which member it is; None without one (or with a member the
    /// code here does not know).
    pub fn body_of<'e>(&self, event: &'e Msg) -> Option<(Body, &'e Msg)> {
        [self.order, self.parcel, self.customs]
            .into_iter()
            .find_map(|b| event.message(b.slot).map(|m| (b, m)))
    }
}

// --- characters ----------------------------------------------------------------------------

/// Printable ASCII and CJK unified ideographs: characters on which Python's strip(),
/// upper(), casefold(), len(), \d, \s and NFKC act as this module's ASCII-only code does.
fn plain(c: char) -> bool {
    (' '..='~').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `plain`, and the CJK punctuation carriers write in scan texts (、【】，：). None of them is
/// whitespace, a digit or cased; NFKC changes the fullwidth ones, so personal values, which
/// are normalised, must be `plain`.
fn text_char(c: char) -> bool {
    plain(c)
        || matches!(
            c,
            '\u{3001}' | '\u{3010}' | '\u{3011}' | '\u{ff0c}' | '\u{ff1a}'
        )
}

/// Python's str.strip() on a string of `text_char`s (the only whitespace among them: ' ').
pub fn strip(s: &str) -> &str {
    s.trim_matches(' ')
}

fn required(s: &str) -> bool {
    !strip(s).is_empty()
}

/// All `text_char`s, at most `max_chars` of them.
fn text(s: &str, max_chars: usize) -> bool {
    if s.len() <= max_chars {
        return s.chars().all(text_char); // no more characters than bytes
    }
    let mut count = 0;
    for c in s.chars() {
        if !text_char(c) {
            return false;
        }
        count += 1;
    }
    count <= max_chars
}

/// Every string of `msg` (of type `ty`) and of the messages within it.
fn strings(schema: &Schema, ty: usize, msg: &Msg, each: &mut impl FnMut(&str) -> bool) -> bool {
    schema.messages[ty]
        .fields
        .iter()
        .zip(&msg.values)
        .all(|(field, value)| match (value, field.ty) {
            (Value::Str(s), _) => each(s),
            (Value::Message(inner), Type::Message(t)) => strings(schema, t, inner, each),
            (Value::Repeated(items), Type::Message(t)) => {
                items.iter().all(|item| strings(schema, t, item, each))
            }
            _ => true,
        })
}

// --- the rules -----------------------------------------------------------------------------

impl Tables {
    /// Whether the body's strings pass the gateway's structural limit (`max_string_chars`);
    /// false sends the whole body to Python, which refuses it with StringTooLong.
    pub fn within_string_limit(&self, schema: &Schema, ty: usize, msg: &Msg) -> bool {
        let limit = self.max_string_chars;
        strings(schema, ty, msg, &mut |value| {
            value.len() <= limit || value.chars().count() <= limit
        })
    }

    /// The field rules of `msg`'s type (and of the messages within it) pass, as
    /// validation's `_check_fields` and `_check_lengths` apply them, and every string holds
    /// characters this module reads as Python does.
    fn fields_valid(&self, schema: &Schema, ty: usize, msg: &Msg) -> bool {
        let message = &schema.messages[ty];
        let each = message.fields.iter().zip(&msg.values);
        for (field, value) in each {
            let rule = &field.rule;
            let ok = match (value, field.ty) {
                (Value::Str(s), _) => self.string_valid(field, s),
                (Value::Unset, Type::Str | Type::Message(_)) => !rule.required,
                (Value::Int(v), _) => !rule.non_negative || *v >= 0,
                (Value::Message(inner), Type::Message(t)) => self.fields_valid(schema, t, inner),
                (Value::Repeated(items), Type::Message(t)) => {
                    (rule.max_items == 0 || items.len() <= rule.max_items)
                        && items.iter().all(|item| self.fields_valid(schema, t, item))
                }
                _ => true,
            };
            if !ok {
                return false;
            }
        }
        message.required_oneofs.iter().all(|&oneof| {
            (message.fields.iter().zip(&msg.values))
                .any(|(f, v)| f.oneof == Some(oneof) && !matches!(v, Value::Unset))
        })
    }

    fn string_valid(&self, field: &Field, s: &str) -> bool {
        let rule = &field.rule;
        if !text(s, rule.max_length) {
            return false;
        }
        if rule.personal.is_some() && !s.chars().all(plain) {
            return false; // masks and tokens normalise: only plain text is read as Python does
        }
        if rule.required && !required(s) {
            return false;
        }
        let Some(format) = rule.format else {
            return true;
        };
        let value = match rule.normalize {
            Normalize::None => Cow::Borrowed(s),
            Normalize::Strip => Cow::Borrowed(strip(s)),
            Normalize::StripUpper => Cow::Owned(strip(s).to_ascii_uppercase()),
        };
        value.is_empty() || self.formats.matches(format, &value)
    }

    /// Python's validate_event finds nothing, and the characters are ones this module reads
    /// as Python does.
    pub fn valid(&self, schema: &Schema, names: &Names, e: &Msg, latest_us: i64) -> bool {
        let time_ok = e.message(names.occurred_at).is_some_and(|ts| {
            let (seconds, nanos) = (ts.int(names.seconds), ts.int(names.nanos));
            (0..1_000_000_000).contains(&nanos)
                && (self.min_seconds..=self.max_seconds).contains(&seconds)
                && {
                    let at = seconds * 1_000_000 + nanos / 1000;
                    self.earliest_us <= at && at <= latest_us
                }
        });
        time_ok
            && self.fields_valid(schema, names.event, e)
            && e.message(names.customs.slot)
                .is_none_or(|c| self.customs(names, c))
    }

    /// A message names its document by cop_no; a receipt carries its status. Without a
    /// cop_no, Python decides (canonical.customs_document_no: the number may then be the
    /// payment transaction or the waybill a spec receipt is keyed by, or the order number).
    fn customs(&self, n: &Names, c: &Msg) -> bool {
        let message_type = strip(c.str(n.customs_message_type)).to_ascii_uppercase();
        let receipt = self.receipts.contains(&message_type);
        required(c.str(n.customs_cop_no))
            && (!receipt
                || (required(c.str(n.customs_return_status))
                    && required(c.str(n.customs_return_time))))
    }

    /// Python's check_publish finds nothing.
    pub fn may_publish(&self, n: &Names, e: &Msg, caller: &Caller<'_>) -> bool {
        let Some((body, b)) = n.body_of(e) else {
            return false;
        };
        if caller.kind != Some(body.kind) {
            return false;
        }
        if body.slot == n.order.slot {
            b.str(n.order_platform_code) == caller.partner
        } else if body.slot == n.parcel.slot {
            let carrier = b.str(n.parcel_carrier_code);
            strip(carrier).is_empty() || self.formats.carrier(carrier) == Some(caller.own_carrier)
        } else {
            let agent = strip(b.str(n.customs_agent_code));
            agent.is_empty() || agent == caller.partner || Some(agent) == caller.customs_code
        }
    }
}
