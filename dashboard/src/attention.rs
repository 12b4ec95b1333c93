//! The browser tab tells the operator what waits, even in the background: the title
//! ([`crate::state::Model::title`]) and a count drawn on the tab's icon.

/// Shows `title` and `count` (0: the plain icon) on the browser tab.
pub fn show(title: &str, count: usize) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    document.set_title(title);
    let icon = match document.query_selector("link[rel='icon']") {
        Ok(Some(icon)) => icon,
        _ => {
            let Ok(icon) = document.create_element("link") else {
                return;
            };
            let _ = icon.set_attribute("rel", "icon");
            if let Ok(Some(head)) = document.query_selector("head") {
                let _ = head.append_child(&icon);
            }
            icon
        }
    };
    let _ = icon.set_attribute("href", &icon_url(count));
}

/// An SVG icon as a data URL: Parley's "P", or the count on red when something waits.
fn icon_url(count: usize) -> String {
    let (fill, text) = match count {
        0 => ("#2563eb", "P".to_owned()),
        1..=99 => ("#dc2626", count.to_string()),
        _ => ("#dc2626", "99+".to_owned()),
    };
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><circle cx='16' cy='16' r='16' fill='{fill}'/><text x='16' y='22' font-size='16' font-family='sans-serif' font-weight='700' text-anchor='middle' fill='white'>{text}</text></svg>"
    );
    format!(
        "data:image/svg+xml,{}",
        String::from(js_sys::encode_uri_component(&svg))
    )
}
