//! Personal data, as quanhub.common.pii treats it: keyed-hash tokens, masks, and the free-text
//! check. Only for values of `rules::plain` characters, on which Python's NFKC, split(),
//! strip(), upper() and \d act as the ASCII operations here do.

use sha2::{Digest, Sha256};

use crate::model::{Body, Consignee, Event, Person};

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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    IdNumber,
    Name,
    Telephone,
    Address,
}

impl Kind {
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

/// Whether a free text may quote a phone or ID number (eleven digits in a row), which
/// `scrub_text` would mask: such an event goes to Python.
pub fn may_quote_numbers(text: &str) -> bool {
    let mut run = 0;
    for b in text.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 11 {
            return true;
        }
    }
    false
}

const PERSON: [(&str, Kind); 3] = [
    ("id_number", Kind::IdNumber),
    ("name", Kind::Name),
    ("telephone", Kind::Telephone),
];
const CONSIGNEE: [(&str, Kind); 3] = [
    ("name", Kind::Name),
    ("telephone", Kind::Telephone),
    ("address", Kind::Address),
];

fn person_fields(p: &mut Person) -> [&mut String; 3] {
    [&mut p.id_number, &mut p.name, &mut p.telephone]
}

fn consignee_fields(c: &mut Consignee) -> [&mut String; 3] {
    [&mut c.name, &mut c.telephone, &mut c.address]
}

/// Mask the event's personal fields in place; the tokens by field path, in the order
/// `protect_in_place` writes them. None when a free text may quote a number.
pub fn protect(e: &mut Event, keyed: &Keyed) -> Option<Vec<(String, String)>> {
    let mut tokens = Vec::new();
    let mut seen: Vec<(Kind, String, String)> = Vec::new();
    let mut protect_field = |path: String, kind: Kind, value: &mut String| {
        if value.is_empty() {
            return;
        }
        let known = match seen.iter().find(|(k, v, _)| *k == kind && v == value) {
            Some((_, _, t)) => t.clone(),
            None => {
                let t = token(keyed, kind, value);
                seen.push((kind, value.clone(), t.clone()));
                t
            }
        };
        tokens.push((path, known));
        *value = mask(kind, value);
    };
    let (body, buyer, payer, consignee, free) = match &mut e.body {
        Some(Body::Order(o)) => (
            "order",
            &mut o.buyer,
            &mut o.payer,
            &mut o.consignee,
            vec![&o.description],
        ),
        Some(Body::Customs(c)) => (
            "customs",
            &mut c.buyer,
            &mut c.payer,
            &mut c.consignee,
            vec![&c.return_info],
        ),
        Some(Body::Parcel(p)) => {
            return if may_quote_numbers(&p.description) || may_quote_numbers(&p.location) {
                None
            } else {
                Some(tokens)
            };
        }
        None => return Some(tokens),
    };
    if free.iter().any(|t| may_quote_numbers(t)) {
        return None;
    }
    // Parties and fields in the order `protect_in_place` writes their tokens.
    let parties = [
        ("buyer", &PERSON, buyer.as_mut().map(person_fields)),
        ("payer", &PERSON, payer.as_mut().map(person_fields)),
        (
            "consignee",
            &CONSIGNEE,
            consignee.as_mut().map(consignee_fields),
        ),
    ];
    for (party, names, values) in parties {
        for ((name, kind), value) in names.iter().zip(values.into_iter().flatten()) {
            protect_field(format!("{body}.{party}.{name}"), *kind, value);
        }
    }
    Some(tokens)
}
