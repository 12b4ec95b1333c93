//! The branch of a conversation's message tree that a reader sees (seed 003's tree: each
//! message names its parent in `previousMessageId`; an edit or a regenerated answer is a
//! sibling of the original, with the next `siblingIndex`).

use crate::api::Message;
use crate::ids::MessageId;
use std::collections::HashMap;

/// One message of the shown branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchItem {
    /// Index of the message in the slice given to [`current_branch`].
    pub index: usize,
    /// Its position among its siblings, from 0 (shown as `position + 1`).
    pub position: usize,
    /// How many siblings it has, itself included (1 = no alternatives).
    pub siblings: usize,
}

/// The branch to show, root first. At each fork the sibling in `chosen` (keyed by the
/// parent, `None` for first messages) is taken; otherwise the sibling leading to the most
/// recent message (highest `seq`), which is where the conversation goes on. A message whose
/// parent is not in `messages` counts as a first message.
pub fn current_branch(
    messages: &[Message],
    chosen: &HashMap<Option<MessageId>, MessageId>,
) -> Vec<BranchItem> {
    let by_id: HashMap<MessageId, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id, i))
        .collect();
    let parent_of = |m: &Message| m.previous_message_id.filter(|p| by_id.contains_key(p));
    let mut children: HashMap<Option<MessageId>, Vec<usize>> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        children.entry(parent_of(m)).or_default().push(i);
    }
    for list in children.values_mut() {
        list.sort_by_key(|&i| (messages[i].sibling_index, messages[i].seq));
    }
    // Newest seq in each subtree: a child always has a higher seq than its parent, so one
    // pass from the newest message down carries each maximum up to the root.
    let mut newest: Vec<u64> = messages.iter().map(|m| m.seq).collect();
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(messages[i].seq));
    for i in order {
        if let Some(p) = parent_of(&messages[i]).and_then(|p| by_id.get(&p).copied()) {
            newest[p] = newest[p].max(newest[i]);
        }
    }
    let mut branch = Vec::new();
    let mut parent = None;
    while let Some(siblings) = children.get(&parent) {
        let position = chosen
            .get(&parent)
            .and_then(|id| siblings.iter().position(|&i| messages[i].id == *id))
            .or_else(|| {
                (0..siblings.len())
                    .max_by_key(|&k| (newest[siblings[k]], messages[siblings[k]].seq))
            })
            .unwrap_or(0);
        let index = siblings[position];
        branch.push(BranchItem {
            index,
            position,
            siblings: siblings.len(),
        });
        // Guards against a malformed tree with a cycle.
        if branch.len() > messages.len() {
            break;
        }
        parent = Some(messages[index].id);
    }
    branch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::MessageRole;
    use crate::{ConversationId, Timestamp};

    fn msg(seq: u64, parent: Option<&Message>, sibling_index: u32) -> Message {
        Message {
            id: MessageId::new_random(),
            conversation_id: ConversationId(uuid::Uuid::nil()),
            seq,
            role: MessageRole::Contact,
            author_name: None,
            content: format!("m{seq}"),
            created_at: Timestamp::from_unix_millis(seq as i64),
            rating: None,
            previous_message_id: parent.map(|p| p.id),
            sibling_index,
        }
    }

    fn seqs(messages: &[Message], branch: &[BranchItem]) -> Vec<(u64, usize, usize)> {
        branch
            .iter()
            .map(|b| (messages[b.index].seq, b.position + 1, b.siblings))
            .collect()
    }

    #[test]
    fn a_linear_chat_is_its_own_branch() {
        let a = msg(1, None, 0);
        let b = msg(2, Some(&a), 0);
        let c = msg(3, Some(&b), 0);
        let all = vec![a, b, c];
        let branch = current_branch(&all, &HashMap::new());
        assert_eq!(seqs(&all, &branch), vec![(1, 1, 1), (2, 1, 1), (3, 1, 1)]);
    }

    /// 1 ← 2 ← 3, then 2 edited as 4 (sibling of 2), answered by 5: the newest branch shows
    /// by default, "2/2" on the edit; choosing the original shows its own continuation.
    #[test]
    fn an_edit_shows_by_default_and_the_original_can_be_chosen() {
        let one = msg(1, None, 0);
        let two = msg(2, Some(&one), 0);
        let three = msg(3, Some(&two), 0);
        let four = msg(4, Some(&one), 1);
        let five = msg(5, Some(&four), 0);
        let all = vec![one.clone(), two.clone(), three, four, five];
        let branch = current_branch(&all, &HashMap::new());
        assert_eq!(seqs(&all, &branch), vec![(1, 1, 1), (4, 2, 2), (5, 1, 1)]);
        let chosen = HashMap::from([(Some(one.id), two.id)]);
        let branch = current_branch(&all, &chosen);
        assert_eq!(seqs(&all, &branch), vec![(1, 1, 1), (2, 1, 2), (3, 1, 1)]);
    }

    #[test]
    fn first_messages_can_fork_too_and_unknown_choices_are_ignored() {
        let a = msg(1, None, 0);
        let b = msg(2, None, 1);
        let all = vec![a, b];
        let chosen = HashMap::from([(None, MessageId::new_random())]);
        let branch = current_branch(&all, &chosen);
        assert_eq!(seqs(&all, &branch), vec![(2, 2, 2)]);
    }

    #[test]
    fn a_missing_parent_makes_a_first_message_and_empty_input_an_empty_branch() {
        let ghost = msg(1, None, 0);
        let orphan = msg(2, Some(&ghost), 0);
        let all = vec![orphan];
        assert_eq!(
            seqs(&all, &current_branch(&all, &HashMap::new())),
            vec![(2, 1, 1)]
        );
        assert!(current_branch(&[], &HashMap::new()).is_empty());
    }
}
