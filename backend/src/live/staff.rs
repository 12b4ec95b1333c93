//! A dashboard's live socket (protocol in `parley_shared::staff`): the organization's inbox
//! changes, coalesced, and the messages of the one conversation the operator has open, with
//! gaps and lags read back from the store, until the staff session or membership ends.

use super::socket::{self, Inbound, Outcome, Socket};
use super::{LiveEvent, Topic};
use crate::error::Error;
use crate::staff::accounts::{self, Operator};
use crate::staff::inbox as staff;
use crate::state::State;
use parley_shared::ConversationId;
use parley_shared::api::{Message, MessageRole};
use parley_shared::live::ServerFrame;
use parley_shared::staff::{StaffClientFrame, StaffServerFrame};
use std::future::pending;
use std::sync::Arc;
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

fn staff_frame(message: Message) -> StaffServerFrame {
    StaffServerFrame::Message { message }
}

/// The dashboard's error frame.
pub fn error_frame(error: parley_shared::ErrorBody) -> StaffServerFrame {
    StaffServerFrame::Error { error }
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

/// Most inbox rows read in one query.
const MAX_COALESCED: usize = 100;

/// The inbox changes waiting on a dashboard socket, coalesced.
#[derive(Debug, Default)]
struct Changes {
    /// Conversations whose rows changed, each once, in the order first announced.
    changed: Vec<ConversationId>,
    /// Events were missed, or the hub asked for a re-read.
    resync: bool,
    /// The hub is gone.
    closed: bool,
}

/// `first` and whatever else is already queued (up to [`MAX_COALESCED`] rows): a busy
/// organization's messages then cost one inbox query per batch instead of one per message,
/// so a dashboard keeps up as load grows (issue 7's scaling curve) and sees each row once,
/// with its latest state.
fn drain(
    first: Result<Arc<LiveEvent>, RecvError>,
    inbox: &mut broadcast::Receiver<Arc<LiveEvent>>,
) -> Changes {
    let mut changes = Changes::default();
    let mut next = Some(first);
    while let Some(event) = next.take() {
        match event {
            Ok(event) => match event.as_ref() {
                LiveEvent::InboxChanged(id) => {
                    if !changes.changed.contains(id) {
                        changes.changed.push(*id);
                    }
                }
                LiveEvent::Resync => changes.resync = true,
                LiveEvent::Frame(_) | LiveEvent::Revoked(_) => {}
            },
            Err(RecvError::Lagged(_)) => changes.resync = true,
            Err(RecvError::Closed) => {
                changes.closed = true;
                break;
            }
        }
        if changes.changed.len() < MAX_COALESCED {
            next = match inbox.try_recv() {
                Ok(event) => Some(Ok(event)),
                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                Err(TryRecvError::Empty) => None,
            };
        }
    }
    changes
}

/// Whether `op`'s session still holds: its token within its limits (`session_valid`), the
/// account not logged out nor its password changed since (session epoch), and still a
/// member. `Refused(Unauthorized)` otherwise.
async fn check(
    state: &State,
    op: &Operator,
    session_valid: &impl Fn() -> bool,
) -> Result<(), Outcome> {
    if !session_valid() {
        return Err(Outcome::Refused(Error::Unauthorized));
    }
    let epoch = op.user.session_epoch;
    accounts::operator(state, op.user.id, op.organization_id, epoch).await?;
    Ok(())
}

/// Serves one dashboard socket for `op` until the peer leaves or the hub closes;
/// `Refused(Unauthorized)` once the session no longer holds ([`check`]): at once when a
/// revocation of the account is announced (logout, password change, membership removed, on
/// any instance), else at the next ping (expiry).
pub async fn follow<S: Socket>(
    state: &State,
    op: Operator,
    session_valid: impl Fn() -> bool,
    socket: &mut S,
) -> Result<(), Outcome> {
    let mut inbox = state.hub.subscribe(Topic::Organization(op.organization_id));
    let mut revocations = state.hub.subscribe(Topic::Account(op.user.id));
    socket::send(socket, &StaffServerFrame::Ready).await?;
    let mut followed: Option<Followed> = None;
    let mut typing = super::Typing::default();
    let mut ping = tokio::time::interval(socket::ping_every(state));
    ping.reset();
    loop {
        tokio::select! {
            event = inbox.recv() => {
                let changes = drain(event, &mut inbox);
                if changes.resync {
                    // Missed inbox changes: the client refetches its inbox on `ready` (which
                    // reads every change announced so far, so the rows need not be sent).
                    socket::send(socket, &StaffServerFrame::Ready).await?;
                } else if !changes.changed.is_empty() {
                    for item in staff::inbox_items(state, &op, &changes.changed).await? {
                        socket::send(socket, &StaffServerFrame::Inbox { item }).await?;
                    }
                }
                if changes.closed {
                    return Ok(());
                }
            },
            event = next_event(&mut followed) => {
                let Some(f) = followed.as_mut() else { continue };
                match event.as_deref() {
                    Ok(LiveEvent::Frame(ServerFrame::Message { message })) if message.seq == f.last + 1 => {
                        f.last = message.seq;
                        socket::send(socket, &staff_frame(message.clone())).await?;
                    }
                    Ok(LiveEvent::Frame(ServerFrame::Message { message })) if message.seq <= f.last => {}
                    Ok(LiveEvent::Frame(ServerFrame::Typing { conversation_id, role: MessageRole::Contact, .. })) => {
                        let frame = StaffServerFrame::Typing { conversation_id: *conversation_id };
                        socket::send(socket, &frame).await?;
                    }
                    Ok(LiveEvent::Frame(ServerFrame::Read { conversation_id, role: MessageRole::Contact, seq })) => {
                        let frame = StaffServerFrame::Read { conversation_id: *conversation_id, seq: *seq };
                        socket::send(socket, &frame).await?;
                    }
                    // Gaps, lag and resyncs: read what is missing.
                    Ok(LiveEvent::Frame(ServerFrame::Message { .. }) | LiveEvent::Resync) | Err(RecvError::Lagged(_)) => {
                        socket::backfill(state, socket, f.id, &mut f.last, staff_frame).await?;
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => followed = None,
                }
            },
            incoming = socket::recv(socket) => match incoming {
                Inbound::Text(text) => match serde_json::from_str(&text)
                    .map_err(|e| Outcome::Refused(Error::Validation(e.to_string())))?
                {
                    StaffClientFrame::Typing { conversation_id } => {
                        // Only in the conversation this dashboard follows (checked as its).
                        if followed.as_ref().is_some_and(|f| f.id == conversation_id) && typing.may_relay() {
                            let name = Some(op.user.display_name.clone());
                            super::typing(state, op.organization_id, conversation_id, MessageRole::Operator, name).await;
                        }
                    }
                    StaffClientFrame::Follow { conversation_id, after_seq } => followed = match conversation_id {
                        Some(id) => {
                            // Subscribe first, then replay: nothing falls in between.
                            let events = state.hub.subscribe(Topic::Conversation(id));
                            staff::detail(state, &op, id).await?;
                            let mut f = Followed { id, events, last: after_seq };
                            socket::backfill(state, socket, id, &mut f.last, staff_frame).await?;
                            Some(f)
                        }
                        None => None,
                    },
                },
                Inbound::Closed => return Err(Outcome::Gone),
                Inbound::Control | Inbound::Binary => {}
            },
            revoked = revocations.recv() => match revoked {
                // Any revocation of the account, or missed ones: re-check now.
                Ok(_) | Err(RecvError::Lagged(_)) => check(state, &op, &session_valid).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = ping.tick() => {
                // The session may have expired meanwhile.
                check(state, &op, &session_valid).await?;
                socket::ping(socket).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(id: ConversationId) -> Arc<LiveEvent> {
        Arc::new(LiveEvent::InboxChanged(id))
    }

    #[tokio::test]
    async fn queued_inbox_changes_are_read_once_each_in_first_announced_order() {
        let (tx, mut rx) = broadcast::channel(16);
        let (a, b) = (ConversationId::new_random(), ConversationId::new_random());
        for id in [a, b, a, b, a] {
            tx.send(changed(id)).unwrap();
        }
        let first = rx.recv().await;
        let changes = drain(first, &mut rx);
        assert_eq!(changes.changed, vec![a, b]);
        assert!(!changes.resync && !changes.closed);
        assert!(rx.try_recv().is_err(), "everything queued was taken");
    }

    #[tokio::test]
    async fn a_lagging_socket_resyncs_and_a_closed_hub_ends_it() {
        let (tx, mut rx) = broadcast::channel(2);
        let a = ConversationId::new_random();
        for _ in 0..5 {
            tx.send(changed(a)).unwrap();
        }
        let first = rx.recv().await;
        assert!(drain(first, &mut rx).resync);
        tx.send(changed(a)).unwrap();
        drop(tx);
        let first = rx.recv().await;
        let changes = drain(first, &mut rx);
        assert_eq!(changes.changed, vec![a]);
        assert!(changes.closed);
    }
}
