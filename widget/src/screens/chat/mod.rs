//! Chat: one conversation's messages, live, with optimistic sending.
//!
//! A sent message shows at once ("Sending…"), becomes "Sent" when the server acknowledges
//! it, and offers "Retry" on failure; retries reuse the message ID, so the server never
//! stores it twice. History comes over HTTP, then the live socket resumes after the highest
//! `seq` loaded.
//!
//! The thread shows one branch of the message tree: where the contact edited a message,
//! "‹ 2/2 ›" switches between the original and its edits, each with its own continuation.

mod branch;
mod edit;
mod follow;
mod outbox;
mod rating;
mod state;

use crate::app::{Action, AppContext, handle_api_error};
use crate::components::header::Header;
use crate::screens::selection::status_label;
use crate::{api, storage, time};
use branch::*;
use edit::*;
use follow::*;
use futures_util::future::{AbortHandle, abortable};
use outbox::*;
use parley_shared::api::{ConversationStatus, Message, MessageRole};
use parley_shared::tree::current_branch;
use parley_shared::{ConversationId, MessageId, Timestamp};
use rating::*;
use state::*;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Chat screen properties.
#[derive(Properties, PartialEq)]
pub struct ChatProps {
    /// The conversation shown.
    pub conversation_id: ConversationId,
    /// Not created yet: the first message creates it under `conversation_id`.
    #[prop_or_default]
    pub new: bool,
}

fn author(m: &Message) -> String {
    match m.role {
        MessageRole::Contact => "You".to_owned(),
        MessageRole::Operator => m
            .author_name
            .clone()
            .unwrap_or_else(|| "Support".to_owned()),
        MessageRole::Assistant => m
            .author_name
            .clone()
            .unwrap_or_else(|| "Assistant".to_owned()),
        MessageRole::System => "Parley".to_owned(),
    }
}

/// The line shown after "Talk to a person": who replies here, and when (the organization's
/// usual reply time, in minutes, if set).
fn handover_text(minutes: Option<u32>) -> String {
    match minutes {
        None => "A person will reply here as soon as possible.".to_owned(),
        Some(1) => "A person will reply here; we usually reply within a minute.".to_owned(),
        Some(m) if m < 60 => {
            format!("A person will reply here; we usually reply within {m} minutes.")
        }
        Some(m) if m < 120 => {
            "A person will reply here; we usually reply within an hour.".to_owned()
        }
        Some(m) => format!(
            "A person will reply here; we usually reply within {} hours.",
            m.div_ceil(60)
        ),
    }
}

