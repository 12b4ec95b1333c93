//! A demo "customer website" on its own port (so the widget is embedded cross-origin, as
//! on a real customer's site), carrying the embed script tag of the demo organization.

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use parley_shared::OrganizationId;

/// The demo page for `organization`, loading the embed script from `public_url`.
pub fn page(public_url: &str, organization: OrganizationId) -> String {
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
<script>window.Parley=window.Parley||function(){{(Parley.q=Parley.q||[]).push(arguments)}};</script>
<script src="{public_url}/embed.js" data-organization-id="{organization}" async></script>
</body>
</html>
"#
    )
}

/// Serves [`page`] at `/`.
pub fn router(public_url: &str, organization: OrganizationId) -> Router {
    let html = page(public_url, organization);
    Router::new().route("/", get(move || async move { Html(html) }))
}
