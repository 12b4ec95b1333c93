//! The dashboard's state: the model shared through context and the reducer that is its only
//! way to change (tested without a browser). Requests and the live socket dispatch actions;
//! they never change the model themselves.

use parley_shared::ConversationId;
use parley_shared::api::{Conversation, Message, Page};
use parley_shared::api::{ConversationStatus, MessageRole};
use parley_shared::staff::{ConversationDetail, InboxFilter, InboxItem, Me};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use yew::prelude::*;

/// What the main area shows.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// Checking the session.
    Loading,
    /// Log in or sign up.
    Login,
    /// Join an organization with an invite link's token.
    Invite(String),
    /// Conversations.
    Inbox,
    /// Widget settings, members, invites.
    Settings,
}

/// Dashboard-wide state.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Who is logged in.
    pub me: Option<Me>,
    /// The current view.
    pub view: View,
    /// The inbox tab.
    pub tab: InboxFilter,
    /// The inbox rows shown (current tab, most recent first).
    pub inbox: Vec<InboxItem>,
    /// Cursor of the next inbox page.
    pub inbox_next: Option<String>,
    /// Bumped whenever the inbox must be refetched (login, tab, live `ready`).
    pub inbox_epoch: u32,
    /// The open conversation.
    pub open: Option<ConversationDetail>,
    /// Its messages, in `seq` order.
    pub messages: Vec<Message>,
    /// Live link state.
    pub connected: bool,
    /// Conversations waiting for a person (not resolved) with messages this operator has
    /// not read, among those seen in any list or live update: the tab title's count.
    pub waiting_unread: BTreeSet<ConversationId>,
    /// The visitor of this conversation is typing, and which indicator this is (the timer
    /// that hides it ends only its own).
    pub typing: Option<(ConversationId, u32)>,
    /// What this dashboard last saw of each conversation (status, newest visitor message's
    /// `seq`): a live row that goes past it is news ([`Model::alert`]).
    pub known: HashMap<ConversationId, (ConversationStatus, u64)>,
    /// The latest news for the operator (a sound, a desktop notification), numbered so each
    /// is acted on once.
    pub alert: Option<Alert>,
    /// Whether the operator can see this dashboard (its tab is visible).
    pub visible: bool,
}

/// Something that may call for the operator's attention: a new conversation, a new visitor
/// message, or a visitor asking for a person.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Numbered in arrival order.
    pub n: u32,
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// It waits for a person (status escalated).
    pub escalated: bool,
    /// The first time this dashboard hears of it.
    pub new_conversation: bool,
    /// The visitor's name.
    pub contact: String,
    /// The newest message, shortened.
    pub text: String,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            me: None,
            view: View::Loading,
            tab: InboxFilter::Waiting,
            inbox: Vec::new(),
            inbox_next: None,
            inbox_epoch: 0,
            open: None,
            messages: Vec::new(),
            connected: false,
            waiting_unread: BTreeSet::new(),
            typing: None,
            known: HashMap::new(),
            alert: None,
            visible: true,
        }
    }
}

/// Everything that changes [`Model`].
pub enum Action {
    /// Logged in (or switched organization): go to the inbox.
    LoggedIn(Me),
    /// The session is over.
    LoggedOut,
    /// Show a view.
    Show(View),
    /// Switch inbox tab.
    Tab(InboxFilter),
    /// An inbox page arrived (`true`: append to the list).
    InboxLoaded(Page<InboxItem>, bool),
    /// A row changed live.
    InboxRow(InboxItem),
    /// A conversation was opened with its messages.
    Opened(Box<ConversationDetail>, Vec<Message>),
    /// A message of the open conversation (new, replayed or sent).
    MessageIn(Message),
    /// The open conversation changed (status).
    ConversationChanged(Conversation),
    /// The visitor of this conversation is typing (indicator number).
    Typing(ConversationId, u32),
    /// Indicator `n` has been shown long enough.
    TypingEnded(u32),
    /// Live link up or down.
    Connected(bool),
    /// The live link (re)connected: refetch the inbox.
    Ready,
    /// The visitor has seen this conversation up to `seq`.
    ContactRead(ConversationId, u64),
    /// The dashboard's tab was shown or hidden.
    Visible(bool),
}

fn in_tab(tab: InboxFilter, item: &InboxItem) -> bool {
    tab.includes(item.conversation.status)
}

/// Where a row sorts in `tab`: by group (escalated first in "Waiting"), then latest
/// activity; the server's order, so live rows land where a reload would put them.
fn sort_key(tab: InboxFilter, item: &InboxItem) -> (i64, parley_shared::Timestamp) {
    let c = &item.conversation;
    (tab.rank(c.status), c.updated_at)
}

