//! The dashboard's state (one reducer shared through context), its boot sequence and the
//! live task.

use crate::api::{self, ApiError};
use crate::live::{self, Link, LinkRef};
use crate::screens::{
    inbox::InboxPage, invite::InviteScreen, login::LoginScreen, settings::SettingsPage,
};
use futures_util::future::abortable;
use parley_shared::staff::{Me, StaffServerFrame, SwitchOrganization};
use std::cell::RefCell;
use std::rc::Rc;
use yew::platform::spawn_local;
use yew::prelude::*;

pub use crate::state::{Action, Model, View};

/// The handle views use.
pub type Ctx = UseReducerHandle<Model>;

/// The live link, shared by views that follow conversations.
#[derive(Clone)]
pub struct LiveHandle(pub LinkRef);

impl PartialEq for LiveHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A lost session sends the operator to the login screen; other errors are returned.
pub fn check(ctx: &Ctx, error: ApiError) -> Option<ApiError> {
    if error.is_unauthorized() {
        ctx.dispatch(Action::LoggedOut);
        None
    } else {
        Some(error)
    }
}

fn invite_token() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("invite")
}

/// Removes `?invite=…` from the address bar once used.
pub fn forget_invite_in_url() {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/dashboard"));
    }
}

fn top_bar(ctx: &Ctx, me: &Me) -> Html {
    let on_switch = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let Ok(org) = value.parse() else { return };
            let ctx = ctx.clone();
            spawn_local(async move {
                match api::post::<_, Me>(
                    "/api/dashboard/switch-organization",
                    &SwitchOrganization {
                        organization_id: org,
                    },
                )
                .await
                {
                    Ok(me) => ctx.dispatch(Action::LoggedIn(me)),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        })
    };
    let logout = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            spawn_local(async move {
                let _ = api::post::<_, serde_json::Value>(
                    "/api/dashboard/logout",
                    &serde_json::json!({}),
                )
                .await;
                ctx.dispatch(Action::LoggedOut);
            });
        })
    };
    let nav = |view: View, label: &'static str| {
        let ctx2 = ctx.clone();
        let active = ctx.view == view;
        html! {
            <button type="button" class={classes!("nav", active.then_some("active"))}
                onclick={Callback::from(move |_| ctx2.dispatch(Action::Show(view.clone())))}>{ label }</button>
        }
    };
    html! {
        <header class="topbar">
            <span class="brand">{ "Parley" }</span>
            <select class="org-switcher" aria-label="Organization" onchange={on_switch}>
                { for me.memberships.iter().map(|m| html! {
                    <option value={m.organization.id.to_string()}
                        selected={m.organization.id == me.current_organization_id}>
                        { format!("{} ({})", m.organization.name, m.role.as_str()) }
                    </option>
                }) }
            </select>
            { nav(View::Inbox, "Inbox") }
            { nav(View::Settings, "Settings") }
            <span class="spacer"></span>
            if !ctx.connected { <span class="offline">{ "Reconnecting…" }</span> }
            <crate::notify::NotifyControls user={me.user.id} />
            <span class="who">{ &me.user.display_name }</span>
            <button type="button" class="link" onclick={logout}>{ "Log out" }</button>
        </header>
    }
}

