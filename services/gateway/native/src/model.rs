//! quanhub.ingest.v1.Event as Rust structs: decoding from the wire and encoding back.
//!
//! Field numbers are those of proto/quanhub/ingest/v1/ingest.proto; `SCHEMA` lists them, and a
//! Python test holds that list equal to the generated descriptors, so a change to the proto
//! that is not made here fails the suite instead of being silently misread.
//!
//! Decoding is strict where protobuf is lenient: a field repeated where it is singular, an
//! unknown field, a wire type that does not match, or bytes that are not UTF-8 give `None`,
//! and the request goes to Python's decoder (which merges, discards or refuses them with a
//! precise error). What is decoded re-encodes byte for byte as upb writes it: fields in
//! number order, proto3 defaults left out, present sub-messages and `optional` fields kept.

use crate::wire::{put_i32, put_i64, put_len, put_opt_bool, put_str, Reader, LEN, VARINT};

/// (message, field, number) of every field this module reads and writes.
pub const SCHEMA: &[(&str, &str, u32)] = &[
    ("PublishRequest", "events", 1),
    ("Event", "event_id", 1),
    ("Event", "occurred_at", 2),
    ("Event", "trace_id", 3),
    ("Event", "order", 10),
    ("Event", "parcel", 11),
    ("Event", "customs", 12),
    ("Timestamp", "seconds", 1),
    ("Timestamp", "nanos", 2),
    ("Person", "id_number", 1),
    ("Person", "name", 2),
    ("Person", "telephone", 3),
    ("Consignee", "name", 1),
    ("Consignee", "telephone", 2),
    ("Consignee", "address", 3),
    ("Consignee", "district_code", 4),
    ("GoodsLine", "gnum", 1),
    ("GoodsLine", "item_no", 2),
    ("GoodsLine", "item_name", 3),
    ("GoodsLine", "hs_code", 4),
    ("GoodsLine", "quantity", 5),
    ("GoodsLine", "unit", 6),
    ("GoodsLine", "unit_price", 7),
    ("GoodsLine", "total_price", 8),
    ("GoodsLine", "origin_country", 9),
    ("OrderEvent", "platform_code", 1),
    ("OrderEvent", "order_no", 2),
    ("OrderEvent", "code_system", 3),
    ("OrderEvent", "code", 4),
    ("OrderEvent", "description", 5),
    ("OrderEvent", "carrier_code", 6),
    ("OrderEvent", "waybill_no", 7),
    ("OrderEvent", "trade_mode", 8),
    ("OrderEvent", "ie_flag", 9),
    ("OrderEvent", "buyer", 10),
    ("OrderEvent", "consignee", 11),
    ("OrderEvent", "currency", 12),
    ("OrderEvent", "goods_value", 13),
    ("OrderEvent", "freight", 14),
    ("OrderEvent", "discount", 15),
    ("OrderEvent", "tax_total", 16),
    ("OrderEvent", "actual_paid", 17),
    ("OrderEvent", "lines", 18),
    ("OrderEvent", "pay_code", 19),
    ("OrderEvent", "pay_transaction_id", 20),
    ("OrderEvent", "payer", 21),
    ("OrderEvent", "ebc_code", 22),
    ("OrderEvent", "green_packaging", 23),
    ("ParcelEvent", "carrier_code", 1),
    ("ParcelEvent", "waybill_no", 2),
    ("ParcelEvent", "code_system", 3),
    ("ParcelEvent", "code", 4),
    ("ParcelEvent", "description", 5),
    ("ParcelEvent", "platform_code", 6),
    ("ParcelEvent", "order_no", 7),
    ("ParcelEvent", "location", 8),
    ("ParcelEvent", "district_code", 9),
    ("ParcelEvent", "delivery_point", 10),
    ("ParcelEvent", "delivery_point_id", 11),
    ("ParcelEvent", "e_waybill", 12),
    ("ParcelEvent", "transit_bag", 13),
    ("ParcelEvent", "vehicle_no", 14),
    ("ParcelEvent", "weight_grams", 15),
    ("CustomsEvent", "message_type", 1),
    ("CustomsEvent", "trade_mode", 2),
    ("CustomsEvent", "ie_flag", 3),
    ("CustomsEvent", "cop_no", 4),
    ("CustomsEvent", "invt_no", 5),
    ("CustomsEvent", "order_no", 6),
    ("CustomsEvent", "ebp_code", 7),
    ("CustomsEvent", "ebc_code", 8),
    ("CustomsEvent", "logistics_code", 9),
    ("CustomsEvent", "logistics_no", 10),
    ("CustomsEvent", "agent_code", 11),
    ("CustomsEvent", "customs_code", 12),
    ("CustomsEvent", "return_status", 13),
    ("CustomsEvent", "return_time", 14),
    ("CustomsEvent", "return_info", 15),
    ("CustomsEvent", "buyer", 16),
    ("CustomsEvent", "consignee", 17),
    ("CustomsEvent", "payer", 18),
    ("CustomsEvent", "currency", 19),
    ("CustomsEvent", "goods_value", 20),
    ("CustomsEvent", "freight", 21),
    ("CustomsEvent", "tax_total", 22),
    ("CustomsEvent", "actual_paid", 23),
    ("CustomsEvent", "lines", 24),
    ("CustomsEvent", "pay_code", 25),
    ("CustomsEvent", "pay_transaction_id", 26),
    ("CustomsEvent", "statistics_flag", 27),
    ("CustomsEvent", "pre_no", 28),
];

