//! The Quanhub gateway's per-event fast path, for `POST /v1/events` bodies in protobuf.
//!
//! `FastPath.decode` reads a request body (the gateway spends the partner's rate budget on
//! its count), then `FastPath.judge` does, in one pass over each event, what the Python
//! route does with upb messages: authorize (check_publish), validate (validate_event),
//! tokenise and mask personal data (protect_in_place), write the raw envelope
//! (EnvelopeWriter), the Kafka key, its murmur2 hash and the canonical event id.
//! It answers only for events it is sure of: any other event is left to Python, and a body
//! it cannot decode exactly as upb would is left to Python whole. See
//! services/gateway/quanhub/gateway/fastpath.py for how the route combines the two.
//!
//! No field of the contract is named in its per-field rules or its codec: Python hands it
//! the schema (ingest.proto's descriptors: schema.rs, codec.rs) and each field's rules
//! (its options: contract.rs), which rules.rs and pii.rs interpret. The rules that join
//! fields (event time, a declaration's document, a receipt's status, who may publish what,
//! the business key) are code over fields looked up by name once, at start (`Names`).

mod codec;
mod contract;
mod formats;
mod pii;
mod rules;
mod schema;
mod wire;

use std::collections::{HashMap, HashSet};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use sha1::{Digest, Sha1};

use crate::codec::{Msg, Value};
use crate::formats::{Format, Formats};
use crate::pii::{push_hex, Keyed, Parties};
use crate::rules::{strip, Caller, Names, Tables};
use crate::schema::Schema;
use crate::wire::put_varint;

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as an unsigned 32-bit value.
pub fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5BD1_E995;
    let mut h: u32 = 0x9747_B28C ^ data.len() as u32;
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        let mut k = u32::from_le_bytes([word[0], word[1], word[2], word[3]]).wrapping_mul(M);
        k ^= k >> 24;
        h = h.wrapping_mul(M) ^ k.wrapping_mul(M);
    }
    let rest = words.remainder();
    if rest.len() == 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h = (h ^ u32::from(rest[0])).wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

/// UUIDv5 text of (partner, the partner's event id), as `canonical_event_id_text`.
fn event_id(namespace: &[u8], partner: &str, source_event_id: &str) -> String {
    let digest = Sha1::new()
        .chain_update(namespace)
        .chain_update(partner.as_bytes())
        .chain_update(b"\x1f")
        .chain_update(source_event_id.as_bytes())
        .finalize();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&digest[..16]);
    raw[6] = (raw[6] & 0x0F) | 0x50;
    raw[8] = (raw[8] & 0x3F) | 0x80;
    let mut out = String::with_capacity(36);
    for (start, end) in [(0, 4), (4, 6), (6, 8), (8, 10), (10, 16)] {
        if start > 0 {
            out.push('-');
        }
        push_hex(&mut out, &raw[start..end]);
    }
    out
}

/// The Kafka key of an event, as `canonical.event_business_key` makes it.
fn business_key(n: &Names, e: &Msg, partner: &str, formats: &Formats) -> Option<String> {
    let (body, b) = n.body_of(e)?;
    Some(if body.slot == n.parcel.slot {
        let carrier = formats.carrier(b.str(n.parcel_carrier_code))?;
        let waybill = strip(b.str(n.parcel_waybill_no)).to_ascii_uppercase();
        format!("P|{carrier}|{waybill}")
    } else if body.slot == n.order.slot {
        let platform = strip(b.str(n.order_platform_code));
        format!("O|{platform}|{}", strip(b.str(n.order_order_no)))
    } else {
        // rules.rs passes only customs events with a cop_no: it is their document number.
        format!("C|{}|{}", strip(partner), strip(b.str(n.customs_cop_no)))
    })
}

/// quanhub.common.traceids.is_safe_trace_id: a W3C trace-id (32 lowercase hex, not all
/// zeros) or a lowercase UUID, with no run of 7 decimal digits (dashes between them or not).
/// Any other trace id may carry text (personal data) and is not kept.
pub fn is_safe_trace_id(value: &str) -> bool {
    let b = value.as_bytes();
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    let form = match b.len() {
        32 => b.iter().all(|&c| hex(c)),
        36 => b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                hex(c)
            }
        }),
        _ => false,
    };
    if !form || b.iter().all(|&c| c == b'0' || c == b'-') {
        return false;
    }
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 7 {
                return false;
            }
        } else if !(c == b'-' && i > 0 && b[i - 1].is_ascii_digit()) {
            run = 0;
        }
    }
    true
}

