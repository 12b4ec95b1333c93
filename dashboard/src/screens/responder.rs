//! Settings → AI responder (provider, instructions, context) and the knowledge base it
//! answers from. Only owners and admins change anything (the server enforces it).

use super::bind;
use crate::api;
use crate::app::{Ctx, check};
use parley_shared::staff::{Article, CreateArticle, ResponderProvider, ResponderSettings};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::platform::spawn_local;
use yew::prelude::*;

/// Responder properties.
#[derive(Properties, PartialEq)]
pub struct ManagerProps {
    /// Whether the operator may change settings.
    pub manager: bool,
}

/// The responder's settings form. The provider's API key is write-only: an empty field
/// keeps the stored key.
#[function_component]
pub fn ResponderForm(props: &ManagerProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let settings = use_state(|| None::<ResponderSettings>);
    let key = use_state(String::new);
    let status = use_state(|| None::<Result<String, String>>);
    {
        let (ctx, settings) = (ctx.clone(), settings.clone());
        use_effect_with(
            ctx.me.as_ref().map(|m| m.current_organization_id),
            move |_| {
                spawn_local(async move {
                    match api::get::<ResponderSettings>("/api/dashboard/responder").await {
                        Ok(s) => settings.set(Some(s)),
                        Err(e) => {
                            check(&ctx, e);
                        }
                    }
                });
            },
        );
    }
    let Some(current) = (*settings).clone() else {
        return html! {};
    };
    let update = |f: fn(&mut ResponderSettings, String)| {
        let settings = settings.clone();
        Callback::from(move |value: String| {
            if let Some(mut s) = (*settings).clone() {
                f(&mut s, value);
                settings.set(Some(s));
            }
        })
    };
    let text = |cb: Callback<String>| {
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_enabled = {
        let settings = settings.clone();
        Callback::from(move |e: Event| {
            if let Some(mut s) = (*settings).clone() {
                s.enabled = e.target_unchecked_into::<HtmlInputElement>().checked();
                settings.set(Some(s));
            }
        })
    };
    let on_provider = {
        let cb = update(|s, v| {
            s.provider = ResponderProvider::parse(&v).unwrap_or_default();
        });
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let on_instructions = {
        let cb = update(|s, v| s.instructions = v);
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let onsubmit = {
        let (ctx, settings, key, status) =
            (ctx.clone(), settings.clone(), key.clone(), status.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(mut body) = (*settings).clone() else {
                return;
            };
            body.api_key = (!key.is_empty()).then(|| (*key).clone());
            let (ctx, settings, key, status) =
                (ctx.clone(), settings.clone(), key.clone(), status.clone());
            spawn_local(async move {
                match api::put::<_, ResponderSettings>("/api/dashboard/responder", &body).await {
                    Ok(saved) => {
                        settings.set(Some(saved));
                        key.set(String::new());
                        status.set(Some(Ok("Saved.".into())));
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            status.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    let openai = current.provider == ResponderProvider::Openai;
    let disabled = !props.manager;
    html! {
        <form class="card responder" {onsubmit}>
            <h2>{ "AI responder" }</h2>
            <p class="muted">{ "Answers visitors first, in unresolved conversations, and steps back once a person replies or the conversation is escalated." }</p>
            <label class="check"><input id="responder-enabled" type="checkbox" checked={current.enabled} onchange={on_enabled} {disabled} />
                { " Answer new messages automatically" }</label>
            <label for="responder-provider">{ "Answers come from" }</label>
            <select id="responder-provider" onchange={on_provider} {disabled}>
                <option value="knowledge_base" selected={!openai}>{ "Knowledge base only (offline)" }</option>
                <option value="openai" selected={openai}>{ "An OpenAI-compatible model, with the knowledge base" }</option>
            </select>
            if openai {
                <label for="responder-base-url">{ "Base URL (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)" }</label>
                <input id="responder-base-url" type="url" value={current.base_url.clone().unwrap_or_default()}
                    oninput={text(update(|s, v| s.base_url = Some(v)))} {disabled} />
                <label for="responder-model">{ "Model" }</label>
                <input id="responder-model" type="text" value={current.model.clone().unwrap_or_default()}
                    oninput={text(update(|s, v| s.model = Some(v)))} {disabled} />
                <label for="responder-key">{ if current.api_key_set { "API key (stored; type a new one to replace it)" } else { "API key" } }</label>
                <input id="responder-key" type="password" autocomplete="off" value={(*key).clone()} oninput={bind(&key)} {disabled} />
                <label for="responder-instructions">{ "Instructions to the model (tone, scope, policies)" }</label>
                <textarea id="responder-instructions" rows="4" value={current.instructions.clone()} oninput={on_instructions} {disabled} />
                <label for="responder-context">{ "Recent messages given as context" }</label>
                <input id="responder-context" type="number" min="1" max="50" value={current.context_messages.to_string()}
                    oninput={text(update(|s, v| s.context_messages = v.parse().unwrap_or(10)))} {disabled} />
            }
            if let Some(s) = &*status {
                <p class={if s.is_ok() { "ok" } else { "error" }} role="status">{ s.clone().unwrap_or_else(|e| e) }</p>
            }
            if props.manager { <button type="submit" class="primary">{ "Save" }</button> }
        </form>
    }
}

/// The knowledge base: articles (title + markdown), each `#` section a searchable passage.
#[function_component]
pub fn Articles(props: &ManagerProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let articles = use_state(Vec::<Article>::new);
    let title = use_state(String::new);
    let body = use_state(String::new);
    let error = use_state(|| None::<String>);
    let epoch = use_state(|| 0u32);
    {
        let (ctx, articles) = (ctx.clone(), articles.clone());
        use_effect_with(
            (*epoch, ctx.me.as_ref().map(|m| m.current_organization_id)),
            move |_| {
                spawn_local(async move {
                    match api::get::<Vec<Article>>("/api/dashboard/articles").await {
                        Ok(list) => articles.set(list),
                        Err(e) => {
                            check(&ctx, e);
                        }
                    }
                });
            },
        );
    }
    let onsubmit = {
        let (ctx, title, body, error, epoch) = (
            ctx.clone(),
            title.clone(),
            body.clone(),
            error.clone(),
            epoch.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = CreateArticle {
                title: (*title).clone(),
                body: (*body).clone(),
            };
            let (ctx, title, body, error, epoch) = (
                ctx.clone(),
                title.clone(),
                body.clone(),
                error.clone(),
                epoch.clone(),
            );
            spawn_local(async move {
                match api::post::<_, Article>("/api/dashboard/articles", &request).await {
                    Ok(_) => {
                        title.set(String::new());
                        body.set(String::new());
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
    let on_body = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| {
            body.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    html! {
        <section class="card articles">
            <h2>{ "Knowledge base" }</h2>
            <p class="muted">{ "The responder quotes the best-matching section and names the article; with a model, it reads them first." }</p>
            <ul class="invites">
            { for articles.iter().map(|a| {
                let remove = {
                    let (ctx, epoch, id) = (ctx.clone(), epoch.clone(), a.id);
                    Callback::from(move |_| {
                        let (ctx, epoch) = (ctx.clone(), epoch.clone());
                        spawn_local(async move {
                            if let Err(e) = api::delete(&format!("/api/dashboard/articles/{id}")).await {
                                check(&ctx, e);
                            }
                            epoch.set(*epoch + 1);
                        });
                    })
                };
                html! { <li class="article"><strong>{ a.title.clone() }</strong>
                    { format!(" — {} characters ", a.body.chars().count()) }
                    if props.manager { <button type="button" class="link danger" onclick={remove}>{ "Delete" }</button> }
                </li> }
            }) }
            </ul>
            if props.manager {
                <form class="article-form" {onsubmit}>
                    <input type="text" aria-label="Article title" placeholder="Title (e.g. Refunds)" value={(*title).clone()} oninput={bind(&title)} />
                    <textarea aria-label="Article text" rows="6" placeholder="Markdown; each ## heading starts a section" value={(*body).clone()} oninput={on_body} />
                    if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
                    <button type="submit" class="primary">{ "Add article" }</button>
                </form>
            }
        </section>
    }
}
