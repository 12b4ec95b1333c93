//! Parley's chat widget: a Yew app that runs inside an iframe on the customer's website.
//!
//! Screens: loading → auth → selection → chat (with back navigation), and error. Navigation
//! is component state, never the host page's URL.

mod api;
mod app;
mod components;
mod host;
mod live;
mod screens;
mod state;
mod storage;
mod time;

fn main() {
    let root = gloo_utils_root();
    yew::Renderer::<app::App>::with_root(root).render();
}

/// The `#parley-root` element of `widget/index.html` (or `<body>` if missing).
fn gloo_utils_root() -> web_sys::Element {
    let document = web_sys::window().and_then(|w| w.document());
    document
        .as_ref()
        .and_then(|d| d.get_element_by_id("parley-root"))
        .or_else(|| document.and_then(|d| d.body()).map(Into::into))
        .expect("the widget page has a body")
}