fn put_field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// One accepted event: (kind number, key, murmur2 of the key, envelope, event id, trace id).
type Prepared = (u8, Vec<u8>, u32, Vec<u8>, String, String);

#[pyclass(frozen)]
struct FastPath {
    schema: Schema,
    names: Names,
    tables: Tables,
    parties: Parties,
    keyed: Keyed,
    namespace: Vec<u8>,
    /// What it was built from, as handed over (for `tables`).
    handed: Py<PyDict>,
}

fn value_error(error: String) -> PyErr {
    PyValueError::new_err(error)
}

#[pymethods]
impl FastPath {
    /// The fast path over the contract (`contract.native_table()`) and the schema of the
    /// messages it decodes (`fastpath.schema()`: root, and per message its fields as
    /// (number, name, type, repeated, message type, oneof, presence)). A ValueError when
    /// the code here cannot serve them (a field the rules that join fields read is missing,
    /// a format, kind or type it does not know).
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (*, contract, schema, kinds, carriers, values, receipts,
                        max_string_chars, earliest_us, min_seconds, max_seconds,
                        secret, namespace))]
    fn new(
        py: Python<'_>,
        contract: &Bound<'_, PyDict>,
        schema: &Bound<'_, PyDict>,
        kinds: Vec<String>,
        carriers: HashMap<String, String>,
        values: HashMap<String, HashSet<String>>,
        receipts: HashSet<String>,
        max_string_chars: usize,
        earliest_us: i64,
        min_seconds: i64,
        max_seconds: i64,
        secret: &[u8],
        namespace: &[u8],
    ) -> PyResult<Self> {
        let handed = PyDict::new(py);
        for (key, value) in [("contract", contract.as_any()), ("schema", schema.as_any())] {
            handed.set_item(key, value)?;
        }
        handed.set_item("kinds", &kinds)?;
        handed.set_item("carriers", &carriers)?;
        handed.set_item("values", &values)?;
        handed.set_item("receipts", &receipts)?;
        handed.set_item("max_string_chars", max_string_chars)?;
        handed.set_item("earliest_us", earliest_us)?;
        handed.set_item("min_seconds", min_seconds)?;
        handed.set_item("max_seconds", max_seconds)?;
        let rules = contract::Contract::read(contract)?;
        let root: String = schema
            .get_item("root")?
            .ok_or_else(|| value_error("the schema has no root".into()))?
            .extract()?;
        let messages: Vec<schema::MessageSpec> = schema
            .get_item("messages")?
            .ok_or_else(|| value_error("the schema has no messages".into()))?
            .extract()?;
        let schema = Schema::new(&messages, &root, &rules).map_err(value_error)?;
        for (message, number, name) in rules.fields() {
            let found = schema.message(message).map_err(value_error)?;
            let slot = schema.slot(found, name).map_err(value_error)?;
            if schema.messages[found].fields[slot].number != number {
                return Err(value_error(format!(
                    "{message}.{name} is not field {number}"
                )));
            }
        }
        let names = Names::new(&schema, &kinds).map_err(value_error)?;
        let parties = pii::parties(&schema, names.event, names.body);
        let tables = Tables {
            formats: Formats::new(values, carriers).map_err(value_error)?,
            receipts,
            max_string_chars,
            earliest_us,
            min_seconds,
            max_seconds,
        };
        Ok(FastPath {
            schema,
            names,
            tables,
            parties,
            keyed: Keyed::new(secret),
            namespace: namespace.to_vec(),
            handed: handed.unbind(),
        })
    }

    /// What it was built from, as handed over (keyword names of `new`, without the secret
    /// and the namespace); for the test that they are Python's.
    fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.handed.bind(py).copy()
    }

    /// Message name -> its free-text fields by field number, as read from the contract:
    /// what it scrubs (the tests compare it with `fields.free_text()`).
    fn free_text(&self) -> HashMap<String, Vec<String>> {
        let mut out = HashMap::new();
        for message in &self.schema.messages {
            let texts: Vec<String> = (message.fields.iter())
                .filter(|f| f.is_free_text())
                .map(|f| f.name.clone())
                .collect();
            if !texts.is_empty() {
                out.insert(message.name.clone(), texts);
            }
        }
        out
    }

    /// Per body, the token path and kind of each personal field it tokenises, in the order
    /// it writes them (the tests compare it with `pii._party_plan()`).
    fn parties(&self) -> HashMap<String, Vec<(String, String)>> {
        let event = &self.schema.messages[self.names.event];
        let mut out = HashMap::new();
        for (slot, parties) in &self.parties {
            let paths = (parties.iter())
                .flat_map(|p| p.fields.iter())
                .map(|(_, kind, path)| (path.clone(), kind.name().to_owned()))
                .collect();
            out.insert(event.fields[*slot].name.clone(), paths);
        }
        out
    }

    /// Whether `value` has the named format, by the lists it was handed (the tests run
    /// tests/corpus/formats.json through it); a ValueError for an unknown name.
    fn matches_format(&self, name: &str, value: &str) -> PyResult<bool> {
        let format = Format::named(name).ok_or_else(|| value_error(format!("no format {name}")))?;
        Ok(self.tables.formats.matches(format, value))
    }

    /// The request's events, decoded (`Decoded`), or None: leave the whole body to Python
    /// (it is not what upb would read the same way, it holds no event or too many, or a
    /// string is over the gateway's `max_string_chars`, or an event over `max_event_bytes`,
    /// which is refused unread). Nothing is judged yet: the caller spends the partner's
    /// rate budget on `len(decoded)` first. Runs without the GIL: a large body takes a
    /// while, and the gateway calls this from a worker thread while its loop goes on.
    fn decode(
        &self,
        py: Python<'_>,
        body: &[u8],
        max_events: usize,
        max_event_bytes: usize,
    ) -> Option<Decoded> {
        py.detach(|| {
            let (item, raw) = codec::items(&self.schema, body)?;
            if raw.is_empty() || raw.len() > max_events {
                return None;
            }
            if raw.iter().any(|bytes| bytes.len() > max_event_bytes) {
                return None;
            }
            let mut events = Vec::with_capacity(raw.len());
            for bytes in raw {
                let event = codec::decode(&self.schema, item, bytes)?;
                if !self.tables.within_string_limit(&self.schema, item, &event) {
                    return None;
                }
                events.push((bytes.len(), event));
            }
            Some(Decoded { events })
        })
    }

    /// One entry per decoded event, in order: None for an event Python must judge, else
    /// (kind number, key, key's murmur2, envelope, event id, trace id). Takes the events
    /// out of `decoded` (masking works on them in place).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (decoded, *, partner, kind, own_carrier, customs_code, latest_us,
                        max_event_bytes, head, ingress, trace_id))]
    fn judge<'py>(
        &self,
        py: Python<'py>,
        mut decoded: PyRefMut<'_, Decoded>,
        partner: &str,
        kind: Option<u8>,
        own_carrier: &str,
        customs_code: Option<&str>,
        latest_us: i64,
        max_event_bytes: usize,
        head: &[u8],
        ingress: &[u8],
        trace_id: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let caller = Caller {
            partner,
            kind,
            own_carrier,
            customs_code,
            latest_us,
        };
        let out = PyList::empty(py);
        for (wire_len, event) in std::mem::take(&mut decoded.events) {
            let prepared = self.prepare_one(
                wire_len,
                event,
                &caller,
                max_event_bytes,
                head,
                ingress,
                trace_id,
            );
            match prepared {
                None => out.append(py.None())?,
                Some((kind, key, hash, value, id, trace)) => out.append((
                    kind,
                    PyBytes::new(py, &key),
                    hash,
                    PyBytes::new(py, &value),
                    PyBytes::new(py, id.as_bytes()),
                    PyBytes::new(py, trace.as_bytes()),
                ))?,
            }
        }
        Ok(out)
    }
}