impl Model {
    /// The browser tab's title: how many conversations wait for this operator with
    /// unread messages, e.g. "(3) Inbox · Parley" (so a background tab shows it).
    pub fn title(&self) -> String {
        match self.waiting_unread.len() {
            0 => "Inbox · Parley".to_owned(),
            n => format!("({n}) Inbox · Parley"),
        }
    }

    /// Remembers what `item` shows; with `live`, raises an [`Alert`] when it is news: a
    /// conversation not seen before, a newer visitor message, or a new escalation.
    fn note(&mut self, item: &InboxItem, live: bool) {
        let c = &item.conversation;
        let visitor_seq = c
            .last_message
            .as_ref()
            .filter(|m| m.role == MessageRole::Contact)
            .map(|m| m.seq);
        let before = self.known.get(&c.id).copied();
        let (_, known_seq) = before.unwrap_or((c.status, 0));
        let seq = visitor_seq.unwrap_or(0).max(known_seq);
        self.known.insert(c.id, (c.status, seq));
        if !live || c.status == ConversationStatus::Resolved {
            return;
        }
        let new_message = visitor_seq.is_some_and(|s| s > known_seq) && item.unread_count > 0;
        let escalated = c.status == ConversationStatus::Escalated
            && before.is_some_and(|(status, _)| status != ConversationStatus::Escalated);
        if new_message || escalated {
            self.alert = Some(Alert {
                n: self.alert.as_ref().map_or(1, |a| a.n + 1),
                conversation_id: c.id,
                escalated: c.status == ConversationStatus::Escalated,
                new_conversation: before.is_none(),
                contact: item.contact.name.clone(),
                text: c
                    .last_message
                    .as_ref()
                    .map(|m| m.content.chars().take(120).collect())
                    .unwrap_or_default(),
            });
        }
    }

    /// Notes whether `item` waits for a person with unread messages (the title's count).
    fn track_unread(&mut self, item: &InboxItem) {
        let id = item.conversation.id;
        if InboxFilter::Waiting.includes(item.conversation.status) && item.unread_count > 0 {
            self.waiting_unread.insert(id);
        } else {
            self.waiting_unread.remove(&id);
        }
    }
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::LoggedIn(me) => {
                let org_changed = next.me.as_ref().map(|m| m.current_organization_id)
                    != Some(me.current_organization_id);
                next.me = Some(me);
                if org_changed {
                    next.open = None;
                    next.messages.clear();
                    next.inbox.clear();
                    next.waiting_unread.clear();
                }
                next.view = View::Inbox;
                next.inbox_epoch += 1;
            }
            Action::LoggedOut => {
                return Rc::new(Model {
                    view: View::Login,
                    ..Model::default()
                });
            }
            Action::Show(view) => next.view = view,
            Action::Tab(tab) => {
                next.tab = tab;
                next.inbox.clear();
                next.inbox_epoch += 1;
            }
            Action::InboxLoaded(page, append) => {
                if !append {
                    next.inbox.clear();
                }
                for item in &page.items {
                    next.track_unread(item);
                    next.note(item, false);
                }
                next.inbox.extend(page.items);
                next.inbox_next = page.next_cursor;
            }
            Action::InboxRow(item) => {
                next.track_unread(&item);
                next.note(&item, true);
                if let Some(open) = next.open.as_mut()
                    && open.conversation.id == item.conversation.id
                {
                    open.conversation.status = item.conversation.status;
                }
                next.inbox
                    .retain(|i| i.conversation.id != item.conversation.id);
                if in_tab(next.tab, &item) {
                    let key = sort_key(next.tab, &item);
                    let at = next
                        .inbox
                        .iter()
                        .position(|i| sort_key(next.tab, i) < key)
                        .unwrap_or(next.inbox.len());
                    next.inbox.insert(at, item);
                }
            }
            Action::Opened(detail, messages) => {
                next.open = Some(*detail);
                next.messages = messages;
            }
            Action::MessageIn(message) => {
                // The visitor's message replaces their typing indicator.
                if message.role == parley_shared::api::MessageRole::Contact
                    && next
                        .typing
                        .is_some_and(|(id, _)| id == message.conversation_id)
                {
                    next.typing = None;
                }
                if next
                    .open
                    .as_ref()
                    .is_some_and(|o| o.conversation.id == message.conversation_id)
                {
                    // An operator's reply switches the AI responder off (the server does the same).
                    if message.role == parley_shared::api::MessageRole::Operator
                        && let Some(open) = next.open.as_mut()
                    {
                        open.conversation.responder_active = false;
                    }
                    match next.messages.iter_mut().find(|m| m.id == message.id) {
                        Some(existing) => *existing = message,
                        None => next.messages.push(message),
                    }
                    next.messages.sort_by_key(|m| m.seq);
                }
            }
            Action::ConversationChanged(conversation) => {
                if let Some(open) = next.open.as_mut()
                    && open.conversation.id == conversation.id
                {
                    open.conversation = conversation;
                }
            }
            Action::Typing(id, n) => next.typing = Some((id, n)),
            Action::TypingEnded(n) => {
                if next.typing.is_some_and(|(_, shown)| shown == n) {
                    next.typing = None;
                }
            }
            Action::Connected(up) => next.connected = up,
            Action::Ready => next.inbox_epoch += 1,
            Action::ContactRead(id, seq) => {
                if let Some(open) = next.open.as_mut()
                    && open.conversation.id == id
                {
                    let read = &mut open.conversation.contact_read_seq;
                    *read = (*read).max(seq);
                }
            }
            Action::Visible(visible) => next.visible = visible,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_shared::api::ConversationStatus;
    use parley_shared::staff::{ContactDetails, ContactSummary};
    use parley_shared::{ConversationId, OrganizationId, Timestamp};

