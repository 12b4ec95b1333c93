//! The widget's root: the screen state machine (a reducer shared through context) and the
//! boot sequence (find the organization ID → verify the organization → verify the session).

use crate::api::{self, ApiError};
use crate::screens::{
    auth::AuthScreen, chat::ChatScreen, error::ErrorScreen, loading::LoadingScreen,
    selection::SelectionScreen,
};
use crate::{host, storage};
use futures_util::future::abortable;
use parley_shared::api::{ContactSessionCreated, CreateContactSession, Identity};
use parley_shared::live::ServerFrame;
use parley_shared::{ErrorCode, OrganizationId};
use std::cell::RefCell;
use yew::platform::spawn_local;
use yew::prelude::*;

pub use crate::state::{Action, LoadingStep, Model, Screen, Session};

/// The handle screens use to read and change the model.
pub type AppContext = UseReducerHandle<Model>;

/// The stored session is no longer good: forget it and ask the visitor who they are.
pub fn forget_session(ctx: &AppContext) {
    if let Some(org) = ctx.organization_id {
        storage::clear_token(org);
    }
    ctx.dispatch(Action::NeedAuth);
}

/// Reacts to an API failure the same way everywhere: a lost session sends the visitor to
/// the auth screen; anything else is returned for the screen to show.
pub fn handle_api_error(ctx: &AppContext, error: ApiError) -> Option<ApiError> {
    if error.is_session_error() {
        forget_session(ctx);
        None
    } else {
        Some(error)
    }
}

/// The project (website) named in the widget URL (`projectId`, from `data-project-id`).
pub fn project_from_url() -> Option<parley_shared::ProjectId> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("projectId")?
        .parse()
        .ok()
}

/// The secret of an email's "Continue the conversation" link (`?continue=`).
fn continue_from_url() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("continue")
        .filter(|s| !s.is_empty())
}

fn organization_from_url() -> Option<OrganizationId> {
    let search = web_sys::window()?.location().search().ok()?;
    let raw = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("organizationId")?;
    raw.parse()
        .ok()
        .or(Some(OrganizationId(Default::default())))
}

/// Boot and the host's `Parley('identify')` messages sign in one at a time. An identity that
/// arrives while the widget boots is boot's to use: signing in from both places gave the
/// visitor two sessions, and the later one took them back to the selection screen after they
/// had opened a chat.
#[derive(Default)]
struct BootGate {
    /// Boot has decided the first screen.
    done: bool,
    /// The identity boot signed in with, not yet matched by its message.
    used: Option<Identity>,
}

thread_local! {
    static BOOT: RefCell<BootGate> = RefCell::new(BootGate::default());
}

/// Marks boot done when dropped, on every return path.
struct BootDone;

impl Drop for BootDone {
    fn drop(&mut self) {
        BOOT.with(|b| b.borrow_mut().done = true);
    }
}

/// Signs in with an identity the host sent after (or while) booting: waits for boot, and
/// skips the identity boot already used.
async fn identify_from_host(ctx: AppContext, org: OrganizationId, identity: Identity) {
    while !BOOT.with(|b| b.borrow().done) {
        gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
    }
    let used_by_boot = BOOT.with(|b| {
        b.borrow_mut()
            .used
            .take_if(|used| *used == identity)
            .is_some()
    });
    if !used_by_boot {
        sign_in_verified(&ctx, org, identity).await;
    }
}