/// A request's events, decoded by `FastPath.decode` and not yet judged.
#[pyclass]
struct Decoded {
    /// Each event with the length of its bytes on the wire.
    events: Vec<(usize, Msg)>,
}

#[pymethods]
impl Decoded {
    fn __len__(&self) -> usize {
        self.events.len()
    }
}

impl FastPath {
    fn encode_event(&self, event: &Msg) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        codec::encode(&self.schema, self.names.event, event, &mut out);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn prepare_one(
        &self,
        wire_len: usize,
        mut event: Msg,
        caller: &Caller<'_>,
        max_event_bytes: usize,
        head: &[u8],
        ingress: &[u8],
        trace_id: &str,
    ) -> Option<Prepared> {
        let (schema, names, tables) = (&self.schema, &self.names, &self.tables);
        // upb's ByteSize is the canonical encoding's; re-encoding an int32 given in five
        // bytes can double its size, so only a wire length over half the limit needs it.
        if wire_len.saturating_mul(2) > max_event_bytes
            && self.encode_event(&event).len() > max_event_bytes
        {
            return None;
        }
        if !(tables.may_publish(names, &event, caller)
            && tables.valid(schema, names, &event, caller.latest_us))
        {
            return None;
        }
        let kind = names.body_of(&event)?.0.kind;
        let key = business_key(names, &event, caller.partner, &tables.formats)?;
        let id = event_id(&self.namespace, caller.partner, event.str(names.event_id));
        let own_trace = event.str(names.trace_id);
        if !own_trace.is_empty() && !is_safe_trace_id(own_trace) {
            // it may carry text (personal data): the request's is used
            event.values[names.trace_id] = Value::Unset;
        }
        let trace = match event.str(names.trace_id) {
            "" => trace_id.to_owned(),
            own => own.to_owned(),
        };
        let tokens = pii::protect(schema, names.event, &mut event, &self.parties, &self.keyed)?;
        let encoded = self.encode_event(&event);
        let mut value = Vec::with_capacity(head.len() + encoded.len() + 64 + tokens.len() * 100);
        value.extend_from_slice(head);
        if !trace.is_empty() {
            put_field(&mut value, 0x22, trace.as_bytes());
        }
        value.extend_from_slice(ingress);
        put_field(&mut value, 0x52, &encoded);
        for (path, token) in &tokens {
            let mut entry = Vec::with_capacity(path.len() + token.len() + 4);
            put_field(&mut entry, 0x0A, path.as_bytes());
            put_field(&mut entry, 0x12, token.as_bytes());
            put_field(&mut value, 0x5A, &entry);
        }
        let hash = murmur2(key.as_bytes());
        Some((kind, key.into_bytes(), hash, value, id, trace))
    }
}

