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

mod model;
mod pii;
mod rules;
mod wire;

use std::collections::{HashMap, HashSet};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use sha1::{Digest, Sha1};

use crate::model::Body;
use crate::pii::{push_hex, FreeText, Keyed};
use crate::rules::{strip, Caller, Tables};
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

fn business_key(body: &Body, partner: &str, tables: &Tables) -> Option<String> {
    Some(match body {
        Body::Parcel(p) => {
            let carrier = tables
                .carriers
                .get(&strip(&p.carrier_code).to_ascii_lowercase())?;
            format!("P|{carrier}|{}", strip(&p.waybill_no).to_ascii_uppercase())
        }
        Body::Order(o) => format!("O|{}|{}", strip(&o.platform_code), strip(&o.order_no)),
        Body::Customs(c) => {
            let cop_no = strip(&c.cop_no);
            let reference = if cop_no.is_empty() {
                strip(&c.order_no)
            } else {
                cop_no
            };
            format!("C|{}|{reference}", strip(partner))
        }
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

/// One accepted event: (kind, key, murmur2 of the key, envelope, event id, trace id).
type Prepared = (u8, Vec<u8>, u32, Vec<u8>, String, String);

#[pyclass(frozen)]
struct FastPath {
    tables: Tables,
    keyed: Keyed,
    namespace: Vec<u8>,
}

#[pymethods]
impl FastPath {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (*, carriers, trade_modes, receipts, max_len, default_max_len,
                        max_string_chars, earliest_us, min_seconds, max_seconds, max_lines,
                        free_text, secret, namespace))]
    fn new(
        carriers: HashMap<String, String>,
        trade_modes: HashSet<String>,
        receipts: HashSet<String>,
        max_len: HashMap<String, usize>,
        default_max_len: usize,
        max_string_chars: usize,
        earliest_us: i64,
        min_seconds: i64,
        max_seconds: i64,
        max_lines: usize,
        free_text: FreeText,
        secret: &[u8],
        namespace: &[u8],
    ) -> PyResult<Self> {
        pii::check_free_text(&free_text).map_err(PyValueError::new_err)?;
        let tables = Tables {
            carriers,
            trade_modes,
            receipts,
            max_len,
            default_max_len,
            max_string_chars,
            earliest_us,
            min_seconds,
            max_seconds,
            max_lines,
            free_text,
        };
        Ok(FastPath {
            tables,
            keyed: Keyed::new(secret),
            namespace: namespace.to_vec(),
        })
    }

    /// The tables and limits it judges by, as handed over (keyword names of `new`); for the
    /// test that they are Python's.
    fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.tables;
        let out = PyDict::new(py);
        out.set_item("carriers", &t.carriers)?;
        out.set_item("trade_modes", &t.trade_modes)?;
        out.set_item("receipts", &t.receipts)?;
        out.set_item("max_len", &t.max_len)?;
        out.set_item("default_max_len", t.default_max_len)?;
        out.set_item("max_string_chars", t.max_string_chars)?;
        out.set_item("earliest_us", t.earliest_us)?;
        out.set_item("min_seconds", t.min_seconds)?;
        out.set_item("max_seconds", t.max_seconds)?;
        out.set_item("max_lines", t.max_lines)?;
        out.set_item("free_text", &t.free_text)?;
        Ok(out)
    }

    /// The request's events, decoded (`Decoded`), or None: leave the whole body to Python
    /// (it is not what upb would read the same way, it holds no event or too many, or a
    /// string is over the gateway's `max_string_chars`). Nothing is judged yet: the caller
    /// spends the partner's rate budget on `len(decoded)` first.
    fn decode(&self, body: &[u8], max_events: usize) -> Option<Decoded> {
        let raw = model::request_events(body)?;
        if raw.is_empty() || raw.len() > max_events {
            return None;
        }
        let mut events = Vec::with_capacity(raw.len());
        for bytes in raw {
            let event = model::event(bytes)?;
            if !rules::within_string_limit(&event, &self.tables) {
                return None;
            }
            events.push((bytes.len(), event));
        }
        Some(Decoded { events })
    }

    /// One entry per decoded event, in order: None for an event Python must judge, else
    /// (kind 0 order / 1 parcel / 2 customs, key, key's murmur2, envelope, event id, trace id).
    /// Takes the events out of `decoded` (masking works on them in place).
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
    events: Vec<(usize, model::Event)>,
}

#[pymethods]
impl Decoded {
    fn __len__(&self) -> usize {
        self.events.len()
    }
}

impl FastPath {
    #[allow(clippy::too_many_arguments)]
    fn prepare_one(
        &self,
        wire_len: usize,
        mut event: model::Event,
        caller: &Caller<'_>,
        max_event_bytes: usize,
        head: &[u8],
        ingress: &[u8],
        trace_id: &str,
    ) -> Option<Prepared> {
        // upb's ByteSize is the canonical encoding's; re-encoding an int32 given in five
        // bytes can double its size, so only a wire length over half the limit needs it.
        if wire_len.saturating_mul(2) > max_event_bytes
            && model::encode(&event).len() > max_event_bytes
        {
            return None;
        }
        if !(self.tables.may_publish(&event, caller) && self.tables.valid(&event, caller.latest_us))
        {
            return None;
        }
        let body = event.body.as_ref()?;
        let kind = match body {
            Body::Order(_) => 0,
            Body::Parcel(_) => 1,
            Body::Customs(_) => 2,
        };
        let key = business_key(body, caller.partner, &self.tables)?;
        let id = event_id(&self.namespace, caller.partner, &event.event_id);
        if !event.trace_id.is_empty() && !is_safe_trace_id(&event.trace_id) {
            event.trace_id.clear(); // it may carry text (personal data): the request's is used
        }
        let trace = if event.trace_id.is_empty() {
            trace_id.to_owned()
        } else {
            event.trace_id.clone()
        };
        let tokens = pii::protect(&mut event, &self.keyed, &self.tables.free_text)?;
        let encoded = model::encode(&event);
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
    m.add("SCHEMA", model::SCHEMA.to_vec())?;
    Ok(())
}
