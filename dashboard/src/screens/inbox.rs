//! The inbox: tabs by status, conversations by latest activity (live), and the open
//! conversation with its contact panel, reply composer and status actions.

use crate::app::{Action, Ctx, LiveHandle, check};
use crate::{api, live, time};
use parley_shared::api::{
    Conversation, ConversationStatus, Message, MessageRole, Page, UpdateConversation,
};
use parley_shared::staff::{ConversationDetail, InboxFilter, InboxItem, MarkRead, OperatorReply};
use parley_shared::{ConversationId, MessageId};
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Inbox properties.
#[derive(Properties, PartialEq)]
pub struct InboxProps {
    /// The live link (to follow the open conversation).
    pub live: LiveHandle,
}

/// A tab's label.
fn tab_label(tab: InboxFilter) -> &'static str {
    match tab {
        InboxFilter::Waiting => "Waiting",
        InboxFilter::Unresolved => "Unresolved",
        InboxFilter::Escalated => "Escalated",
        InboxFilter::Resolved => "Resolved",
        InboxFilter::All => "All",
    }
}

async fn load_inbox(ctx: Ctx, tab: InboxFilter, cursor: Option<String>) {
    let mut path = format!(
        "/api/dashboard/conversations?status={}&limit=50",
        tab.as_str()
    );
    if let Some(c) = &cursor {
        path.push_str(&format!("&cursor={c}"));
    }
    match api::get::<Page<InboxItem>>(&path).await {
        Ok(page) => ctx.dispatch(Action::InboxLoaded(page, cursor.is_some())),
        Err(e) => {
            check(&ctx, e);
        }
    }
}

async fn all_messages(id: ConversationId) -> Result<Vec<Message>, api::ApiError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/dashboard/conversations/{id}/messages?limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Page<Message> = api::get(&path).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
}

async fn mark_read(id: ConversationId, seq: u64) {
    let _ = api::post::<_, ()>(
        &format!("/api/dashboard/conversations/{id}/read"),
        &MarkRead { seq },
    )
    .await;
}

/// Opens conversation `id`: loads it, follows it live, marks it read.
pub(crate) async fn open(ctx: Ctx, live: LiveHandle, id: ConversationId) {
    let loaded = async {
        let detail: ConversationDetail =
            api::get(&format!("/api/dashboard/conversations/{id}")).await?;
        let messages = all_messages(id).await?;
        Ok::<_, api::ApiError>((detail, messages))
    };
    match loaded.await {
        Ok((detail, messages)) => {
            let last = messages.iter().map(|m| m.seq).max().unwrap_or(0);
            ctx.dispatch(Action::Opened(Box::new(detail), messages));
            live::follow(&live.0, Some((id, last))).await;
            if crate::notify::page_visible() {
                mark_read(id, last).await;
            }
        }
        Err(e) => {
            check(&ctx, e);
        }
    }
}

