//! Joining an organization with an invite link: logged in, one click; otherwise create an
//! account on the spot.

use super::bind;
use crate::api;
use crate::app::{Action, Ctx, forget_invite_in_url};
use parley_shared::staff::{AcceptInvite, InviteInfo, Me};
use yew::platform::spawn_local;
use yew::prelude::*;

/// Invite screen properties.
#[derive(Properties, PartialEq)]
pub struct InviteProps {
    /// The token from `?invite=`.
    pub token: AttrValue,
}

/// The invite screen.
#[function_component]
pub fn InviteScreen(props: &InviteProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let info = use_state(|| None::<Result<InviteInfo, String>>);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let name = use_state(String::new);
    let error = use_state(|| None::<String>);
    {
        let (info, token) = (info.clone(), props.token.to_string());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let path = format!("/api/dashboard/invites/lookup?token={token}");
                info.set(Some(
                    api::get::<InviteInfo>(&path).await.map_err(|e| e.message),
                ));
            });
        });
    }
    let logged_in = ctx.me.is_some();
    let onsubmit = {
        let (ctx, token, email, password, name, error) = (
            ctx.clone(),
            props.token.to_string(),
            email.clone(),
            password.clone(),
            name.clone(),
            error.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = AcceptInvite {
                token: token.clone(),
                email: (!logged_in).then(|| (*email).clone()),
                password: (!logged_in).then(|| (*password).clone()),
                display_name: (!logged_in)
                    .then(|| (*name).clone())
                    .filter(|n| !n.trim().is_empty()),
            };
            let (ctx, error) = (ctx.clone(), error.clone());
            spawn_local(async move {
                match api::post::<_, Me>("/api/dashboard/invites/accept", &body).await {
                    Ok(me) => {
                        forget_invite_in_url();
                        ctx.dispatch(Action::LoggedIn(me));
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let body = match &*info {
        None => html! { <p class="muted">{ "Checking the invite…" }</p> },
        Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
        Some(Ok(info)) => html! {
            <form onsubmit={onsubmit}>
                <p>{ format!("You are invited to join {} as {}.", info.organization_name, info.role.as_str()) }</p>
                if !logged_in {
                    <label for="email">{ "Email" }</label>
                    <input id="email" type="email" value={(*email).clone()} oninput={bind(&email)} />
                    <label for="password">{ "Choose a password" }</label>
                    <input id="password" type="password" value={(*password).clone()} oninput={bind(&password)} />
                    <label for="name">{ "Your name (shown to visitors)" }</label>
                    <input id="name" type="text" value={(*name).clone()} oninput={bind(&name)} />
                }
                if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
                <button type="submit" class="primary">{ format!("Join {}", info.organization_name) }</button>
            </form>
        },
    };
    html! { <main class="center"><div class="card auth"><h1>{ "Invitation" }</h1>{ body }</div></main> }
}
