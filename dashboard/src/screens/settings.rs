//! Settings: the widget's look and behaviour, the organization's members, invite links.
//! Agents see members; only owners and admins change anything (the server enforces it).

use super::bind;
use crate::app::{Ctx, check};
use crate::{api, time};
use parley_shared::ProjectId;
use parley_shared::public::{ApiKey, ApiKeyCreated, CreateApiKey};
use parley_shared::staff::{
    CreateInvite, CreateProject, Invite, InviteCreated, Member, Project, Role, WidgetSettings,
};
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::platform::spawn_local;
use yew::prelude::*;

/// The settings page.
#[function_component]
pub fn SettingsPage() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let manager = ctx.me.as_ref().is_some_and(|m| m.role.can_manage());
    let scope = use_state(|| None::<ProjectId>);
    let on_scope = {
        let scope = scope.clone();
        Callback::from(move |p: Option<ProjectId>| scope.set(p))
    };
    html! {
        <main class="settings">
            <Projects {manager} scope={*scope} {on_scope} />
            <WidgetForm key={format!("{:?}", *scope)} {manager} scope={*scope} />
            <EmailFollowUp />
            <super::responder::ResponderForm {manager} />
            <super::responder::Articles {manager} />
            <Members {manager} />
            if manager { <Invites /> }
            if manager { <ApiKeys /> }
            if manager { <super::webhooks::Webhooks /> }
            if manager { <super::security::IdentityVerification /> }
            if manager { <super::security::PrivacyRequests /> }
            <super::security::PasswordForm />
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct ManagerProps {
    manager: bool,
}

#[derive(Properties, PartialEq)]
struct WidgetFormProps {
    manager: bool,
    /// Whose settings: a project's, or the organization's (`None`).
    scope: Option<ProjectId>,
}

fn settings_path(scope: Option<ProjectId>) -> String {
    match scope {
        Some(p) => format!("/api/dashboard/projects/{p}/settings"),
        None => "/api/dashboard/settings".to_owned(),
    }
}

/// Whether replies reach visitors who left, by email (a server setting: `--smtp-url`).
#[function_component]
fn EmailFollowUp() -> Html {
    let status = use_state(|| None::<parley_shared::staff::EmailStatus>);
    {
        let status = status.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) =
                    api::get::<parley_shared::staff::EmailStatus>("/api/dashboard/email-status")
                        .await
                {
                    status.set(Some(s));
                }
            });
        });
    }
    let text = match &*status {
        None => return html! {},
        Some(s) if s.enabled => format!(
            "On: a reply a visitor has not seen within {} minutes is emailed to them, with a link back to the conversation.",
            s.after_seconds.div_ceil(60)
        ),
        Some(_) => "Off: this server has no SMTP settings, so replies reach visitors only in the widget. Start Parley with --smtp-url (or PARLEY_SMTP_URL) to email them.".to_owned(),
    };
    html! {
        <section class="card email-follow-up">
            <h2>{ "Email follow-up" }</h2>
            <p class="muted" role="status">{ text }</p>
        </section>
    }
}

