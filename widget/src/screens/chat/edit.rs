//! "Edit" under the contact's own message: the new text is sent as a sibling branch.

use crate::api;
use crate::app::{AppContext, handle_api_error};
use parley_shared::MessageId;
use parley_shared::api::{Message, SendMessage};
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Edit properties.
#[derive(Properties, PartialEq)]
pub(super) struct EditProps {
    pub(super) message: Message,
    pub(super) on_edited: Callback<Message>,
}

/// "Edit" under the contact's own message: the new text is sent as a sibling branch.
#[function_component]
pub(super) fn EditMessage(props: &EditProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let editing = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();
    let Some(text) = (*editing).clone() else {
        let (editing, content) = (editing.clone(), props.message.content.clone());
        return html! {
            <button type="button" class="edit" onclick={Callback::from(move |_| editing.set(Some(content.clone())))}>{ "Edit" }</button>
        };
    };
    let onsubmit = {
        let (editing, error, original, on_edited) = (
            editing.clone(),
            error.clone(),
            props.message.clone(),
            props.on_edited.clone(),
        );
        let text = text.clone();
        // One ID per edit attempt, so a retried submit is not stored twice.
        let id = MessageId::new_random();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if text.trim().is_empty() || text == original.content {
                editing.set(None);
                return;
            }
            let (ctx, token, editing, error, original, on_edited, text) = (
                ctx.clone(),
                token.clone(),
                editing.clone(),
                error.clone(),
                original.clone(),
                on_edited.clone(),
                text.clone(),
            );
            spawn_local(async move {
                let req = SendMessage { id, content: text };
                match api::edit_message(&token, original.conversation_id, original.id, &req).await {
                    Ok(stored) => {
                        editing.set(None);
                        on_edited.emit(stored);
                    }
                    Err(e) => {
                        if let Some(e) = handle_api_error(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
            });
        })
    };
    let oninput = {
        let editing = editing.clone();
        Callback::from(move |e: InputEvent| {
            editing.set(Some(
                e.target_unchecked_into::<HtmlTextAreaElement>().value(),
            ))
        })
    };
    let cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(None))
    };
    html! {
        <form class="edit-form" {onsubmit}>
            <textarea aria-label="Edit message" value={text} {oninput}
                maxlength={parley_shared::limits::DEFAULT_MAX_MESSAGE_CHARS.to_string()} />
            if let Some(e) = &*error { <p class="form-error" role="alert">{ e }</p> }
            <div class="edit-actions">
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="primary">{ "Save" }</button>
            </div>
        </form>
    }
}
