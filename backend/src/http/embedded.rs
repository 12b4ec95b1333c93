//! The built web apps compiled into the binary (`rust-embed`), so a release is one file and
//! `parley serve` works from any folder (issue 20). In debug builds rust-embed reads the
//! workspace's `dist/` at run time instead, so `cargo xtask build-widget` shows without a
//! rebuild of the server. `--assets-dir` serves a folder instead (`super::assets`).

use super::error::ApiError;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::{EmbeddedFile, RustEmbed};

/// `dist/` as `cargo xtask build-widget` leaves it: `widget/…`, `dashboard/…`, each file
/// beside its `.br` and `.gz` variants. Missing at build time means "not built": the
/// server then answers 503 `WidgetNotBuilt` for the apps and serves the API as usual.
#[derive(RustEmbed)]
#[folder = "../dist/"]
#[allow_missing = true]
struct Dist;

/// Whether the web apps were built before this binary (or, in debug builds, are in `dist/`).
pub fn present() -> bool {
    Dist::get("widget/index.html").is_some()
}

/// The bytes of `path` (e.g. `widget/index.html`), uncompressed.
pub fn read(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Dist::get(path).map(|f| f.data)
}

/// Whether the request's `Accept-Encoding` accepts `coding` (a `q=0` refuses it).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let refused = |p: &str| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            };
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case(coding))
                && !parts.any(refused)
        })
}

/// Serves `path` with its content type, the brotli or gzip variant when the browser
/// accepts it, an `ETag` (the content's SHA-256) and a 304 when the browser already has it;
/// `cache` is its `Cache-Control`. Unknown paths answer our JSON 404.
pub fn serve(path: &str, headers: &HeaderMap, cache: &'static str) -> Response {
    let Some(plain) = Dist::get(path) else {
        return ApiError::RouteNotFound.into_response();
    };
    let (file, encoding): (EmbeddedFile, Option<&'static str>) = [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .find_map(|(coding, ext)| {
            accepts(headers, coding)
                .then(|| Dist::get(&format!("{path}.{ext}")))
                .flatten()
                .map(|f| (f, Some(coding)))
        })
        .unwrap_or((plain, None));
    let tag = format!(
        "\"{}{}\"",
        hex::encode(&file.metadata.sha256_hash()[..16]),
        encoding.map_or(String::new(), |e| format!("-{e}"))
    );
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut response = if headers
        .get(IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.data.into_owned().into_response()
    };
    let out = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        out.insert(CONTENT_TYPE, v);
    }
    if let Some(e) = encoding {
        out.insert(CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    if let Ok(v) = HeaderValue::from_str(&tag) {
        out.insert(ETAG, v);
    }
    out.insert(VARY, HeaderValue::from_static("accept-encoding"));
    out.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn accept_encoding_is_read_with_its_refusals() {
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("br;q=0.5"), "br"));
        assert!(!accepts(&with("br;q=0, gzip"), "br"));
        assert!(accepts(&with("br;q=0, gzip"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
