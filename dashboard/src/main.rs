//! Parley's support-staff dashboard: log in, answer visitors live from the inbox, change
//! conversation status, manage widget settings, members and invites. Served at /dashboard.

mod api;
mod app;
mod attention;
mod live;
mod notify;
mod screens;
mod state;
mod time;

fn main() {
    let document = web_sys::window().and_then(|w| w.document());
    let root = document
        .as_ref()
        .and_then(|d| d.get_element_by_id("parley-dashboard"))
        .or_else(|| document.and_then(|d| d.body()).map(Into::into))
        .expect("the dashboard page has a body");
    yew::Renderer::<app::App>::with_root(root).render();
}