fn row(ctx: &Ctx, live: &LiveHandle, item: &InboxItem, selected: bool) -> Html {
    let c = &item.conversation;
    let onclick = {
        let (ctx, live, id) = (ctx.clone(), live.clone(), c.id);
        Callback::from(move |_| spawn_local(open(ctx.clone(), live.clone(), id)))
    };
    let preview = c.last_message.as_ref().map_or_else(
        || "New conversation".to_owned(),
        |m| {
            let who = match m.role {
                MessageRole::Contact => String::new(),
                MessageRole::Assistant => "Assistant: ".to_owned(),
                _ => format!("{}: ", m.author_name.as_deref().unwrap_or("Support")),
            };
            format!("{who}{}", m.content.chars().take(90).collect::<String>())
        },
    );
    html! {
        <li>
            <button type="button" class={classes!("row", selected.then_some("selected"))}
                data-conversation-id={c.id.to_string()} data-status={c.status.as_str()} {onclick}>
                <span class="row-top">
                    <span class="contact">{ &item.contact.name }</span>
                    if c.status == ConversationStatus::Escalated { <span class="badge escalated">{ "Asked for a person" }</span> }
                    <span class="when">{ time::short(c.updated_at) }</span>
                </span>
                <span class="row-bottom">
                    <span class="preview">{ preview }</span>
                    if item.unread_count > 0 { <span class="unread" title="Unread">{ item.unread_count }</span> }
                </span>
            </button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct ContactPanelProps {
    detail: ConversationDetail,
}

/// Who the contact is, with "Block contact" (their sessions end and their email is refused).
#[function_component]
fn ContactPanel(props: &ContactPanelProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let c = &props.detail.contact;
    let blocked = use_state(|| c.blocked);
    let m = &c.metadata;
    let field = |label: &'static str, value: Option<String>| {
        html! { <><dt>{ label }</dt><dd>{ value.unwrap_or_else(|| "—".to_owned()) }</dd></> }
    };
    let onblock = {
        let (ctx, blocked, id) = (ctx.clone(), blocked.clone(), props.detail.conversation.id);
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "Block this contact? Their chats end and they cannot start new ones.",
                    )
                    .ok()
                })
                .unwrap_or(false);
            if !confirmed {
                return;
            }
            let (ctx, blocked) = (ctx.clone(), blocked.clone());
            spawn_local(async move {
                let path = format!("/api/dashboard/conversations/{id}/block");
                match api::post_empty(&path).await {
                    Ok(()) => blocked.set(true),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        })
    };
    html! {
        <aside class="contact-panel">
            <h3>{ &c.name }
                if c.verified { <span class="badge verified" title={format!("Identified by your site as {}", c.external_id.clone().unwrap_or_default())}>{ "verified" }</span> }
                if *blocked { <span class="badge blocked">{ "blocked" }</span> }
            </h3>
            <p class="email">{ &c.email }</p>
            <dl>
                { field("Browser", m.user_agent.clone()) }
                { field("Language", m.language.clone()) }
                { field("Timezone", m.timezone.clone()) }
                { field("Page", m.current_url.clone()) }
                { field("Referrer", m.referrer.clone().filter(|r| !r.is_empty())) }
                { field("Screen", m.screen_resolution.clone()) }
                { field("Session expires", Some(time::long(c.expires_at))) }
            </dl>
            if !*blocked {
                <button type="button" class="link danger block-contact" onclick={onblock}>{ "Block contact" }</button>
            }
        </aside>
    }
}

/// The open conversation.
#[derive(Properties, PartialEq)]
struct ConversationProps {
    detail: ConversationDetail,
    messages: Vec<Message>,
    live: LiveHandle,
}

