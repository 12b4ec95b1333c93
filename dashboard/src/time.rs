//! Instants in the operator's local time.

use parley_shared::Timestamp;

/// `HH:MM` today, `DD/MM HH:MM` otherwise.
pub fn short(ts: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts.unix_millis() as f64));
    let hm = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    if date.to_date_string() == js_sys::Date::new_0().to_date_string() {
        hm
    } else {
        format!("{:02}/{:02} {hm}", date.get_date(), date.get_month() + 1)
    }
}

/// Full local date and time.
pub fn long(ts: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts.unix_millis() as f64));
    date.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}
