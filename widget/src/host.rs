//! Messages between the widget (in its iframe) and the embed script on the host page.
//!
//! Protocol, version 1, as JSON objects through `postMessage`, always to an explicit target
//! origin and accepted only from the expected origin *and* window:
//! - host → widget: `{source:"parley-host", version:1, type:"context", pageUrl, referrer}`,
//!   `{…, type:"opened"}`, `{…, type:"closed"}`, `{…, type:"identify", identity}` (from
//!   `Parley('identify')`);
//! - widget → host: `{source:"parley-widget", version:1, type:"ready"}`, `{…, type:"close"}`,
//!   `{…, type:"unread", count, preview}` (replies the visitor has not seen, and the newest
//!   one's `{author, text}` or null: the launcher's badge), `{…, type:"engaged", engaged}`
//!   (whether the visitor has a session: the embed script then loads the widget early on
//!   later pages, so replies reach the badge there too).
//!
//! The host's origin comes from the iframe URL's `hostOrigin` parameter (not a secret: the
//! widget only sends it non-sensitive notices).

use parley_shared::api::Identity;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Protocol version spoken by this build.
const VERSION: u32 = 1;

/// What the host page tells the widget.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostMessage {
    source: String,
    version: u32,
    /// `context` or `opened`.
    #[serde(rename = "type")]
    pub kind: String,
    /// With `context`: the host page's URL.
    #[serde(default)]
    pub page_url: Option<String>,
    /// With `context`: the host page's referrer.
    #[serde(default)]
    pub referrer: Option<String>,
    /// With `identify`: the visitor as the host site's backend signed them.
    #[serde(default)]
    pub identity: Option<Identity>,
}

#[derive(Serialize)]
struct WidgetMessage<'a> {
    source: &'static str,
    version: u32,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<Option<Preview<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engaged: Option<bool>,
}

/// The newest unread reply, as the launcher previews it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preview<'a> {
    /// Who wrote it.
    pub author: &'a str,
    /// Its first characters.
    pub text: &'a str,
}

/// What the widget tells the host page besides its bare notices.
#[derive(Default)]
pub struct Extra<'a> {
    /// `unread`: the count.
    pub count: Option<u32>,
    /// `unread`: the preview, or none (`null`).
    pub preview: Option<Option<Preview<'a>>>,
    /// `engaged`: whether the visitor has a session.
    pub engaged: Option<bool>,
}

/// The host page's URL and referrer, as last reported by the embed script.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostContext {
    /// The host page's URL.
    pub page_url: Option<String>,
    /// The host page's referrer.
    pub referrer: Option<String>,
}

thread_local! {
    static CONTEXT: RefCell<HostContext> = RefCell::new(HostContext::default());
    static IDENTITY: RefCell<Option<Identity>> = const { RefCell::new(None) };
    /// Opened or closed, as the host last said (none yet: see [`is_open`]).
    static OPEN: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

/// The identity the host page gave with `Parley('identify')`, if any yet.
pub fn identity() -> Option<Identity> {
    IDENTITY.with(|i| i.borrow().clone())
}

/// Whether the host page said (`?identified=1`) that an identity message is coming.
pub fn identity_announced() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
        .and_then(|p| p.get("identified"))
        .is_some_and(|v| v == "1")
}

/// Whether the widget is shown on the host page: opened by the launcher (embedded), or
/// always (the widget page on its own).
pub fn is_open() -> bool {
    OPEN.with(|o| o.get()).unwrap_or_else(|| origin().is_none())
}

/// Whether the visitor can see the widget now: open, in a visible tab.
pub fn is_seen() -> bool {
    let visible = web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
    is_open() && visible
}

/// What the host has told us about its page so far.
pub fn context() -> HostContext {
    CONTEXT.with(|c| c.borrow().clone())
}

/// The validated origin of the host page, from `?hostOrigin=`.
pub fn origin() -> Option<String> {
    let window = web_sys::window()?;
    let search = window.location().search().ok()?;
    let raw = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("hostOrigin")?;
    let origin = web_sys::Url::new(&raw).ok()?.origin();
    (origin != "null").then_some(origin)
}

/// Sends `kind` to the host page (no-op when not embedded).
pub fn post(kind: &str) {
    post_with(kind, Extra::default());
}

/// Sends `kind` with the fields of `extra` to the host page (no-op when not embedded).
pub fn post_with(kind: &str, extra: Extra<'_>) {
    let (Some(window), Some(origin)) = (web_sys::window(), origin()) else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let message = WidgetMessage {
        source: "parley-widget",
        version: VERSION,
        kind,
        count: extra.count,
        preview: extra.preview,
        engaged: extra.engaged,
    };
    if let Ok(json) = serde_json::to_string(&message)
        && let Ok(value) = js_sys::JSON::parse(&json)
    {
        let _ = parent.post_message(&value, &origin);
    }
}

/// Starts listening to the host page; call once. `on_message` sees every accepted message.
pub fn listen(on_message: impl Fn(HostMessage) + 'static) {
    let (Some(window), Some(expected)) = (web_sys::window(), origin()) else {
        return;
    };
    let parent = window.parent().ok().flatten();
    let handler =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if event.origin() != expected {
                return;
            }
            let from_parent = match (event.source(), &parent) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, parent),
                _ => false,
            };
            if !from_parent {
                return;
            }
            let Ok(json) = js_sys::JSON::stringify(&event.data()) else {
                return;
            };
            let Some(json) = json.as_string() else { return };
            let Ok(message) = serde_json::from_str::<HostMessage>(&json) else {
                return;
            };
            if message.source != "parley-host" || message.version != VERSION {
                return;
            }
            if message.kind == "context" {
                CONTEXT.with(|c| {
                    *c.borrow_mut() = HostContext {
                        page_url: message.page_url.clone(),
                        referrer: message.referrer.clone(),
                    }
                });
            }
            if message.kind == "opened" || message.kind == "closed" {
                OPEN.with(|o| o.set(Some(message.kind == "opened")));
            }
            if message.kind == "identify" {
                IDENTITY.with(|i| *i.borrow_mut() = message.identity.clone());
            }
            on_message(message);
        });
    let _ = window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    handler.forget();
}
