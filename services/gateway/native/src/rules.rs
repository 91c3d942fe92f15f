//! Which events the fast path may publish without asking Python: the rules of
//! quanhub.common.validation and quanhub.common.access.publishing, as predicates.
//!
//! Each predicate is true only when Python's rule certainly passes. Anything else (a
//! violation, or a string with characters whose Python semantics this module does not
//! reproduce) is false, and the event goes to Python, which decides and words the rejection.
//! So the fast path may send Python events it would have accepted, never the reverse; the
//! differential tests in tests/unit/gateway hold it to that.

use std::collections::{HashMap, HashSet};

use crate::model::{
    Body, Consignee, CustomsEvent, Event, GoodsLine, OrderEvent, ParcelEvent, Person,
};
use crate::pii::FreeText;

/// The tables and limits Python's rules use, taken from the Python modules at start-up.
pub struct Tables {
    /// Carrier code, case-folded -> hub carrier id (quanhub.common.carriers).
    pub carriers: HashMap<String, String>,
    pub trade_modes: HashSet<String>,
    /// CEB message types that are receipts (quanhub.common.canonical).
    pub receipts: HashSet<String>,
    /// Per field name, its length limit in characters; others have `default_max_len`.
    pub max_len: HashMap<String, usize>,
    pub default_max_len: usize,
    /// What a body's strings may have at most (the gateway's `max_string_chars`).
    pub max_string_chars: usize,
    pub earliest_us: i64,
    pub min_seconds: i64,
    pub max_seconds: i64,
    /// Goods lines one order or customs body may hold (quanhub.common.validation.MAX_LINES).
    pub max_lines: usize,
    /// Which fields are free text (quanhub.common.fields.free_text()).
    pub free_text: FreeText,
}

/// Who publishes, and the request's own limits.
pub struct Caller<'a> {
    pub partner: &'a str,
    /// 0 order, 1 parcel, 2 customs: the one kind the partner's role publishes.
    pub kind: Option<u8>,
    /// The hub carrier the partner is (a carrier partner), as `carrier_of` gives it.
    pub own_carrier: &'a str,
    pub customs_code: Option<&'a str>,
    pub latest_us: i64,
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

pub fn all_plain(s: &str) -> bool {
    s.chars().all(plain)
}

/// Python's str.strip() on a string of `text_char`s (the only whitespace among them: ' ').
pub fn strip(s: &str) -> &str {
    s.trim_matches(' ')
}

