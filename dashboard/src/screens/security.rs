//! Settings → identity verification (owners and admins) and the operator's own password.

use super::bind;
use crate::api;
use crate::app::{Ctx, check};
use parley_shared::staff::{ChangePassword, IdentitySettings, Me, SetIdentity};
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
