//! JavaScript values: reading untrusted objects through [`Fields`], and
//! building the plain objects the button sends.

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::messages::{Field, Fields, ToWallet, VERSION};

/// A JavaScript value read as a JSON-like object. Reading never throws: a
/// value that is not an object simply has no fields.
#[derive(Debug, Clone)]
pub struct Js(pub JsValue);

impl Js {
    fn get(&self, name: &str) -> JsValue {
        if !self.0.is_object() {
            return JsValue::UNDEFINED;
        }
        Reflect::get(&self.0, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }
}

impl Fields for Js {
    fn text(&self, name: &str, max: usize) -> Option<String> {
        let value = self.get(name);
        // Measure before copying: a string of more than `max` UTF-16 units
        // is more than `max` UTF-8 bytes too.
        if value.dyn_ref::<JsString>()?.length() as usize > max {
            return None;
        }
        value.as_string().filter(|s| s.len() <= max)
    }

    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).as_f64()
    }

    fn numbers(&self, name: &str, max: usize) -> Option<Vec<f64>> {
        let value = self.get(name);
        if !Array::is_array(&value) {
            return None;
        }
        // An array for certain (`Array.isArray`), measured before reading.
        let array: Array = value.unchecked_into();
        if array.length() as usize > max {
            return None;
        }
        array.iter().map(|v| v.as_f64()).collect()
    }

    fn child(&self, name: &str) -> Option<Self> {
        let value = self.get(name);
        value.is_object().then_some(Js(value))
    }
}

/// A plain object with these fields.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (name, value) in fields {
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &JsValue::from_str(name), value);
    }
    o.into()
}

/// `{"halfpenny": 1, "type": …, …}` for `postMessage`.
pub fn message(m: &ToWallet) -> JsValue {
    let mut fields = vec![
        ("halfpenny", JsValue::from_f64(VERSION as f64)),
        ("type", JsValue::from_str(m.kind())),
    ];
    fields.extend(m.fields().into_iter().map(|(name, value)| {
        let value = match value {
            Field::Text(text) => JsValue::from_str(text),
            Field::Numbers(numbers) => numbers
                .iter()
                .map(|n| JsValue::from_f64(f64::from(*n)))
                .collect::<Array>()
                .into(),
        };
        (name, value)
    }));
    object(&fields)
}
