//! Error: what went wrong, and a way to try again.

use crate::components::header::Header;
use yew::prelude::*;

/// Error screen properties.
#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    /// The message to show.
    pub message: AttrValue,
}

/// The error screen.
#[function_component]
pub fn ErrorScreen(props: &ErrorProps) -> Html {
    let retry = Callback::from(|_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    html! {
        <>
            <Header title="Support" />
            <main class="screen error" role="alert">
                <p class="error-icon" aria-hidden="true">{ "⚠" }</p>
                <p class="error-message">{ props.message.clone() }</p>
                <button type="button" class="secondary" onclick={retry}>{ "Try again" }</button>
            </main>
        </>
    }
}
