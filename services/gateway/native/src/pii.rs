//! Personal data, as quanhub.common.pii treats it: keyed-hash tokens, masks, and free text
//! scrubbed as quanhub.common.freetext scrubs it. Which fields are personal (and of what
//! kind) and which are free text is the contract's (schema.rs), read here, stated nowhere
//! in this crate. Only for values of `rules::plain` characters (free text:
//! `rules::text_char`), on which Python's NFKC, split(), strip(), upper() and \d act as the
//! ASCII operations here do.

use sha2::{Digest, Sha256};

use crate::codec::{Msg, Value};
use crate::schema::{Schema, Type};

const BLOCK: usize = 64;

/// HMAC-SHA256 with the key absorbed (RFC 2104), as `pii._keyed`.
pub struct Keyed {
    inner: Sha256,
    outer: Sha256,
}

impl Keyed {
    pub fn new(secret: &[u8]) -> Self {
        let mut key = if secret.len() > BLOCK {
            Sha256::digest(secret).to_vec()
        } else {
            secret.to_vec()
        };
        key.resize(BLOCK, 0);
        let pad = |byte: u8| key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
        Keyed {
            inner: Sha256::new_with_prefix(pad(0x36)),
            outer: Sha256::new_with_prefix(pad(0x5C)),
        }
    }

    fn mac_hex(&self, message: &[u8]) -> String {
        let inner = self.inner.clone().chain_update(message).finalize();
        let digest = self.outer.clone().chain_update(inner).finalize();
        let mut out = String::with_capacity(3 + 64);
        out.push_str("t1:");
        push_hex(&mut out, &digest);
        out
    }
}

/// Lower-case hex of `bytes`, appended to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 15)] as char);
    }
}

/// A personal value's kind (options.proto `PersonalKind`); its name is its token domain.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    IdNumber,
    Name,
    Telephone,
    Address,
}

impl Kind {
    /// The kind by its name in `contract.PersonalKind` ("id"); None for an unknown name.
    pub fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "id" => Kind::IdNumber,
            "name" => Kind::Name,
            "phone" => Kind::Telephone,
            "address" => Kind::Address,
            _ => return None,
        })
    }

    /// Its name in `contract.PersonalKind`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::IdNumber => "id",
            Kind::Name => "name",
            Kind::Telephone => "phone",
            Kind::Address => "address",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::IdNumber => "id\u{1f}",
            Kind::Name => "name\u{1f}",
            Kind::Telephone => "phone\u{1f}",
            Kind::Address => "address\u{1f}",
        }
    }
}

fn normalise(kind: Kind, value: &str) -> String {
    let text = value
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match kind {
        Kind::IdNumber => text.replace(' ', "").to_ascii_uppercase(),
        Kind::Telephone => {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if digits.len() == 13 && digits.starts_with("86") {
                digits[2..].to_owned()
            } else {
                digits
            }
        }
        Kind::Name | Kind::Address => text,
    }
}

