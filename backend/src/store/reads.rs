//! Read positions ("Seen" both ways and unread counts, issue 14): what one read is. They are
//! group-committed like message inserts (`group.rs`): one each was a commit (SQLite) or
//! several round trips (PostgreSQL) per reply, and slowed delivery under load.

use parley_shared::{ConversationId, OrganizationId, UserId};

/// Whose position a read moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The visitor: `conversations.contact_read_seq`.
    Contact,
    /// An operator: their own position (`conversation_reads`, their unread count) and the
    /// team's (`conversations.staff_read_seq`).
    Operator(UserId),
}

/// One read: `reader` has seen `conversation_id` up to `seq`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadMark {
    /// The conversation's organization (its announcements name it).
    pub organization_id: OrganizationId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Who read.
    pub reader: Reader,
    /// The highest `seq` seen (capped at the conversation's `last_seq` when stored).
    pub seq: u64,
}
