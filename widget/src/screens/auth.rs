//! Auth: the visitor gives a name and an email; the server answers with a contact session.

use crate::app::AppContext;
use crate::components::header::Header;
use crate::{api, host};
use parley_shared::api::{ContactMetadata, CreateContactSession};
use parley_shared::limits::{validate_email, validate_name};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Browser facts for the new session (seed 001's metadata).
pub(crate) fn metadata() -> ContactMetadata {
    let Some(window) = web_sys::window() else {
        return ContactMetadata::default();
    };
    let nav = window.navigator();
    let screen = window.screen().ok();
    let dimension = |w: Option<f64>, h: Option<f64>| match (w, h) {
        (Some(w), Some(h)) => Some(format!("{w}x{h}")),
        _ => None,
    };
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    // Fields web-sys has no typed getter for.
    let field =
        |obj: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::get(obj, &name.into()).ok();
    let context = host::context();
    ContactMetadata {
        user_agent: nav.user_agent().ok(),
        language: nav.language(),
        languages: Some(
            nav.languages()
                .iter()
                .filter_map(|l| l.as_string())
                .collect(),
        ),
        platform: nav.platform().ok(),
        vendor: field(&nav, "vendor").and_then(|v| v.as_string()),
        screen_resolution: screen.and_then(|s| {
            dimension(
                s.width().ok().map(f64::from),
                s.height().ok().map(f64::from),
            )
        }),
        viewport_size: dimension(
            window.inner_width().ok().and_then(|v| v.as_f64()),
            window.inner_height().ok().and_then(|v| v.as_f64()),
        ),
        timezone: field(&options, "timeZone").and_then(|v| v.as_string()),
        timezone_offset: Some(js_sys::Date::new_0().get_timezone_offset() as i32),
        cookie_enabled: field(&nav, "cookieEnabled").and_then(|v| v.as_bool()),
        referrer: context.referrer,
        current_url: context.page_url,
    }
}

/// The auth screen.
#[function_component]
pub fn AuthScreen() -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    // A User Timing mark once the form is on screen: `cargo xtask bench` measures time to
    // interactive (launcher click → this mark) with it.
    use_effect_with((), |_| {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("parley:auth-ready");
        }
    });
    let name = use_state(String::new);
    let email = use_state(String::new);
    let name_error = use_state(|| None::<String>);
    let email_error = use_state(|| None::<String>);
    let form_error = use_state(|| None::<String>);
    let pending = use_state(|| false);

    let on_name = {
        let name = name.clone();
        let name_error = name_error.clone();
        Callback::from(move |e: InputEvent| {
            name.set(e.target_unchecked_into::<HtmlInputElement>().value());
            name_error.set(None);
        })
    };
    let on_email = {
        let email = email.clone();
        let email_error = email_error.clone();
        Callback::from(move |e: InputEvent| {
            email.set(e.target_unchecked_into::<HtmlInputElement>().value());
            email_error.set(None);
        })
    };
    let onsubmit = {
        let (ctx, name, email) = (ctx.clone(), name.clone(), email.clone());
        let (name_error, email_error, form_error, pending) = (
            name_error.clone(),
            email_error.clone(),
            form_error.clone(),
            pending.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *pending {
                return;
            }
            let checked_name = validate_name(&name);
            let checked_email = validate_email(&email);
            name_error.set(checked_name.as_ref().err().map(|e| e.message.to_owned()));
            email_error.set(checked_email.as_ref().err().map(|e| e.message.to_owned()));
            let (Ok(name), Ok(email), Some(org)) =
                (checked_name, checked_email, ctx.organization_id)
            else {
                return;
            };
            pending.set(true);
            form_error.set(None);
            let (ctx, pending, form_error) = (ctx.clone(), pending.clone(), form_error.clone());
            spawn_local(async move {
                let request = CreateContactSession {
                    organization_id: org,
                    name,
                    email,
                    metadata: metadata(),
                    identity: None,
                };
                match api::create_session(&request).await {
                    Ok(created) => crate::app::signed_in(&ctx, org, created),
                    Err(e) => {
                        pending.set(false);
                        form_error.set(Some(e.message));
                    }
                }
            });
        })
    };

    html! {
        <>
            <Header title={super::title(&ctx)} />
            <main class="screen auth">
                <h2>{ "Hi there!" }</h2>
                <p class="muted">{ "Tell us who you are and we'll get back to you here." }</p>
                <form class="auth-form" onsubmit={onsubmit} novalidate=true>
                    <label for="parley-name">{ "Name" }</label>
                    <input id="parley-name" name="name" type="text" autocomplete="name"
                        value={(*name).clone()} oninput={on_name} disabled={*pending}
                        aria-invalid={name_error.is_some().to_string()} />
                    if let Some(err) = &*name_error { <p class="field-error" role="alert">{ err }</p> }
                    <label for="parley-email">{ "Email" }</label>
                    <input id="parley-email" name="email" type="email" autocomplete="email"
                        value={(*email).clone()} oninput={on_email} disabled={*pending}
                        aria-invalid={email_error.is_some().to_string()} />
                    if let Some(err) = &*email_error { <p class="field-error" role="alert">{ err }</p> }
                    if let Some(err) = &*form_error { <p class="form-error" role="alert">{ err }</p> }
                    <button type="submit" class="primary" disabled={*pending}>
                        { if *pending { "Continuing…" } else { "Continue" } }
                    </button>
                </form>
            </main>
        </>
    }
}