fn token(keyed: &Keyed, kind: Kind, value: &str) -> String {
    if value.trim_matches(' ').is_empty() {
        return String::new();
    }
    keyed.mac_hex(format!("{}{}", kind.prefix(), normalise(kind, value)).as_bytes())
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

fn mask(kind: Kind, value: &str) -> String {
    let v: Vec<char> = value.trim_matches(' ').chars().collect();
    let n = v.len();
    let s = |a: usize, b: usize| v[a..b].iter().collect::<String>();
    match kind {
        Kind::IdNumber if n >= 15 => s(0, 6) + &stars(n - 10) + &s(n - 4, n),
        Kind::IdNumber if n >= 7 => s(0, 2) + &stars(n - 4) + &s(n - 2, n),
        Kind::Name if n > 1 => s(0, 1) + &stars(n - 1),
        Kind::Telephone if n >= 8 => s(0, 3) + &stars(n - 7) + &s(n - 4, n),
        Kind::Telephone if n >= 5 => stars(n - 2) + &s(n - 2, n),
        Kind::Address => mask_address(&v),
        _ => stars(n),
    }
}

/// `^[^\d\s]{0,limit}?(?:suffixes)`: the shortest prefix of at most `limit` characters that
/// are neither digits nor spaces, followed by one of the suffixes.
fn shortest_before(v: &[char], limit: usize, suffixes: &[&str]) -> Option<usize> {
    for i in 0..=limit.min(v.len()) {
        if i > 0 && (v[i - 1].is_ascii_digit() || v[i - 1] == ' ') {
            return None;
        }
        for suffix in suffixes {
            let s: Vec<char> = suffix.chars().collect();
            if v.len() >= i + s.len() && v[i..i + s.len()] == s[..] {
                return Some(i + s.len());
            }
        }
    }
    None
}

fn mask_address(v: &[char]) -> String {
    if v.is_empty() {
        return String::new();
    }
    let end = shortest_before(v, 20, &["自治县", "自治旗", "区", "县", "旗"])
        .or_else(|| shortest_before(v, 14, &["市"]));
    let mut kept: Vec<char> = match end {
        Some(end) => v[..end].to_vec(),
        None => v[..v.len().min(2)]
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_digit())
            .collect(),
    };
    if kept == v {
        kept.truncate(2);
    }
    kept.into_iter().collect::<String>() + "****"
}

/// Chinese numerals `quanhub.common.freetext` reads as digits, those within `rules::plain`
/// (〇 is not): the differential tests hold every CJK character to Python's reading.
const CHINESE_DIGITS: &str = "零一二三四五六七八九幺壹贰貳叁參肆伍陆陸柒捌玖";
/// `freetext.MASK_FROM`: digits in a group from which it is masked.
const MASK_FROM: usize = 7;
/// `freetext._LONG`: from this many digits a group keeps its first 3 and last 4.
const LONG: usize = 11;

enum Class {
    Digit,
    Letter,
    Join,
}

/// A character of `rules::text_char` as freetext reads it; None for any other character.
fn class(c: char) -> Option<Class> {
    if c.is_ascii_digit() || c == '*' || CHINESE_DIGITS.contains(c) {
        Some(Class::Digit)
    } else if c.is_ascii_alphabetic() || ('\u{4e00}'..='\u{9fff}').contains(&c) {
        Some(Class::Letter)
    } else if c.is_ascii()
        || matches!(
            c,
            '\u{3001}' | '\u{3010}' | '\u{3011}' | '\u{ff0c}' | '\u{ff1a}'
        )
    {
        Some(Class::Join) // ASCII punctuation, space and controls, '_', 、【】，：
    } else {
        None
    }
}

/// What `scrub` made of a free text.
pub enum Scrubbed {
    /// Nothing to mask: the text stays as it is (the common case; nothing is allocated).
    Unchanged,
    /// The text with its digit groups masked, as `freetext.scrub_text` masks them.
    Masked(String),
    /// A character outside `rules::text_char`: Python decides.
    Foreign,
}

/// `freetext.scrub_text` of a text of `rules::text_char`s: every group of `MASK_FROM` or
/// more digits (digits joined by anything but letters) that is not a date or time is
/// masked, keeping its first 3 and last 4 digits from `LONG` digits on, else its last 2.
/// On these characters every digit stands for one digit, as in Python.
pub fn scrub(text: &str) -> Scrubbed {
    let mut groups: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, digits)
    let mut start: Option<usize> = None;
    let (mut end, mut digits) = (0, 0);
    for (i, c) in text.char_indices() {
        match class(c) {
            Some(Class::Digit) => {
                if start.is_none() {
                    start = Some(i);
                    digits = 0;
                }
                digits += 1;
                end = i + c.len_utf8();
            }
            Some(Class::Letter) => close(text, start.take(), end, digits, &mut groups),
            Some(Class::Join) => {}
            None => return Scrubbed::Foreign,
        }
    }
    close(text, start, end, digits, &mut groups);
    if groups.is_empty() {
        return Scrubbed::Unchanged;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, digits) in groups {
        out.push_str(&text[last..start]);
        let (head, tail) = if digits >= LONG { (3, 4) } else { (0, 2) };
        let mut seen = 0;
        for c in text[start..end].chars() {
            if matches!(class(c), Some(Class::Digit)) {
                seen += 1;
                let kept = seen <= head || seen > digits - tail;
                out.push(if kept { c } else { '*' });
            } else {
                out.push(c);
            }
        }
        last = end;
    }
    out.push_str(&text[last..]);
    Scrubbed::Masked(out)
}

