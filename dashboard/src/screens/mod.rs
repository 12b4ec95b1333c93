//! One component per screen.

pub mod inbox;
pub mod invite;
pub mod login;
pub mod responder;
pub mod security;
pub mod settings;
pub mod webhooks;

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// An `oninput` that writes an input's value into `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().value())
    })
}
