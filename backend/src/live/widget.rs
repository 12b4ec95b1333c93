//! A widget's live socket (protocol in `parley_shared::live`): one `subscribe` frame with
//! the contact token, then the conversation's messages and status in `seq` order, with gaps,
//! lags and resyncs read back from the store, until the contact session expires.

use super::socket::{self, Gone, Inbound, Outcome, Socket};
use super::{LiveEvent, Topic};
use crate::contacts::sessions;
use crate::conversations;
use crate::error::Error;
use crate::state::State;
use crate::store::{ContactSession, Revocation};
use parley_shared::ConversationId;
use parley_shared::api::{Message, MessageRole};
use parley_shared::live::{ClientFrame, ServerFrame};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How long a new socket may take to send its `subscribe` frame.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

fn widget_frame(message: Message) -> ServerFrame {
    ServerFrame::Message { message }
}

/// The widget's error frame.
pub fn error_frame(error: parley_shared::ErrorBody) -> ServerFrame {
    ServerFrame::Error { error }
}

/// What a widget socket's first frame asks for.
enum First {
    /// Follow one conversation: (token, conversation, after `seq`).
    Subscribe(String, ConversationId, u64),
    /// Follow the session's list of conversations: the token.
    Watch(String),
}

/// Reads the first frame (`subscribe` or `watch`); anything else, or nothing within
/// [`HANDSHAKE_TIMEOUT`], is refused (`bad_request`, `validation_failed`).
async fn read_first<S: Socket>(socket: &mut S) -> Result<First, Outcome> {
    loop {
        let frame = tokio::time::timeout(HANDSHAKE_TIMEOUT, socket::recv(socket))
            .await
            .map_err(|_| Error::BadRequest("expected a subscribe frame".into()))?;
        match frame {
            Inbound::Text(text) => {
                return match serde_json::from_str(&text) {
                    Ok(ClientFrame::Subscribe {
                        token,
                        conversation_id,
                        after_seq,
                    }) => Ok(First::Subscribe(token, conversation_id, after_seq)),
                    Ok(ClientFrame::Watch { token }) => Ok(First::Watch(token)),
                    Ok(ClientFrame::Typing | ClientFrame::Read { .. }) => Err(Outcome::Refused(
                        Error::Validation("subscribe first".into()),
                    )),
                    Err(e) => Err(Outcome::Refused(Error::Validation(e.to_string()))),
                };
            }
            Inbound::Control => continue,
            Inbound::Binary => {
                return Err(Error::BadRequest("expected a JSON text frame".into()).into());
            }
            Inbound::Closed => return Err(Outcome::Gone),
        }
    }
}

/// Re-reads the conversation's status and any missed messages (after lost events).
async fn resync<S: Socket>(
    state: &State,
    socket: &mut S,
    session: &ContactSession,
    id: ConversationId,
    last: &mut u64,
) -> Result<(), Outcome> {
    let conversation = conversations::get_own(state, session, id).await?;
    let status = ServerFrame::Status {
        conversation_id: id,
        status: conversation.status,
        updated_at: conversation.updated_at,
    };
    socket::send(socket, &status).await?;
    socket::backfill(state, socket, id, last, widget_frame).await
}

/// Whether `revocation` may cover `session` (then the socket re-reads its credential).
pub(super) fn covers(revocation: &LiveEvent, session: &ContactSession) -> bool {
    match revocation {
        LiveEvent::Revoked(Revocation::Contacts { email: None, .. }) => !session.verified,
        LiveEvent::Revoked(Revocation::Contacts {
            email: Some(email), ..
        }) => *email == parley_shared::limits::email_key(&session.email),
        _ => false,
    }
}

