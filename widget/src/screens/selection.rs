//! Selection: start a new chat, or reopen one of this contact's earlier conversations.

use crate::app::{Action, AppContext, handle_api_error};
use crate::components::header::Header;
use crate::{api, time};
use parley_shared::ConversationId;
use parley_shared::api::{Conversation, ConversationStatus, MessageRole};
use yew::platform::spawn_local;
use yew::prelude::*;

/// Label shown for a status.
pub fn status_label(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Unresolved => "Open",
        ConversationStatus::Escalated => "Escalated",
        ConversationStatus::Resolved => "Resolved",
    }
}

fn preview(c: &Conversation) -> String {
    match &c.last_message {
        Some(m) => {
            let who = match m.role {
                MessageRole::Contact => "You: ".to_owned(),
                _ => m
                    .author_name
                    .clone()
                    .map(|n| format!("{n}: "))
                    .unwrap_or_default(),
            };
            let text: String = m.content.chars().take(80).collect();
            format!("{who}{text}")
        }
        None => "No messages yet".to_owned(),
    }
}

/// The selection screen.
#[function_component]
pub fn SelectionScreen() -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let conversations = use_state(|| None::<Vec<Conversation>>);
    let error = use_state(|| None::<String>);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();

    {
        let (ctx, conversations, error, token) = (
            ctx.clone(),
            conversations.clone(),
            error.clone(),
            token.clone(),
        );
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::conversations(&token).await {
                    Ok(page) => conversations.set(Some(page.items)),
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
            });
        });
    }

    // Nothing is created yet: the conversation starts with the first message.
    let start = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::NewChat(ConversationId::new_random())))
    };

    // The live list once the watch socket has it; the one fetched at first until then.
    let shown = ctx
        .conversations
        .clone()
        .or_else(|| (*conversations).clone());
    let list = match &shown {
        None => html! { <p class="muted">{ "Loading your conversations…" }</p> },
        Some(items) if items.is_empty() => html! {},
        Some(items) => html! {
            <>
                <h2 class="section-title">{ "Your conversations" }</h2>
                <ul class="conversations">
                    { for items.iter().map(|c| {
                        let id = c.id;
                        let ctx = ctx.clone();
                        let status = c.status.as_str();
                        let unread = c.unread_count;
                        html! {
                            <li>
                                <button type="button" class={classes!("conversation", (unread > 0).then_some("has-unread"))}
                                    data-conversation-id={id.to_string()} data-unread={unread.to_string()}
                                    onclick={Callback::from(move |_| ctx.dispatch(Action::Open(id)))}>
                                    <span class="row">
                                        <span class={classes!("status", status)}>{ status_label(c.status) }</span>
                                        if unread > 0 {
                                            <span class="unread" aria-label={format!("{unread} unread")}>{ unread }</span>
                                        }
                                        <span class="when">{ time::short(c.updated_at) }</span>
                                    </span>
                                    <span class="preview">{ preview(c) }</span>
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            </>
        },
    };

    html! {
        <>
            <Header title={super::title(&ctx)} />
            <main class="screen selection">
                <button type="button" class="start-chat" onclick={start}>
                    <span>{ "Start a new chat" }</span><span aria-hidden="true">{ "›" }</span>
                </button>
                if let Some(err) = &*error { <p class="form-error" role="alert">{ err }</p> }
                { list }
            </main>
        </>
    }
}
