//! Chat: one conversation's messages, live, with optimistic sending.
//!
//! A sent message shows at once ("Sending…"), becomes "Sent" when the server acknowledges
//! it, and offers "Retry" on failure; retries reuse the message ID, so the server never
//! stores it twice. History comes over HTTP, then the live socket resumes after the highest
//! `seq` loaded.
//!
//! The thread shows one branch of the message tree: where the contact edited a message,
//! "‹ 2/2 ›" switches between the original and its edits, each with its own continuation.

use crate::app::{Action, AppContext, handle_api_error};
use crate::components::header::Header;
use crate::screens::selection::status_label;
use crate::{api, live, storage, time};
use futures_util::future::{AbortHandle, abortable};
use parley_shared::api::{ConversationStatus, Message, MessageRole, SendMessage};
use parley_shared::live::ServerFrame;
use parley_shared::public::Accuracy;
use parley_shared::tree::current_branch;
use parley_shared::{ConversationId, ErrorCode, MessageId, Timestamp};
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Delivery state of a message in this view.
#[derive(Clone, Debug, PartialEq)]
enum Delivery {
    Sending,
    Sent,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
struct Item {
    message: Message,
    delivery: Delivery,
}

/// State of the live connection; "Reconnecting…" shows only after a real drop.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Link {
    #[default]
    Connecting,
    Up,
    Down,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct ChatState {
    items: Vec<Item>,
    status: Option<ConversationStatus>,
    loaded: bool,
    link: Link,
    error: Option<String>,
    /// Sibling chosen at each fork of the tree, by parent; forks not here show the branch
    /// with the newest message.
    chosen: HashMap<Option<MessageId>, MessageId>,
    /// The assistant's answer being written: its future ID, author and text so far (empty:
    /// typing indicator).
    draft: Option<(MessageId, String, String)>,
}

enum ChatAction {
    Loaded(ConversationStatus, Vec<Message>),
    Confirmed(Message),
    Pending(Message),
    Failed(MessageId, String),
    Retrying(MessageId),
    Status(ConversationStatus),
    /// The assistant is writing (frame `draft`).
    Draft(MessageId, String, String),
    /// Show this sibling at its fork (`‹ ›` navigation).
    Choose(Option<MessageId>, MessageId),
    Connected(bool),
    Error(String),
}

impl ChatState {
    /// Adds or replaces (by ID) a message the server has stored; keeps `seq` order, with
    /// unconfirmed messages last in the order they were written.
    fn confirm(&mut self, message: Message) {
        // Something new arrived: follow the conversation where it goes on.
        if !self.items.iter().any(|i| i.message.id == message.id) {
            self.chosen.clear();
        }
        if self.draft.as_ref().is_some_and(|d| d.0 == message.id) {
            self.draft = None;
        }
        match self.items.iter_mut().find(|i| i.message.id == message.id) {
            Some(item) => {
                *item = Item {
                    message,
                    delivery: Delivery::Sent,
                }
            }
            None => self.items.push(Item {
                message,
                delivery: Delivery::Sent,
            }),
        }
        self.items.sort_by_key(|i| {
            if i.message.seq == 0 {
                u64::MAX
            } else {
                i.message.seq
            }
        });
    }
}

impl Reducible for ChatState {
    type Action = ChatAction;