/// Serves one widget socket until the peer leaves, the hub closes, or the session ends:
/// `Refused` with the credential's error ([`sessions::still_valid`]) at once when a
/// revocation covering it is announced (blocked contact, "verified only" turned on, on any
/// instance), else at the next ping (expiry).
pub async fn follow<S: Socket>(state: &State, socket: &mut S) -> Result<(), Outcome> {
    let (token, conversation_id, after_seq) = match Box::pin(read_first(socket)).await? {
        First::Subscribe(token, id, after_seq) => (token, id, after_seq),
        First::Watch(token) => {
            let session = Box::pin(sessions::authenticate(state, &token)).await?;
            return Box::pin(super::watch::watch(state, socket, session)).await;
        }
    };
    let session = Box::pin(sessions::authenticate(state, &token)).await?;
    // Subscribe before reading the store: whatever commits after this point is announced,
    // whatever committed before it is read below, so nothing falls between the two.
    let mut events = state.hub.subscribe(Topic::Conversation(conversation_id));
    let mut revocations = state
        .hub
        .subscribe(Topic::Contacts(session.organization_id));
    let conversation = Box::pin(conversations::get_own(state, &session, conversation_id)).await?;
    Box::pin(socket::send(socket, &ServerFrame::Ready { conversation })).await?;
    let mut last = after_seq;
    Box::pin(socket::backfill(
        state,
        socket,
        conversation_id,
        &mut last,
        widget_frame,
    ))
    .await?;

    let mut ping = tokio::time::interval(socket::ping_every(state));
    ping.reset();
    let mut typing = super::Typing::default();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => match event.as_ref() {
                    LiveEvent::Frame(ServerFrame::Message { message }) if message.seq <= last => {}
                    LiveEvent::Frame(frame @ ServerFrame::Message { message }) if message.seq == last + 1 => {
                        last = message.seq;
                        socket::send(socket, frame).await?;
                    }
                    // A gap (commits announced out of order): read what is missing.
                    LiveEvent::Frame(ServerFrame::Message { .. }) => {
                        Box::pin(socket::backfill(state, socket, conversation_id, &mut last, widget_frame)).await?
                    }
                    LiveEvent::Frame(other) => socket::send(socket, other).await?,
                    LiveEvent::InboxChanged(_) | LiveEvent::Revoked(_) => {}
                    LiveEvent::Resync => {
                        Box::pin(resync(state, socket, &session, conversation_id, &mut last)).await?
                    }
                },
                Err(RecvError::Lagged(_)) => Box::pin(resync(state, socket, &session, conversation_id, &mut last)).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket::recv(socket) => match incoming {
                Inbound::Closed => return Err(Outcome::Gone),
                // The visitor types or reads (anything else after the subscription is ignored).
                Inbound::Text(text) => match serde_json::from_str(&text) {
                    Ok(ClientFrame::Typing) if typing.may_relay() => {
                        let org = session.organization_id;
                        super::typing(state, org, conversation_id, MessageRole::Contact, None).await;
                    }
                    Ok(ClientFrame::Read { seq }) => {
                        Box::pin(conversations::contact_read(state, &session, conversation_id, seq)).await?;
                    }
                    _ => {}
                },
                Inbound::Control | Inbound::Binary => {}
            },
            revoked = revocations.recv() => match revoked {
                Ok(event) if covers(&event, &session) => Box::pin(sessions::still_valid(state, &session)).await?,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => Box::pin(sessions::still_valid(state, &session)).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = ping.tick() => {
                // An expired session ends the subscription (HTTP activity may have extended
                // it meanwhile, so the store is asked, not the copy held here).
                Box::pin(sessions::still_valid(state, &session)).await?;
                socket::ping(socket).await.map_err(|_: Gone| Outcome::Gone)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversations::OwnConversation;
    use crate::conversations::messages;
    use crate::live::socket::testing::{self, Peer};
    use crate::live::socket::{Outbound, finish};
    use parley_shared::MessageId;
    use parley_shared::api::{ConversationStatus, CreateContactSession, SendMessage};
    use serde_json::json;
    use std::sync::Arc;

    /// A visitor of the demo organization with one conversation.
    async fn visitor(state: &State) -> (String, OwnConversation) {
        let org =
            crate::staff::organizations::ensure_demo(state.store.as_ref(), state.clock.as_ref())
                .await
                .unwrap();
        let created = sessions::create(
            state,
            CreateContactSession {
                organization_id: org.id,
                name: "Zoé".into(),
                email: "zoe@example.fr".into(),
                metadata: Default::default(),
                identity: None,
            },
        )
        .await
        .unwrap();
        let session = sessions::authenticate(state, &created.token).await.unwrap();
        let conversation = conversations::create(state, &session, None, None)
            .await
            .unwrap();
        let own = OwnConversation {
            session,
            id: conversation.id,
            status: ConversationStatus::Unresolved,
        };
        (created.token, own)
    }

    async fn say(state: &State, own: &OwnConversation, text: &str) -> u64 {
        let req = SendMessage {
            id: MessageId::new_random(),
            content: text.into(),
        };
        messages::send_as_contact(state, own, req)
            .await
            .unwrap()
            .0
            .seq
    }

    fn subscribe(peer: &Peer, token: &str, own: &OwnConversation, after_seq: u64) {
        peer.send_json(json!({
            "type": "subscribe", "token": token,
            "conversationId": own.id, "afterSeq": after_seq,
        }));
    }

    async fn expect_message(peer: &mut Peer, seq: u64) {
        let frame = peer.next_json().await;
        assert_eq!(frame["type"], "message", "{frame}");
        assert_eq!(frame["message"]["seq"], seq, "{frame}");
    }

    #[tokio::test]
    async fn a_binary_first_frame_is_refused_with_an_error_frame_then_a_close() {
        let dir = tempfile::tempdir().unwrap();
        let (state, _) = testing::state(dir.path()).await;
        let (mut socket, mut peer) = testing::pair();
        peer.to_server.unbounded_send(Inbound::Binary).unwrap();
        let outcome = follow(&state, &mut socket).await;
        finish(&mut socket, outcome, error_frame).await;
        let frame = peer.next_json().await;
        assert_eq!(frame["type"], "error");
        assert_eq!(frame["error"]["code"], "bad_request");
        assert_eq!(peer.next().await, Outbound::Close(None));
    }

    #[tokio::test]
    async fn replays_after_seq_follows_live_and_reads_back_a_gap_once() {
        let dir = tempfile::tempdir().unwrap();
        let (state, _) = testing::state(dir.path()).await;
        let (token, own) = visitor(&state).await;
        for text in ["un", "deux", "trois"] {
            say(&state, &own, text).await;
        }
        let (mut socket, mut peer) = testing::pair();
        subscribe(&peer, &token, &own, 1);
        let server = {
            let state = state.clone();
            tokio::spawn(async move { follow(&state, &mut socket).await })
        };
        assert_eq!(peer.next_json().await["type"], "ready");
        expect_message(&mut peer, 2).await;
        expect_message(&mut peer, 3).await;

        assert_eq!(say(&state, &own, "quatre").await, 4);
        expect_message(&mut peer, 4).await;

        // Two messages committed on another instance's hub: only the second is announced
        // here, so the socket sees a gap and reads both from the store, in order, once.
        let elsewhere = State {
            hub: Arc::default(),
            ..state.clone()
        };
        say(&elsewhere, &own, "cinq").await;
        let six = say(&elsewhere, &own, "six").await;
        let stored = state.store.messages_after(own.id, 5, 10).await.unwrap();
        state
            .hub
            .message_created(own.session.organization_id, &stored[0]);
        expect_message(&mut peer, 5).await;
        expect_message(&mut peer, six).await;
        // A late duplicate announcement sends nothing: the next frame is the next message.
        state
            .hub
            .message_created(own.session.organization_id, &stored[0]);
        say(&state, &own, "sept").await;
        expect_message(&mut peer, 7).await;

        drop(peer);
        assert!(matches!(server.await.unwrap(), Err(Outcome::Gone)));
    }

    #[tokio::test]
    async fn an_expired_session_ends_the_socket_at_the_next_ping() {
        let dir = tempfile::tempdir().unwrap();
        let (state, clock) = testing::state(dir.path()).await;
        let (token, own) = visitor(&state).await;
        let (mut socket, mut peer) = testing::pair();
        subscribe(&peer, &token, &own, 0);
        let server = {
            let state = state.clone();
            tokio::spawn(async move { follow(&state, &mut socket).await })
        };
        assert_eq!(peer.next_json().await["type"], "ready");
        clock.advance_secs(30 * 24 * 3600);
        let outcome = server.await.unwrap();
        assert!(
            matches!(outcome, Err(Outcome::Refused(Error::SessionExpired))),
            "{outcome:?}"
        );
    }
}
