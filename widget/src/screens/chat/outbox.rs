//! Sending a contact message: optimistic display, the outbox kept across reloads, and
//! retries that reuse the message ID (the server stores it once).

use super::state::*;
use crate::app::{AppContext, handle_api_error};
use crate::{api, storage};
use parley_shared::api::{ConversationStatus, Message, MessageRole, SendMessage};
use parley_shared::{ConversationId, ErrorCode, MessageId, Timestamp};
use yew::platform::spawn_local;
use yew::prelude::*;

/// Posts (or re-posts) a contact message and records the outcome.
pub(super) fn post(
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
pub(super) fn unsent_message(conversation: ConversationId, unsent: &storage::Unsent) -> Message {
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
pub(super) fn flush_outbox(
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