#[derive(Default, Clone, PartialEq, Debug)]
pub struct Timestamp {
    pub seconds: i64,
    pub nanos: i32,
}

#[derive(Default, Clone, Debug)]
pub struct Person {
    pub id_number: String,
    pub name: String,
    pub telephone: String,
}

#[derive(Default, Clone, Debug)]
pub struct Consignee {
    pub name: String,
    pub telephone: String,
    pub address: String,
    pub district_code: String,
}

#[derive(Default, Clone, Debug)]
pub struct GoodsLine {
    pub gnum: i32,
    pub item_no: String,
    pub item_name: String,
    pub hs_code: String,
    pub quantity: i32,
    pub unit: String,
    pub unit_price: String,
    pub total_price: String,
    pub origin_country: String,
}

#[derive(Default, Clone, Debug)]
pub struct OrderEvent {
    pub platform_code: String,
    pub order_no: String,
    pub code_system: String,
    pub code: String,
    pub description: String,
    pub carrier_code: String,
    pub waybill_no: String,
    pub trade_mode: String,
    pub ie_flag: String,
    pub buyer: Option<Person>,
    pub consignee: Option<Consignee>,
    pub currency: String,
    pub goods_value: String,
    pub freight: String,
    pub discount: String,
    pub tax_total: String,
    pub actual_paid: String,
    pub lines: Vec<GoodsLine>,
    pub pay_code: String,
    pub pay_transaction_id: String,
    pub payer: Option<Person>,
    pub ebc_code: String,
    pub green_packaging: Option<bool>,
}

#[derive(Default, Clone, Debug)]
pub struct ParcelEvent {
    pub carrier_code: String,
    pub waybill_no: String,
    pub code_system: String,
    pub code: String,
    pub description: String,
    pub platform_code: String,
    pub order_no: String,
    pub location: String,
    pub district_code: String,
    pub delivery_point: i32,
    pub delivery_point_id: String,
    pub e_waybill: Option<bool>,
    pub transit_bag: i32,
    pub vehicle_no: String,
    pub weight_grams: i32,
}

#[derive(Default, Clone, Debug)]
pub struct CustomsEvent {
    pub message_type: String,
    pub trade_mode: String,
    pub ie_flag: String,
    pub cop_no: String,
    pub invt_no: String,
    pub order_no: String,
    pub ebp_code: String,
    pub ebc_code: String,
    pub logistics_code: String,
    pub logistics_no: String,
    pub agent_code: String,
    pub customs_code: String,
    pub return_status: String,
    pub return_time: String,
    pub return_info: String,
    pub buyer: Option<Person>,
    pub consignee: Option<Consignee>,
    pub payer: Option<Person>,
    pub currency: String,
    pub goods_value: String,
    pub freight: String,
    pub tax_total: String,
    pub actual_paid: String,
    pub lines: Vec<GoodsLine>,
    pub pay_code: String,
    pub pay_transaction_id: String,
    pub statistics_flag: String,
    pub pre_no: String,
}

#[derive(Clone, Debug)]
pub enum Body {
    Order(OrderEvent),
    Parcel(ParcelEvent),
    Customs(CustomsEvent),
}

#[derive(Default, Clone, Debug)]
pub struct Event {
    pub event_id: String,
    pub occurred_at: Option<Timestamp>,
    pub trace_id: String,
    pub body: Option<Body>,
}

// --- decoding ------------------------------------------------------------------------------

/// Field numbers seen in one message, to refuse a singular field given twice.
struct Seen(u64);

