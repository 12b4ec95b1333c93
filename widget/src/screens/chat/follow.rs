//! Loading a conversation's history, then following it live until the screen is left.

use super::outbox::*;
use super::state::*;
use crate::app::{AppContext, handle_api_error};
use crate::{api, live};
use parley_shared::api::MessageRole;
use parley_shared::limits::TYPING_SHOWN_MS;
use parley_shared::live::ServerFrame;
use parley_shared::{ConversationId, ErrorCode, MessageId};
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

/// Loads the conversation and its history, then follows it live until dropped.
pub(super) async fn load_and_follow(
    ctx: AppContext,
    chat: UseReducerHandle<ChatState>,
    token: String,
    id: ConversationId,
    typer: live::Typer,
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
            chat.dispatch(ChatAction::StaffRead(conversation.staff_read_seq));
            flush_outbox(&ctx, &chat, &token, id, &stored, true);
        }
        Err(e) => {
            if let Some(e) = handle_api_error(&ctx, e) {
                chat.dispatch(ChatAction::Error(e.message));
            }
            return;
        }
    }
    let shown = Rc::new(Cell::new(0u32));
    let on_frame = {
        let (chat, last_seq) = (chat.clone(), last_seq.clone());
        move |frame: ServerFrame| match frame {
            ServerFrame::Typing {
                role: MessageRole::Operator,
                author_name,
                ..
            } => {
                // Shown until its own timer ends (a newer indicator outlives it).
                let n = shown.get() + 1;
                shown.set(n);
                chat.dispatch(ChatAction::Typing(author_name.unwrap_or_default(), n));
                let chat = chat.clone();
                yew::platform::spawn_local(async move {
                    let shown = std::time::Duration::from_millis(u64::from(TYPING_SHOWN_MS));
                    gloo_timers::future::sleep(shown).await;
                    chat.dispatch(ChatAction::TypingEnded(n));
                });
            }
            ServerFrame::Typing { .. } => {}
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
                chat.dispatch(ChatAction::Status(conversation.status));
                chat.dispatch(ChatAction::StaffRead(conversation.staff_read_seq));
            }
            ServerFrame::Read {
                role: MessageRole::Operator,
                seq,
                ..
            } => chat.dispatch(ChatAction::StaffRead(seq)),
            ServerFrame::Read { .. }
            | ServerFrame::Conversations { .. }
            | ServerFrame::Conversation { .. }
            | ServerFrame::Error { .. } => {}
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
    let refusal = live::follow(token, id, last_seq, on_frame, on_connected, typer).await;
    if matches!(
        refusal.code,
        Some(ErrorCode::SessionExpired | ErrorCode::SessionInvalid)
    ) {
        crate::app::forget_session(&ctx);
    } else {
        chat.dispatch(ChatAction::Error(refusal.message));
    }
}
