//! JavaScript values: reading untrusted objects through [`Fields`], and
//! building the plain objects the button sends.

use js_sys::{Array, JSON, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::messages::{self, Fields, Incoming, Message, ToWallet};

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

/// `{"halfpenny": 1, "type": …, …}` for `postMessage`, from the pay
/// protocol's own JSON; `None` if it could not be made.
pub fn message(m: &ToWallet) -> Option<JsValue> {
    JSON::parse(&m.encode().ok()?).ok()
}

/// A `message` event's data, read as the pay protocol's JSON. It is
/// measured before it is copied: a string of more than `MAX_MESSAGE`
/// UTF-16 units is more than `MAX_MESSAGE` UTF-8 bytes too.
pub fn read_wallet(data: JsValue) -> Incoming {
    // `undefined` (and what cannot be made JSON) is no string.
    let Some(json) = JSON::stringify(&data)
        .ok()
        .filter(|s| AsRef::<JsValue>::as_ref(s).is_string())
    else {
        return Incoming::Ignored;
    };
    if json.length() as usize > halfpenny_pay_protocol::MAX_MESSAGE {
        return messages::read_too_large(&Js(data));
    }
    messages::read_wallet(&String::from(json))
}
