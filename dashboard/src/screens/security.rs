//! Settings → identity verification and privacy requests (owners and admins), and the
//! operator's own password.

use super::bind;
use crate::api;
use crate::app::{Ctx, check};
use parley_shared::staff::{
    ChangePassword, ContactExport, ContactRequest, ErasureReport, IdentitySettings, Me, SetIdentity,
};
use yew::platform::spawn_local;
use yew::prelude::*;

/// The identity secret, "verified only", and how the site signs a visitor.
#[function_component]
pub fn IdentityVerification() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let settings = use_state(|| None::<IdentitySettings>);
    let error = use_state(|| None::<String>);
    {
        let (ctx, settings) = (ctx.clone(), settings.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::get::<IdentitySettings>("/api/dashboard/identity").await {
                    Ok(s) => settings.set(Some(s)),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
    }
    let save = {
        let (ctx, settings, error) = (ctx.clone(), settings.clone(), error.clone());
        Callback::from(move |body: SetIdentity| {
            let (ctx, settings, error) = (ctx.clone(), settings.clone(), error.clone());
            spawn_local(async move {
                match api::put::<_, IdentitySettings>("/api/dashboard/identity", &body).await {
                    Ok(s) => {
                        settings.set(Some(s));
                        error.set(None);
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
            });
        })
    };
    let Some(current) = (*settings).clone() else {
        return html! {};
    };
    let on_required = {
        let save = save.clone();
        let required = current.required;
        Callback::from(move |_| {
            save.emit(SetIdentity {
                required: !required,
                rotate_secret: false,
            })
        })
    };
    let on_rotate = {
        let required = current.required;
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "Replace the secret? Identities signed with the old one stop working.",
                    )
                    .ok()
                })
                .unwrap_or(false);
            if confirmed {
                save.emit(SetIdentity {
                    required,
                    rotate_secret: true,
                })
            }
        })
    };
    html! {
        <section class="card identity">
            <h2>{ "Identity verification" }</h2>
            <p class="muted">{ "Your site's backend signs its logged-in user, and the page calls " }
                <code>{ "Parley('identify', {userId, userHash, email, name})" }</code>
                { " where userHash is the hex HMAC-SHA256 of userId with this secret (or passes {token}: an HS256 JWT with sub, exp, email, name). The widget then skips its form, and you see the contact as verified." }</p>
            <p><label>{ "Secret " }<code class="identity-secret">{ &current.secret }</code></label>
                <button type="button" class="link danger" onclick={on_rotate}>{ "Replace" }</button></p>
            <label class="check">
                <input type="checkbox" class="identity-required" checked={current.required} onchange={on_required} />
                { " Verified visitors only (no chat without a signed identity)" }
            </label>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
        </section>
    }
}

/// Change the logged-in operator's password; other devices are logged out.
#[function_component]
pub fn PasswordForm() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let current = use_state(String::new);
    let next = use_state(String::new);
    let outcome = use_state(|| None::<Result<(), String>>);
    let onsubmit = {
        let (ctx, current, next, outcome) =
            (ctx.clone(), current.clone(), next.clone(), outcome.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = ChangePassword {
                current_password: (*current).clone(),
                new_password: (*next).clone(),
            };
            let (ctx, current, next, outcome) =
                (ctx.clone(), current.clone(), next.clone(), outcome.clone());
            spawn_local(async move {
                match api::post::<_, Me>("/api/dashboard/password", &body).await {
                    Ok(_) => {
                        current.set(String::new());
                        next.set(String::new());
                        outcome.set(Some(Ok(())));
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            outcome.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    html! {
        <section class="card password">
            <h2>{ "Your password" }</h2>
            <form class="row-inline" {onsubmit}>
                <input type="password" aria-label="Current password" placeholder="Current password" autocomplete="current-password"
                    value={(*current).clone()} oninput={bind(&current)} />
                <input type="password" aria-label="New password" placeholder="New password (8+ characters)" autocomplete="new-password"
                    value={(*next).clone()} oninput={bind(&next)} />
                <button type="submit" class="primary">{ "Change password" }</button>
            </form>
            { match &*outcome {
                Some(Ok(())) => html! { <p class="muted" role="status">{ "Password changed. Your other devices are logged out." }</p> },
                Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
                None => html! {},
            } }
        </section>
    }
}

/// Saves `json` as a file named `name` (a download the browser offers).
fn download(name: &str, json: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A contact's data requests (GDPR): export everything held about an email, or erase it.
#[function_component]
pub fn PrivacyRequests() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let email = use_state(String::new);
    let outcome = use_state(|| None::<Result<String, String>>);
    let request = |erase: bool| {
        let (ctx, email, outcome) = (ctx.clone(), email.clone(), outcome.clone());
        Callback::from(move |_: MouseEvent| {
            if erase {
                let confirmed = web_sys::window()
                    .and_then(|w| {
                        w.confirm_with_message(&format!(
                            "Erase every session, conversation and message of {}? This cannot be undone.",
                            *email
                        ))
                        .ok()
                    })
                    .unwrap_or(false);
                if !confirmed {
                    return;
                }
            }
            let body = ContactRequest {
                email: (*email).clone(),
            };
            let (ctx, outcome) = (ctx.clone(), outcome.clone());
            spawn_local(async move {
                let result = if erase {
                    api::post::<_, ErasureReport>("/api/dashboard/contacts/erase", &body)
                        .await
                        .map(|r| {
                            format!(
                                "Erased {} session(s), {} conversation(s), {} message(s).",
                                r.sessions, r.conversations, r.messages
                            )
                        })
                } else {
                    api::post::<_, ContactExport>("/api/dashboard/contacts/export", &body)
                        .await
                        .map(|export| {
                            let json = serde_json::to_string_pretty(&export).unwrap_or_default();
                            download(&format!("parley-export-{}.json", export.email), &json);
                            format!(
                                "Exported {} session(s) and {} conversation(s).",
                                export.sessions.len(),
                                export.conversations.len()
                            )
                        })
                };
                match result {
                    Ok(message) => outcome.set(Some(Ok(message))),
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            outcome.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    html! {
        <section class="card privacy">
            <h2>{ "Privacy requests" }</h2>
            <p class="muted">{ "When a visitor asks for their data or its deletion: everything held about their email, in every conversation." }</p>
            <div class="row-inline">
                <input type="email" aria-label="Contact email" placeholder="visitor@example.com"
                    value={(*email).clone()} oninput={bind(&email)} />
                <button type="button" onclick={request(false)}>{ "Export" }</button>
                <button type="button" class="danger" onclick={request(true)}>{ "Erase" }</button>
            </div>
            { match &*outcome {
                Some(Ok(m)) => html! { <p class="muted" role="status">{ m }</p> },
                Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
                None => html! {},
            } }
        </section>
    }
}