/// The chat screen.
#[function_component]
pub fn ChatScreen(props: &ChatProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let chat = use_reducer(ChatState::default);
    let draft = use_state(String::new);
    let composer = use_node_ref();
    let end = use_node_ref();
    let id = props.conversation_id;
    let new = props.new;
    let typer = use_memo((), |_| crate::live::Typer::default());
    // When the last typing frame left (ms since the epoch).
    let typed_at = use_mut_ref(|| 0.0_f64);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();

    {
        let (ctx, chat, token, typer) =
            (ctx.clone(), chat.clone(), token.clone(), (*typer).clone());
        use_effect_with((id, new), move |&(id, new)| {
            let task = async move {
                if new {
                    // Nothing to load or follow until the first message creates it.
                    chat.dispatch(ChatAction::Loaded(
                        ConversationStatus::Unresolved,
                        Vec::new(),
                    ));
                } else {
                    load_and_follow(ctx, chat, token, id, typer).await;
                }
            };
            let (task, handle): (_, AbortHandle) = abortable(task);
            spawn_local(async move {
                let _ = task.await;
            });
            // Leaving the screen drops the socket.
            move || handle.abort()
        });
    }
    {
        let end = end.clone();
        let draft_len = chat.draft.as_ref().map_or(0, |d| d.2.len() + 1);
        use_effect_with((chat.items.len(), draft_len), move |_| {
            if let Some(el) = end.cast::<web_sys::Element>() {
                el.scroll_into_view_with_bool(false);
            }
        });
    }

    {
        // What the visitor sees is read: the team's "Seen", and the launcher's badge clears.
        let typer = (*typer).clone();
        let sent = use_mut_ref(|| 0_u64);
        let up = chat.link == Link::Up;
        use_effect_with(
            (chat.last_reply_seq(), ctx.seen, up),
            move |&(seq, seen, up)| {
                if !up {
                    // A new socket: say it again (the server ignores what it already has).
                    *sent.borrow_mut() = 0;
                } else if seen && seq > *sent.borrow() {
                    *sent.borrow_mut() = seq;
                    spawn_local(async move {
                        if !typer.read(seq).await {
                            *sent.borrow_mut() = 0;
                        }
                    });
                }
            },
        );
    }
    let resolved = chat.status == Some(ConversationStatus::Resolved);
    // Sends a message shown as pending; the first one of a new chat creates the
    // conversation first (a retry answers the same one), then it is followed like any other.
    let deliver = {
        let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
        Callback::from(move |message: Message| {
            if !new {
                post(ctx.clone(), chat.clone(), token.clone(), id, message);
                return;
            }
            let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
            spawn_local(async move {
                match api::create_conversation(&token, id).await {
                    Ok(_) => {
                        post(ctx.clone(), chat, token, id, message);
                        ctx.dispatch(Action::Open(id));
                    }
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            chat.dispatch(ChatAction::Failed(
                                message.id,
                                format!("Not sent: {}", e.message),
                            ));
                        }
                    }
                }
            });
        })
    };
    let send = {
        let (chat, draft, deliver, typed_at) = (
            chat.clone(),
            draft.clone(),
            deliver.clone(),
            typed_at.clone(),
        );
        Callback::from(move |content: String| {
            if content.trim().is_empty() || chat.status == Some(ConversationStatus::Resolved) {
                return;
            }
            draft.set(String::new());
            // The next keystroke starts a new message: say so at once.
            *typed_at.borrow_mut() = 0.0;
            let message = Message {
                id: MessageId::new_random(),
                conversation_id: id,
                seq: 0,
                role: MessageRole::Contact,
                author_name: None,
                content,
                created_at: Timestamp::from_unix_millis(js_sys::Date::now() as i64),
                rating: None,
                previous_message_id: None,
                sibling_index: 0,
            };
            storage::outbox_add(
                id,
                storage::Unsent {
                    id: message.id,
                    content: message.content.clone(),
                    created_at_ms: message.created_at.unix_millis(),
                },
            );
            chat.dispatch(ChatAction::Pending(message.clone()));
            deliver.emit(message);
        })
    };

    // Composer closures are rebuilt on every keystroke (the draft is state), so they
    // always hold the current text.
    // Sending reads the textarea itself, not the last rendered draft: keystrokes typed
    // faster than the view re-renders (fast typists, pasting, autofill) would be cut off.
    let onsubmit = {
        let (send, composer) = (send.clone(), composer.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(area) = composer.cast::<HtmlTextAreaElement>() {
                send.emit(area.value());
                area.set_value("");
            }
        })
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                let area = e.target_unchecked_into::<HtmlTextAreaElement>();
                send.emit(area.value());
                area.set_value("");
            }
        })
    };
    let oninput = {
        let (draft, typer, typed_at) = (draft.clone(), typer.clone(), typed_at.clone());
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
            // The team sees the visitor typing: one frame per couple of seconds at most.
            // (Keystrokes while not connected do not use up the interval.)
            let now = js_sys::Date::now();
            let every = f64::from(parley_shared::limits::TYPING_SEND_EVERY_MS);
            if typer.connected() && now - *typed_at.borrow() >= every {
                *typed_at.borrow_mut() = now;
                let typer = (*typer).clone();
                spawn_local(async move { typer.typing().await });
            }
        })
    };
    let back = {
        let ctx = ctx.clone();
        Callback::from(move |()| ctx.dispatch(Action::Back))
    };
    let new_conversation = {
        let ctx = ctx.clone();
        Callback::from(move |()| ctx.dispatch(Action::NewChat(ConversationId::new_random())))
    };

    // Stored messages on the chosen branch, then the ones still being sent.
    let stored: Vec<Message> = chat
        .items
        .iter()
        .filter(|i| i.message.seq > 0)
        .map(|i| i.message.clone())
        .collect();
    let branch = current_branch(&stored, &chat.chosen);
    let shown = branch
        .iter()
        .map(|b| {
            let item = chat
                .items
                .iter()
                .find(|i| i.message.id == stored[b.index].id);
            (item, Some(*b))
        })
        .chain(
            chat.items
                .iter()
                .filter(|i| i.message.seq == 0)
                .map(|i| (Some(i), None)),
        )
        .filter_map(|(item, b)| item.map(|item| (item, b)));
    let siblings_of = |m: &Message| -> Vec<MessageId> {
        let mut list: Vec<&Message> = stored
            .iter()
            .filter(|s| s.previous_message_id == m.previous_message_id)
            .collect();
        list.sort_by_key(|s| (s.sibling_index, s.seq));
        list.into_iter().map(|s| s.id).collect()
    };
    let last_answer = branch
        .last()
        .map(|b| &stored[b.index])
        .filter(|m| m.role == MessageRole::Assistant && m.previous_message_id.is_some())
        .map(|m| m.id);
    let answering = chat.status == Some(ConversationStatus::Unresolved) && chat.draft.is_none();
    // "Seen" goes under the visitor's newest stored message only.
    let last_mine = stored
        .iter()
        .filter(|m| m.role == MessageRole::Contact)
        .map(|m| m.seq)
        .max()
        .unwrap_or(0);
    let person_joined = chat.person_joined();
    let messages = shown.map(|(item, fork)| {
        let m = &item.message;
        let mine = m.role == MessageRole::Contact;
        let delivery = match &item.delivery {
            Delivery::Sending => html! { <span class="delivery sending">{ "Sending…" }</span> },
            Delivery::Sent if mine && m.seq > 0 && m.seq == last_mine && chat.staff_read >= m.seq => {
                html! { <span class="delivery seen">{ "Seen" }</span> }
            }
            Delivery::Sent if mine => html! { <span class="delivery sent">{ "Sent" }</span> },
            Delivery::Sent => html! {},
            Delivery::Failed(why) => {
                let retry = {
                    let (chat, deliver, message) = (chat.clone(), deliver.clone(), m.clone());
                    Callback::from(move |_| {
                        chat.dispatch(ChatAction::Retrying(message.id));
                        deliver.emit(message.clone());
                    })
                };
                html! {
                    <span class="delivery failed">{ why }
                        <button type="button" class="retry" onclick={retry}>{ "Retry" }</button>
                    </span>
                }
            }
        };
        html! {
            <li class={classes!("message", if mine { "mine" } else { "theirs" }, m.role.as_str())}
                data-message-id={m.id.to_string()} data-seq={m.seq.to_string()}>
                <div class="meta"><span class="author">{ author(m) }</span>
                    <time>{ time::short(m.created_at) }</time></div>
                <div class="bubble">{ m.content.clone() }</div>
                { delivery }
                if let Some(fork) = fork.filter(|f| f.siblings > 1) {
                    <BranchNav position={fork.position} ids={siblings_of(m)} parent={m.previous_message_id}
                        on_choose={{
                            let chat = chat.clone();
                            Callback::from(move |(parent, id)| chat.dispatch(ChatAction::Choose(parent, id)))
                        }} />
                }
                if answering && last_answer == Some(m.id) {
                    <button type="button" class="regenerate" onclick={{
                        let (ctx, token, answer, chat) = (ctx.clone(), token.clone(), m.id, chat.clone());
                        Callback::from(move |_| {
                            let (ctx, token, chat) = (ctx.clone(), token.clone(), chat.clone());
                            spawn_local(async move {
                                if let Err(e) = api::regenerate(&token, id, answer).await
                                    && let Some(e) = handle_api_error(&ctx, e)
                                {
                                    chat.dispatch(ChatAction::Error(e.message));
                                }
                            });
                        })
                    }}>{ "↻ Another answer" }</button>
                }
                if mine && m.seq > 0 && !resolved {
                    <EditMessage message={m.clone()} on_edited={{
                        let chat = chat.clone();
                        Callback::from(move |m: Message| chat.dispatch(ChatAction::Confirmed(m)))
                    }} />
                }
                if matches!(m.role, MessageRole::Operator | MessageRole::Assistant) && m.seq > 0 {
                    <RatingBar message={m.clone()} on_rated={
                        let chat = chat.clone();
                        Callback::from(move |m: Message| chat.dispatch(ChatAction::Confirmed(m)))
                    } />
                }
            </li>
        }
    });

    let writing = chat.draft.as_ref().map(|(id, author, content)| {
        html! {
            <li class="message theirs assistant draft" data-message-id={id.to_string()} aria-busy="true">
                <div class="meta"><span class="author">{ author.clone() }</span></div>
                if content.is_empty() {
                    <div class="bubble typing" aria-label="Typing"><span></span><span></span><span></span></div>
                } else {
                    <div class="bubble">{ content.clone() }</div>
                }
            </li>
        }
    });
    let person_typing = chat.typing.as_ref().filter(|_| chat.draft.is_none()).map(|(name, _)| {
        html! {
            <li class="message theirs operator person-typing">
                <div class="meta"><span class="author">{ name.clone() }</span></div>
                <div class="bubble typing" aria-label={format!("{name} is typing")}><span></span><span></span><span></span></div>
            </li>
        }
    });
    let talk_to_person = {
        let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
        Callback::from(move |_| {
            let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
            spawn_local(async move {
                match api::escalate(&token, id).await {
                    Ok(c) => chat.dispatch(ChatAction::Status(c.status)),
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            chat.dispatch(ChatAction::Error(e.message));
                        }
                    }
                }
            });
        })
    };

    let config = ctx.organization.clone();
    // After "Talk to a person", until one writes: say so, and how long it usually takes.
    let handover =
        (chat.status == Some(ConversationStatus::Escalated) && !person_joined).then(|| {
            let minutes = config.as_ref().and_then(|c| c.reply_time_minutes);
            html! {
                <li class="message system handover" role="status">
                    <div class="bubble">{ handover_text(minutes) }</div>
                </li>
            }
        });
    let greeting = config
        .as_ref()
        .and_then(|c| c.greeting.clone())
        .map(|text| {
            let name = config.as_ref().map(|c| c.name.clone()).unwrap_or_default();
            html! {
                <li class="message theirs greeting">
                    <div class="meta"><span class="author">{ name }</span></div>
                    <div class="bubble">{ text }</div>
                </li>
            }
        });
    let suggestions = (chat.loaded && chat.items.is_empty() && !resolved)
        .then(|| config.as_ref().map(|c| c.suggested_messages.clone()).unwrap_or_default())
        .filter(|s| !s.is_empty())
        .map(|list| {
            html! {
                <div class="suggestions">
                    { for list.into_iter().map(|text| {
                        let send = send.clone();
                        let label = text.clone();
                        html! {
                            <button type="button" class="suggestion"
                                onclick={Callback::from(move |_| send.emit(text.clone()))}>{ label }</button>
                        }
                    }) }
                </div>
            }
        });

    let status_bar = chat.status.map(|s| html! {
        <div class={classes!("status-bar", s.as_str())}>
            <span class={classes!("status", s.as_str())}>{ status_label(s) }</span>
            if chat.link == Link::Down && !resolved { <span class="reconnecting">{ "Reconnecting…" }</span> }
            if s == ConversationStatus::Unresolved && !new && !person_joined {
                <button type="button" class="talk-to-person" onclick={talk_to_person.clone()}>{ "Talk to a person" }</button>
            }
        </div>
    });

    html! {
        <>
            <Header title={super::title(&ctx)} on_back={back}
                menu={vec![(AttrValue::from("Start a new conversation"), new_conversation.clone())]} />
            { status_bar }
            <main class="screen chat" data-conversation-id={id.to_string()} data-live={if chat.link == Link::Up { "up" } else { "down" }}>
                if let Some(err) = &chat.error { <p class="form-error" role="alert">{ err }</p> }
                if !chat.loaded && chat.error.is_none() { <p class="muted">{ "Loading messages…" }</p> }
                <ol class="messages" aria-live="polite">{ greeting }{ for messages }{ handover }{ writing }{ person_typing }</ol>
                { suggestions }
                <div ref={end}></div>
            </main>
            if resolved {
                <div class="resolved-notice">
                    <p>{ "This conversation is resolved." }</p>
                    <button type="button" class="primary" onclick={Callback::from(move |_| new_conversation.emit(()))}>
                        { "Start a new conversation" }</button>
                </div>
            }
            <form class="composer" onsubmit={onsubmit}>
                <textarea rows="1" placeholder={if resolved { "This conversation is resolved" } else { "Write a message…" }}
                    aria-label="Message" ref={composer} value={(*draft).clone()} {oninput} {onkeydown} disabled={resolved}
                    maxlength={parley_shared::limits::DEFAULT_MAX_MESSAGE_CHARS.to_string()} />
                <button type="submit" class="send" disabled={resolved || draft.trim().is_empty()} aria-label="Send">{ "➤" }</button>
            </form>
        </>
    }
}
