//! Log in, or sign up (which creates an organization and makes you its owner).

use super::bind;
use crate::api;
use crate::app::{Action, Ctx};
use parley_shared::staff::{LogIn, Me, SignUp};
use yew::platform::spawn_local;
use yew::prelude::*;

/// The login / sign-up screen.
#[function_component]
pub fn LoginScreen() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let signing_up = use_state(|| false);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let org = use_state(String::new);
    let name = use_state(String::new);
    let error = use_state(|| None::<String>);
    let pending = use_state(|| false);

    let onsubmit = {
        let (ctx, signing_up, email, password, org, name, error, pending) = (
            ctx.clone(),
            signing_up.clone(),
            email.clone(),
            password.clone(),
            org.clone(),
            name.clone(),
            error.clone(),
            pending.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *pending {
                return;
            }
            pending.set(true);
            error.set(None);
            let (ctx, error, pending) = (ctx.clone(), error.clone(), pending.clone());
            let result = if *signing_up {
                let body = SignUp {
                    email: (*email).clone(),
                    password: (*password).clone(),
                    organization_name: (*org).clone(),
                    display_name: Some((*name).clone()).filter(|n| !n.trim().is_empty()),
                };
                Box::pin(async move { api::post::<_, Me>("/api/dashboard/signup", &body).await })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            } else {
                let body = LogIn {
                    email: (*email).clone(),
                    password: (*password).clone(),
                };
                Box::pin(async move { api::post::<_, Me>("/api/dashboard/login", &body).await })
            };
            spawn_local(async move {
                match result.await {
                    Ok(me) => ctx.dispatch(Action::LoggedIn(me)),
                    Err(e) => {
                        pending.set(false);
                        error.set(Some(e.message));
                    }
                }
            });
        })
    };
    let toggle = {
        let (signing_up, error) = (signing_up.clone(), error.clone());
        Callback::from(move |_| {
            signing_up.set(!*signing_up);
            error.set(None);
        })
    };

    html! {
        <main class="center">
            <form class="card auth" onsubmit={onsubmit}>
                <h1>{ if *signing_up { "Create your Parley workspace" } else { "Log in to Parley" } }</h1>
                <label for="email">{ "Email" }</label>
                <input id="email" type="email" autocomplete="username" value={(*email).clone()} oninput={bind(&email)} />
                <label for="password">{ "Password" }</label>
                <input id="password" type="password" autocomplete={if *signing_up { "new-password" } else { "current-password" }}
                    value={(*password).clone()} oninput={bind(&password)} />
                if *signing_up {
                    <label for="org">{ "Organization name" }</label>
                    <input id="org" type="text" value={(*org).clone()} oninput={bind(&org)} />
                    <label for="name">{ "Your name (shown to visitors)" }</label>
                    <input id="name" type="text" autocomplete="name" value={(*name).clone()} oninput={bind(&name)} />
                }
                if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
                <button type="submit" class="primary" disabled={*pending}>
                    { if *signing_up { "Sign up" } else { "Log in" } }
                </button>
                <button type="button" class="link" onclick={toggle}>
                    { if *signing_up { "I have an account: log in" } else { "New here? Sign up" } }
                </button>
            </form>
        </main>
    }
}