/// Record the group that ends here if it is to be masked.
fn close(
    text: &str,
    start: Option<usize>,
    end: usize,
    digits: usize,
    groups: &mut Vec<(usize, usize, usize)>,
) {
    if let Some(start) = start {
        if digits >= MASK_FROM && !date_or_time(&text.as_bytes()[start..end]) {
            groups.push((start, end, digits));
        }
    }
}

/// Scrub `text` in place; false when it holds a character only Python reads.
fn scrub_in_place(text: &mut String) -> bool {
    match scrub(text) {
        Scrubbed::Unchanged => true,
        Scrubbed::Masked(masked) => {
            *text = masked;
            true
        }
        Scrubbed::Foreign => false,
    }
}

/// freetext._DATE_OR_TIME.fullmatch: a date or time, or a range of two, in ASCII digits.
fn date_or_time(b: &[u8]) -> bool {
    let Some(mut i) = when(b, 0) else {
        return false;
    };
    if i == b.len() {
        return true;
    }
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    if !matches!(b.get(i), Some(b'-' | b'~')) {
        return false;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    when(b, i) == Some(b.len())
}

/// Two ASCII digits at `i` whose value is within `lo..=hi`.
fn two(b: &[u8], i: usize, lo: u8, hi: u8) -> bool {
    match (b.get(i), b.get(i + 1)) {
        (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
            (lo..=hi).contains(&((x - b'0') * 10 + (y - b'0')))
        }
        _ => false,
    }
}

/// The end of a date (`yyyy-mm-dd`, `/` or `.` alike), a date and a time, or a time at `i`.
fn when(b: &[u8], i: usize) -> Option<usize> {
    let sep = b.get(i + 4).copied();
    let is_date = two(b, i, 19, 20)
        && two(b, i + 2, 0, 99)
        && matches!(sep, Some(b'-' | b'/' | b'.'))
        && two(b, i + 5, 1, 12)
        && b.get(i + 7).copied() == sep
        && two(b, i + 8, 1, 31);
    if !is_date {
        return time(b, i);
    }
    let j = i + 10;
    if b.get(j) == Some(&b' ') {
        if let Some(k) = time(b, j + 1) {
            return Some(k);
        }
    }
    Some(j)
}

/// The end of `hh:mm` or `hh:mm:ss` at `i`.
fn time(b: &[u8], i: usize) -> Option<usize> {
    if !(two(b, i, 0, 23) && b.get(i + 2) == Some(&b':') && two(b, i + 3, 0, 59)) {
        return None;
    }
    if b.get(i + 5) == Some(&b':') && two(b, i + 6, 0, 59) {
        return Some(i + 8);
    }
    Some(i + 5)
}

/// Scrub every free-text field of `msg` (of type `ty`) and of the messages within it, in
/// place, as `fields.scrub_free_text` does; false when one holds a character only Python
/// reads.
fn scrub_free_text(schema: &Schema, ty: usize, msg: &mut Msg) -> bool {
    for (field, value) in schema.messages[ty].fields.iter().zip(&mut msg.values) {
        let ok = match (value, field.ty) {
            (Value::Str(text), _) if field.is_free_text() => scrub_in_place(text),
            (Value::Message(inner), Type::Message(inner_ty)) => {
                scrub_free_text(schema, inner_ty, inner)
            }
            (Value::Repeated(items), Type::Message(inner_ty)) => items
                .iter_mut()
                .all(|item| scrub_free_text(schema, inner_ty, item)),
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A party of a body (buyer, consignee, payer): its slot in the body, and its personal
/// fields' slots, kinds and token paths ("order.buyer.id_number").
pub struct Party {
    pub slot: usize,
    pub fields: Vec<(usize, Kind, String)>,
}

/// Per member of the event's body oneof (its slot in the event), its parties in
/// field-number order, fields likewise: `pii._party_plan` read from the same options.
pub type Parties = Vec<(usize, Vec<Party>)>;

/// The party plan of `event`'s oneof `body`: the body's singular message fields whose type
/// has personal fields.
pub fn parties(schema: &Schema, event: usize, body: usize) -> Parties {
    let mut plan = Vec::new();
    for (body_slot, member) in schema.messages[event].fields.iter().enumerate() {
        let Type::Message(body_ty) = member.ty else {
            continue;
        };
        if member.oneof != Some(body) {
            continue;
        }
        let mut parties = Vec::new();
        for (slot, party) in schema.messages[body_ty].fields.iter().enumerate() {
            let Type::Message(party_ty) = party.ty else {
                continue;
            };
            if party.repeated {
                continue;
            }
            let fields: Vec<_> = (schema.messages[party_ty].fields.iter().enumerate())
                .filter_map(|(i, f)| {
                    let path = format!("{}.{}.{}", member.name, party.name, f.name);
                    f.rule.personal.map(|kind| (i, kind, path))
                })
                .collect();
            if !fields.is_empty() {
                parties.push(Party { slot, fields });
            }
        }
        if !parties.is_empty() {
            plan.push((body_slot, parties));
        }
    }
    plan
}

/// Mask the event's personal fields and scrub its free text in place; the tokens by field
/// path, in the order `protect_in_place` writes them. None when a free text holds a
/// character only Python reads.
pub fn protect(
    schema: &Schema,
    event_ty: usize,
    event: &mut Msg,
    plan: &Parties,
    keyed: &Keyed,
) -> Option<Vec<(String, String)>> {
    if !scrub_free_text(schema, event_ty, event) {
        return None;
    }
    let mut tokens = Vec::new();
    // Buyer, payer and consignee are often one person: each value is hashed once per event.
    let mut seen: Vec<(Kind, String, String)> = Vec::new();
    for (body_slot, parties) in plan {
        let Some(body) = event.message_mut(*body_slot) else {
            continue;
        };
        for party in parties {
            let Some(values) = body.message_mut(party.slot) else {
                continue;
            };
            for (slot, kind, path) in &party.fields {
                let Value::Str(value) = &mut values.values[*slot] else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                let known = match seen.iter().find(|(k, v, _)| k == kind && v == value) {
                    Some((_, _, t)) => t.clone(),
                    None => {
                        let t = token(keyed, *kind, value);
                        seen.push((*kind, value.clone(), t.clone()));
                        t
                    }
                };
                tokens.push((path.clone(), known));
                *value = mask(*kind, value);
            }
        }
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::{scrub, Scrubbed};

    fn scrubbed(text: &str) -> String {
        match scrub(text) {
            Scrubbed::Unchanged => text.to_owned(),
            Scrubbed::Masked(masked) => masked,
            Scrubbed::Foreign => "foreign".to_owned(),
        }
    }

    #[test]
    fn long_digit_groups_are_masked_but_dates() {
        for (text, masked) in [
            ("电话 138 1234 5678", "电话 138 **** 5678"),
            ("ID370102199001011234X", "ID370***********1234X"),
            ("幺三八幺二三四五六七八", "幺三八****五六七八"),
            ("138*1234*5678", "138******5678"),
            ("座机 8888 1234", "座机 **** **34"),
            ("全角１", "foreign"),
            (
                "2026-12-04 10:30 【济南转运中心】",
                "2026-12-04 10:30 【济南转运中心】",
            ),
            ("09:00-18:00", "09:00-18:00"),
            ("2026-12-01 ~ 2026-12-31", "2026-12-01 ~ 2026-12-31"),
            ("12栋3单元301室", "12栋3单元301室"),
        ] {
            assert_eq!(scrubbed(text), masked);
        }
    }
}