#[function_component]
fn ConversationView(props: &ConversationProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let draft = use_state(String::new);
    let composer = use_node_ref();
    let sending = use_state(|| false);
    let error = use_state(|| None::<String>);
    let end = use_node_ref();
    // When the last typing frame left (ms since the epoch).
    let typed_at = use_mut_ref(|| 0.0_f64);
    let conversation = &props.detail.conversation;
    let id = conversation.id;

    {
        let end = end.clone();
        let last = props.messages.last().map(|m| (m.seq, m.role));
        // Read only while the operator can see it: the visitor's "Seen" means seen.
        use_effect_with((id, last, ctx.visible), move |(id, last, visible)| {
            if let Some(el) = end.cast::<web_sys::Element>() {
                el.scroll_into_view_with_bool(false);
            }
            if let (Some((seq, MessageRole::Contact)), true) = (last, visible) {
                spawn_local(mark_read(*id, *seq));
            }
        });
    }

    // Sending reads the textarea itself, not the last rendered draft, so keystrokes typed
    // faster than a re-render are not cut off; the text stays until the reply is stored.
    let send = {
        let (ctx, draft, sending, error, composer, typed_at) = (
            ctx.clone(),
            draft.clone(),
            sending.clone(),
            error.clone(),
            composer.clone(),
            typed_at.clone(),
        );
        Callback::from(move |()| {
            let Some(area) = composer.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let content = area.value();
            if content.trim().is_empty() || *sending {
                return;
            }
            sending.set(true);
            error.set(None);
            // The next keystroke starts a new reply: say so at once.
            *typed_at.borrow_mut() = 0.0;
            let (ctx, draft, sending, error) =
                (ctx.clone(), draft.clone(), sending.clone(), error.clone());
            spawn_local(async move {
                let body = OperatorReply {
                    id: Some(MessageId::new_random()),
                    content,
                };
                match api::post::<_, Message>(
                    &format!("/api/dashboard/conversations/{id}/messages"),
                    &body,
                )
                .await
                {
                    Ok(message) => {
                        area.set_value("");
                        draft.set(String::new());
                        ctx.dispatch(Action::MessageIn(message));
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
                sending.set(false);
            });
        })
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send.emit(());
            }
        })
    };
    let onsubmit = {
        let send = send.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send.emit(());
        })
    };
    let oninput = {
        let (draft, typed_at, link) = (draft.clone(), typed_at.clone(), props.live.0.clone());
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
            // The visitor sees the operator typing: one frame per couple of seconds at most.
            let now = js_sys::Date::now();
            let every = f64::from(parley_shared::limits::TYPING_SEND_EVERY_MS);
            if now - *typed_at.borrow() >= every {
                *typed_at.borrow_mut() = now;
                let link = link.clone();
                spawn_local(async move { live::typing(&link, id).await });
            }
        })
    };
    let set_status = |status: ConversationStatus, label: &'static str, class: &'static str| {
        let ctx = ctx.clone();
        let onclick = Callback::from(move |_| {
            let ctx = ctx.clone();
            spawn_local(async move {
                let path = format!("/api/dashboard/conversations/{id}");
                match api::patch::<_, Conversation>(&path, &UpdateConversation { status }).await {
                    Ok(c) => ctx.dispatch(Action::ConversationChanged(c)),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
        html! { <button type="button" class={classes!("status-action", class)} {onclick}>{ label }</button> }
    };
    let actions = match conversation.status {
        ConversationStatus::Unresolved => html! { <>
            { set_status(ConversationStatus::Escalated, "Escalate", "escalate") }
            { set_status(ConversationStatus::Resolved, "Resolve", "resolve") }
        </> },
        ConversationStatus::Escalated => html! { <>
            { set_status(ConversationStatus::Unresolved, "De-escalate", "reopen") }
            { set_status(ConversationStatus::Resolved, "Resolve", "resolve") }
        </> },
        ConversationStatus::Resolved => {
            set_status(ConversationStatus::Unresolved, "Reopen", "reopen")
        }
    };
    let responder = {
        let (ctx, active) = (ctx.clone(), conversation.responder_active);
        let onclick = Callback::from(move |_| {
            let ctx = ctx.clone();
            spawn_local(async move {
                let path = format!("/api/dashboard/conversations/{id}/responder");
                let body = parley_shared::staff::SetResponder { active: !active };
                match api::put::<_, Conversation>(&path, &body).await {
                    Ok(c) => ctx.dispatch(Action::ConversationChanged(c)),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
        html! {
            <button type="button" class={classes!("responder-toggle", active.then_some("on"))} {onclick}
                title="The AI responder answers visitors until a person replies">
                { if active { "AI answering · turn off" } else { "AI off · turn on" } }</button>
        }
    };
    // "Seen" goes under the team's newest message once the visitor has seen it.
    let last_team = props
        .messages
        .iter()
        .filter(|m| matches!(m.role, MessageRole::Operator | MessageRole::Assistant))
        .map(|m| m.seq)
        .max()
        .unwrap_or(0);
    html! {
        <section class="conversation" data-conversation-id={id.to_string()}>
            <header class="conversation-header">
                <h2>{ &props.detail.contact.name }</h2>
                <span class={classes!("status", conversation.status.as_str())}>{ conversation.status.as_str() }</span>
                <span class="spacer"></span>
                if conversation.status == ConversationStatus::Unresolved { { responder } }
                { actions }
            </header>
            <ol class="messages">
                { for props.messages.iter().map(|m| {
                    let mine = m.role != MessageRole::Contact;
                    let author = match m.role {
                        MessageRole::Contact => props.detail.contact.name.clone(),
                        _ => m.author_name.clone().unwrap_or_else(|| "Support".into()),
                    };
                    html! {
                        <li class={classes!("message", if mine { "staff" } else { "contact" })} data-seq={m.seq.to_string()}>
                            <div class="meta"><span class="author">{ author }</span><time>{ time::short(m.created_at) }</time></div>
                            <div class="bubble">{ &m.content }</div>
                            if mine && m.seq == last_team && conversation.contact_read_seq >= m.seq {
                                <div class="seen">{ "Seen" }</div>
                            }
                            if let Some(r) = &m.rating {
                                <div class="rated">{ format!("{} {}",
                                    match r.accuracy {
                                        parley_shared::public::Accuracy::Positive => "Rated helpful",
                                        parley_shared::public::Accuracy::Negative => "Rated not helpful",
                                        parley_shared::public::Accuracy::NotSpecified => "Rated",
                                    },
                                    r.feedback.as_deref().map(|f| format!("— “{f}”")).unwrap_or_default()) }</div>
                            }
                        </li>
                    }
                }) }
            </ol>
            if ctx.typing.is_some_and(|(typing, _)| typing == id) {
                <p class="muted visitor-typing" role="status">{ format!("{} is typing…", props.detail.contact.name) }</p>
            }
            <div ref={end}></div>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <form class="composer" {onsubmit}>
                <textarea rows="2" aria-label="Reply" placeholder="Reply… (Enter to send, Shift+Enter for a new line)"
                    ref={composer} value={(*draft).clone()} {oninput} {onkeydown} />
                <button type="submit" class="primary" disabled={*sending || draft.trim().is_empty()}>{ "Send" }</button>
            </form>
        </section>
    }
}

/// The inbox page.
#[function_component]
pub fn InboxPage(props: &InboxProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    {
        let ctx = ctx.clone();
        let key = (
            ctx.tab,
            ctx.inbox_epoch,
            ctx.me.as_ref().map(|m| m.current_organization_id),
        );
        use_effect_with(key, move |(tab, _, _)| {
            spawn_local(load_inbox(ctx, *tab, None));
        });
    }
    let tabs = [
        InboxFilter::Waiting,
        InboxFilter::Unresolved,
        InboxFilter::Escalated,
        InboxFilter::Resolved,
        InboxFilter::All,
    ];
    let selected = ctx.open.as_ref().map(|o| o.conversation.id);
    let more = ctx.inbox_next.clone().map(|cursor| {
        let ctx = ctx.clone();
        let tab = ctx.tab;
        html! {
            <button type="button" class="link more"
                onclick={Callback::from(move |_| spawn_local(load_inbox(ctx.clone(), tab, Some(cursor.clone()))))}>
                { "Load more" }</button>
        }
    });
    html! {
        <main class="inbox">
            <nav class="list">
                <div class="tabs" role="tablist">
                    { for tabs.iter().map(|tab| {
                        let ctx2 = ctx.clone();
                        let tab = *tab;
                        html! {
                            <button type="button" role="tab" data-tab={tab.as_str()}
                                aria-selected={(ctx.tab == tab).to_string()}
                                class={classes!("tab", (ctx.tab == tab).then_some("active"))}
                                onclick={Callback::from(move |_| ctx2.dispatch(Action::Tab(tab)))}>
                                { tab_label(tab) }
                            </button>
                        }
                    }) }
                </div>
                if ctx.inbox.is_empty() { <p class="muted empty">{ "No conversations here." }</p> }
                <ul class="rows">
                    { for ctx.inbox.iter().map(|item| row(&ctx, &props.live, item, Some(item.conversation.id) == selected)) }
                </ul>
                { more }
            </nav>
            if let Some(detail) = ctx.open.clone() {
                <ConversationView detail={detail.clone()} messages={ctx.messages.clone()} live={props.live.clone()} />
                <ContactPanel key={detail.conversation.id.to_string()} detail={detail.clone()} />
            } else {
                <section class="conversation empty"><p class="muted">{ "Select a conversation." }</p></section>
            }
        </main>
    }
}
