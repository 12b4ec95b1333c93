//! Display of instants in the visitor's local time.

use parley_shared::Timestamp;

/// `HH:MM` in local time, or `DD/MM HH:MM` when not today.
pub fn short(ts: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts.unix_millis() as f64));
    let now = js_sys::Date::new_0();
    let hm = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    if date.to_date_string() == now.to_date_string() {
        hm
    } else {
        format!("{:02}/{:02} {hm}", date.get_date(), date.get_month() + 1)
    }
}
