//! `GET /api/dashboard/live`: a dashboard's WebSocket (protocol in `parley_shared::staff`).
//! Authenticated by the session cookie sent with the upgrade request (the dashboard is
//! same-origin, so the browser sends it; SameSite=Strict keeps other sites out).

use super::dashboard::Staff;
use super::extract::Upgrade;
use super::live::{Gone, Outcome, READ_BUFFER_BYTES, backfill, ping_every, send};
use crate::accounts::{self, Operator};
use crate::app::AppState;
use crate::error::Error;
use crate::live::{LiveEvent, Topic};
use crate::staff;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket};
use axum::response::Response;
use parley_shared::ConversationId;
use parley_shared::api::Message;
use parley_shared::live::ServerFrame;
use parley_shared::staff::{StaffClientFrame, StaffServerFrame};
use std::future::pending;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};

#[utoipa::path(get, path = "/live", tag = "live", responses((status = 101, description = "WebSocket for the dashboard: inbox rows and followed conversations; see StaffClientFrame / StaffServerFrame"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = parley_shared::ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn upgrade(
    State(state): State<AppState>,
    Staff(op): Staff,
    Upgrade(ws): Upgrade,
) -> Response {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| serve(state, op, socket))
}

fn staff_frame(message: Message) -> StaffServerFrame {
    StaffServerFrame::Message { message }
}

async fn serve(state: AppState, op: Operator, mut socket: WebSocket) {
    let outcome = tokio::select! {
        outcome = follow(&state, op, &mut socket) => outcome,
        () = super::live::shutting_down(&state) => {
            let _ = socket.send(super::live::restarting()).await;
            return;
        }
    };
    if let Err(Outcome::Refused(error)) = outcome {
        let _ = send(
            &mut socket,
            &StaffServerFrame::Error {
                error: error.body(),
            },
        )
        .await;
    }
    let _ = socket.send(WsMessage::Close(None)).await;
}

/// The conversation a dashboard has open: its events and the highest `seq` sent.
struct Followed {
    id: ConversationId,
    events: broadcast::Receiver<Arc<LiveEvent>>,
    last: u64,
}

async fn next_event(followed: &mut Option<Followed>) -> Result<Arc<LiveEvent>, RecvError> {
    match followed {
        Some(f) => f.events.recv().await,
        None => pending().await,
    }
}

async fn follow(state: &AppState, op: Operator, socket: &mut WebSocket) -> Result<(), Outcome> {
    let mut inbox = state.hub.subscribe(Topic::Organization(op.organization_id));
    send(socket, &StaffServerFrame::Ready).await?;
    let mut followed: Option<Followed> = None;
    let mut ping = tokio::time::interval(ping_every(state));
    ping.reset();
    loop {
        tokio::select! {
            event = inbox.recv() => match event {
                Ok(event) => match event.as_ref() {
                    LiveEvent::InboxChanged(id) => {
                        if let Some(item) = staff::inbox_item(state, &op, *id).await? {
                            send(socket, &StaffServerFrame::Inbox { item }).await?;
                        }
                    }
                    LiveEvent::Resync => send(socket, &StaffServerFrame::Ready).await?,
                    LiveEvent::Frame(_) => {}
                },
                // Missed inbox changes: the client refetches its inbox on `ready`.
                Err(RecvError::Lagged(_)) => send(socket, &StaffServerFrame::Ready).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            event = next_event(&mut followed) => {
                let Some(f) = followed.as_mut() else { continue };
                match event.as_deref() {
                    Ok(LiveEvent::Frame(ServerFrame::Message { message })) if message.seq == f.last + 1 => {
                        f.last = message.seq;
                        send(socket, &staff_frame(message.clone())).await?;
                    }
                    Ok(LiveEvent::Frame(ServerFrame::Message { message })) if message.seq <= f.last => {}
                    // Gaps, lag and resyncs: read what is missing.
                    Ok(LiveEvent::Frame(ServerFrame::Message { .. }) | LiveEvent::Resync) | Err(RecvError::Lagged(_)) => {
                        backfill(state, socket, f.id, &mut f.last, staff_frame).await?;
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => followed = None,
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let StaffClientFrame::Follow { conversation_id, after_seq } = serde_json::from_str(text.as_str())
                        .map_err(|e| Outcome::Refused(Error::Validation(e.to_string())))?;
                    followed = match conversation_id {
                        Some(id) => {
                            // Subscribe first, then replay: nothing falls in between.
                            let events = state.hub.subscribe(Topic::Conversation(id));
                            staff::detail(state, &op, id).await?;
                            let mut f = Followed { id, events, last: after_seq };
                            backfill(state, socket, id, &mut f.last, staff_frame).await?;
                            Some(f)
                        }
                        None => None,
                    };
                }
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return Err(Outcome::Gone),
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                // The session may have expired or the membership been removed meanwhile.
                let still_valid = accounts::decode_claims_still_valid(state, &op.claims)
                    && state.store.membership(op.user.id, op.organization_id).await.ok().flatten().is_some();
                if !still_valid {
                    return Err(Outcome::Refused(Error::Unauthorized));
                }
                socket.send(WsMessage::Ping(Default::default())).await.map_err(|_| Gone)?;
            }
        }
    }
}