/// The dashboard.
#[function_component]
pub fn App() -> Html {
    let ctx = use_reducer(Model::default);
    let link = use_mut_ref(Link::default);

    // Boot: an invite link, or the current session, or the login screen.
    {
        let ctx = ctx.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let me = api::get::<Me>("/api/dashboard/me").await.ok();
                if let Some(me) = me.clone() {
                    ctx.dispatch(Action::LoggedIn(me));
                }
                match (invite_token(), me) {
                    (Some(token), _) => ctx.dispatch(Action::Show(View::Invite(token))),
                    (None, None) => ctx.dispatch(Action::Show(View::Login)),
                    (None, Some(_)) => {}
                }
            });
        });
    }

    // The live link, while logged in, per organization.
    let org = ctx.me.as_ref().map(|m| m.current_organization_id);
    {
        let (ctx, link) = (ctx.clone(), link.clone());
        use_effect_with(org, move |org| {
            let handle = org.map(|_| {
                let on_frame = {
                    let ctx = ctx.clone();
                    let shown = std::cell::Cell::new(0u32);
                    move |frame: StaffServerFrame| match frame {
                        StaffServerFrame::Typing { conversation_id } => {
                            // Shown until its own timer ends (a newer indicator outlives it).
                            let n = shown.get() + 1;
                            shown.set(n);
                            ctx.dispatch(Action::Typing(conversation_id, n));
                            let ctx = ctx.clone();
                            gloo_timers::callback::Timeout::new(
                                parley_shared::limits::TYPING_SHOWN_MS,
                                move || ctx.dispatch(Action::TypingEnded(n)),
                            )
                            .forget();
                        }
                        StaffServerFrame::Ready => ctx.dispatch(Action::Ready),
                        StaffServerFrame::Inbox { item } => ctx.dispatch(Action::InboxRow(item)),
                        StaffServerFrame::Message { message } => {
                            ctx.dispatch(Action::MessageIn(message))
                        }
                        StaffServerFrame::Read {
                            conversation_id,
                            seq,
                        } => ctx.dispatch(Action::ContactRead(conversation_id, seq)),
                        StaffServerFrame::Error { .. } => ctx.dispatch(Action::LoggedOut),
                    }
                };
                let on_connected = {
                    let ctx = ctx.clone();
                    move |up| ctx.dispatch(Action::Connected(up))
                };
                *link.borrow_mut() = Link::default();
                let (task, handle) = abortable(live::run(link.clone(), on_frame, on_connected));
                spawn_local(async move {
                    let _ = task.await;
                });
                handle
            });
            move || {
                if let Some(h) = handle {
                    h.abort();
                }
            }
        });
    }

    // The tab's title and icon count what waits for this operator, live.
    {
        let title = ctx.title();
        let count = ctx.waiting_unread.len();
        use_effect_with((title, count), |(title, count)| {
            crate::attention::show(title, *count)
        });
    }

    let live = LiveHandle(link.clone() as Rc<RefCell<Link>>);

    // The tab shown or hidden: reads wait for the operator to look, news may notify.
    {
        let ctx = ctx.clone();
        use_effect_with((), move |_| {
            ctx.dispatch(Action::Visible(crate::notify::page_visible()));
            let handler = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                ctx.dispatch(Action::Visible(crate::notify::page_visible()));
            });
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                let _ = document.add_event_listener_with_callback(
                    "visibilitychange",
                    wasm_bindgen::JsCast::unchecked_ref(handler.as_ref()),
                );
            }
            // The listener lives as long as the page.
            handler.forget();
        });
    }
    // News: a chime and, in a hidden tab, a desktop notification (the operator's choice).
    {
        let (ctx, live) = (ctx.clone(), live.clone());
        let n = ctx.alert.as_ref().map(|a| a.n);
        use_effect_with(n, move |_| {
            if let (Some(alert), Some(me)) = (ctx.alert.clone(), ctx.me.as_ref()) {
                let id = alert.conversation_id;
                let open_now = ctx.open.as_ref().is_some_and(|o| o.conversation.id == id)
                    && ctx.view == View::Inbox;
                let preference = crate::notify::preference(me.user.id);
                let open = {
                    let ctx = ctx.clone();
                    Callback::from(move |()| {
                        ctx.dispatch(Action::Show(View::Inbox));
                        spawn_local(crate::screens::inbox::open(ctx.clone(), live.clone(), id));
                    })
                };
                crate::notify::tell(&alert, preference, open_now, open);
            }
        });
    }
    let main = match (&ctx.view, &ctx.me) {
        (View::Loading, _) => {
            html! { <main class="center"><p class="muted">{ "Loading…" }</p></main> }
        }
        (View::Invite(token), _) => html! { <InviteScreen token={token.clone()} /> },
        (View::Login, _) | (_, None) => html! { <LoginScreen /> },
        (View::Inbox, Some(_)) => html! { <InboxPage live={live.clone()} /> },
        (View::Settings, Some(_)) => html! { <SettingsPage /> },
    };
    let bar = match (&ctx.me, &ctx.view) {
        (Some(me), View::Inbox | View::Settings) => top_bar(&ctx, me),
        _ => html! {},
    };
    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div class="app">{ bar }{ main }</div>
        </ContextProvider<Ctx>>
    }
}
