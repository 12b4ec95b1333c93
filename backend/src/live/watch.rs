//! A widget's `watch` socket: the contact session's conversations as a list (status, last
//! message, unread replies), each re-sent when it changes. It feeds the selection screen and
//! the launcher's unread badge while the widget is closed (issue 14: replies sent while the
//! widget was closed showed nothing on the host page).

use super::socket::{self, Inbound, Outcome, Socket};
use super::widget::covers;
use super::{LiveEvent, Topic};
use crate::contacts::sessions;
use crate::conversations;
use crate::state::State;
use crate::store::ContactSession;
use parley_shared::ConversationId;
use parley_shared::limits::WATCH_CONVERSATIONS;
use parley_shared::live::ServerFrame;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};

type Events = broadcast::Receiver<Arc<LiveEvent>>;

/// Whether `event` changes what the list shows of a conversation (a message, a status, a
/// read position); typing, drafts and inbox notices do not.
fn changes_the_list(event: &LiveEvent) -> bool {
    matches!(
        event,
        LiveEvent::Frame(
            ServerFrame::Message { .. } | ServerFrame::Status { .. } | ServerFrame::Read { .. }
        ) | LiveEvent::Resync
    )
}

/// The next event of any followed conversation, with its ID (pending forever with none).
async fn next(
    followed: &mut [(ConversationId, Events)],
) -> (ConversationId, Result<Arc<LiveEvent>, RecvError>) {
    if followed.is_empty() {
        return std::future::pending().await;
    }
    let pending = followed
        .iter_mut()
        .map(|(id, events)| Box::pin(async move { (*id, events.recv().await) }));
    futures_util::future::select_all(pending).await.0
}

/// Sends the conversation's current state (it was checked as the session's when followed).
async fn send_one<S: Socket>(
    state: &State,
    socket: &mut S,
    session: &ContactSession,
    id: ConversationId,
) -> Result<(), Outcome> {
    let conversation = conversations::get_own(state, session, id).await?;
    socket::send(socket, &ServerFrame::Conversation { conversation }).await?;
    Ok(())
}

/// Serves a `watch` socket for `session` until the peer leaves or the session ends (as
/// [`super::widget::follow`]: at once on a covering revocation, else at the next ping).
pub async fn watch<S: Socket>(
    state: &State,
    socket: &mut S,
    session: ContactSession,
) -> Result<(), Outcome> {
    // Subscribe before reading: a conversation started after this is announced here, one
    // changed after its topic is followed is announced there, and the list read below holds
    // everything earlier.
    let mut started = state.hub.subscribe(Topic::Session(session.id));
    let mut revocations = state
        .hub
        .subscribe(Topic::Contacts(session.organization_id));
    let limit = Some(WATCH_CONVERSATIONS as u32);
    let ids = conversations::list_own(state, &session, None, limit).await?;
    let mut followed: Vec<(ConversationId, Events)> = ids
        .items
        .iter()
        .map(|c| (c.id, state.hub.subscribe(Topic::Conversation(c.id))))
        .collect();
    let list = conversations::list_own(state, &session, None, limit).await?;
    for c in &list.items {
        if !followed.iter().any(|(id, _)| *id == c.id) {
            followed.push((c.id, state.hub.subscribe(Topic::Conversation(c.id))));
        }
    }
    let frame = ServerFrame::Conversations {
        conversations: list.items,
    };
    socket::send(socket, &frame).await?;

    let mut ping = tokio::time::interval(socket::ping_every(state));
    ping.reset();
    loop {
        tokio::select! {
            (id, event) = next(&mut followed) => match event {
                Ok(event) if !changes_the_list(&event) => {}
                Ok(_) | Err(RecvError::Lagged(_)) => send_one(state, socket, &session, id).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            event = started.recv() => match event {
                Ok(event) => {
                    if let LiveEvent::InboxChanged(id) = *event
                        && !followed.iter().any(|(known, _)| *known == id)
                    {
                        followed.push((id, state.hub.subscribe(Topic::Conversation(id))));
                        send_one(state, socket, &session, id).await?;
                    }
                }
                // Missed starts: follow whatever the list holds now.
                Err(RecvError::Lagged(_)) => {
                    let list = conversations::list_own(state, &session, None, limit).await?;
                    for c in list.items {
                        if !followed.iter().any(|(id, _)| *id == c.id) {
                            followed.push((c.id, state.hub.subscribe(Topic::Conversation(c.id))));
                            socket::send(socket, &ServerFrame::Conversation { conversation: c }).await?;
                        }
                    }
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket::recv(socket) => match incoming {
                Inbound::Closed => return Err(Outcome::Gone),
                // Nothing is expected from the client after `watch`.
                Inbound::Text(_) | Inbound::Control | Inbound::Binary => {}
            },
            revoked = revocations.recv() => match revoked {
                Ok(event) if covers(&event, &session) => sessions::still_valid(state, &session).await?,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => sessions::still_valid(state, &session).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = ping.tick() => {
                sessions::still_valid(state, &session).await?;
                socket::ping(socket).await.map_err(|_| Outcome::Gone)?;
            }
        }
    }
}
