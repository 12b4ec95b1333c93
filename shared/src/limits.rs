//! Validation limits and the pure checks both sides run: the widget for inline errors, the
//! backend as the authority. Lengths are counted in Unicode scalar values (`char`s).

use email_address::EmailAddress;
use std::str::FromStr;

/// Longest contact name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest email address (RFC 5321 path limit), in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest value of one browser-metadata field, in characters; longer values are cut.
pub const MAX_METADATA_CHARS: usize = 2048;
/// Most entries kept in `metadata.languages`.
pub const MAX_LANGUAGES: usize = 16;
/// Default longest message, in characters (the server's limit is configurable).
pub const DEFAULT_MAX_MESSAGE_CHARS: usize = 4000;
/// Largest page a list endpoint returns.
pub const MAX_PAGE_LIMIT: u32 = 100;
/// Page size when the client names none.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;

/// Why a field was refused: which field (the JSON name) and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The JSON field name, e.g. `email`.
    pub field: &'static str,
    /// What is wrong, e.g. "Enter a valid email address.".
    pub message: &'static str,
}

/// A trimmed, non-empty contact name of at most [`MAX_NAME_CHARS`].
pub fn validate_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldError {
            field: "name",
            message: "Enter your name.",
        });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError {
            field: "name",
            message: "The name is too long (80 characters at most).",
        });
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError {
            field: "name",
            message: "The name contains invalid characters.",
        });
    }
    Ok(name.to_owned())
}

/// The form of an email that lookups compare (blocking, GDPR export and erasure, live
/// revocations, staff logins): trimmed and lowercased with Unicode's full case mapping, so
/// `ÉLISE.x@example.com` and `élise.x@example.com` are one contact. The backend stores it
/// beside the email as typed, because SQL `LOWER()` folds ASCII only on SQLite (issue 21,
/// finding 3: an export and an erasure that found nothing).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A trimmed email address that parses as RFC 5322 `addr-spec` with a dotted domain.
pub fn validate_email(raw: &str) -> Result<String, FieldError> {
    const INVALID: FieldError = FieldError {
        field: "email",
        message: "Enter a valid email address.",
    };
    let email = raw.trim();
    if email.is_empty() {
        return Err(FieldError {
            field: "email",
            message: "Enter your email address.",
        });
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(INVALID);
    }
    let parsed = EmailAddress::from_str(email).map_err(|_| INVALID)?;
    // `a@b` is valid RFC 5322 but never a visitor's real address.
    if !parsed.domain().contains('.') || email.contains(char::is_whitespace) {
        return Err(INVALID);
    }
    Ok(email.to_owned())
}

/// Shortest password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password, in characters (argon2 cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest greeting, in characters.
pub const MAX_GREETING_CHARS: usize = 500;
/// Most suggested first messages.
pub const MAX_SUGGESTIONS: usize = 3;
/// Longest suggested message, in characters.
pub const MAX_SUGGESTION_CHARS: usize = 100;
/// Most allowed origins.
pub const MAX_ORIGINS: usize = 20;

/// A password of acceptable length (kept as typed).
pub fn validate_password(raw: &str) -> Result<(), FieldError> {
    let n = raw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(FieldError {
            field: "password",
            message: "The password needs at least 8 characters.",
        });
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(FieldError {
            field: "password",
            message: "The password is too long (256 characters at most).",
        });
    }
    Ok(())
}

/// A trimmed, non-empty label of at most 80 characters (organization and display names).
pub fn validate_label(raw: &str, field: &'static str) -> Result<String, FieldError> {
    let label = raw.trim();
    if label.is_empty()
        || label.chars().count() > MAX_NAME_CHARS
        || label.chars().any(char::is_control)
    {
        return Err(FieldError {
            field,
            message: "Use 1 to 80 characters, without control characters.",
        });
    }
    Ok(label.to_owned())
}

/// `#rrggbb` (lowercased).
pub fn validate_color(raw: &str) -> Result<String, FieldError> {
    let c = raw.trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if !ok {
        return Err(FieldError {
            field: "accentColor",
            message: "Use a color like #2563eb.",
        });
    }
    Ok(c.to_ascii_lowercase())
}

