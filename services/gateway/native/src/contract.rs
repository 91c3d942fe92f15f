//! `quanhub.common.contract.native_table()`, read into the rules schema.rs attaches to each
//! field: message name -> field number -> {name, required, normalize, format, max_length,
//! class, personal, non_negative, max_items}, the default length limit and the required
//! oneofs. A value this build does not know (a format, a kind, a class) is an error, and the
//! gateway runs on Python alone.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::formats::Format;
use crate::pii::Kind;
use crate::schema::{Class, Normalize, Rule, Rules};

pub struct Contract {
    default_max_length: usize,
    required_oneofs: HashMap<String, Vec<String>>,
    /// Message name -> field number -> (field name, rule).
    rules: HashMap<String, HashMap<u32, (String, Rule)>>,
}

fn item<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?
        .ok_or_else(|| PyValueError::new_err(format!("the contract table has no {key}")))
}

fn unknown(what: &str, name: &str) -> PyErr {
    PyValueError::new_err(format!("unknown {what} {name:?} in the contract table"))
}

fn rule(d: &Bound<'_, PyDict>) -> PyResult<(String, Rule)> {
    let normalize: String = item(d, "normalize")?.extract()?;
    let format: String = item(d, "format")?.extract()?;
    let class: String = item(d, "class")?.extract()?;
    let personal: String = item(d, "personal")?.extract()?;
    let rule = Rule {
        required: item(d, "required")?.extract()?,
        normalize: match normalize.as_str() {
            "" => Normalize::None,
            "strip" => Normalize::Strip,
            "strip_upper" => Normalize::StripUpper,
            other => return Err(unknown("normalize", other)),
        },
        format: match format.as_str() {
            "" => None,
            name => Some(Format::named(name).ok_or_else(|| unknown("format", name))?),
        },
        max_length: item(d, "max_length")?.extract()?,
        class: match class.as_str() {
            "" => Class::None,
            "personal" => Class::Personal,
            "identifier" => Class::Identifier,
            "closed" => Class::Closed,
            "free_text" => Class::FreeText,
            other => return Err(unknown("class", other)),
        },
        personal: match personal.as_str() {
            "" => None,
            name => Some(Kind::named(name).ok_or_else(|| unknown("personal kind", name))?),
        },
        non_negative: item(d, "non_negative")?.extract()?,
        max_items: item(d, "max_items")?.extract()?,
    };
    Ok((item(d, "name")?.extract()?, rule))
}

impl Contract {
    pub fn read(table: &Bound<'_, PyDict>) -> PyResult<Self> {
        let mut rules = HashMap::new();
        let messages = item(table, "messages")?;
        for (message, fields) in messages.cast::<PyDict>()?.iter() {
            let mut by_number = HashMap::new();
            for (number, field) in fields.cast::<PyDict>()?.iter() {
                by_number.insert(number.extract::<u32>()?, rule(field.cast::<PyDict>()?)?);
            }
            rules.insert(message.extract::<String>()?, by_number);
        }
        Ok(Contract {
            default_max_length: item(table, "default_max_length")?.extract()?,
            required_oneofs: item(table, "required_oneofs")?.extract()?,
            rules,
        })
    }

    /// Every (message, number) of the table, for the check that the schema has each.
    pub fn fields(&self) -> impl Iterator<Item = (&str, u32, &str)> {
        self.rules.iter().flat_map(|(message, fields)| {
            fields
                .iter()
                .map(move |(number, (name, _))| (message.as_str(), *number, name.as_str()))
        })
    }
}

impl Rules for Contract {
    fn rule(&self, message: &str, number: u32, name: &str) -> Result<Option<Rule>, String> {
        match self
            .rules
            .get(message)
            .and_then(|fields| fields.get(&number))
        {
            None => Ok(None),
            Some((named, rule)) if named == name => Ok(Some(rule.clone())),
            Some((named, _)) => Err(format!("{message} field {number} is {name}, not {named}")),
        }
    }

    fn required_oneofs(&self, message: &str) -> Vec<String> {
        self.required_oneofs
            .get(message)
            .cloned()
            .unwrap_or_default()
    }

    fn default_max_length(&self) -> usize {
        self.default_max_length
    }
}