    fn reduce(self: Rc<Self>, action: ChatAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ChatAction::Loaded(status, messages) => {
                next.status = Some(status);
                next.loaded = true;
                for m in messages {
                    next.confirm(m);
                }
            }
            ChatAction::Confirmed(m) => next.confirm(m),
            ChatAction::Pending(m) => next.items.push(Item {
                message: m,
                delivery: Delivery::Sending,
            }),
            ChatAction::Failed(id, why) => {
                if let Some(item) = next
                    .items
                    .iter_mut()
                    .find(|i| i.message.id == id && i.delivery != Delivery::Sent)
                {
                    item.delivery = Delivery::Failed(why);
                }
            }
            ChatAction::Retrying(id) => {
                if let Some(item) = next.items.iter_mut().find(|i| i.message.id == id) {
                    item.delivery = Delivery::Sending;
                }
            }
            ChatAction::Status(status) => next.status = Some(status),
            ChatAction::Draft(id, author, content) => {
                // A late piece of an answer already stored changes nothing.
                if !next.items.iter().any(|i| i.message.id == id) {
                    next.draft = Some((id, author, content));
                }
            }
            ChatAction::Choose(parent, id) => {
                next.chosen.insert(parent, id);
            }
            ChatAction::Connected(up) => next.link = if up { Link::Up } else { Link::Down },
            ChatAction::Error(e) => next.error = Some(e),
        }
        Rc::new(next)
    }
}

/// Chat screen properties.
#[derive(Properties, PartialEq)]
pub struct ChatProps {
    /// The conversation shown.
    pub conversation_id: ConversationId,
}

/// Posts (or re-posts) a contact message and records the outcome.
fn post(
    ctx: AppContext,
    chat: UseReducerHandle<ChatState>,
    token: String,
    conversation: ConversationId,
    message: Message,
) {
    spawn_local(async move {
        let request = SendMessage {
            id: message.id,
            content: message.content.clone(),
        };
        match api::send_message(&token, conversation, &request).await {
            Ok(stored) => {
                storage::outbox_remove(conversation, stored.id);
                chat.dispatch(ChatAction::Confirmed(stored))
            }
            Err(e) if e.code == Some(ErrorCode::ConversationResolved) => {
                storage::outbox_remove(conversation, message.id);
                chat.dispatch(ChatAction::Status(ConversationStatus::Resolved));
                chat.dispatch(ChatAction::Failed(
                    message.id,
                    "Not sent: this conversation is resolved.".into(),
                ));
            }
            Err(e) => {
                // Kept for a later attempt only when it may still go through: no network,
                // a server fault, a timeout or a rate limit. A refusal (422, 404…) is final.
                let transient = matches!(e.status, 0 | 401 | 408 | 429) || e.status >= 500;
                if !transient {
                    storage::outbox_remove(conversation, message.id);
                }
                if let Some(e) = handle_api_error(&ctx, e) {
                    chat.dispatch(ChatAction::Failed(
                        message.id,
                        format!("Not sent: {}", e.message),
                    ));
                }
            }
        }
    });
}

/// A message of the outbox as the view shows it until the server confirms it.
fn unsent_message(conversation: ConversationId, unsent: &storage::Unsent) -> Message {
    Message {
        id: unsent.id,
        conversation_id: conversation,
        seq: 0,
        role: MessageRole::Contact,
        author_name: None,
        content: unsent.content.clone(),
        created_at: Timestamp::from_unix_millis(unsent.created_at_ms),
        rating: None,
        previous_message_id: None,
        sibling_index: 0,
    }
}

/// Sends what the outbox still holds for `id` (after a reload, or when the connection is
/// back); the server's idempotency makes a message sent twice stored once.
fn flush_outbox(
    ctx: &AppContext,
    chat: &UseReducerHandle<ChatState>,
    token: &str,
    id: ConversationId,
    stored: &[MessageId],
    show: bool,
) {
    for unsent in storage::outbox(id) {
        if stored.contains(&unsent.id) {
            storage::outbox_remove(id, unsent.id);
            continue;
        }
        let message = unsent_message(id, &unsent);
        if show {
            chat.dispatch(ChatAction::Pending(message.clone()));
        } else {
            chat.dispatch(ChatAction::Retrying(message.id));
        }
        post(ctx.clone(), chat.clone(), token.to_owned(), id, message);
    }
}

