//! Telling the operator about news ([`crate::state::Alert`]) when they are not looking at
//! it: a short chime and, while the tab is hidden, a desktop notification that opens the
//! conversation (issue 14; peers: chatwoot/chatwoot#703, #5403, #14295, a silent default).
//!
//! Browsers allow sound only after a gesture on the page and notifications only after the
//! user grants them, so both are switched on by a click ([`NotifyControls`]). What to be told
//! about is each operator's choice ([`Preference`]), kept in this browser per operator.

use crate::state::Alert;
use parley_shared::UserId;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// Which news makes a sound and a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preference {
    /// Every new conversation and visitor message.
    All,
    /// Only conversations waiting for a person (escalated). Assignment (issue 16) will add
    /// "and mine".
    Escalated,
    /// Nothing (the tab title still counts).
    None,
}

impl Preference {
    /// Its stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Escalated => "escalated",
            Self::None => "none",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::All, Self::Escalated, Self::None]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }

    /// Whether `alert` is news under this choice.
    pub fn wants(self, alert: &Alert) -> bool {
        match self {
            Self::All => true,
            Self::Escalated => alert.escalated,
            Self::None => false,
        }
    }
}

fn key(user: UserId) -> String {
    format!("parley:notify:{user}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// `user`'s choice in this browser (default: everything).
pub fn preference(user: UserId) -> Preference {
    storage()
        .and_then(|s| s.get_item(&key(user)).ok().flatten())
        .and_then(|raw| Preference::parse(&raw))
        .unwrap_or(Preference::All)
}

/// Keeps `user`'s choice in this browser.
pub fn set_preference(user: UserId, preference: Preference) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(user), preference.as_str());
    }
}

/// Whether the operator can see the dashboard now.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

thread_local! {
    /// The audio context, created by the "enable sound" click (a gesture), so it may play.
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
}

/// Whether sound is switched on (the context exists and runs).
pub fn sound_enabled() -> bool {
    AUDIO.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|c| c.state() == web_sys::AudioContextState::Running)
    })
}

/// Switches sound on; call from a click. Plays the chime once, so the operator hears it.
pub fn enable_sound() {
    AUDIO.with(|a| {
        let mut audio = a.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        if let Some(context) = audio.as_ref() {
            let _ = context.resume();
        }
    });
    chime();
}

/// Two short rising tones, loud enough to be heard (a silent default was a peer's complaint).
fn chime() {
    AUDIO.with(|a| {
        let audio = a.borrow();
        let Some(context) = audio.as_ref() else {
            return;
        };
        let now = context.current_time();
        for (i, frequency) in [660.0_f32, 880.0].into_iter().enumerate() {
            let start = now + 0.16 * i as f64;
            let (Ok(tone), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else {
                return;
            };
            tone.frequency().set_value(frequency);
            let _ = gain.gain().set_value_at_time(0.25, start);
            let _ = gain
                .gain()
                .exponential_ramp_to_value_at_time(0.001, start + 0.15);
            let _ = tone.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&context.destination());
            let _ = tone.start_with_when(start);
            let _ = tone.stop_with_when(start + 0.16);
        }
    });
}

/// Whether this browser has desktop notifications at all.
fn notifications_exist() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

/// The notification permission: `granted`, `denied` or `default` (not asked yet); `None`
/// without the API.
pub fn notification_permission() -> Option<web_sys::NotificationPermission> {
    notifications_exist().then(web_sys::Notification::permission)
}

/// Asks for the notification permission; call from a click. `done` runs once answered.
pub fn ask_notifications(done: impl FnOnce() + 'static) {
    if !notifications_exist() {
        return;
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            done();
        });
    }
}

/// Acts on `alert` as `preference` says: the chime when sound is on, and a desktop
/// notification while the tab is hidden (clicking it focuses the tab and runs `open`).
/// Nothing when the operator is looking at this very conversation.
pub fn tell(alert: &Alert, preference: Preference, open_now: bool, open: Callback<()>) {
    if !preference.wants(alert) || (open_now && page_visible()) {
        return;
    }
    if sound_enabled() {
        chime();
    }
    if page_visible() || notification_permission() != Some(web_sys::NotificationPermission::Granted)
    {
        return;
    }
    let title = if alert.escalated {
        format!("{} asks for a person", alert.contact)
    } else if alert.new_conversation {
        format!("New conversation from {}", alert.contact)
    } else {
        format!("New message from {}", alert.contact)
    };
    let options = web_sys::NotificationOptions::new();
    options.set_body(&alert.text);
    // One notification per conversation: a newer message replaces the older one.
    options.set_tag(&alert.conversation_id.to_string());
    let Ok(notification) = web_sys::Notification::new_with_options(&title, &options) else {
        return;
    };
    let shown = notification.clone();
    let onclick = Closure::<dyn Fn()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        shown.close();
        open.emit(());
    });
    notification.set_onclick(Some(onclick.as_ref().unchecked_ref()));
    // Lives as long as the notification may be clicked.
    onclick.forget();
}

/// Properties of [`NotifyControls`].
#[derive(Properties, PartialEq)]
pub struct NotifyProps {
    /// The operator.
    pub user: UserId,
}

/// The top bar's controls: what to be told about, and the clicks that switch sound and
/// desktop notifications on (shown until they are on).
#[function_component]
pub fn NotifyControls(props: &NotifyProps) -> Html {
    let user = props.user;
    let choice = use_state(|| preference(user));
    // Re-rendered after each click so the buttons reflect the browser's state.
    let epoch = use_state(|| 0u32);
    let onchange = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            let raw = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Some(p) = Preference::parse(&raw) {
                set_preference(user, p);
                choice.set(p);
            }
        })
    };
    let on_sound = {
        let epoch = epoch.clone();
        Callback::from(move |_| {
            enable_sound();
            epoch.set(*epoch + 1);
        })
    };
    let on_desktop = {
        let epoch = epoch.clone();
        Callback::from(move |_| {
            let epoch = epoch.clone();
            ask_notifications(move || epoch.set(*epoch + 1));
        })
    };
    let wants_any = *choice != Preference::None;
    let ask = notification_permission() == Some(web_sys::NotificationPermission::Default);
    html! {
        <span class="notify">
            <label class="notify-choice">{ "Notify me: " }
                <select id="notify-choice" aria-label="Notify me about" {onchange}>
                    { for [(Preference::All, "every new message"), (Preference::Escalated, "escalated only"), (Preference::None, "nothing")]
                        .into_iter().map(|(p, label)| html! {
                            <option value={p.as_str()} selected={*choice == p}>{ label }</option>
                        }) }
                </select>
            </label>
            if wants_any && !sound_enabled() {
                <button type="button" class="link enable-sound" onclick={on_sound}>{ "🔔 Enable sound" }</button>
            }
            if wants_any && ask {
                <button type="button" class="link enable-desktop" onclick={on_desktop}>{ "Enable desktop notifications" }</button>
            }
        </span>
    }
}