    fn row(status: ConversationStatus, updated_ms: i64) -> InboxItem {
        let at = Timestamp::from_unix_millis(updated_ms);
        InboxItem {
            conversation: Conversation {
                id: ConversationId::new_random(),
                organization_id: OrganizationId(Default::default()),
                status,
                created_at: at,
                updated_at: at,
                last_seq: 0,
                last_message: None,
                responder_active: true,
                project_id: None,
                contact_read_seq: 0,
                staff_read_seq: 0,
                unread_count: 0,
            },
            contact: ContactSummary {
                name: "Zoé".into(),
                email: "zoe@example.fr".into(),
            },
            unread_count: 0,
        }
    }

    fn apply(model: Model, actions: Vec<Action>) -> Model {
        let mut model = Rc::new(model);
        for action in actions {
            model = model.reduce(action);
        }
        (*model).clone()
    }

    fn ids(model: &Model) -> Vec<ConversationId> {
        model.inbox.iter().map(|i| i.conversation.id).collect()
    }

    #[test]
    fn live_rows_keep_newest_first_and_leave_a_tab_they_no_longer_match() {
        let (old, new) = (
            row(ConversationStatus::Unresolved, 1),
            row(ConversationStatus::Unresolved, 2),
        );
        let model = apply(
            Model::default(),
            vec![Action::InboxLoaded(
                Page {
                    items: vec![old.clone()],
                    next_cursor: None,
                },
                false,
            )],
        );
        let model = apply(model, vec![Action::InboxRow(new.clone())]);
        assert_eq!(ids(&model), [new.conversation.id, old.conversation.id]);
        // Resolved elsewhere: it leaves the "Waiting" view.
        let mut resolved = old.clone();
        resolved.conversation.status = ConversationStatus::Resolved;
        resolved.conversation.updated_at = Timestamp::from_unix_millis(3);
        let model = apply(model, vec![Action::InboxRow(resolved)]);
        assert_eq!(ids(&model), [new.conversation.id]);
    }

    #[test]
    fn waiting_puts_escalated_first_and_counts_unread_waiting_conversations() {
        let model = Model::default();
        assert_eq!(
            model.tab,
            InboxFilter::Waiting,
            "the inbox opens on Waiting"
        );
        let mut asked = row(ConversationStatus::Unresolved, 5);
        asked.unread_count = 2;
        let model = apply(
            model,
            vec![Action::InboxLoaded(
                Page {
                    items: vec![asked.clone()],
                    next_cursor: None,
                },
                false,
            )],
        );
        assert_eq!(model.waiting_unread.len(), 1);
        // Older activity, but a visitor asked for a person: it goes first.
        let mut escalated = row(ConversationStatus::Escalated, 1);
        escalated.unread_count = 1;
        let model = apply(model, vec![Action::InboxRow(escalated.clone())]);
        assert_eq!(
            ids(&model),
            [escalated.conversation.id, asked.conversation.id]
        );
        assert_eq!(model.waiting_unread.len(), 2);
        assert_eq!(model.title(), "(2) Inbox · Parley");
        // Read (here or on another dashboard), then resolved: the count follows.
        let mut read = asked.clone();
        read.unread_count = 0;
        let model = apply(model, vec![Action::InboxRow(read)]);
        let mut resolved = escalated.clone();
        resolved.conversation.status = ConversationStatus::Resolved;
        let model = apply(model, vec![Action::InboxRow(resolved)]);
        assert!(model.waiting_unread.is_empty());
        assert_eq!(model.title(), "Inbox · Parley");
    }

    #[test]
    fn a_tab_change_clears_the_rows_and_asks_for_a_refetch() {
        let model = apply(
            Model::default(),
            vec![Action::InboxLoaded(
                Page {
                    items: vec![row(ConversationStatus::Unresolved, 1)],
                    next_cursor: Some("c".into()),
                },
                false,
            )],
        );
        let epoch = model.inbox_epoch;
        let model = apply(model, vec![Action::Tab(InboxFilter::Resolved)]);
        assert!(model.inbox.is_empty());
        assert_eq!(model.inbox_epoch, epoch + 1);
        assert_eq!(model.tab, InboxFilter::Resolved);
    }

