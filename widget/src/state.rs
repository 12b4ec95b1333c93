//! The widget's screen state machine: the model shared through context and the reducer that
//! is its only way to change (tested without a browser). Side effects (storage, requests)
//! happen where actions are dispatched, never here.

use parley_shared::api::{ContactSession, Conversation, WidgetConfig};
use parley_shared::{ConversationId, OrganizationId};
use std::rc::Rc;
use yew::prelude::*;

/// Steps of the loading screen, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoadingStep {
    /// Reading `organizationId` from the widget URL.
    FindingOrganizationId,
    /// Asking the server whether the organization exists.
    VerifyingOrganization,
    /// Checking the stored contact session, if any.
    VerifyingSession,
}

/// Which screen is shown.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// Booting.
    Loading(LoadingStep),
    /// Name and email form.
    Auth,
    /// Start a chat, or reopen an earlier one.
    Selection,
    /// One conversation.
    Chat(ConversationId),
    /// A conversation the visitor is about to start: the server creates it (under this ID)
    /// with the first message, so an abandoned "new chat" leaves nothing in the inbox.
    NewChat(ConversationId),
    /// A fatal problem, explained.
    Error(String),
}

/// The visitor's session: its credential and what the server said of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// Bearer credential.
    pub token: String,
    /// The session.
    pub info: ContactSession,
}

/// Widget-wide state.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The organization from the URL, once found.
    pub organization_id: Option<OrganizationId>,
    /// Its configuration, once verified.
    pub organization: Option<WidgetConfig>,
    /// The visitor's session, once identified.
    pub session: Option<Session>,
    /// The current screen.
    pub screen: Screen,
    /// The session's conversations as its `watch` socket last told (none before it did),
    /// most recent activity first.
    pub conversations: Option<Vec<Conversation>>,
    /// Whether the visitor can see the widget (open on the host page, tab visible).
    pub seen: bool,
}

impl Model {
    /// Replies the visitor has not seen, over all their conversations.
    pub fn unread(&self) -> u32 {
        self.conversations
            .iter()
            .flatten()
            .map(|c| c.unread_count)
            .sum()
    }

    /// The most recent conversation with unread replies.
    pub fn newest_unread(&self) -> Option<&Conversation> {
        self.conversations
            .iter()
            .flatten()
            .find(|c| c.unread_count > 0)
    }
}

impl Default for Model {
    fn default() -> Self {
        Self {
            organization_id: None,
            organization: None,
            session: None,
            screen: Screen::Loading(LoadingStep::FindingOrganizationId),
            conversations: None,
            seen: false,
        }
    }
}

