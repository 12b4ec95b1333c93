//! Cookie-authenticated requests that a browser says come from another origin are refused:
//! writes (CSRF) and the dashboard's WebSocket upgrade (cross-site WebSocket hijacking).
//! SameSite=Strict is not enough: a page on another port of the same host, or a sibling
//! subdomain, is the *same site*, so the browser sends the staff cookie with its requests
//! (issue 21, finding 1: such a page opened `/api/dashboard/live` and read conversations).
//!
//! Browsers say where a request comes from in `Sec-Fetch-Site` (refused unless
//! `same-origin` or `none`), or else in `Origin` (refused unless its host is the request's
//! `Host` or the public URL's). Requests with neither are not from a browser's page, which
//! is all a cookie-stealing page could use, so they pass (scripts, tests, the CLI).

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};

/// Whether a cookie-authenticated request with `method` and `headers` must be refused:
/// a write or a WebSocket upgrade that a browser sent from another origin. `public_url` is
/// the server's own public URL (`scheme://host[:port]`).
pub fn refused(method: &Method, headers: &HeaderMap, public_url: &str) -> bool {
    let upgrade = headers
        .get("upgrade")
        .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    (write || upgrade) && cross_origin(headers, public_url)
}

fn cross_origin(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return false;
    };
    // "null" (sandboxed frames, file: pages) has no authority: refused.
    let Some(authority) = origin.to_str().ok().and_then(authority) else {
        return true;
    };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let public = authority_of(public_url);
    !(host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
        || public.is_some_and(|p| p.eq_ignore_ascii_case(authority)))
}

/// `host[:port]` of an origin (`scheme://host[:port]`, nothing after).
fn authority(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

fn authority_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    rest.split('/').next().filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const PUBLIC: &str = "https://support.example";

    #[test]
    fn reads_pass_and_scripts_without_browser_headers_pass() {
        let evil = headers(&[
            ("origin", "https://evil.example"),
            ("host", "support.example"),
        ]);
        assert!(!refused(&Method::GET, &evil, PUBLIC));
        assert!(!refused(&Method::POST, &HeaderMap::new(), PUBLIC));
    }

    #[test]
    fn writes_and_upgrades_from_another_origin_are_refused() {
        let sibling_port = headers(&[
            ("origin", "http://127.0.0.1:9001"),
            ("host", "127.0.0.1:9000"),
        ]);
        assert!(refused(
            &Method::POST,
            &sibling_port,
            "http://127.0.0.1:9000"
        ));
        let upgrade = headers(&[
            ("origin", "https://evil.example"),
            ("host", "support.example"),
            ("upgrade", "websocket"),
        ]);
        assert!(refused(&Method::GET, &upgrade, PUBLIC));
        let null = headers(&[("origin", "null"), ("host", "support.example")]);
        assert!(refused(&Method::DELETE, &null, PUBLIC));
        let same_site = headers(&[("sec-fetch-site", "same-site"), ("origin", PUBLIC)]);
        assert!(
            refused(&Method::POST, &same_site, PUBLIC),
            "fetch metadata wins"
        );
    }

    #[test]
    fn the_server_own_origin_passes_by_host_or_public_url() {
        let by_host = headers(&[
            ("origin", "http://localhost:8080"),
            ("host", "localhost:8080"),
        ]);
        assert!(!refused(&Method::POST, &by_host, "http://127.0.0.1:8080"));
        let by_public = headers(&[("origin", PUBLIC), ("host", "10.0.0.5:8080")]);
        assert!(!refused(&Method::PUT, &by_public, PUBLIC));
        let same_origin = headers(&[("sec-fetch-site", "same-origin"), ("upgrade", "websocket")]);
        assert!(!refused(&Method::GET, &same_origin, PUBLIC));
    }
}
