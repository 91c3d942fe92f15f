//! The contract's named formats (options.proto `Format`), each implemented once here, as
//! quanhub.common.formats implements each once in Python. Both are held to one table of
//! examples, tests/corpus/formats.json (this module's tests read it, as Python's do).
//!
//! The closed lists (trade modes, ie flags: `formats.VALUES`) and the carrier codes
//! (`quanhub.common.carriers.CODES`) are data, handed over by Python at start.
//! A carrier code is looked up as `resolve_carrier` does on the characters the fast path
//! reads (rules.rs `text_char`: ' ' is their only whitespace, ASCII their only cased
//! letters); every other format is exact for any string.

use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Format {
    EventId,
    Waybill,
    Decimal,
    District,
    Currency,
    CebMessage,
    ReturnTime,
    TradeMode,
    IeFlag,
    Carrier,
    ReceiptStatus,
}

impl Format {
    /// The format by its name in `contract.Format` ("event_id"); None for an unknown name.
    pub fn named(name: &str) -> Option<Format> {
        Some(match name {
            "event_id" => Format::EventId,
            "waybill" => Format::Waybill,
            "decimal" => Format::Decimal,
            "district" => Format::District,
            "currency" => Format::Currency,
            "ceb_message" => Format::CebMessage,
            "return_time" => Format::ReturnTime,
            "trade_mode" => Format::TradeMode,
            "ie_flag" => Format::IeFlag,
            "carrier" => Format::Carrier,
            "receipt_status" => Format::ReceiptStatus,
            _ => return None,
        })
    }
}

/// The data the formats judge by.
pub struct Formats {
    /// A closed list's values, by format (`formats.VALUES`).
    pub values: HashMap<Format, HashSet<String>>,
    /// Carrier code, case-folded -> hub carrier id.
    pub carriers: HashMap<String, String>,
}

impl Formats {
    /// The formats over the lists handed over (by format name); an error for a list of an
    /// unknown format, or a list format without its list.
    pub fn new(
        values: HashMap<String, HashSet<String>>,
        carriers: HashMap<String, String>,
    ) -> Result<Self, String> {
        let mut lists = HashMap::new();
        for (name, list) in values {
            let format = Format::named(&name).ok_or_else(|| format!("no format {name}"))?;
            lists.insert(format, list);
        }
        for format in [Format::TradeMode, Format::IeFlag] {
            if !lists.contains_key(&format) {
                return Err(format!("no values for the format {format:?}"));
            }
        }
        Ok(Formats {
            values: lists,
            carriers,
        })
    }

    /// The hub carrier id a carrier code names, as `resolve_carrier` finds it.
    pub fn carrier(&self, code: &str) -> Option<&str> {
        self.carriers
            .get(&code.trim_matches(' ').to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Whether `value` (normalised as its field says) has the format.
    pub fn matches(&self, format: Format, value: &str) -> bool {
        let b = value.as_bytes();
        match format {
            Format::EventId => {
                (1..=128).contains(&b.len()) && b.iter().all(|c| (0x21..=0x7E).contains(c))
            }
            Format::Waybill => {
                (6..=40).contains(&b.len())
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            }
            Format::Decimal => match value.split_once('.') {
                None => digits(value, 1, 13),
                Some((whole, fraction)) => digits(whole, 1, 13) && digits(fraction, 1, 4),
            },
            Format::District => digits(value, 6, 6),
            Format::Currency => b.len() == 3 && b.iter().all(u8::is_ascii_uppercase),
            Format::CebMessage => {
                b.len() == 6 && b.starts_with(b"CEB") && digits(&value[3..], 3, 3)
            }
            Format::ReturnTime => return_time(value),
            Format::TradeMode | Format::IeFlag => self.values[&format].contains(value),
            Format::Carrier => self.carrier(value).is_some(),
            Format::ReceiptStatus => value.chars().count() <= 10,
        }
    }
}

/// `min` to `max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `yyyyMMddHHmmssSSS` that `parse_return_time` reads as an instant: a real date and time
/// in China Standard Time, at or after 0001-01-01T08:00 (the first UTC instant).
fn return_time(s: &str) -> bool {
    if !digits(s, 17, 17) {
        return false;
    }
    let n = |a: usize, b: usize| s[a..b].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day, hour) = (n(0, 4), n(4, 6), n(6, 8), n(8, 10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1
        && (1..=days).contains(&day)
        && hour < 24
        && n(10, 12) < 60
        && n(12, 14) < 60
        && !(year == 1 && month == 1 && day == 1 && hour < 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// tests/corpus/formats.json, from the crate's directory (services/gateway/native).
    fn corpus() -> serde_json::Map<String, serde_json::Value> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/corpus/formats.json");
        let text = std::fs::read_to_string(&path).expect("tests/corpus/formats.json");
        serde_json::from_str(&text).expect("formats.json is a JSON object")
    }

    fn examples(entry: &serde_json::Value, verdict: &str) -> Vec<String> {
        entry[verdict]
            .as_array()
            .expect("a list of examples")
            .iter()
            .map(|v| v.as_str().expect("a string example").to_owned())
            .collect()
    }

    /// The lists are Python's data: here each list format's valid examples stand in for it
    /// (tests/unit/gateway/test_native_contract.py runs this table with the real lists).
    fn formats(table: &serde_json::Map<String, serde_json::Value>) -> Formats {
        let list = |name: &str| examples(&table[name], "valid").into_iter().collect();
        let carriers = examples(&table["carrier"], "valid")
            .into_iter()
            .map(|code| (code.to_ascii_lowercase(), code))
            .collect();
        let values = [
            ("trade_mode", list("trade_mode")),
            ("ie_flag", list("ie_flag")),
        ]
        .into_iter()
        .map(|(name, list)| (name.to_owned(), list))
        .collect();
        Formats::new(values, carriers).expect("the lists of every list format")
    }

    #[test]
    fn every_format_judges_the_corpus_as_python_does() {
        let table = corpus();
        let formats = formats(&table);
        let mut named = 0;
        for (name, entry) in &table {
            if name.starts_with('_') {
                continue;
            }
            let format = Format::named(name).unwrap_or_else(|| panic!("no format {name}"));
            named += 1;
            for (verdict, expected) in [("valid", true), ("invalid", false)] {
                let values = examples(entry, verdict);
                assert!(!values.is_empty(), "{name} has no {verdict} example");
                for value in values {
                    assert_eq!(
                        formats.matches(format, &value),
                        expected,
                        "{name}: {value:?}"
                    );
                }
            }
        }
        assert_eq!(named, 11, "every format of options.proto has examples");
    }
}
