//! A demo "customer website" on its own port (so the widget is embedded cross-origin, as
//! on a real customer's site), carrying the embed script tag of the demo organization.

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use parley_shared::OrganizationId;

/// The demo page for `organization`, loading the embed script from `public_url`. With
/// `identify`, a script line that identifies the visitor (`Parley('identify', …)`) goes
/// before the embed script, as a signed-in customer site would write it.
pub fn page(public_url: &str, organization: OrganizationId, identify: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Bakery — Parley demo</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; color: #1f2937; background: #fffaf3; }}
  header {{ padding: 24px 40px; background: #7c2d12; color: #fff; }}
  main {{ max-width: 720px; margin: 40px auto; padding: 0 24px; line-height: 1.6; }}
</style>
</head>
<body>
<header><h1>Acme Bakery</h1></header>
<main>
  <h2>Fresh bread every morning</h2>
  <p>This page stands for a customer's website. It is served from another origin than
  Parley and embeds the widget with one script tag. Click the chat button at the bottom
  right to talk to support.</p>
  <p><button type="button" onclick="Parley('open')">Open the chat from the page</button></p>
</main>
<script>window.Parley=window.Parley||function(){{(Parley.q=Parley.q||[]).push(arguments)}};{identify}</script>
<p style="text-align:center"><a href="/">Home</a> · <a href="/signed-in">The same site, signed in as Dana (identity verification)</a></p>
<script src="{public_url}/embed.js" data-organization-id="{organization}" async></script>
</body>
</html>
"#
    )
}

/// The demo customer's signed-in user, as its backend would identify them.
pub const DEMO_USER: (&str, &str, &str) = ("demo-user-1", "dana@customer.example", "Dana Scully");

/// Serves [`page`] at `/`, and at `/signed-in` the page of a site whose user is logged in:
/// like a customer's backend, it signs the user's ID with the organization's identity secret.
pub fn router(state: crate::state::State, organization: OrganizationId) -> Router {
    let public_url = state.public_url.to_string();
    let html = page(&public_url, organization, "");
    Router::new()
        .route("/", get(move || async move { Html(html) }))
        .route(
            "/signed-in",
            get(move || async move {
                let secret = crate::contacts::identity::settings_row(&state, organization)
                    .await
                    .map(|row| row.secret)
                    .unwrap_or_default();
                let (id, email, name) = DEMO_USER;
                let hash = crate::contacts::identity::user_hash(&secret, id);
                let identify = format!(
                    "Parley('identify',{{userId:'{id}',userHash:'{hash}',email:'{email}',name:'{name}'}});"
                );
                Html(page(&public_url, organization, &identify))
            }),
        )
}

/// The demo organization's help articles (the bakery of the demo page).
const DEMO_ARTICLES: &[(&str, &str)] = &[
    (
        "Opening hours",
        "Acme Bakery is open Tuesday to Sunday, from 7:00 to 19:00. We are closed on Mondays \
         and on public holidays.\n\n## Christmas and New Year\nOn 24 and 31 December we close \
         at 16:00. On 25 December and 1 January the bakery is closed.",
    ),
    (
        "Delivery",
        "We deliver within 10 km of the bakery, every day we are open, between 8:00 and 12:00.\n\n\
         ## Delivery fees\nDelivery costs 4 euros; it is free for orders over 30 euros.\n\n\
         ## Order deadline\nOrder before 18:00 the day before to be delivered the next morning.",
    ),
    (
        "Refunds and cancellations",
        "## Refunds\nIf something you bought is not right, tell us within 48 hours and we refund \
         it in full, to the card you paid with, within 5 working days. A photo helps.\n\n\
         ## Cancelling an order\nYou can cancel a delivery or a cake order free of charge until \
         18:00 the day before. Later cancellations cannot be refunded.",
    ),
    (
        "Allergens",
        "All our breads contain gluten. Croissants and brioches contain butter, milk and eggs. \
         Some cakes contain nuts: ask us before ordering if you have an allergy.\n\n\
         ## Gluten-free\nWe do not make gluten-free bread: our kitchen is full of flour and we \
         cannot guarantee the absence of traces.",
    ),
];

/// Gives the demo organization its help articles and turns its responder on, once (a
/// later change by its staff is kept).
pub async fn ensure_knowledge_base(
    state: &crate::state::State,
    org: OrganizationId,
) -> crate::error::Result<()> {
    if state.store.responder_settings(org).await?.is_some() {
        return Ok(());
    }
    for (title, body) in DEMO_ARTICLES {
        crate::responder::knowledge::add(
            state,
            org,
            parley_shared::staff::CreateArticle {
                title: (*title).to_owned(),
                body: (*body).to_owned(),
            },
        )
        .await?;
    }
    crate::responder::save(
        state,
        org,
        parley_shared::staff::ResponderSettings {
            enabled: true,
            context_messages: 10,
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}
