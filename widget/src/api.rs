//! Calls to the widget API (same origin as the widget page). Errors carry the server's
//! `{"statusCode","code","message"}` body, so screens can react to codes.

use gloo_net::http::{Request, RequestBuilder, Response};
use parley_shared::api::{
    ContactSession, ContactSessionCreated, Conversation, CreateContactSession, IdentifyContact,
    Identity, Message, Page, SendMessage, WidgetConfig,
};
use parley_shared::{ConversationId, ErrorCode, OrganizationId};
use serde::de::DeserializeOwned;

/// A failed call: the HTTP status (0 when the network failed) and the server's code.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status, or 0 for a network failure.
    pub status: u16,
    /// The server's machine code, when it sent one.
    pub code: Option<ErrorCode>,
    /// A sentence to show.
    pub message: String,
}

impl ApiError {
    /// The session is gone (expired or unknown): the visitor must identify again.
    pub fn is_session_error(&self) -> bool {
        matches!(
            self.code,
            Some(ErrorCode::SessionExpired | ErrorCode::SessionInvalid)
        )
    }
}

async fn read<T: DeserializeOwned>(
    result: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = result.map_err(|_| ApiError {
        status: 0,
        code: None,
        message: "Network error: check your connection.".into(),
    })?;
    if response.ok() {
        return response.json::<T>().await.map_err(|e| ApiError {
            status: response.status(),
            code: None,
            message: format!("Unexpected answer from the server: {e}"),
        });
    }
    Err(error_of(response).await)
}

/// Like [`read`] for answers without a body (`202`, `204`).
async fn accepted(result: Result<Response, gloo_net::Error>) -> Result<(), ApiError> {
    let response = result.map_err(|_| ApiError {
        status: 0,
        code: None,
        message: "Network error: check your connection.".into(),
    })?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

/// The error an unsuccessful response carries.
async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<parley_shared::ErrorBody>().await {
        Ok(body) => ApiError {
            status,
            code: body.code,
            message: body.message,
        },
        Err(_) => ApiError {
            status,
            code: None,
            message: format!("The server answered {status}."),
        },
    }
}

fn authed(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Authorization", &format!("Bearer {token}"))
}

/// `?projectId=…` for the website the widget is on (from the iframe URL), or nothing.
fn project_query() -> String {
    crate::app::project_from_url()
        .map(|p| format!("?projectId={p}"))
        .unwrap_or_default()
}

/// The organization's widget configuration (404 `organization_not_found` when unknown).
pub async fn organization(id: OrganizationId) -> Result<WidgetConfig, ApiError> {
    let url = format!("/api/widget/organizations/{id}{}", project_query());
    read(Request::get(&url).send().await).await
}

/// Identifies the visitor; the answer holds the new credential.
pub async fn create_session(req: &CreateContactSession) -> Result<ContactSessionCreated, ApiError> {
    let request = Request::post("/api/widget/contact-sessions").json(req);
    match request {
        Ok(r) => read(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}

/// Identity verification on an existing session: the answer carries a new token (the old
/// one stops working).
pub async fn identify(token: &str, identity: &Identity) -> Result<ContactSessionCreated, ApiError> {
    let body = IdentifyContact {
        identity: identity.clone(),
    };
    match authed(Request::post("/api/widget/contact-session/identify"), token).json(&body) {
        Ok(r) => read(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}

/// Checks (and extends) the stored session.
pub async fn current_session(token: &str) -> Result<ContactSession, ApiError> {
    read(
        authed(Request::get("/api/widget/contact-session"), token)
            .send()
            .await,
    )
    .await
}

/// The visitor's conversations, newest activity first (first page, up to 50).
pub async fn conversations(token: &str) -> Result<Page<Conversation>, ApiError> {
    read(
        authed(Request::get("/api/widget/conversations?limit=50"), token)
            .send()
            .await,
    )
    .await
}

/// Starts a conversation (on the widget's project, if any).
pub async fn create_conversation(token: &str) -> Result<Conversation, ApiError> {
    let url = format!("/api/widget/conversations{}", project_query());
    read(authed(Request::post(&url), token).send().await).await
}

/// "Talk to a person": the conversation, now escalated.
pub async fn escalate(token: &str, id: ConversationId) -> Result<Conversation, ApiError> {
    let url = format!("/api/widget/conversations/{id}/escalate");
    read(authed(Request::post(&url), token).send().await).await
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
    match authed(Request::post(&url), token).json(&body) {
        Ok(r) => accepted(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}

/// One of the visitor's conversations.
pub async fn conversation(token: &str, id: ConversationId) -> Result<Conversation, ApiError> {
    read(
        authed(
            Request::get(&format!("/api/widget/conversations/{id}")),
            token,
        )
        .send()
        .await,
    )
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
        let page: Page<Message> = read(authed(Request::get(&url), token).send().await).await?;
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
    match authed(Request::put(&url), token).json(rating) {
        Ok(r) => read(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
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
    match authed(Request::post(&url), token).json(req) {
        Ok(r) => read(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}

/// `POST …/messages`: sends a contact message (idempotent by its ID).
pub async fn send_message(
    token: &str,
    conversation: ConversationId,
    req: &SendMessage,
) -> Result<Message, ApiError> {
    let url = format!("/api/widget/conversations/{conversation}/messages");
    match authed(Request::post(&url), token).json(req) {
        Ok(r) => read(r.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}
