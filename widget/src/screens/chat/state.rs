//! The chat screen's state and its transitions (a reducer, tested without a browser).

use parley_shared::MessageId;
use parley_shared::api::{ConversationStatus, Message};
use std::collections::HashMap;
use std::rc::Rc;
use yew::prelude::*;

/// Delivery state of a message in this view.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Delivery {
    Sending,
    Sent,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Item {
    pub(super) message: Message,
    pub(super) delivery: Delivery,
}

/// State of the live connection; "Reconnecting…" shows only after a real drop.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) enum Link {
    #[default]
    Connecting,
    Up,
    Down,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct ChatState {
    pub(super) items: Vec<Item>,
    pub(super) status: Option<ConversationStatus>,
    pub(super) loaded: bool,
    pub(super) link: Link,
    pub(super) error: Option<String>,
    /// Sibling chosen at each fork of the tree, by parent; forks not here show the branch
    /// with the newest message.
    pub(super) chosen: HashMap<Option<MessageId>, MessageId>,
    /// The assistant's answer being written: its future ID, author and text so far (empty:
    /// typing indicator).
    pub(super) draft: Option<(MessageId, String, String)>,
    /// An operator is typing: their name, and which indicator this is (the timer that hides
    /// it ends only its own).
    pub(super) typing: Option<(String, u32)>,
    /// How far the team has seen the conversation (`seq`): "Seen" under the visitor's
    /// messages up to there.
    pub(super) staff_read: u64,
}

impl ChatState {
    /// Whether a person from the team has written here (then "Talk to a person" is done).
    pub(super) fn person_joined(&self) -> bool {
        self.items
            .iter()
            .any(|i| i.message.role == parley_shared::api::MessageRole::Operator)
    }

    /// The highest stored `seq` of a reply shown (what the visitor has read when the widget
    /// is seen). Their own messages move nothing: a read frame per message sent would be a
    /// write per message for no one.
    pub(super) fn last_reply_seq(&self) -> u64 {
        self.items
            .iter()
            .filter(|i| i.message.role != parley_shared::api::MessageRole::Contact)
            .map(|i| i.message.seq)
            .max()
            .unwrap_or(0)
    }
}

pub(super) enum ChatAction {
    Loaded(ConversationStatus, Vec<Message>),
    Confirmed(Message),
    Pending(Message),
    Failed(MessageId, String),
    Retrying(MessageId),
    Status(ConversationStatus),
    /// The assistant is writing (frame `draft`).
    Draft(MessageId, String, String),
    /// An operator is typing (name, indicator number).
    Typing(String, u32),
    /// Indicator `n` has been shown long enough.
    TypingEnded(u32),
    /// Show this sibling at its fork (`‹ ›` navigation).
    Choose(Option<MessageId>, MessageId),
    Connected(bool),
    Error(String),
    /// The team has seen the conversation up to this `seq` (never moves back).
    StaffRead(u64),
}