impl Seen {
    fn first(&mut self, number: u32) -> Option<()> {
        let bit = 1u64.checked_shl(number)?;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

fn text(bytes: &[u8]) -> Option<String> {
    std::str::from_utf8(bytes).ok().map(str::to_owned)
}

/// One field of a message: its number, and its value by wire type.
enum Value<'a> {
    Varint(u64),
    Len(&'a [u8]),
}

/// Each field of a message in turn; fixed-width wire types (no field here has one) and
/// groups are refused.
fn fields<'a>(bytes: &'a [u8], mut each: impl FnMut(u32, Value<'a>) -> Option<()>) -> Option<()> {
    let mut reader = Reader::new(bytes);
    while !reader.done() {
        let (number, wire_type) = reader.tag()?;
        let value = match wire_type {
            VARINT => Value::Varint(reader.varint()?),
            LEN => Value::Len(reader.bytes()?),
            _ => return None, // fixed-width (no field here is) and groups
        };
        each(number, value)?;
    }
    Some(())
}

fn string(value: Value<'_>) -> Option<String> {
    match value {
        Value::Len(bytes) => text(bytes),
        Value::Varint(_) => None,
    }
}

fn int32(value: Value<'_>) -> Option<i32> {
    match value {
        Value::Varint(v) => Some(v as u32 as i32), // protobuf keeps the low 32 bits
        Value::Len(_) => None,
    }
}

fn boolean(value: Value<'_>) -> Option<bool> {
    match value {
        Value::Varint(v) => Some(v != 0),
        Value::Len(_) => None,
    }
}

fn message<'a>(value: Value<'a>) -> Option<&'a [u8]> {
    match value {
        Value::Len(bytes) => Some(bytes),
        Value::Varint(_) => None,
    }
}

fn timestamp(bytes: &[u8]) -> Option<Timestamp> {
    let mut ts = Timestamp::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match (number, value) {
            (1, Value::Varint(v)) => ts.seconds = v as i64,
            (2, Value::Varint(v)) => ts.nanos = v as u32 as i32,
            _ => return None,
        }
        Some(())
    })?;
    Some(ts)
}