#[function_component]
fn WidgetForm(props: &WidgetFormProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let greeting = use_state(String::new);
    let suggestions = use_state(|| vec![String::new(), String::new(), String::new()]);
    let color = use_state(|| "#2563eb".to_owned());
    let origins = use_state(String::new);
    // Minutes as typed (empty: no stated time), and the launcher's preview switch.
    let reply_time = use_state(String::new);
    let preview = use_state(|| true);
    let status = use_state(|| None::<Result<String, String>>);
    {
        let (ctx, name, greeting, suggestions, color, origins) = (
            ctx.clone(),
            name.clone(),
            greeting.clone(),
            suggestions.clone(),
            color.clone(),
            origins.clone(),
        );
        let (reply_time, preview) = (reply_time.clone(), preview.clone());
        let scope = props.scope;
        use_effect_with(
            ctx.me.as_ref().map(|m| m.current_organization_id),
            move |_| {
                spawn_local(async move {
                    match api::get::<WidgetSettings>(&settings_path(scope)).await {
                        Ok(s) => {
                            name.set(s.display_name.unwrap_or_default());
                            greeting.set(s.greeting.unwrap_or_default());
                            let mut list = s.suggested_messages;
                            list.resize(3, String::new());
                            suggestions.set(list);
                            color.set(s.accent_color.unwrap_or_else(|| "#2563eb".into()));
                            origins.set(s.allowed_origins.join("\n"));
                            reply_time.set(
                                s.reply_time_minutes
                                    .map(|m| m.to_string())
                                    .unwrap_or_default(),
                            );
                            preview.set(s.unread_preview);
                        }
                        Err(e) => {
                            check(&ctx, e);
                        }
                    }
                });
            },
        );
    }
    let onsubmit = {
        let (ctx, name, greeting, suggestions, color, origins, status) = (
            ctx.clone(),
            name.clone(),
            greeting.clone(),
            suggestions.clone(),
            color.clone(),
            origins.clone(),
            status.clone(),
        );
        let (reply_time, preview) = (reply_time.clone(), preview.clone());
        let scope = props.scope;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let minutes = reply_time.trim();
            let reply_time_minutes = if minutes.is_empty() {
                None
            } else if let Ok(m) = minutes.parse::<u32>() {
                Some(m)
            } else {
                status.set(Some(Err("The reply time is a number of minutes.".into())));
                return;
            };
            let body = WidgetSettings {
                display_name: Some((*name).clone()),
                greeting: Some((*greeting).clone()),
                suggested_messages: (*suggestions).clone(),
                accent_color: Some((*color).clone()),
                allowed_origins: origins.lines().map(str::to_owned).collect(),
                reply_time_minutes,
                unread_preview: *preview,
            };
            let (ctx, status) = (ctx.clone(), status.clone());
            spawn_local(async move {
                match api::put::<_, WidgetSettings>(&settings_path(scope), &body).await {
                    Ok(_) => status.set(Some(Ok("Saved.".into()))),
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            status.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    let suggestion_inputs = (0..3).map(|i| {
        let suggestions2 = suggestions.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut list = (*suggestions2).clone();
            list[i] = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            suggestions2.set(list);
        });
        html! { <input type="text" aria-label={format!("Suggestion {}", i + 1)} value={suggestions[i].clone()}
            {oninput} disabled={!props.manager} /> }
    });
    let on_origins = {
        let origins = origins.clone();
        Callback::from(move |e: InputEvent| {
            origins.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let on_greeting = {
        let greeting = greeting.clone();
        Callback::from(move |e: InputEvent| {
            greeting.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    html! {
        <form class="card" {onsubmit}>
            <h2>{ if props.scope.is_some() { "Widget (this website)" } else { "Widget (organization default)" } }</h2>
            <label for="display-name">{ "Display name" }</label>
            <input id="display-name" type="text" placeholder="Your organization's name" value={(*name).clone()}
                oninput={bind(&name)} disabled={!props.manager} />
            <label for="greeting">{ "Greeting (shown at the start of each chat)" }</label>
            <textarea id="greeting" rows="2" value={(*greeting).clone()} oninput={on_greeting} disabled={!props.manager} />
            <label>{ "Suggested first messages (up to 3)" }</label>
            { for suggestion_inputs }
            <label for="accent">{ "Accent color" }</label>
            <input id="accent" type="color" value={(*color).clone()} oninput={bind(&color)} disabled={!props.manager} />
            <label for="origins">{ "Allowed websites, one origin per line (empty: any site may embed the widget)" }</label>
            <textarea id="origins" rows="3" placeholder="https://shop.example" value={(*origins).clone()}
                oninput={on_origins} disabled={!props.manager} />
            <label for="reply-time">{ "Usual reply time in minutes, told to visitors who ask for a person (empty: not stated)" }</label>
            <input id="reply-time" type="number" min="1" max="1440" inputmode="numeric" value={(*reply_time).clone()}
                oninput={bind(&reply_time)} disabled={!props.manager} />
            <label class="check">
                <input id="unread-preview" type="checkbox" checked={*preview} disabled={!props.manager}
                    onchange={{
                        let preview = preview.clone();
                        Callback::from(move |e: Event| preview.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
                    }} />
                { " Show a preview of unread replies beside the launcher" }
            </label>
            if let Some(s) = &*status {
                <p class={if s.is_ok() { "ok" } else { "error" }} role="status">{ s.clone().unwrap_or_else(|e| e) }</p>
            }
            if props.manager { <button type="submit" class="primary">{ "Save" }</button> }
        </form>
    }
}

#[function_component]
fn Members(props: &ManagerProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let members = use_state(Vec::<Member>::new);
    let epoch = use_state(|| 0u32);
    let error = use_state(|| None::<String>);
    {
        let (ctx, members) = (ctx.clone(), members.clone());
        use_effect_with(
            (*epoch, ctx.me.as_ref().map(|m| m.current_organization_id)),
            move |_| {
                spawn_local(async move {
                    match api::get::<Vec<Member>>("/api/dashboard/members").await {
                        Ok(list) => members.set(list),
                        Err(e) => {
                            check(&ctx, e);
                        }
                    }
                });
            },
        );
    }
    let me = ctx.me.as_ref().map(|m| m.user.id);
    html! {
        <section class="card">
            <h2>{ "Members" }</h2>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <table class="members">
                <thead><tr><th>{ "Name" }</th><th>{ "Email" }</th><th>{ "Role" }</th><th>{ "Joined" }</th><th></th></tr></thead>
                <tbody>
                { for members.iter().map(|m| {
                    let remove = {
                        let (ctx, epoch, error, id) = (ctx.clone(), epoch.clone(), error.clone(), m.user.id);
                        Callback::from(move |_| {
                            let (ctx, epoch, error) = (ctx.clone(), epoch.clone(), error.clone());
                            spawn_local(async move {
                                match api::delete(&format!("/api/dashboard/members/{id}")).await {
                                    Ok(()) => epoch.set(*epoch + 1),
                                    Err(e) => {
                                        if let Some(e) = check(&ctx, e) {
                                            error.set(Some(e.message));
                                        }
                                    }
                                }
                            });
                        })
                    };
                    html! {
                        <tr>
                            <td>{ &m.user.display_name }</td>
                            <td>{ &m.user.email }</td>
                            <td>{ m.role.as_str() }</td>
                            <td>{ time::short(m.joined_at) }</td>
                            <td>if props.manager && Some(m.user.id) != me {
                                <button type="button" class="link danger" onclick={remove}>{ "Remove" }</button>
                            }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </section>
    }
}

#[function_component]
fn Invites() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let invites = use_state(Vec::<Invite>::new);
    let role = use_state(|| Role::Agent);
    let created = use_state(|| None::<String>);
    let epoch = use_state(|| 0u32);
    {
        let (ctx, invites) = (ctx.clone(), invites.clone());
        use_effect_with(*epoch, move |_| {
            spawn_local(async move {
                match api::get::<Vec<Invite>>("/api/dashboard/invites").await {
                    Ok(list) => invites.set(list),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
    }
    let on_role = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            role.set(Role::parse(&value).unwrap_or(Role::Agent));
        })
    };
    let create = {
        let (ctx, role, created, epoch) =
            (ctx.clone(), role.clone(), created.clone(), epoch.clone());
        Callback::from(move |_| {
            let (ctx, created, epoch, body) = (
                ctx.clone(),
                created.clone(),
                epoch.clone(),
                CreateInvite { role: *role },
            );
            spawn_local(async move {
                match api::post::<_, InviteCreated>("/api/dashboard/invites", &body).await {
                    Ok(invite) => {
                        created.set(Some(invite.url));
                        epoch.set(*epoch + 1);
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            created.set(Some(e.message));
                        }
                    }
                }
            });
        })
    };
    html! {
        <section class="card">
            <h2>{ "Invite a teammate" }</h2>
            <div class="row-inline">
                <select aria-label="Role" onchange={on_role}>
                    <option value="agent" selected=true>{ "agent" }</option>
                    <option value="admin">{ "admin" }</option>
                    <option value="owner">{ "owner" }</option>
                </select>
                <button type="button" class="primary" onclick={create}>{ "Create invite link" }</button>
            </div>
            if let Some(url) = &*created {
                <p class="invite-link">{ "Send this link (single use, valid 7 days): " }<code>{ url }</code></p>
            }
            if !invites.is_empty() {
                <h3>{ "Pending invites" }</h3>
                <ul class="invites">
                { for invites.iter().map(|i| {
                    let revoke = {
                        let (ctx, epoch, id) = (ctx.clone(), epoch.clone(), i.id);
                        Callback::from(move |_| {
                            let (ctx, epoch) = (ctx.clone(), epoch.clone());
                            spawn_local(async move {
                                if let Err(e) = api::delete(&format!("/api/dashboard/invites/{id}")).await {
                                    check(&ctx, e);
                                }
                                epoch.set(*epoch + 1);
                            });
                        })
                    };
                    html! { <li>{ format!("{} — expires {}", i.role.as_str(), time::short(i.expires_at)) }
                        <button type="button" class="link danger" onclick={revoke}>{ "Revoke" }</button></li> }
                }) }
                </ul>
            }
        </section>
    }
}

/// Keys of the public REST API (`x-api-key`): create (shown once), list, revoke.
#[function_component]
fn ApiKeys() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let keys = use_state(Vec::<ApiKey>::new);
    let name = use_state(String::new);
    let created = use_state(|| None::<Result<String, String>>);
    let epoch = use_state(|| 0u32);
    {
        let (ctx, keys) = (ctx.clone(), keys.clone());
        use_effect_with(*epoch, move |_| {
            spawn_local(async move {
                match api::get::<Vec<ApiKey>>("/api/dashboard/api-keys").await {
                    Ok(list) => keys.set(list),
                    Err(e) => {
                        check(&ctx, e);
                    }
                }
            });
        });
    }
    let onsubmit = {
        let (ctx, name, created, epoch) =
            (ctx.clone(), name.clone(), created.clone(), epoch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = CreateApiKey {
                name: (*name).clone(),
            };
            let (ctx, name, created, epoch) =
                (ctx.clone(), name.clone(), created.clone(), epoch.clone());
            spawn_local(async move {
                match api::post::<_, ApiKeyCreated>("/api/dashboard/api-keys", &body).await {
                    Ok(k) => {
                        created.set(Some(Ok(k.key)));
                        name.set(String::new());
                        epoch.set(*epoch + 1);
                    }
                    Err(e) => {
                        if let Some(e) = check(&ctx, e) {
                            created.set(Some(Err(e.message)));
                        }
                    }
                }
            });
        })
    };
    html! {
        <section class="card api-keys">
            <h2>{ "API keys" }</h2>
            <p class="muted">{ "Read your chats with GET /chat/list and GET /chat/:chatId/messages, sending the key as x-api-key." }</p>
            <form class="row-inline" {onsubmit}>
                <input type="text" aria-label="Key name" placeholder="Key name (e.g. Reporting)" value={(*name).clone()} oninput={bind(&name)} />
                <button type="submit" class="primary">{ "Create key" }</button>
            </form>
            { match &*created {
                Some(Ok(key)) => html! { <p class="invite-link">{ "Copy it now, it will not be shown again: " }<code class="new-key">{ key }</code></p> },
                Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
                None => html! {},
            } }
            <ul class="invites">
            { for keys.iter().map(|k| {
                let revoke = {
                    let (ctx, epoch, id) = (ctx.clone(), epoch.clone(), k.id);
                    Callback::from(move |_| {
                        let (ctx, epoch) = (ctx.clone(), epoch.clone());
                        spawn_local(async move {
                            if let Err(e) = api::delete(&format!("/api/dashboard/api-keys/{id}")).await {
                                check(&ctx, e);
                            }
                            epoch.set(*epoch + 1);
                        });
                    })
                };
                let used = k.last_used_at.map_or_else(|| "never used".to_owned(), |t| format!("last used {}", time::short(t)));
                html! { <li><code>{ format!("{}…", k.prefix) }</code>{ format!(" {} — created {}, {used} ", k.name, time::short(k.created_at)) }
                    <button type="button" class="link danger" onclick={revoke}>{ "Revoke" }</button></li> }
            }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProjectsProps {
    manager: bool,
    scope: Option<ProjectId>,
    on_scope: Callback<Option<ProjectId>>,
}

/// The organization's websites: pick whose widget settings to edit, add one, copy its tag.
#[function_component]
fn Projects(props: &ProjectsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let projects = use_state(Vec::<Project>::new);
    let name = use_state(String::new);
    let epoch = use_state(|| 0u32);
    let error = use_state(|| None::<String>);
    {
        let (ctx, projects) = (ctx.clone(), projects.clone());
        use_effect_with(
            (*epoch, ctx.me.as_ref().map(|m| m.current_organization_id)),
            move |_| {
                spawn_local(async move {
                    match api::get::<Vec<Project>>("/api/dashboard/projects").await {
                        Ok(list) => projects.set(list),
                        Err(e) => {
                            check(&ctx, e);
                        }
                    }
                });
            },
        );
    }
    let onsubmit = {
        let (ctx, name, epoch, error, on_scope) = (
            ctx.clone(),
            name.clone(),
            epoch.clone(),
            error.clone(),
            props.on_scope.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = CreateProject {
                name: (*name).clone(),
            };
            let (ctx, name, epoch, error, on_scope) = (
                ctx.clone(),
                name.clone(),
                epoch.clone(),
                error.clone(),
                on_scope.clone(),
            );
            spawn_local(async move {
                match api::post::<_, Project>("/api/dashboard/projects", &body).await {
                    Ok(p) => {
                        name.set(String::new());
                        epoch.set(*epoch + 1);
                        on_scope.emit(Some(p.id));
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
    let on_select = {
        let on_scope = props.on_scope.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            on_scope.emit(value.parse().ok());
        })
    };
    let org = ctx
        .me
        .as_ref()
        .map(|m| m.current_organization_id.to_string())
        .unwrap_or_default();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let project_attr = props
        .scope
        .map(|p| format!(" data-project-id=\"{p}\""))
        .unwrap_or_default();
    let snippet = format!(
        "<script src=\"{origin}/embed.js\" data-organization-id=\"{org}\"{project_attr} async></script>"
    );
    html! {
        <section class="card projects">
            <h2>{ "Websites" }</h2>
            <label for="scope">{ "Settings for" }</label>
            <select id="scope" onchange={on_select}>
                <option value="" selected={props.scope.is_none()}>{ "All websites (organization default)" }</option>
                { for projects.iter().map(|p| html! {
                    <option value={p.id.to_string()} selected={props.scope == Some(p.id)}>{ &p.name }</option>
                }) }
            </select>
            <label>{ "Embed code" }</label>
            <code class="snippet">{ snippet }</code>
            if props.manager {
                <form class="row-inline" {onsubmit}>
                    <input type="text" aria-label="Website name" placeholder="New website (e.g. Shop)" value={(*name).clone()} oninput={bind(&name)} />
                    <button type="submit" class="primary">{ "Add website" }</button>
                </form>
            }
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
        </section>
    }
}
