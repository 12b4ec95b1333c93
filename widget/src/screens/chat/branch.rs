//! "‹ 2/3 ›" navigation between a message and its edited versions.

use parley_shared::MessageId;
use yew::prelude::*;

/// Branch navigation properties.
#[derive(Properties, PartialEq)]
pub(super) struct BranchNavProps {
    /// The shown sibling's position, from 0.
    pub(super) position: usize,
    /// The siblings' IDs in `siblingIndex` order.
    pub(super) ids: Vec<MessageId>,
    /// Their common parent.
    pub(super) parent: Option<MessageId>,
    pub(super) on_choose: Callback<(Option<MessageId>, MessageId)>,
}

/// "‹ 2/3 ›" under a message that has edited versions.
#[function_component]
pub(super) fn BranchNav(props: &BranchNavProps) -> Html {
    let go = |to: Option<usize>| {
        let target = to.and_then(|k| props.ids.get(k).copied());
        let (on_choose, parent) = (props.on_choose.clone(), props.parent);
        (
            target.is_none(),
            Callback::from(move |_| {
                if let Some(id) = target {
                    on_choose.emit((parent, id));
                }
            }),
        )
    };
    let (first, previous) = go(props.position.checked_sub(1));
    let (last, next) = go(Some(props.position + 1));
    html! {
        <div class="branches">
            <button type="button" class="branch-prev" aria-label="Previous version" disabled={first} onclick={previous}>{ "‹" }</button>
            <span class="branch-position">{ format!("{}/{}", props.position + 1, props.ids.len()) }</span>
            <button type="button" class="branch-next" aria-label="Next version" disabled={last} onclick={next}>{ "›" }</button>
        </div>
    }
}
