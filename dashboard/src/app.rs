//! The dashboard's state (one reducer shared through context), its boot sequence and the
//! live task.

use crate::api::{self, ApiError};
use crate::live::{self, Link, LinkRef};
use crate::screens::{
    inbox::InboxPage, invite::InviteScreen, login::LoginScreen, settings::SettingsPage,
};
use futures_util::future::abortable;
use parley_shared::api::{Conversation, Message, Page};
use parley_shared::staff::{
    ConversationDetail, InboxFilter, InboxItem, Me, StaffServerFrame, SwitchOrganization,
};
use std::cell::RefCell;
use std::rc::Rc;
use yew::platform::spawn_local;
use yew::prelude::*;

/// What the main area shows.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// Checking the session.
    Loading,
    /// Log in or sign up.
    Login,
    /// Join an organization with an invite link's token.
    Invite(String),
    /// Conversations.
    Inbox,
    /// Widget settings, members, invites.
    Settings,
}

/// Dashboard-wide state.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Who is logged in.
    pub me: Option<Me>,
    /// The current view.
    pub view: View,
    /// The inbox tab.
    pub tab: InboxFilter,
    /// The inbox rows shown (current tab, most recent first).
    pub inbox: Vec<InboxItem>,
    /// Cursor of the next inbox page.
    pub inbox_next: Option<String>,
    /// Bumped whenever the inbox must be refetched (login, tab, live `ready`).
    pub inbox_epoch: u32,
    /// The open conversation.
    pub open: Option<ConversationDetail>,
    /// Its messages, in `seq` order.
    pub messages: Vec<Message>,
    /// Live link state.
    pub connected: bool,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            me: None,
            view: View::Loading,
            tab: InboxFilter::Unresolved,
            inbox: Vec::new(),
            inbox_next: None,
            inbox_epoch: 0,
            open: None,
            messages: Vec::new(),
            connected: false,
        }
    }
}

/// Everything that changes [`Model`].
pub enum Action {
    /// Logged in (or switched organization): go to the inbox.
    LoggedIn(Me),
    /// The session is over.
    LoggedOut,
    /// Show a view.
    Show(View),
    /// Switch inbox tab.
    Tab(InboxFilter),
    /// An inbox page arrived (`true`: append to the list).
    InboxLoaded(Page<InboxItem>, bool),
    /// A row changed live.
    InboxRow(InboxItem),
    /// A conversation was opened with its messages.
    Opened(Box<ConversationDetail>, Vec<Message>),
    /// A message of the open conversation (new, replayed or sent).
    MessageIn(Message),
    /// The open conversation changed (status).
    ConversationChanged(Conversation),
    /// Live link up or down.
    Connected(bool),
    /// The live link (re)connected: refetch the inbox.
    Ready,
}

fn in_tab(tab: InboxFilter, item: &InboxItem) -> bool {
    tab.status().is_none_or(|s| s == item.conversation.status)
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::LoggedIn(me) => {
                let org_changed = next.me.as_ref().map(|m| m.current_organization_id)
                    != Some(me.current_organization_id);
                next.me = Some(me);
                if org_changed {
                    next.open = None;
                    next.messages.clear();
                    next.inbox.clear();
                }
                next.view = View::Inbox;
                next.inbox_epoch += 1;
            }
            Action::LoggedOut => {
                return Rc::new(Model {
                    view: View::Login,
                    ..Model::default()
                });
            }
            Action::Show(view) => next.view = view,
            Action::Tab(tab) => {
                next.tab = tab;
                next.inbox.clear();
                next.inbox_epoch += 1;
            }
            Action::InboxLoaded(page, append) => {
                if !append {
                    next.inbox.clear();
                }
                next.inbox.extend(page.items);
                next.inbox_next = page.next_cursor;
            }
            Action::InboxRow(item) => {
                if let Some(open) = next.open.as_mut()
                    && open.conversation.id == item.conversation.id
                {
                    open.conversation.status = item.conversation.status;
                }
                next.inbox
                    .retain(|i| i.conversation.id != item.conversation.id);
                if in_tab(next.tab, &item) {
                    let at = next
                        .inbox
                        .iter()
                        .position(|i| i.conversation.updated_at < item.conversation.updated_at)
                        .unwrap_or(next.inbox.len());
                    next.inbox.insert(at, item);
                }
            }
            Action::Opened(detail, messages) => {
                next.open = Some(*detail);
                next.messages = messages;
            }
            Action::MessageIn(message) => {
                if next
                    .open
                    .as_ref()
                    .is_some_and(|o| o.conversation.id == message.conversation_id)
                {
                    // An operator's reply switches the AI responder off (the server does the same).
                    if message.role == parley_shared::api::MessageRole::Operator
                        && let Some(open) = next.open.as_mut()
                    {
                        open.conversation.responder_active = false;
                    }
                    match next.messages.iter_mut().find(|m| m.id == message.id) {
                        Some(existing) => *existing = message,
                        None => next.messages.push(message),
                    }
                    next.messages.sort_by_key(|m| m.seq);
                }
            }
            Action::ConversationChanged(conversation) => {
                if let Some(open) = next.open.as_mut()
                    && open.conversation.id == conversation.id
                {
                    open.conversation = conversation;
                }
            }
            Action::Connected(up) => next.connected = up,
            Action::Ready => next.inbox_epoch += 1,
        }
        Rc::new(next)
    }
}

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
                    move |frame: StaffServerFrame| match frame {
                        StaffServerFrame::Ready => ctx.dispatch(Action::Ready),
                        StaffServerFrame::Inbox { item } => ctx.dispatch(Action::InboxRow(item)),
                        StaffServerFrame::Message { message } => {
                            ctx.dispatch(Action::MessageIn(message))
                        }
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

    let live = LiveHandle(link.clone() as Rc<RefCell<Link>>);
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