/// A web origin, `http(s)://host[:port]` with nothing after it, parsed by the WHATWG URL
/// parser (`url` crate: port range, IPv6 brackets, IDN) and returned as its ASCII
/// serialization (lowercase, punycode, default port dropped, no trailing slash), the form
/// that goes into `frame-ancestors`. `https://a.example:99999` and `http://[::1` were
/// accepted by a hand-written check (issue 21, finding 10). Backend only (`verify`).
#[cfg(feature = "verify")]
pub fn validate_origin(raw: &str) -> Result<String, FieldError> {
    const BAD: FieldError = FieldError {
        field: "allowedOrigins",
        message: "Use origins like https://shop.example (scheme, host and optional port only).",
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| BAD)?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !bare {
        return Err(BAD);
    }
    Ok(url.origin().ascii_serialization())
}

/// Why a message's content was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentError {
    /// Empty or white space only.
    Empty,
    /// Over the limit, in characters.
    TooLong {
        /// The limit that applies.
        max: usize,
    },
}

/// Whether `c` shows nothing: white space, or an invisible formatting character (zero-width
/// space, joiners, word joiner, soft hyphen, byte-order mark, directional marks), which a
/// message made only of them would look empty yet pass a plain `trim` (issue 21, finding 11).
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Checks a message's content against `max_chars`; the content is kept as sent (not trimmed).
/// Errors: `Empty` when nothing visible is left (white space or invisible characters only).
pub fn validate_content(content: &str, max_chars: usize) -> Result<(), ContentError> {
    if content.chars().all(invisible) {
        return Err(ContentError::Empty);
    }
    if content.chars().count() > max_chars {
        return Err(ContentError::TooLong { max: max_chars });
    }
    Ok(())
}

/// Typing indicators: a client sends at most one typing frame per this many milliseconds
/// while its person types (peers' rule: Intercom and Crisp throttle to a few seconds).
pub const TYPING_SEND_EVERY_MS: u32 = 2000;
/// ... the server relays at most one per this many milliseconds per socket (a client that
/// ignores the rule above cannot flood the other side) ...
pub const TYPING_RELAY_EVERY_MS: u64 = 1500;
/// ... and the other side shows the indicator this long after the last frame, unless the
/// message itself comes first (a dropped connection cannot leave it on).
pub const TYPING_SHOWN_MS: u32 = 6000;

/// The longest usual reply time an organization may state (minutes: a day).
pub const MAX_REPLY_TIME_MINUTES: u32 = 1440;

/// A widget's `watch` socket follows at most this many of its session's conversations (the
/// most recent): a visitor's list, not an archive.
pub const WATCH_CONVERSATIONS: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_of_invisible_characters_only_is_empty() {
        for blank in ["", " \n\t", "\u{200B}\u{200B}", "\u{FEFF} \u{2060}\u{00AD}"] {
            assert_eq!(
                validate_content(blank, 10),
                Err(ContentError::Empty),
                "{blank:?}"
            );
        }
        assert_eq!(validate_content("\u{200B}ok", 10), Ok(()));
        assert_eq!(
            validate_content("👍🏽", 10),
            Ok(()),
            "joiners inside emoji are content"
        );
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(validate_name("  Ada ").as_deref(), Ok("Ada"));
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(81)).is_err());
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert_eq!(
            validate_email(" ada@example.com ").as_deref(),
            Ok("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "a da@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[cfg(feature = "verify")]
    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            validate_origin("https://Shop.example/").as_deref(),
            Ok("https://shop.example")
        );
        assert_eq!(
            validate_origin("http://127.0.0.1:8081").as_deref(),
            Ok("http://127.0.0.1:8081")
        );
        assert_eq!(
            validate_origin("https://[::1]:443").as_deref(),
            Ok("https://[::1]")
        );
        assert_eq!(
            validate_origin("https://Bücher.example").as_deref(),
            Ok("https://xn--bcher-kva.example")
        );
        for bad in [
            "shop.example",
            "ftp://x.y",
            "https://x.y/path",
            "https://",
            "https://x.y:abc",
            "https://a.example:99999",
            "http://[::1",
            "https://user@x.y",
            "https://x.y/?q",
            "https://x.y/#f",
        ] {
            assert!(validate_origin(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn colors_are_hex_triplets() {
        assert_eq!(validate_color("#2563EB").as_deref(), Ok("#2563eb"));
        assert!(validate_color("blue").is_err());
        assert!(validate_color("#12345").is_err());
    }

    #[test]
    fn content_must_be_non_blank_and_within_the_limit() {
        assert_eq!(validate_content(" \n\t", 10), Err(ContentError::Empty));
        assert_eq!(
            validate_content("ééééé", 4),
            Err(ContentError::TooLong { max: 4 })
        );
        assert_eq!(validate_content("éééé", 4), Ok(()));
    }
}