async fn boot(ctx: AppContext) {
    let _done = BootDone;
    let Some(org) = organization_from_url() else {
        ctx.dispatch(Action::Fail("This widget has no organization ID.".into()));
        return;
    };
    ctx.dispatch(Action::Step(LoadingStep::VerifyingOrganization, Some(org)));
    let verified_only = match api::organization(org).await {
        Ok(config) => {
            let verified_only = config.identity_required;
            ctx.dispatch(Action::OrganizationLoaded(config));
            verified_only
        }
        Err(e) if e.status == 404 => {
            ctx.dispatch(Action::Fail("Organization not found.".into()));
            return;
        }
        Err(e) => {
            ctx.dispatch(Action::Fail(e.message));
            return;
        }
    };
    ctx.dispatch(Action::Step(LoadingStep::VerifyingSession, None));
    // The host page announced an identity (`Parley('identify')` before opening): give its
    // message a moment to arrive before deciding whether to show the form.
    if host::identity_announced() {
        for _ in 0..60 {
            if host::identity().is_some() {
                break;
            }
            gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    // Opened from an email's "Continue the conversation": sign in as that visitor and open
    // the conversation (the link works after the session expired).
    if let Some(secret) = continue_from_url() {
        match api::continue_conversation(&secret).await {
            Ok(continued) => {
                signed_in(&ctx, org, continued.created);
                ctx.dispatch(Action::Open(continued.conversation_id));
                return;
            }
            Err(e) => {
                ctx.dispatch(Action::Fail(e.message));
                return;
            }
        }
    }
    let identity = host::identity();
    BOOT.with(|b| b.borrow_mut().used = identity.clone());
    if let Some(identity) = identity
        && sign_in_verified(&ctx, org, identity).await
    {
        return;
    }
    let Some(token) = storage::token(org) else {
        ctx.dispatch(need_auth(org, verified_only));
        return;
    };
    match api::current_session(&token).await {
        Ok(info) if info.organization_id == org => {
            ctx.dispatch(Action::Authenticated(Session { token, info }))
        }
        Ok(_) => ctx.dispatch(need_auth(org, verified_only)),
        Err(e) if e.code == Some(ErrorCode::IdentityRequired) => {
            ctx.dispatch(need_auth(org, verified_only))
        }
        Err(e) => {
            if let Some(e) = handle_api_error(&ctx, e) {
                ctx.dispatch(Action::Fail(e.message));
            }
        }
    }
}

/// The form, or for a "verified only" organization the reason there is none.
fn need_auth(org: OrganizationId, verified_only: bool) -> Action {
    if verified_only {
        storage::clear_token(org);
        Action::Fail(VERIFIED_ONLY.into())
    } else {
        storage::clear_token(org);
        Action::NeedAuth
    }
}

const VERIFIED_ONLY: &str =
    "This chat is open to signed-in users of this site: please sign in first.";

/// Signs the visitor in with the host site's identity: the stored session is identified
/// (its credential rotates), or, without one (or verified as someone else), a new verified
/// session starts. Returns `false` when the identity does not verify, so the caller falls
/// back to the usual flow.
pub async fn sign_in_verified(ctx: &AppContext, org: OrganizationId, identity: Identity) -> bool {
    if let Some(token) = storage::token(org) {
        match api::identify(&token, &identity).await {
            Ok(created) => {
                signed_in(ctx, org, created);
                return true;
            }
            Err(e) if e.code == Some(ErrorCode::IdentityInvalid) => return false,
            Err(_) => storage::clear_token(org),
        }
    }
    let request = CreateContactSession {
        organization_id: org,
        name: String::new(),
        email: String::new(),
        metadata: crate::screens::auth::metadata(),
        identity: Some(identity),
    };
    match api::create_session(&request).await {
        Ok(created) => {
            signed_in(ctx, org, created);
            true
        }
        Err(e) if e.code == Some(ErrorCode::ContactBlocked) => {
            ctx.dispatch(Action::Fail(e.message));
            true
        }
        Err(_) => false,
    }
}

/// Keeps the new session's credential and goes on to the conversations.
pub fn signed_in(ctx: &AppContext, org: OrganizationId, created: ContactSessionCreated) {
    storage::set_token(org, &created.token);
    ctx.dispatch(Action::Authenticated(Session {
        token: created.token,
        info: created.session,
    }));
}

fn focus_composer() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".composer textarea").ok().flatten())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = el.focus();
    }
}

/// Keeps [`Model::seen`] up to date as the tab is hidden and shown (the host's messages say
/// when the widget is opened and closed).
fn watch_visibility(model: AppContext) {
    model.dispatch(Action::Seen(host::is_seen()));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let handler = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        model.dispatch(Action::Seen(host::is_seen()));
    });
    let _ = document.add_event_listener_with_callback(
        "visibilitychange",
        wasm_bindgen::JsCast::unchecked_ref(handler.as_ref()),
    );
    // The listener lives as long as the page.
    handler.forget();
}