#[pyfunction(name = "murmur2")]
fn py_murmur2(data: &[u8]) -> u32 {
    murmur2(data)
}

/// The native path's `scrub_text` of a free text, None for a text it leaves to Python;
/// for the differential tests.
#[pyfunction(name = "scrub_text")]
fn py_scrub_text(text: &str) -> Option<String> {
    match pii::scrub(text) {
        pii::Scrubbed::Unchanged => Some(text.to_owned()),
        pii::Scrubbed::Masked(masked) => Some(masked),
        pii::Scrubbed::Foreign => None,
    }
}

/// The native path's trace-id rule, for the differential tests.
#[pyfunction(name = "is_safe_trace_id")]
fn py_is_safe_trace_id(value: &str) -> bool {
    is_safe_trace_id(value)
}

#[pymodule]
fn quanhub_gateway_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FastPath>()?;
    m.add_class::<Decoded>()?;
    m.add_function(wrap_pyfunction!(py_murmur2, m)?)?;
    m.add_function(wrap_pyfunction!(py_scrub_text, m)?)?;
    m.add_function(wrap_pyfunction!(py_is_safe_trace_id, m)?)?;
    // A panic surfaces as this exception (a BaseException): the gateway catches it by name.
    m.add(
        "PanicException",
        m.py().get_type::<pyo3::panic::PanicException>(),
    )?;
    Ok(())
}