fn person(bytes: &[u8]) -> Option<Person> {
    let mut p = Person::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match number {
            1 => p.id_number = string(value)?,
            2 => p.name = string(value)?,
            3 => p.telephone = string(value)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(p)
}

fn consignee(bytes: &[u8]) -> Option<Consignee> {
    let mut c = Consignee::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match number {
            1 => c.name = string(value)?,
            2 => c.telephone = string(value)?,
            3 => c.address = string(value)?,
            4 => c.district_code = string(value)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(c)
}

fn goods_line(bytes: &[u8]) -> Option<GoodsLine> {
    let mut l = GoodsLine::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match number {
            1 => l.gnum = int32(value)?,
            2 => l.item_no = string(value)?,
            3 => l.item_name = string(value)?,
            4 => l.hs_code = string(value)?,
            5 => l.quantity = int32(value)?,
            6 => l.unit = string(value)?,
            7 => l.unit_price = string(value)?,
            8 => l.total_price = string(value)?,
            9 => l.origin_country = string(value)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(l)
}

fn order(bytes: &[u8]) -> Option<OrderEvent> {
    let mut o = OrderEvent::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        if number != 18 {
            seen.first(number)?;
        }
        match number {
            1 => o.platform_code = string(value)?,
            2 => o.order_no = string(value)?,
            3 => o.code_system = string(value)?,
            4 => o.code = string(value)?,
            5 => o.description = string(value)?,
            6 => o.carrier_code = string(value)?,
            7 => o.waybill_no = string(value)?,
            8 => o.trade_mode = string(value)?,
            9 => o.ie_flag = string(value)?,
            10 => o.buyer = Some(person(message(value)?)?),
            11 => o.consignee = Some(consignee(message(value)?)?),
            12 => o.currency = string(value)?,
            13 => o.goods_value = string(value)?,
            14 => o.freight = string(value)?,
            15 => o.discount = string(value)?,
            16 => o.tax_total = string(value)?,
            17 => o.actual_paid = string(value)?,
            18 => o.lines.push(goods_line(message(value)?)?),
            19 => o.pay_code = string(value)?,
            20 => o.pay_transaction_id = string(value)?,
            21 => o.payer = Some(person(message(value)?)?),
            22 => o.ebc_code = string(value)?,
            23 => o.green_packaging = Some(boolean(value)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(o)
}

fn parcel(bytes: &[u8]) -> Option<ParcelEvent> {
    let mut p = ParcelEvent::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match number {
            1 => p.carrier_code = string(value)?,
            2 => p.waybill_no = string(value)?,
            3 => p.code_system = string(value)?,
            4 => p.code = string(value)?,
            5 => p.description = string(value)?,
            6 => p.platform_code = string(value)?,
            7 => p.order_no = string(value)?,
            8 => p.location = string(value)?,
            9 => p.district_code = string(value)?,
            10 => p.delivery_point = int32(value)?,
            11 => p.delivery_point_id = string(value)?,
            12 => p.e_waybill = Some(boolean(value)?),
            13 => p.transit_bag = int32(value)?,
            14 => p.vehicle_no = string(value)?,
            15 => p.weight_grams = int32(value)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(p)
}

fn customs(bytes: &[u8]) -> Option<CustomsEvent> {
    let mut c = CustomsEvent::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        if number != 24 {
            seen.first(number)?;
        }
        match number {
            1 => c.message_type = string(value)?,
            2 => c.trade_mode = string(value)?,
            3 => c.ie_flag = string(value)?,
            4 => c.cop_no = string(value)?,
            5 => c.invt_no = string(value)?,
            6 => c.order_no = string(value)?,
            7 => c.ebp_code = string(value)?,
            8 => c.ebc_code = string(value)?,
            9 => c.logistics_code = string(value)?,
            10 => c.logistics_no = string(value)?,
            11 => c.agent_code = string(value)?,
            12 => c.customs_code = string(value)?,
            13 => c.return_status = string(value)?,
            14 => c.return_time = string(value)?,
            15 => c.return_info = string(value)?,
            16 => c.buyer = Some(person(message(value)?)?),
            17 => c.consignee = Some(consignee(message(value)?)?),
            18 => c.payer = Some(person(message(value)?)?),
            19 => c.currency = string(value)?,
            20 => c.goods_value = string(value)?,
            21 => c.freight = string(value)?,
            22 => c.tax_total = string(value)?,
            23 => c.actual_paid = string(value)?,
            24 => c.lines.push(goods_line(message(value)?)?),
            25 => c.pay_code = string(value)?,
            26 => c.pay_transaction_id = string(value)?,
            27 => c.statistics_flag = string(value)?,
            28 => c.pre_no = string(value)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(c)
}

pub fn event(bytes: &[u8]) -> Option<Event> {
    let mut e = Event::default();
    let mut seen = Seen(0);
    fields(bytes, |number, value| {
        seen.first(number)?;
        match number {
            1 => e.event_id = string(value)?,
            2 => e.occurred_at = Some(timestamp(message(value)?)?),
            3 => e.trace_id = string(value)?,
            10..=12 => {
                if e.body.is_some() {
                    return None; // two members of the oneof: the last would win
                }
                let bytes = message(value)?;
                e.body = Some(match number {
                    10 => Body::Order(order(bytes)?),
                    11 => Body::Parcel(parcel(bytes)?),
                    _ => Body::Customs(customs(bytes)?),
                });
            }
            _ => return None,
        }
        Some(())
    })?;
    Some(e)
}

/// The events of a PublishRequest, each as its own bytes.
pub fn request_events(body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut events = Vec::new();
    fields(body, |number, value| {
        if number != 1 {
            return None;
        }
        events.push(message(value)?);
        Some(())
    })?;
    Some(events)
}

// --- encoding ------------------------------------------------------------------------------

fn put_msg(out: &mut Vec<u8>, number: u32, write: impl FnOnce(&mut Vec<u8>)) {
    let mut inner = Vec::new();
    write(&mut inner);
    put_len(out, number, &inner);
}

fn put_person(out: &mut Vec<u8>, number: u32, p: &Option<Person>) {
    if let Some(p) = p {
        put_msg(out, number, |o| {
            put_str(o, 1, &p.id_number);
            put_str(o, 2, &p.name);
            put_str(o, 3, &p.telephone);
        });
    }
}

fn put_consignee(out: &mut Vec<u8>, number: u32, c: &Option<Consignee>) {
    if let Some(c) = c {
        put_msg(out, number, |o| {
            put_str(o, 1, &c.name);
            put_str(o, 2, &c.telephone);
            put_str(o, 3, &c.address);
            put_str(o, 4, &c.district_code);
        });
    }
}

fn put_lines(out: &mut Vec<u8>, number: u32, lines: &[GoodsLine]) {
    for l in lines {
        put_msg(out, number, |o| {
            put_i32(o, 1, l.gnum);
            put_str(o, 2, &l.item_no);
            put_str(o, 3, &l.item_name);
            put_str(o, 4, &l.hs_code);
            put_i32(o, 5, l.quantity);
            put_str(o, 6, &l.unit);
            put_str(o, 7, &l.unit_price);
            put_str(o, 8, &l.total_price);
            put_str(o, 9, &l.origin_country);
        });
    }
}

fn put_order(o: &mut Vec<u8>, e: &OrderEvent) {
    put_str(o, 1, &e.platform_code);
    put_str(o, 2, &e.order_no);
    put_str(o, 3, &e.code_system);
    put_str(o, 4, &e.code);
    put_str(o, 5, &e.description);
    put_str(o, 6, &e.carrier_code);
    put_str(o, 7, &e.waybill_no);
    put_str(o, 8, &e.trade_mode);
    put_str(o, 9, &e.ie_flag);
    put_person(o, 10, &e.buyer);
    put_consignee(o, 11, &e.consignee);
    put_str(o, 12, &e.currency);
    put_str(o, 13, &e.goods_value);
    put_str(o, 14, &e.freight);
    put_str(o, 15, &e.discount);
    put_str(o, 16, &e.tax_total);
    put_str(o, 17, &e.actual_paid);
    put_lines(o, 18, &e.lines);
    put_str(o, 19, &e.pay_code);
    put_str(o, 20, &e.pay_transaction_id);
    put_person(o, 21, &e.payer);
    put_str(o, 22, &e.ebc_code);
    put_opt_bool(o, 23, e.green_packaging);
}

fn put_parcel(o: &mut Vec<u8>, e: &ParcelEvent) {
    put_str(o, 1, &e.carrier_code);
    put_str(o, 2, &e.waybill_no);
    put_str(o, 3, &e.code_system);
    put_str(o, 4, &e.code);
    put_str(o, 5, &e.description);
    put_str(o, 6, &e.platform_code);
    put_str(o, 7, &e.order_no);
    put_str(o, 8, &e.location);
    put_str(o, 9, &e.district_code);
    put_i32(o, 10, e.delivery_point);
    put_str(o, 11, &e.delivery_point_id);
    put_opt_bool(o, 12, e.e_waybill);
    put_i32(o, 13, e.transit_bag);
    put_str(o, 14, &e.vehicle_no);
    put_i32(o, 15, e.weight_grams);
}

fn put_customs(o: &mut Vec<u8>, e: &CustomsEvent) {
    put_str(o, 1, &e.message_type);
    put_str(o, 2, &e.trade_mode);
    put_str(o, 3, &e.ie_flag);
    put_str(o, 4, &e.cop_no);
    put_str(o, 5, &e.invt_no);
    put_str(o, 6, &e.order_no);
    put_str(o, 7, &e.ebp_code);
    put_str(o, 8, &e.ebc_code);
    put_str(o, 9, &e.logistics_code);
    put_str(o, 10, &e.logistics_no);
    put_str(o, 11, &e.agent_code);
    put_str(o, 12, &e.customs_code);
    put_str(o, 13, &e.return_status);
    put_str(o, 14, &e.return_time);
    put_str(o, 15, &e.return_info);
    put_person(o, 16, &e.buyer);
    put_consignee(o, 17, &e.consignee);
    put_person(o, 18, &e.payer);
    put_str(o, 19, &e.currency);
    put_str(o, 20, &e.goods_value);
    put_str(o, 21, &e.freight);
    put_str(o, 22, &e.tax_total);
    put_str(o, 23, &e.actual_paid);
    put_lines(o, 24, &e.lines);
    put_str(o, 25, &e.pay_code);
    put_str(o, 26, &e.pay_transaction_id);
    put_str(o, 27, &e.statistics_flag);
    put_str(o, 28, &e.pre_no);
}

/// The event's bytes as upb serializes the same message.
pub fn encode(e: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    put_str(&mut out, 1, &e.event_id);
    if let Some(ts) = &e.occurred_at {
        put_msg(&mut out, 2, |o| {
            put_i64(o, 1, ts.seconds);
            put_i32(o, 2, ts.nanos);
        });
    }
    put_str(&mut out, 3, &e.trace_id);
    match &e.body {
        Some(Body::Order(b)) => put_msg(&mut out, 10, |o| put_order(o, b)),
        Some(Body::Parcel(b)) => put_msg(&mut out, 11, |o| put_parcel(o, b)),
        Some(Body::Customs(b)) => put_msg(&mut out, 12, |o| put_customs(o, b)),
        None => {}
    }
    out
}
