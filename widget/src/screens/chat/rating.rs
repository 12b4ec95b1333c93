//! Thumbs up / down under an answer, then an optional comment.

use crate::api;
use crate::app::{AppContext, handle_api_error};
use parley_shared::api::Message;
use parley_shared::public::Accuracy;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Rating bar properties.
#[derive(Properties, PartialEq)]
pub(super) struct RatingProps {
    pub(super) message: Message,
    pub(super) on_rated: Callback<Message>,
}

/// Thumbs up / down under an answer, then an optional comment.
#[function_component]
pub(super) fn RatingBar(props: &RatingProps) -> Html {
    let ctx = use_context::<AppContext>().expect("AppContext");
    let comment = use_state(String::new);
    let token = ctx
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .unwrap_or_default();
    let current = props.message.rating.clone();
    let send = {
        let (ctx, token, message, on_rated) = (
            ctx.clone(),
            token.clone(),
            props.message.clone(),
            props.on_rated.clone(),
        );
        Callback::from(move |rating: parley_shared::api::Rating| {
            let (ctx, token, message, on_rated) = (
                ctx.clone(),
                token.clone(),
                message.clone(),
                on_rated.clone(),
            );
            spawn_local(async move {
                match api::rate(&token, message.conversation_id, message.id, &rating).await {
                    Ok(updated) => on_rated.emit(updated),
                    Err(e) => {
                        handle_api_error(&ctx, e);
                    }
                }
            });
        })
    };
    let thumb = |accuracy: Accuracy, label: &'static str, glyph: &'static str| {
        let (send, comment) = (
            send.clone(),
            current.as_ref().and_then(|r| r.feedback.clone()),
        );
        let pressed = current.as_ref().is_some_and(|r| r.accuracy == accuracy);
        html! {
            <button type="button" class={classes!("thumb", pressed.then_some("pressed"))} aria-label={label}
                title={label} aria-pressed={pressed.to_string()}
                onclick={Callback::from(move |_| send.emit(parley_shared::api::Rating { accuracy, feedback: comment.clone() }))}>
                { glyph }</button>
        }
    };
    let comment_form = current.as_ref().filter(|r| r.feedback.is_none()).map(|r| {
        let (send, comment2, accuracy) = (send.clone(), comment.clone(), r.accuracy);
        let onsubmit = Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send.emit(parley_shared::api::Rating { accuracy, feedback: Some((*comment2).clone()) });
        });
        let oninput = {
            let comment = comment.clone();
            Callback::from(move |e: InputEvent| comment.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
        };
        html! {
            <form class="rating-comment" {onsubmit}>
                <input type="text" aria-label="Comment" placeholder="Tell us more (optional)" maxlength="1000"
                    value={(*comment).clone()} {oninput} />
                <button type="submit" disabled={comment.trim().is_empty()}>{ "Send" }</button>
            </form>
        }
    });
    html! {
        <div class="rating">
            { thumb(Accuracy::Positive, "Helpful", "👍") }
            { thumb(Accuracy::Negative, "Not helpful", "👎") }
            if current.is_some() { <span class="thanks">{ "Thanks for your feedback" }</span> }
            { comment_form }
        </div>
    }
}
