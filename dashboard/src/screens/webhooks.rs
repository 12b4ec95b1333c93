//! Settings → Webhooks (owners and admins): endpoints with their events and signing secret,
//! "Send test", the delivery log with "Redeliver", switching an endpoint off and on.

use super::bind;
use crate::app::{Ctx, check};
use crate::{api, time};
use parley_shared::WebhookEndpointId;
use parley_shared::staff::{
    CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookDeliveryState,
    WebhookEndpoint, WebhookEventType,
};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

/// What an event type means, for the checkboxes.
fn label(event: WebhookEventType) -> &'static str {
    match event {
        WebhookEventType::ConversationCreated => "A conversation starts",
        WebhookEventType::ConversationStatusChanged => {
            "A conversation is escalated, resolved or reopened"
        }
        WebhookEventType::MessageCreated => "A message is sent (visitor, team or AI)",
        WebhookEventType::ContactCreated => "A visitor identifies",
        WebhookEventType::RatingGiven => "A visitor rates an answer",
        WebhookEventType::Test => "Test",
    }
}

/// The webhooks card.
#[function_component]
pub fn Webhooks() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let endpoints = use_state(Vec::<WebhookEndpoint>::new);
    let url = use_state(String::new);
    let chosen = use_state(|| vec![WebhookEventType::MessageCreated]);
    let error = use_state(|| None::<String>);
    let epoch = use_state(|| 0u32);
    {
        let (ctx, endpoints) = (ctx.clone(), endpoints.clone());
        use_effect_with(*epoch, move |_| {
            spawn_local(async move {
                match api::get::<Vec<WebhookEndpoint>>("/api/dashboard/webhooks").await {
                    Ok(list) => endpoints.set(list),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
    }
    let onsubmit = {
        let (ctx, url, chosen, error, epoch) = (
            ctx.clone(),
            url.clone(),
            chosen.clone(),
            error.clone(),
            epoch.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = CreateWebhookEndpoint {
                url: (*url).clone(),
                events: (*chosen).clone(),
            };
            let (ctx, url, error, epoch) = (ctx.clone(), url.clone(), error.clone(), epoch.clone());
            spawn_local(async move {
                match api::post::<_, WebhookEndpoint>("/api/dashboard/webhooks", &body).await {
                    Ok(_) => {
                        url.set(String::new());
                        error.set(None);
                        epoch.set(*epoch + 1);
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            error.set(Some(e.message));
                        }
                    }
                }
            });
        })
    };
    let refresh = {
        let epoch = epoch.clone();
        Callback::from(move |()| epoch.set(*epoch + 1))
    };
    html! {
        <section class="card webhooks">
            <h2>{ "Webhooks" }</h2>
            <p class="muted">{ "Parley POSTs each event you choose to your URL as JSON, signed the Standard Webhooks way (headers webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are retried for about a day; an endpoint failing that long is switched off." }</p>
            <form class="webhook-form" {onsubmit}>
                <input type="url" class="webhook-url" aria-label="Endpoint URL" placeholder="https://example.com/parley-events"
                    value={(*url).clone()} oninput={bind(&url)} />
                <fieldset>
                    <legend>{ "Events" }</legend>
                    { for WebhookEventType::SUBSCRIBABLE.iter().map(|&event| {
                        let toggle = {
                            let chosen = chosen.clone();
                            Callback::from(move |e: Event| {
                                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                                let mut next: Vec<_> = chosen.iter().copied().filter(|c| *c != event).collect();
                                if on {
                                    next.push(event);
                                }
                                chosen.set(next);
                            })
                        };
                        html! { <label class="check"><input type="checkbox" class="webhook-event" value={event.as_str()}
                            checked={chosen.contains(&event)} onchange={toggle} />{ format!(" {} ", label(event)) }<code>{ event.as_str() }</code></label> }
                    }) }
                </fieldset>
                <button type="submit" class="primary webhook-add">{ "Add endpoint" }</button>
            </form>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <ul class="webhook-endpoints">
                { for endpoints.iter().map(|e| html! { <EndpointRow key={e.id.to_string()} endpoint={e.clone()} changed={refresh.clone()} /> }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EndpointProps {
    endpoint: WebhookEndpoint,
    /// Asks the card to reload the endpoints.
    changed: Callback<()>,
}

/// One endpoint: its state and secret, its actions, and its delivery log when opened.
#[function_component]
fn EndpointRow(props: &EndpointProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let e = &props.endpoint;
    let log_open = use_state(|| false);
    let log_epoch = use_state(|| 0u32);
    let outcome = use_state(|| None::<Result<String, String>>);
    let update = {
        let (ctx, changed, outcome, id) =
            (ctx.clone(), props.changed.clone(), outcome.clone(), e.id);
        Callback::from(move |body: UpdateWebhookEndpoint| {
            let (ctx, changed, outcome) = (ctx.clone(), changed.clone(), outcome.clone());
            spawn_local(async move {
                let path = format!("/api/dashboard/webhooks/{id}");
                match api::patch::<_, WebhookEndpoint>(&path, &body).await {
                    Ok(_) => changed.emit(()),
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            outcome.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    let on_toggle = {
        let (update, enabled) = (update.clone(), e.enabled);
        Callback::from(move |_| {
            update.emit(UpdateWebhookEndpoint {
                enabled: Some(!enabled),
                ..Default::default()
            })
        })
    };
    let on_rotate = {
        let update = update.clone();
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message("Replace the secret? The current one keeps signing deliveries for 24 hours.").ok())
                .unwrap_or(false);
            if confirmed {
                update.emit(UpdateWebhookEndpoint {
                    rotate_secret: true,
                    ..Default::default()
                })
            }
        })
    };
    let on_delete = {
        let (ctx, changed, id) = (ctx.clone(), props.changed.clone(), e.id);
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("Delete this endpoint and its delivery log?")
                        .ok()
                })
                .unwrap_or(false);
            if !confirmed {
                return;
            }
            let (ctx, changed) = (ctx.clone(), changed.clone());
            spawn_local(async move {
                if let Err(e) = api::delete(&format!("/api/dashboard/webhooks/{id}")).await {
                    check(&ctx, e);
                }
                changed.emit(());
            });
        })
    };
    let on_test = {
        let (ctx, outcome, log_open, log_epoch, id) = (
            ctx.clone(),
            outcome.clone(),
            log_open.clone(),
            log_epoch.clone(),
            e.id,
        );
        Callback::from(move |_| {
            let (ctx, outcome, log_open, log_epoch) = (
                ctx.clone(),
                outcome.clone(),
                log_open.clone(),
                log_epoch.clone(),
            );
            outcome.set(None);
            spawn_local(async move {
                let path = format!("/api/dashboard/webhooks/{id}/test");
                match api::post::<_, WebhookDelivery>(&path, &()).await {
                    Ok(d) if d.state == WebhookDeliveryState::Delivered => {
                        outcome.set(Some(Ok(format!(
                            "Test delivered (HTTP {}).",
                            d.last_status_code.unwrap_or_default()
                        ))))
                    }
                    Ok(d) => outcome.set(Some(Err(format!(
                        "Test failed: {}",
                        d.last_error.unwrap_or_default()
                    )))),
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            outcome.set(Some(Err(e.message)));
                        }
                    }
                }
                log_open.set(true);
                log_epoch.set(*log_epoch + 1);
            });
        })
    };
    let on_log = {
        let log_open = log_open.clone();
        Callback::from(move |_| log_open.set(!*log_open))
    };
    let state = match (e.enabled, &e.disabled_reason, e.failing_since) {
        (false, Some(reason), _) => {
            html! { <p class="error webhook-state" role="status">{ reason }</p> }
        }
        (false, None, _) => html! { <p class="muted webhook-state">{ "Switched off." }</p> },
        (true, _, Some(since)) => {
            html! { <p class="error webhook-state">{ format!("Failing since {}; retrying.", time::short(since)) }</p> }
        }
        (true, _, None) => html! {},
    };
    let events = e
        .events
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <li class="webhook-endpoint">
            <p><strong class="webhook-endpoint-url">{ &e.url }</strong>{ format!(" — {events}") }</p>
            { state }
            <p>{ "Secret " }<code class="webhook-secret">{ &e.secret }</code>
                <button type="button" class="link" onclick={on_rotate}>{ "Replace" }</button></p>
            <p class="row-inline">
                <button type="button" class="webhook-test" onclick={on_test}>{ "Send test" }</button>
                <button type="button" class="webhook-log" onclick={on_log}>{ if *log_open { "Hide deliveries" } else { "Deliveries" } }</button>
                <button type="button" class="webhook-toggle" onclick={on_toggle}>{ if e.enabled { "Switch off" } else { "Switch on" } }</button>
                <button type="button" class="link danger" onclick={on_delete}>{ "Delete" }</button>
            </p>
            { match &*outcome {
                Some(Ok(m)) => html! { <p class="muted webhook-test-result" role="status">{ m }</p> },
                Some(Err(m)) => html! { <p class="error webhook-test-result" role="alert">{ m }</p> },
                None => html! {},
            } }
            if *log_open { <DeliveryLog endpoint={e.id} epoch={*log_epoch} /> }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct LogProps {
    endpoint: WebhookEndpointId,
    /// Changes when the log must be read again.
    epoch: u32,
}

/// An endpoint's latest deliveries, with "Refresh" and "Redeliver".
#[function_component]
fn DeliveryLog(props: &LogProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let deliveries = use_state(|| None::<Vec<WebhookDelivery>>);
    let own_epoch = use_state(|| 0u32);
    {
        let (ctx, deliveries, id) = (ctx.clone(), deliveries.clone(), props.endpoint);
        use_effect_with((props.epoch, *own_epoch), move |_| {
            spawn_local(async move {
                let path = format!("/api/dashboard/webhooks/{id}/deliveries");
                match api::get::<Vec<WebhookDelivery>>(&path).await {
                    Ok(list) => deliveries.set(Some(list)),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
    }
    let refresh = {
        let own_epoch = own_epoch.clone();
        Callback::from(move |_| own_epoch.set(*own_epoch + 1))
    };
    let Some(list) = &*deliveries else {
        return html! {};
    };
    html! {
        <div class="webhook-deliveries">
            <button type="button" class="link webhook-refresh" onclick={refresh}>{ "Refresh" }</button>
            if list.is_empty() { <p class="muted">{ "No deliveries yet." }</p> }
            <table>
                <thead><tr><th>{ "Event" }</th><th>{ "When" }</th><th>{ "Result" }</th><th>{ "Attempts" }</th><th></th></tr></thead>
                <tbody>
                { for list.iter().map(|d| {
                    let redeliver = {
                        let (ctx, own_epoch, id) = (ctx.clone(), own_epoch.clone(), d.id);
                        Callback::from(move |_| {
                            let (ctx, own_epoch) = (ctx.clone(), own_epoch.clone());
                            spawn_local(async move {
                                let path = format!("/api/dashboard/webhook-deliveries/{id}/redeliver");
                                if let Err(e) = api::post::<_, WebhookDelivery>(&path, &()).await {
                                    check(&ctx, e);
                                }
                                own_epoch.set(*own_epoch + 1);
                            });
                        })
                    };
                    let result = match (d.state, d.last_status_code, &d.last_error) {
                        (WebhookDeliveryState::Delivered, Some(code), _) => format!("Delivered (HTTP {code})"),
                        (WebhookDeliveryState::Delivered, None, _) => "Delivered".to_owned(),
                        (state, _, Some(why)) => format!("{}: {why}", if state == WebhookDeliveryState::Failed { "Failed" } else { "Retrying" }),
                        (WebhookDeliveryState::Pending, _, None) => "Waiting".to_owned(),
                        (WebhookDeliveryState::Failed, _, None) => "Failed".to_owned(),
                    };
                    html! {
                        <tr class="webhook-delivery" data-state={d.state.as_str()}>
                            <td><code>{ d.event_type.as_str() }</code></td>
                            <td>{ time::short(d.last_attempt_at.unwrap_or(d.created_at)) }</td>
                            <td>{ result }</td>
                            <td>{ d.attempts }</td>
                            <td><button type="button" class="link webhook-redeliver" onclick={redeliver}>{ "Redeliver" }</button></td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </div>
    }
}