    #[test]
    fn messages_of_the_open_conversation_arrive_once_in_seq_order() {
        let open = row(ConversationStatus::Unresolved, 1);
        let detail = ConversationDetail {
            conversation: open.conversation.clone(),
            contact: ContactDetails {
                contact_session_id: parley_shared::ContactSessionId::new_random(),
                name: "Zoé".into(),
                email: "zoe@example.fr".into(),
                metadata: Default::default(),
                created_at: Timestamp::from_unix_millis(0),
                expires_at: Timestamp::from_unix_millis(0),
                verified: false,
                external_id: None,
                blocked: false,
            },
        };
        let message = |seq: u64, role: parley_shared::api::MessageRole| Message {
            id: parley_shared::MessageId::new_random(),
            conversation_id: open.conversation.id,
            seq,
            role,
            author_name: None,
            content: format!("m{seq}"),
            created_at: Timestamp::from_unix_millis(0),
            rating: None,
            previous_message_id: None,
            sibling_index: 0,
        };
        use parley_shared::api::MessageRole::{Contact, Operator};
        let two = message(2, Contact);
        let model = apply(
            Model::default(),
            vec![
                Action::Opened(Box::new(detail), vec![message(1, Contact)]),
                Action::MessageIn(message(3, Operator)),
                Action::MessageIn(two.clone()),
                Action::MessageIn(two),
            ],
        );
        let seqs: Vec<u64> = model.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        let open = model.open.as_ref().map(|o| o.conversation.responder_active);
        assert_eq!(open, Some(false), "an operator reply turns the AI off");
        // A message of another conversation is not shown here.
        let elsewhere = Message {
            conversation_id: ConversationId::new_random(),
            ..message(4, Contact)
        };
        assert_eq!(
            apply(model, vec![Action::MessageIn(elsewhere)])
                .messages
                .len(),
            3
        );
    }

    #[test]
    fn news_raises_one_alert_each_and_a_refetch_or_a_read_raises_none() {
        use parley_shared::api::MessageRole::Contact;
        let with_message = |mut item: InboxItem, seq: u64, unread: u64| {
            item.conversation.last_message = Some(Message {
                id: parley_shared::MessageId::new_random(),
                conversation_id: item.conversation.id,
                seq,
                role: Contact,
                author_name: None,
                content: format!("m{seq}"),
                created_at: Timestamp::from_unix_millis(0),
                rating: None,
                previous_message_id: None,
                sibling_index: 0,
            });
            item.unread_count = unread;
            item
        };
        let known = with_message(row(ConversationStatus::Unresolved, 1), 1, 1);
        let model = apply(
            Model::default(),
            vec![Action::InboxLoaded(
                Page {
                    items: vec![known.clone()],
                    next_cursor: None,
                },
                false,
            )],
        );
        assert_eq!(model.alert, None, "a loaded page is not news");
        // A new conversation with its first message.
        let fresh = with_message(row(ConversationStatus::Unresolved, 2), 1, 1);
        let model = apply(model, vec![Action::InboxRow(fresh.clone())]);
        let alert = model.alert.clone().unwrap();
        assert!(alert.new_conversation && !alert.escalated);
        assert_eq!((alert.n, alert.conversation_id), (1, fresh.conversation.id));
        // The same row again (read elsewhere: unread 0) is not news; a newer message is.
        let model = apply(
            model,
            vec![Action::InboxRow(with_message(known.clone(), 1, 0))],
        );
        assert_eq!(model.alert.as_ref().map(|a| a.n), Some(1));
        let model = apply(
            model,
            vec![Action::InboxRow(with_message(known.clone(), 2, 1))],
        );
        let alert = model.alert.clone().unwrap();
        assert_eq!((alert.n, alert.new_conversation), (2, false));
        // Asking for a person is news even without a new message.
        let mut escalated = with_message(known, 2, 1);
        escalated.conversation.status = ConversationStatus::Escalated;
        let model = apply(model, vec![Action::InboxRow(escalated)]);
        let alert = model.alert.clone().unwrap();
        assert_eq!((alert.n, alert.escalated), (3, true));
    }

    #[test]
    fn logging_out_forgets_everything() {
        let model = apply(
            Model::default(),
            vec![
                Action::InboxLoaded(
                    Page {
                        items: vec![row(ConversationStatus::Escalated, 1)],
                        next_cursor: None,
                    },
                    false,
                ),
                Action::LoggedOut,
            ],
        );
        assert_eq!(
            model,
            Model {
                view: View::Login,
                ..Model::default()
            }
        );
    }
}