/// Everything that changes [`Model`].
pub enum Action {
    /// Boot progressed to `step`.
    Step(LoadingStep, Option<OrganizationId>),
    /// The organization exists.
    OrganizationLoaded(WidgetConfig),
    /// A session was restored or created: go to selection.
    Authenticated(Session),
    /// No usable session: ask for name and email (keeps the organization).
    NeedAuth,
    /// Open a conversation.
    Open(ConversationId),
    /// Start a conversation: an empty chat, created with its first message.
    NewChat(ConversationId),
    /// Back from chat to selection.
    Back,
    /// A fatal error.
    Fail(String),
    /// The `watch` socket's list of the session's conversations.
    Watched(Vec<Conversation>),
    /// One of them changed (or started).
    Changed(Conversation),
    /// The visitor can (or no longer can) see the widget.
    Seen(bool),
    /// The host page opened the widget: from the list, go straight to the newest
    /// conversation with unread replies (what the launcher's badge counted).
    OpenedOnHost,
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Step(step, org) => {
                next.screen = Screen::Loading(step);
                next.organization_id = org.or(next.organization_id);
            }
            Action::OrganizationLoaded(config) => next.organization = Some(config),
            Action::Authenticated(session) => {
                next.session = Some(session);
                next.screen = Screen::Selection;
                next.conversations = None;
            }
            Action::NeedAuth => {
                next.session = None;
                next.screen = Screen::Auth;
                next.conversations = None;
            }
            Action::Open(id) => next.screen = Screen::Chat(id),
            Action::NewChat(id) => next.screen = Screen::NewChat(id),
            Action::Back => next.screen = Screen::Selection,
            Action::Fail(message) => next.screen = Screen::Error(message),
            Action::Watched(list) => next.conversations = Some(list),
            Action::Changed(changed) => {
                let list = next.conversations.get_or_insert_with(Vec::new);
                list.retain(|c| c.id != changed.id);
                // Most recent activity first, as the server lists them.
                let at = list
                    .iter()
                    .position(|c| (c.updated_at, c.id.0) < (changed.updated_at, changed.id.0))
                    .unwrap_or(list.len());
                list.insert(at, changed);
            }
            Action::Seen(seen) => next.seen = seen,
            Action::OpenedOnHost => {
                if next.screen == Screen::Selection
                    && let Some(id) = next.newest_unread().map(|c| c.id)
                {
                    next.screen = Screen::Chat(id);
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(actions: Vec<Action>) -> Model {
        let mut model = Rc::new(Model::default());
        for action in actions {
            model = model.reduce(action);
        }
        (*model).clone()
    }

    fn session() -> Session {
        Session {
            token: "t".into(),
            info: ContactSession {
                contact_session_id: parley_shared::ContactSessionId::new_random(),
                organization_id: OrganizationId(Default::default()),
                name: "Zoé".into(),
                email: "zoe@example.fr".into(),
                expires_at: parley_shared::Timestamp::from_unix_millis(0),
                verified: false,
            },
        }
    }

    #[test]
    fn loading_then_auth_then_selection_then_chat_and_back() {
        let org = OrganizationId(Default::default());
        let id = ConversationId::new_random();
        let model = walk(vec![
            Action::Step(LoadingStep::VerifyingOrganization, Some(org)),
            Action::Step(LoadingStep::VerifyingSession, None),
        ]);
        assert_eq!(model.screen, Screen::Loading(LoadingStep::VerifyingSession));
        assert_eq!(
            model.organization_id,
            Some(org),
            "a later step keeps the organization"
        );
        let model = walk(vec![
            Action::Step(LoadingStep::VerifyingSession, Some(org)),
            Action::NeedAuth,
            Action::Authenticated(session()),
            Action::Open(id),
        ]);
        assert_eq!(model.screen, Screen::Chat(id));
        assert!(model.session.is_some());
        let model = Rc::new(model).reduce(Action::Back);
        assert_eq!(model.screen, Screen::Selection);
        // A new chat is a chat once its first message created it.
        let model = model.reduce(Action::NewChat(id));
        assert_eq!(model.screen, Screen::NewChat(id));
        assert_eq!(model.reduce(Action::Open(id)).screen, Screen::Chat(id));
    }

    fn conversation(ms: i64, unread: u32) -> Conversation {
        let at = parley_shared::Timestamp::from_unix_millis(ms);
        Conversation {
            id: ConversationId::new_random(),
            organization_id: OrganizationId(Default::default()),
            status: parley_shared::api::ConversationStatus::Unresolved,
            created_at: at,
            updated_at: at,
            last_seq: 0,
            last_message: None,
            responder_active: true,
            project_id: None,
            contact_read_seq: 0,
            staff_read_seq: 0,
            unread_count: unread,
        }
    }

    #[test]
    fn the_watched_list_keeps_newest_first_and_sums_unread_replies() {
        let (old, new) = (conversation(1, 1), conversation(2, 0));
        let model = walk(vec![
            Action::Authenticated(session()),
            Action::Watched(vec![new.clone(), old.clone()]),
        ]);
        assert_eq!(model.unread(), 1);
        assert_eq!(model.newest_unread().map(|c| c.id), Some(old.id));
        // A reply in the older one moves it to the top with its count.
        let replied = Conversation {
            updated_at: parley_shared::Timestamp::from_unix_millis(3),
            unread_count: 2,
            ..old.clone()
        };
        let model = Rc::new(model).reduce(Action::Changed(replied));
        let order: Vec<_> = model.conversations.iter().flatten().map(|c| c.id).collect();
        assert_eq!(order, vec![old.id, new.id]);
        assert_eq!(model.unread(), 2);
        // Opening the widget on the list goes to the conversation the badge counted.
        let opened = model.clone().reduce(Action::OpenedOnHost);
        assert_eq!(opened.screen, Screen::Chat(old.id));
        // A new session forgets the old list.
        let model = model.reduce(Action::NeedAuth);
        assert_eq!((model.conversations.clone(), model.unread()), (None, 0));
    }

    #[test]
    fn a_lost_session_returns_to_auth_and_a_failure_shows_its_reason() {
        let model = walk(vec![Action::Authenticated(session()), Action::NeedAuth]);
        assert_eq!(model.screen, Screen::Auth);
        assert_eq!(model.session, None);
        let model = walk(vec![Action::Fail("Organization not found".into())]);
        assert_eq!(model.screen, Screen::Error("Organization not found".into()));
    }
}