/// Loads the conversation and its history, then follows it live until dropped.
async fn load_and_follow(
    ctx: AppContext,
    chat: UseReducerHandle<ChatState>,
    token: String,
    id: ConversationId,
) {
    let loaded = async {
        let conversation = api::conversation(&token, id).await?;
        let messages = api::all_messages(&token, id).await?;
        Ok::<_, api::ApiError>((conversation, messages))
    };
    let last_seq = Rc::new(Cell::new(0));
    match loaded.await {
        Ok((conversation, messages)) => {
            last_seq.set(messages.iter().map(|m| m.seq).max().unwrap_or(0));
            let stored: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
            chat.dispatch(ChatAction::Loaded(conversation.status, messages));
            flush_outbox(&ctx, &chat, &token, id, &stored, true);
        }
        Err(e) => {
            if let Some(e) = handle_api_error(&ctx, e) {
                chat.dispatch(ChatAction::Error(e.message));
            }
            return;
        }
    }
    let on_frame = {
        let (chat, last_seq) = (chat.clone(), last_seq.clone());
        move |frame: ServerFrame| match frame {
            ServerFrame::Message { message } => {
                last_seq.set(last_seq.get().max(message.seq));
                chat.dispatch(ChatAction::Confirmed(message));
            }
            ServerFrame::Status { status, .. } => chat.dispatch(ChatAction::Status(status)),
            ServerFrame::Draft {
                message_id,
                author_name,
                content,
                ..
            } => chat.dispatch(ChatAction::Draft(message_id, author_name, content)),
            ServerFrame::Ready { conversation } => {
                chat.dispatch(ChatAction::Status(conversation.status))
            }
            ServerFrame::Error { .. } => {}
        }
    };
    let on_connected = {
        let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
        let was_down = Cell::new(false);
        move |up| {
            chat.dispatch(ChatAction::Connected(up));
            // Back after a drop: the network is likely back too, so send what waited.
            if up && was_down.replace(false) {
                flush_outbox(&ctx, &chat, &token, id, &[], false);
            }
            if !up {
                was_down.set(true);
            }
        }
    };
    let refusal = live::follow(token, id, last_seq, on_frame, on_connected).await;
    if matches!(
        refusal.code,
        Some(ErrorCode::SessionExpired | ErrorCode::SessionInvalid)
    ) {
        ctx.dispatch(Action::NeedAuth);
    } else {
        chat.dispatch(ChatAction::Error(refusal.message));
    }
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

/// The chat screen.
#[function_component]
pub fn ChatScreen(props: &ChatProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let chat = use_reducer(ChatState::default);
    let draft = use_state(String::new);
    let composer = use_node_ref();
    let end = use_node_ref();
    let id = props.conversation_id;
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();

    {
        let (ctx, chat, token) = (ctx.clone(), chat.clone(), token.clone());
        use_effect_with(id, move |id| {
            let (task, handle): (_, AbortHandle) =
                abortable(load_and_follow(ctx, chat, token, *id));
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

    let resolved = chat.status == Some(ConversationStatus::Resolved);
    let send = {
        let (ctx, chat, draft, token) = (ctx.clone(), chat.clone(), draft.clone(), token.clone());
        Callback::from(move |content: String| {
            if content.trim().is_empty() || chat.status == Some(ConversationStatus::Resolved) {
                return;
            }
            draft.set(String::new());
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
            post(ctx.clone(), chat.clone(), token.clone(), id, message);
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
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let back = {
        let ctx = ctx.clone();
        Callback::from(move |()| ctx.dispatch(Action::Back))
    };
    let new_conversation = {
        let (ctx, token, chat) = (ctx.clone(), token.clone(), chat.clone());
        Callback::from(move |()| {
            let (ctx, token, chat) = (ctx.clone(), token.clone(), chat.clone());
            spawn_local(async move {
                match api::create_conversation(&token).await {
                    Ok(c) => ctx.dispatch(Action::Open(c.id)),
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            chat.dispatch(ChatAction::Error(e.message));
                        }
                    }
                }
            });
        })
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
    let messages = shown.map(|(item, fork)| {
        let m = &item.message;
        let mine = m.role == MessageRole::Contact;
        let delivery = match &item.delivery {
            Delivery::Sending => html! { <span class="delivery sending">{ "Sending…" }</span> },
            Delivery::Sent if mine => html! { <span class="delivery sent">{ "Sent" }</span> },
            Delivery::Sent => html! {},
            Delivery::Failed(why) => {
                let retry = {
                    let (ctx, chat, token, message) =
                        (ctx.clone(), chat.clone(), token.clone(), m.clone());
                    Callback::from(move |_| {
                        chat.dispatch(ChatAction::Retrying(message.id));
                        post(
                            ctx.clone(),
                            chat.clone(),
                            token.clone(),
                            id,
                            message.clone(),
                        );
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
            if s == ConversationStatus::Unresolved {
                <button type="button" class="talk-to-person" onclick={talk_to_person.clone()}>{ "Talk to a person" }</button>
            }
        </div>
    });

    html! {
        <>
            <Header title={super::title(&ctx)} on_back={back}
                menu={vec![(AttrValue::from("Start a new conversation"), new_conversation.clone())]} />
            { status_bar }
            <main class="screen chat" data-conversation-id={id.to_string()}>
                if let Some(err) = &chat.error { <p class="form-error" role="alert">{ err }</p> }
                if !chat.loaded && chat.error.is_none() { <p class="muted">{ "Loading messages…" }</p> }
                <ol class="messages" aria-live="polite">{ greeting }{ for messages }{ writing }</ol>
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

/// Rating bar properties.
#[derive(Properties, PartialEq)]
struct RatingProps {
    message: Message,
    on_rated: Callback<Message>,
}

/// Thumbs up / down under an answer, then an optional comment.
#[function_component]
fn RatingBar(props: &RatingProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let comment = use_state(String::new);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();
    let current = props.message.rating.clone();
    let send = {
        let (ctx, token, message, on_rated) = (
            ctx.clone(),
            token.clone(),
            props.message.clone(),
            props.on_rated.clone(),
        );
        Callback::from(move |rating: parley_shared::api::Rating| {
            let (ctx, token, message, on_rated) = (
                ctx.clone(),
                token.clone(),
                message.clone(),
                on_rated.clone(),
            );
            spawn_local(async move {
                match api::rate(&token, message.conversation_id, message.id, &rating).await {
                    Ok(updated) => on_rated.emit(updated),
                    Err(e) => {
                        handle_api_error(&ctx, e);
                    }
                }
            });
        })
    };
    let thumb = |accuracy: Accuracy, label: &'static str, glyph: &'static str| {
        let (send, comment) = (
            send.clone(),
            current.as_ref().and_then(|r| r.feedback.clone()),
        );
        let pressed = current.as_ref().is_some_and(|r| r.accuracy == accuracy);
        html! {
            <button type="button" class={classes!("thumb", pressed.then_some("pressed"))} aria-label={label}
                title={label} aria-pressed={pressed.to_string()}
                onclick={Callback::from(move |_| send.emit(parley_shared::api::Rating { accuracy, feedback: comment.clone() }))}>
                { glyph }</button>
        }
    };
    let comment_form = current.as_ref().filter(|r| r.feedback.is_none()).map(|r| {
        let (send, comment2, accuracy) = (send.clone(), comment.clone(), r.accuracy);
        let onsubmit = Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send.emit(parley_shared::api::Rating { accuracy, feedback: Some((*comment2).clone()) });
        });
        let oninput = {
            let comment = comment.clone();
            Callback::from(move |e: InputEvent| comment.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
        };
        html! {
            <form class="rating-comment" {onsubmit}>
                <input type="text" aria-label="Comment" placeholder="Tell us more (optional)" maxlength="1000"
                    value={(*comment).clone()} {oninput} />
                <button type="submit" disabled={comment.trim().is_empty()}>{ "Send" }</button>
            </form>
        }
    });
    html! {
        <div class="rating">
            { thumb(Accuracy::Positive, "Helpful", "👍") }
            { thumb(Accuracy::Negative, "Not helpful", "👎") }
            if current.is_some() { <span class="thanks">{ "Thanks for your feedback" }</span> }
            { comment_form }
        </div>
    }
}

/// Branch navigation properties.
#[derive(Properties, PartialEq)]
struct BranchNavProps {
    /// The shown sibling's position, from 0.
    position: usize,
    /// The siblings' IDs in `siblingIndex` order.
    ids: Vec<MessageId>,
    /// Their common parent.
    parent: Option<MessageId>,
    on_choose: Callback<(Option<MessageId>, MessageId)>,
}

/// "‹ 2/3 ›" under a message that has edited versions.
#[function_component]
fn BranchNav(props: &BranchNavProps) -> Html {
    let go = |to: Option<usize>| {
        let target = to.and_then(|k| props.ids.get(k).copied());
        let (on_choose, parent) = (props.on_choose.clone(), props.parent);
        (
            target.is_none(),
            Callback::from(move |_| {
                if let Some(id) = target {
                    on_choose.emit((parent, id));
                }
            }),
        )
    };
    let (first, previous) = go(props.position.checked_sub(1));
    let (last, next) = go(Some(props.position + 1));
    html! {
        <div class="branches">
            <button type="button" class="branch-prev" aria-label="Previous version" disabled={first} onclick={previous}>{ "‹" }</button>
            <span class="branch-position">{ format!("{}/{}", props.position + 1, props.ids.len()) }</span>
            <button type="button" class="branch-next" aria-label="Next version" disabled={last} onclick={next}>{ "›" }</button>
        </div>
    }
}

/// Edit properties.
#[derive(Properties, PartialEq)]
struct EditProps {
    message: Message,
    on_edited: Callback<Message>,
}

/// "Edit" under the contact's own message: the new text is sent as a sibling branch.
#[function_component]
fn EditMessage(props: &EditProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let editing = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();
    let Some(text) = (*editing).clone() else {
        let (editing, content) = (editing.clone(), props.message.content.clone());
        return html! {
            <button type="button" class="edit" onclick={Callback::from(move |_| editing.set(Some(content.clone())))}>{ "Edit" }</button>
        };
    };
    let onsubmit = {
        let (editing, error, original, on_edited) = (
            editing.clone(),
            error.clone(),
            props.message.clone(),
            props.on_edited.clone(),
        );
        let text = text.clone();
        // One ID per edit attempt, so a retried submit is not stored twice.
        let id = MessageId::new_random();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if text.trim().is_empty() || text == original.content {
                editing.set(None);
                return;
            }
            let (ctx, token, editing, error, original, on_edited, text) = (
                ctx.clone(),
                token.clone(),
                editing.clone(),
                error.clone(),
                original.clone(),
                on_edited.clone(),
                text.clone(),
            );
            spawn_local(async move {
                let req = SendMessage { id, content: text };
                match api::edit_message(&token, original.conversation_id, original.id, &req).await {
                    Ok(stored) => {
                        editing.set(None);
                        on_edited.emit(stored);
                    }
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
            });
        })
    };
    let oninput = {
        let editing = editing.clone();
        Callback::from(move |e: InputEvent| {
            editing.set(Some(
                e.target_unchecked_into::<HtmlTextAreaElement>().value(),
            ))
        })
    };
    let cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(None))
    };
    html! {
        <form class="edit-form" {onsubmit}>
            <textarea aria-label="Edit message" value={text} {oninput}
                maxlength={parley_shared::limits::DEFAULT_MAX_MESSAGE_CHARS.to_string()} />
            if let Some(e) = &*error { <p class="form-error" role="alert">{ e }</p> }
            <div class="edit-actions">
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="primary">{ "Save" }</button>
            </div>
        </form>
    }
}
