//! Calls to the widget API (same origin as the widget page). Errors carry the server's
//! `{"statusCode","code","message"}` body, so screens can react to codes. Requests go
//! through the apps' shared client (`parley-client`).

use parley_shared::api::{
    ContactSession, ContactSessionCreated, Conversation, CreateContactSession, IdentifyContact,
    Identity, Message, Page, SendMessage, WidgetConfig,
};
use parley_shared::{ConversationId, OrganizationId};

pub use parley_client::ApiError;
use parley_client::request;

/// `?projectId=…` for the website the widget is on (from the iframe URL), or nothing.
fn project_query() -> String {
    crate::app::project_from_url()
        .map(|p| format!("?projectId={p}"))
        .unwrap_or_default()
}

/// The organization's widget configuration (404 `organization_not_found` when unknown).
pub async fn organization(id: OrganizationId) -> Result<WidgetConfig, ApiError> {
    let url = format!("/api/widget/organizations/{id}{}", project_query());
    request::get(&url).send().await
}

/// Identifies the visitor; the answer holds the new credential.
pub async fn create_session(req: &CreateContactSession) -> Result<ContactSessionCreated, ApiError> {
    request::post("/api/widget/contact-sessions")
        .json(req)
        .await
}

/// Identity verification on an existing session: the answer carries a new token (the old
/// one stops working).
pub async fn identify(token: &str, identity: &Identity) -> Result<ContactSessionCreated, ApiError> {
    let body = IdentifyContact {
        identity: identity.clone(),
    };
    request::post("/api/widget/contact-session/identify")
        .bearer(token)
        .json(&body)
        .await
}

/// Follows a "Continue the conversation" link from an email: the session with a new token
/// and the conversation to open.
pub async fn continue_conversation(
    secret: &str,
) -> Result<parley_shared::api::ConversationContinued, ApiError> {
    let body = parley_shared::api::ContinueConversation {
        token: secret.to_owned(),
    };
    request::post("/api/widget/continue").json(&body).await
}

/// Checks (and extends) the stored session.
pub async fn current_session(token: &str) -> Result<ContactSession, ApiError> {
    request::get("/api/widget/contact-session")
        .bearer(token)
        .send()
        .await
}

/// The visitor's conversations, newest activity first (first page, up to 50).
pub async fn conversations(token: &str) -> Result<Page<Conversation>, ApiError> {
    request::get("/api/widget/conversations?limit=50")
        .bearer(token)
        .send()
        .await
}

/// Starts a conversation (on the widget's project, if any).
pub async fn create_conversation(
    token: &str,
    id: ConversationId,
) -> Result<Conversation, ApiError> {
    let project = project_query().replacen('?', "&", 1);
    let url = format!("/api/widget/conversations?id={id}{project}");
    request::post(&url).bearer(token).send().await
}

/// "Talk to a person": the conversation, now escalated.
pub async fn escalate(token: &str, id: ConversationId) -> Result<Conversation, ApiError> {
    let url = format!("/api/widget/conversations/{id}/escalate");
    request::post(&url).bearer(token).send().await
}

/// Asks the assistant for another answer in place of `answer` (202; it arrives live).
pub async fn regenerate(
    token: &str,
    conversation: ConversationId,
    answer: parley_shared::MessageId,
) -> Result<(), ApiError> {
    let url = format!("/api/widget/conversations/{conversation}/messages/{answer}/regenerate");
    let body = parley_shared::api::Regenerate {
        id: uuid::Uuid::new_v4(),
    };
    request::post(&url).bearer(token).json(&body).await
}

/// One of the visitor's conversations.
pub async fn conversation(token: &str, id: ConversationId) -> Result<Conversation, ApiError> {
    request::get(&format!("/api/widget/conversations/{id}"))
        .bearer(token)
        .send()
        .await
}

/// Every message of a conversation, following cursors.
pub async fn all_messages(token: &str, id: ConversationId) -> Result<Vec<Message>, ApiError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/widget/conversations/{id}/messages?limit=100&cursor={c}"),
            None => format!("/api/widget/conversations/{id}/messages?limit=100"),
        };
        let page: Page<Message> = request::get(&url).bearer(token).send().await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// Rates an operator or assistant message; returns it with its rating.
pub async fn rate(
    token: &str,
    conversation: ConversationId,
    message: parley_shared::MessageId,
    rating: &parley_shared::api::Rating,
) -> Result<Message, ApiError> {
    let url = format!("/api/widget/conversations/{conversation}/messages/{message}/rating");
    request::put(&url).bearer(token).json(rating).await
}

/// Sends a contact message; resending the same `req.id` is safe.
/// `POST …/messages/{original}/edits`: the contact's edit of one of their messages, stored as
/// a sibling branch of it (the conversation continues from the edit).
pub async fn edit_message(
    token: &str,
    conversation: ConversationId,
    original: parley_shared::MessageId,
    req: &SendMessage,
) -> Result<Message, ApiError> {
    let url = format!("/api/widget/conversations/{conversation}/messages/{original}/edits");
    request::post(&url).bearer(token).json(req).await
}

/// `POST …/messages`: sends a contact message (idempotent by its ID).
pub async fn send_message(
    token: &str,
    conversation: ConversationId,
    req: &SendMessage,
) -> Result<Message, ApiError> {
    let url = format!("/api/widget/conversations/{conversation}/messages");
    request::post(&url).bearer(token).json(req).await
}