/// Follows the session's conversation list while there is a session (the selection screen
/// and the launcher's badge read it).
#[hook]
fn use_watch(model: &AppContext) {
    let token = model.session.as_ref().map(|s| s.token.clone());
    let model = model.clone();
    use_effect_with(token, move |token| {
        let handle = token.clone().map(|token| {
            let on_frame = {
                let model = model.clone();
                move |frame| match frame {
                    ServerFrame::Conversations { conversations } => {
                        model.dispatch(Action::Watched(conversations))
                    }
                    ServerFrame::Conversation { conversation } => {
                        model.dispatch(Action::Changed(conversation))
                    }
                    _ => {}
                }
            };
            let (task, handle) = abortable(crate::live::watch(token, on_frame));
            spawn_local(async move {
                if let Ok(refusal) = task.await
                    && matches!(
                        refusal.code,
                        Some(ErrorCode::SessionExpired | ErrorCode::SessionInvalid)
                    )
                {
                    forget_session(&model);
                }
            });
            handle
        });
        move || {
            if let Some(handle) = handle {
                handle.abort();
            }
        }
    });
}

/// Tells the host page what its launcher shows: the unread count with a preview of the
/// newest unread reply, and whether the visitor has a session (see [`host`]).
#[hook]
fn use_host_badge(model: &AppContext) {
    let preview = model.newest_unread().and_then(|c| {
        let m = c.last_message.as_ref()?;
        let text: String = m.content.chars().take(PREVIEW_CHARS).collect();
        Some((m.author_name.clone().unwrap_or_default(), text))
    });
    let unread = (model.unread(), preview);
    use_effect_with(unread, |(count, preview)| {
        let preview = preview
            .as_ref()
            .map(|(author, text)| host::Preview { author, text });
        let extra = host::Extra {
            count: Some(*count),
            preview: Some(preview),
            ..Default::default()
        };
        host::post_with("unread", extra);
    });
    let engaged = (!matches!(model.screen, Screen::Loading(_))).then_some(model.session.is_some());
    use_effect_with(engaged, |engaged| {
        if let Some(engaged) = *engaged {
            let extra = host::Extra {
                engaged: Some(engaged),
                ..Default::default()
            };
            host::post_with("engaged", extra);
        }
    });
}

/// The longest reply preview beside the launcher (characters).
const PREVIEW_CHARS: usize = 90;

/// The widget.
#[function_component]
pub fn App() -> Html {
    let model = use_reducer(Model::default);
    {
        let model = model.clone();
        use_effect_with((), move |_| {
            let identify = model.clone();
            host::listen(move |message| {
                if message.kind == "opened" || message.kind == "closed" {
                    identify.dispatch(Action::Seen(host::is_seen()));
                }
                if message.kind == "opened" {
                    identify.dispatch(Action::OpenedOnHost);
                    focus_composer();
                }
                // Identified by the host page (the visitor signed in on the site).
                if let (Some(identity), Some(org)) = (message.identity, organization_from_url())
                    && message.kind == "identify"
                {
                    spawn_local(identify_from_host(identify.clone(), org, identity));
                }
            });
            host::post("ready");
            watch_visibility(model.clone());
            spawn_local(boot(model));
        });
    }
    use_watch(&model);
    use_host_badge(&model);
    let screen = match &model.screen {
        Screen::Loading(step) => html! { <LoadingScreen step={*step} /> },
        Screen::Auth => html! { <AuthScreen /> },
        Screen::Selection => html! { <SelectionScreen /> },
        // One key for both: the first message turns the new chat into the chat in place.
        Screen::Chat(id) => html! { <ChatScreen key={id.to_string()} conversation_id={*id} /> },
        Screen::NewChat(id) => {
            html! { <ChatScreen key={id.to_string()} conversation_id={*id} new={true} /> }
        }
        Screen::Error(message) => html! { <ErrorScreen message={message.clone()} /> },
    };
    // Validated `#rrggbb` on the server, so safe in a style attribute.
    let style = model
        .organization
        .as_ref()
        .and_then(|o| o.accent_color.as_ref())
        .map(|c| format!("--accent: {c}"));
    html! {
        <ContextProvider<AppContext> context={model}>
            <div class="parley" {style}>{ screen }</div>
        </ContextProvider<AppContext>>
    }
}