fn required(s: &str) -> bool {
    !strip(s).is_empty()
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `\d{1,13}(\.\d{1,4})?`
fn decimal(s: &str) -> bool {
    match s.split_once('.') {
        None => digits(s, 1, 13),
        Some((whole, fraction)) => digits(whole, 1, 13) && digits(fraction, 1, 4),
    }
}

fn money(s: &str) -> bool {
    s.is_empty() || decimal(s)
}

/// `[A-Za-z0-9-]{6,40}` of the stripped value, when there is one.
fn waybill(s: &str) -> bool {
    let v = strip(s);
    v.is_empty()
        || ((6..=40).contains(&v.len())
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn district(s: &str) -> bool {
    s.is_empty() || digits(s, 6, 6)
}

/// Every string of the event, with its field name (the name picks its length limit).
fn strings<'e>(e: &'e Event, each: &mut dyn FnMut(&str, &'e str) -> bool) -> bool {
    fn person<'e>(p: &'e Option<Person>, each: &mut dyn FnMut(&str, &'e str) -> bool) -> bool {
        p.as_ref().is_none_or(|p| {
            each("id_number", &p.id_number)
                && each("name", &p.name)
                && each("telephone", &p.telephone)
        })
    }
    fn consignee<'e>(
        c: &'e Option<Consignee>,
        each: &mut dyn FnMut(&str, &'e str) -> bool,
    ) -> bool {
        c.as_ref().is_none_or(|c| {
            each("name", &c.name)
                && each("telephone", &c.telephone)
                && each("address", &c.address)
                && each("district_code", &c.district_code)
        })
    }
    fn lines<'e>(lines: &'e [GoodsLine], each: &mut dyn FnMut(&str, &'e str) -> bool) -> bool {
        lines.iter().all(|l| {
            each("item_no", &l.item_no)
                && each("item_name", &l.item_name)
                && each("hs_code", &l.hs_code)
                && each("unit", &l.unit)
                && each("unit_price", &l.unit_price)
                && each("total_price", &l.total_price)
                && each("origin_country", &l.origin_country)
        })
    }
    if !(each("event_id", &e.event_id) && each("trace_id", &e.trace_id)) {
        return false;
    }
    match &e.body {
        None => true,
        Some(Body::Order(o)) => {
            [
                ("platform_code", &o.platform_code),
                ("order_no", &o.order_no),
                ("code_system", &o.code_system),
                ("code", &o.code),
                ("description", &o.description),
                ("carrier_code", &o.carrier_code),
                ("waybill_no", &o.waybill_no),
                ("trade_mode", &o.trade_mode),
                ("ie_flag", &o.ie_flag),
                ("currency", &o.currency),
                ("goods_value", &o.goods_value),
                ("freight", &o.freight),
                ("discount", &o.discount),
                ("tax_total", &o.tax_total),
                ("actual_paid", &o.actual_paid),
                ("pay_code", &o.pay_code),
                ("pay_transaction_id", &o.pay_transaction_id),
                ("ebc_code", &o.ebc_code),
            ]
            .iter()
            .all(|(name, value)| each(name, value))
                && person(&o.buyer, each)
                && consignee(&o.consignee, each)
                && lines(&o.lines, each)
                && person(&o.payer, each)
        }
        Some(Body::Parcel(p)) => [
            ("carrier_code", &p.carrier_code),
            ("waybill_no", &p.waybill_no),
            ("code_system", &p.code_system),
            ("code", &p.code),
            ("description", &p.description),
            ("platform_code", &p.platform_code),
            ("order_no", &p.order_no),
            ("location", &p.location),
            ("district_code", &p.district_code),
            ("delivery_point_id", &p.delivery_point_id),
            ("vehicle_no", &p.vehicle_no),
        ]
        .iter()
        .all(|(name, value)| each(name, value)),
        Some(Body::Customs(c)) => {
            [
                ("message_type", &c.message_type),
                ("trade_mode", &c.trade_mode),
                ("ie_flag", &c.ie_flag),
                ("cop_no", &c.cop_no),
                ("invt_no", &c.invt_no),
                ("order_no", &c.order_no),
                ("ebp_code", &c.ebp_code),
                ("ebc_code", &c.ebc_code),
                ("logistics_code", &c.logistics_code),
                ("logistics_no", &c.logistics_no),
                ("agent_code", &c.agent_code),
                ("customs_code", &c.customs_code),
                ("return_status", &c.return_status),
                ("return_time", &c.return_time),
                ("return_info", &c.return_info),
                ("currency", &c.currency),
                ("goods_value", &c.goods_value),
                ("freight", &c.freight),
                ("tax_total", &c.tax_total),
                ("actual_paid", &c.actual_paid),
                ("pay_code", &c.pay_code),
                ("pay_transaction_id", &c.pay_transaction_id),
                ("statistics_flag", &c.statistics_flag),
                ("pre_no", &c.pre_no),
            ]
            .iter()
            .all(|(name, value)| each(name, value))
                && person(&c.buyer, each)
                && consignee(&c.consignee, each)
                && person(&c.payer, each)
                && lines(&c.lines, each)
        }
    }
}

/// Whether the body's strings pass the gateway's structural limit (`max_string_chars`);
/// false sends the whole body to Python, which refuses it with StringTooLong.
pub fn within_string_limit(e: &Event, tables: &Tables) -> bool {
    strings(e, &mut |_, value| {
        value.len() <= tables.max_string_chars || value.chars().count() <= tables.max_string_chars
    })
}

// --- the rules -----------------------------------------------------------------------------

impl Tables {
    /// The hub carrier id a carrier code names, as `resolve_carrier` finds it.
    pub fn carrier(&self, code: &str) -> Option<&str> {
        self.carriers
            .get(&strip(code).to_ascii_lowercase())
            .map(String::as_str)
    }

    fn limit(&self, name: &str) -> usize {
        self.max_len
            .get(name)
            .copied()
            .unwrap_or(self.default_max_len)
    }

    fn cross_border(&self, trade_mode: &str, ie_flag: &str) -> bool {
        (trade_mode.is_empty() || self.trade_modes.contains(trade_mode))
            && matches!(ie_flag, "" | "I" | "E")
    }

    fn common(&self, currency: &str, lines: &[GoodsLine], consignee: &Option<Consignee>) -> bool {
        lines.len() <= self.max_lines
            && (currency.is_empty()
                || (currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())))
            && lines
                .iter()
                .all(|l| l.quantity >= 0 && money(&l.unit_price) && money(&l.total_price))
            && consignee
                .as_ref()
                .is_none_or(|c| district(&c.district_code))
    }

    fn order(&self, o: &OrderEvent) -> bool {
        required(&o.platform_code)
            && required(&o.order_no)
            && required(&o.code_system)
            && required(&o.code)
            && (o.carrier_code.is_empty() || self.carrier(&o.carrier_code).is_some())
            && waybill(&o.waybill_no)
            && self.cross_border(&o.trade_mode, &o.ie_flag)
            && [
                &o.goods_value,
                &o.freight,
                &o.discount,
                &o.tax_total,
                &o.actual_paid,
            ]
            .iter()
            .all(|v| money(v))
            && self.common(&o.currency, &o.lines, &o.consignee)
    }

    fn parcel(&self, p: &ParcelEvent) -> bool {
        required(&p.code_system)
            && required(&p.code)
            && required(&p.carrier_code)
            && self.carrier(&p.carrier_code).is_some()
            && required(&p.waybill_no)
            && waybill(&p.waybill_no)
            && district(&p.district_code)
            && p.weight_grams >= 0
    }

    fn customs(&self, c: &CustomsEvent) -> bool {
        let message_type = strip(&c.message_type).to_ascii_uppercase();
        let receipt = self.receipts.contains(&message_type);
        message_type.is_ascii()
            && message_type.len() == 6
            && message_type.starts_with("CEB")
            && digits(&message_type[3..], 3, 3)
            && (required(&c.cop_no) || required(&c.order_no))
            && (!receipt || (required(&c.return_status) && required(&c.return_time)))
            && c.return_status.chars().count() <= 10
            && (c.return_time.is_empty() || return_time(&c.return_time))
            && self.cross_border(&c.trade_mode, &c.ie_flag)
            && [&c.goods_value, &c.freight, &c.tax_total, &c.actual_paid]
                .iter()
                .all(|v| money(v))
            && waybill(&c.logistics_no)
            && self.common(&c.currency, &c.lines, &c.consignee)
    }

    /// Python's validate_event finds nothing, and the characters are ones this module reads
    /// as Python does.
    pub fn valid(&self, e: &Event, latest_us: i64) -> bool {
        let texts_ok = strings(e, &mut |name, value| {
            value.chars().all(text_char) && value.chars().count() <= self.limit(name)
        });
        let personal_ok = personal_values(e).iter().all(|v| all_plain(v));
        let event_id_ok = (1..=128).contains(&e.event_id.len())
            && e.event_id.bytes().all(|b| (0x21..=0x7E).contains(&b));
        let time_ok = e.occurred_at.as_ref().is_some_and(|ts| {
            (0..1_000_000_000).contains(&ts.nanos)
                && (self.min_seconds..=self.max_seconds).contains(&ts.seconds)
                && {
                    let at = ts.seconds * 1_000_000 + i64::from(ts.nanos / 1000);
                    self.earliest_us <= at && at <= latest_us
                }
        });
        texts_ok
            && personal_ok
            && event_id_ok
            && time_ok
            && match &e.body {
                None => false,
                Some(Body::Order(o)) => self.order(o),
                Some(Body::Parcel(p)) => self.parcel(p),
                Some(Body::Customs(c)) => self.customs(c),
            }
    }

    /// Python's check_publish finds nothing.
    pub fn may_publish(&self, e: &Event, caller: &Caller<'_>) -> bool {
        match (&e.body, caller.kind) {
            (Some(Body::Order(o)), Some(0)) => o.platform_code == caller.partner,
            (Some(Body::Parcel(p)), Some(1)) => {
                strip(&p.carrier_code).is_empty()
                    || self.carrier(&p.carrier_code) == Some(caller.own_carrier)
            }
            (Some(Body::Customs(c)), Some(2)) => {
                let agent = strip(&c.agent_code);
                agent.is_empty() || agent == caller.partner || Some(agent) == caller.customs_code
            }
            _ => false,
        }
    }
}

/// The personal values of an order or customs body (parcels have none).
fn personal_values(e: &Event) -> Vec<&str> {
    let parties = match &e.body {
        Some(Body::Order(o)) => (&o.buyer, &o.payer, &o.consignee),
        Some(Body::Customs(c)) => (&c.buyer, &c.payer, &c.consignee),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for p in [parties.0, parties.1].into_iter().flatten() {
        out.extend([p.id_number.as_str(), &p.name, &p.telephone]);
    }
    if let Some(c) = parties.2 {
        out.extend([c.name.as_str(), &c.telephone, &c.address]);
    }
    out
}

/// `yyyyMMddHHmmssSSS` that parse_return_time reads as an instant. Year 1 is left to Python
/// (its first eight hours are before the first UTC instant).
fn return_time(s: &str) -> bool {
    if !digits(s, 17, 17) {
        return false;
    }
    let n = |a: usize, b: usize| s[a..b].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (n(0, 4), n(4, 6), n(6, 8));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 2 && (1..=days).contains(&day) && n(8, 10) < 24 && n(10, 12) < 60 && n(12, 14) < 60
}