impl ChatState {
    /// Adds or replaces (by ID) a message the server has stored; keeps `seq` order, with
    /// unconfirmed messages last in the order they were written.
    pub(super) fn confirm(&mut self, message: Message) {
        // Something new arrived: follow the conversation where it goes on.
        if !self.items.iter().any(|i| i.message.id == message.id) {
            self.chosen.clear();
        }
        if self.draft.as_ref().is_some_and(|d| d.0 == message.id) {
            self.draft = None;
        }
        // The operator's message replaces their typing indicator.
        if message.role == parley_shared::api::MessageRole::Operator {
            self.typing = None;
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
            ChatAction::StaffRead(seq) => next.staff_read = next.staff_read.max(seq),
            // Shown once however often it is queued (the first message of a new chat is
            // posted, then found again in the outbox when the chat loads): a second item
            // would stay "Sending…" after the first was confirmed.
            ChatAction::Pending(m) => match next.items.iter_mut().find(|i| i.message.id == m.id) {
                Some(item) if item.delivery != Delivery::Sent => item.delivery = Delivery::Sending,
                Some(_) => {}
                None => next.items.push(Item {
                    message: m,
                    delivery: Delivery::Sending,
                }),
            },
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
            ChatAction::Typing(name, n) => next.typing = Some((name, n)),
            ChatAction::TypingEnded(n) => {
                if next.typing.as_ref().is_some_and(|(_, shown)| *shown == n) {
                    next.typing = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use parley_shared::api::MessageRole;
    use parley_shared::{ConversationId, Timestamp};

    fn message(id: MessageId, seq: u64, content: &str) -> Message {
        Message {
            id,
            conversation_id: ConversationId::new_random(),
            seq,
            role: MessageRole::Contact,
            author_name: None,
            content: content.into(),
            created_at: Timestamp::from_unix_millis(0),
            rating: None,
            previous_message_id: None,
            sibling_index: 0,
        }
    }

    fn reduce(state: ChatState, actions: Vec<ChatAction>) -> ChatState {
        let mut state = Rc::new(state);
        for action in actions {
            state = state.reduce(action);
        }
        (*state).clone()
    }

    fn contents(state: &ChatState) -> Vec<(&str, &Delivery)> {
        state
            .items
            .iter()
            .map(|i| (i.message.content.as_str(), &i.delivery))
            .collect()
    }

    #[test]
    fn a_pending_message_stays_last_until_confirmed_then_takes_its_seq_place() {
        let (a, b, mine) = (
            MessageId::new_random(),
            MessageId::new_random(),
            MessageId::new_random(),
        );
        let state = reduce(
            ChatState::default(),
            vec![
                ChatAction::Loaded(
                    ConversationStatus::Unresolved,
                    vec![message(a, 1, "Bonjour")],
                ),
                ChatAction::Pending(message(mine, 0, "Ma commande ?")),
                ChatAction::Confirmed(message(b, 2, "Réponse")),
            ],
        );
        assert!(state.loaded);
        assert_eq!(
            contents(&state),
            [
                ("Bonjour", &Delivery::Sent),
                ("Réponse", &Delivery::Sent),
                ("Ma commande ?", &Delivery::Sending)
            ]
        );
        let state = reduce(
            state,
            vec![ChatAction::Confirmed(message(mine, 3, "Ma commande ?"))],
        );
        assert_eq!(
            contents(&state).last(),
            Some(&("Ma commande ?", &Delivery::Sent))
        );
        assert_eq!(state.items.len(), 3, "confirmed in place, not added twice");
    }

    #[test]
    fn a_failure_marks_only_an_unsent_message_and_a_retry_sends_it_again() {
        let (sent, unsent) = (MessageId::new_random(), MessageId::new_random());
        let state = reduce(
            ChatState::default(),
            vec![
                ChatAction::Confirmed(message(sent, 1, "déjà là")),
                ChatAction::Pending(message(unsent, 0, "perdu")),
                ChatAction::Failed(sent, "late failure".into()),
                ChatAction::Failed(unsent, "Not sent: offline".into()),
            ],
        );
        assert_eq!(
            contents(&state),
            [
                ("déjà là", &Delivery::Sent),
                ("perdu", &Delivery::Failed("Not sent: offline".into()))
            ]
        );
        let state = reduce(state, vec![ChatAction::Retrying(unsent)]);
        assert_eq!(state.items[1].delivery, Delivery::Sending);
    }

    #[test]
    fn a_draft_shows_until_its_message_arrives_and_late_pieces_change_nothing() {
        let answer = MessageId::new_random();
        let state = reduce(
            ChatState::default(),
            vec![ChatAction::Draft(
                answer,
                "Assistant".into(),
                "Je cher".into(),
            )],
        );
        assert_eq!(state.draft.as_ref().map(|d| d.2.as_str()), Some("Je cher"));
        let state = reduce(
            state,
            vec![
                ChatAction::Confirmed(message(answer, 1, "Je cherche.")),
                ChatAction::Draft(answer, "Assistant".into(), "Je cherche".into()),
            ],
        );
        assert_eq!(state.draft, None);
    }

    #[test]
    fn a_chosen_branch_is_kept_until_something_new_arrives() {
        let (parent, edit, known) = (
            MessageId::new_random(),
            MessageId::new_random(),
            MessageId::new_random(),
        );
        let state = reduce(
            ChatState::default(),
            vec![
                ChatAction::Confirmed(message(known, 1, "x")),
                ChatAction::Choose(Some(parent), edit),
                ChatAction::Confirmed(message(known, 1, "x")),
            ],
        );
        assert_eq!(
            state.chosen.get(&Some(parent)),
            Some(&edit),
            "a repeat is not new"
        );
        let state = reduce(
            state,
            vec![ChatAction::Confirmed(message(
                MessageId::new_random(),
                2,
                "y",
            ))],
        );
        assert!(state.chosen.is_empty());
    }

    #[test]
    fn the_link_and_status_follow_their_events() {
        let state = reduce(ChatState::default(), vec![]);
        assert_eq!(state.link, Link::Connecting);
        let state = reduce(
            state,
            vec![
                ChatAction::Connected(true),
                ChatAction::Status(ConversationStatus::Escalated),
                ChatAction::Connected(false),
                ChatAction::Error("gone".into()),
            ],
        );
        assert_eq!(state.link, Link::Down);
        assert_eq!(state.status, Some(ConversationStatus::Escalated));
        assert_eq!(state.error.as_deref(), Some("gone"));
    }

    #[test]
    fn an_operator_typing_shows_until_their_message_or_its_own_timer() {
        let state = Rc::new(ChatState::default());
        let state = state.reduce(ChatAction::Typing("Camille".into(), 1));
        let state = state.reduce(ChatAction::Typing("Camille".into(), 2));
        // The first indicator's timer does not hide the second.
        let state = state.reduce(ChatAction::TypingEnded(1));
        assert_eq!(state.typing, Some(("Camille".into(), 2)));
        let state = state.reduce(ChatAction::TypingEnded(2));
        assert_eq!(state.typing, None);
        let state = state.reduce(ChatAction::Typing("Camille".into(), 3));
        let mut reply = message(MessageId::new_random(), 1, "Bonjour");
        reply.role = MessageRole::Operator;
        let state = state.reduce(ChatAction::Confirmed(reply));
        assert_eq!(state.typing, None, "the message replaces the indicator");
    }

    #[test]
    fn a_message_queued_twice_is_shown_once_and_confirmed_once() {
        let id = MessageId::new_random();
        let pending = message(id, 0, "one");
        let state = Rc::new(ChatState::default())
            .reduce(ChatAction::Pending(pending.clone()))
            .reduce(ChatAction::Pending(pending.clone()));
        assert_eq!(state.items.len(), 1);
        let state = state.reduce(ChatAction::Confirmed(message(id, 1, "one")));
        assert_eq!(state.items.len(), 1);
        assert_eq!(state.items[0].delivery, Delivery::Sent);
        // Queued again once stored: it stays sent.
        let state = state.reduce(ChatAction::Pending(pending));
        assert_eq!(state.items[0].delivery, Delivery::Sent);
    }
}
