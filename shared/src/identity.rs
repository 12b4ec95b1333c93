//! Identity verification's checks (feature `verify`): the organization's own backend
//! vouches for a logged-in visitor, as Intercom's and Chatwoot's "identity verification" do.
//! Two forms, both keyed by the organization's identity secret:
//! - `userId` + `userHash` = lowercase hex HMAC-SHA256(secret, userId);
//! - `token` = a JWT, HS256 only, with `sub` and `exp` required (`email`, `name` optional);
//!   `exp` is checked against the caller's clock.
//!
//! Both comparisons are constant time (`hmac`'s `verify_slice`, and `jsonwebtoken`'s HMAC
//! check). Chatwoot #9493 is the failure this avoids: a `==` comparison of the hash.

use crate::api::Identity;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::Sha256;

/// Why an identity does not verify (deliberately one answer for every reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the identity does not verify")]
pub struct IdentityInvalid;

/// Longest accepted external user ID, in characters.
const MAX_USER_ID_CHARS: usize = 200;
/// Longest accepted identity token, in bytes (a JWT with a few claims is far smaller).
const MAX_TOKEN_BYTES: usize = 4096;

/// What a verified identity says about the visitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The user's ID on the organization's site.
    pub external_id: String,
    /// The email it gave, if any (unchecked format; validated by the caller).
    pub email: Option<String>,
    /// The name it gave, if any.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// Lowercase hex HMAC-SHA256 of `user_id` under `secret`: what the organization's backend
/// computes for `userHash` (used by the demo site and tests).
pub fn user_hash(secret: &str, user_id: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `identity` against `secret` at `now_secs` (Unix seconds). Errors:
/// `IdentityInvalid` for a wrong hash or signature, an expired or malformed token, an
/// algorithm other than HS256, a missing or over-long user ID.
pub fn verify(
    secret: &str,
    identity: &Identity,
    now_secs: i64,
) -> Result<Verified, IdentityInvalid> {
    if let Some(token) = &identity.token {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(IdentityInvalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        )
        .map_err(|_| IdentityInvalid)?
        .claims;
        if claims.exp <= now_secs || !valid_user_id(&claims.sub) {
            return Err(IdentityInvalid);
        }
        return Ok(Verified {
            external_id: claims.sub,
            email: claims.email,
            name: claims.name,
        });
    }
    let (Some(user_id), Some(hash)) = (&identity.user_id, &identity.user_hash) else {
        return Err(IdentityInvalid);
    };
    if !valid_user_id(user_id) {
        return Err(IdentityInvalid);
    }
    let expected = hex::decode(hash).map_err(|_| IdentityInvalid)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| IdentityInvalid)?;
    mac.update(user_id.as_bytes());
    mac.verify_slice(&expected).map_err(|_| IdentityInvalid)?;
    Ok(Verified {
        external_id: user_id.clone(),
        email: identity.email.clone(),
        name: identity.name.clone(),
    })
}

fn valid_user_id(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().count() <= MAX_USER_ID_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn hashed(user: &str, hash: String) -> Identity {
        Identity {
            user_id: Some(user.into()),
            user_hash: Some(hash),
            email: Some("ada@example.com".into()),
            ..Identity::default()
        }
    }

    fn token(secret: &str, alg: Algorithm, claims: serde_json::Value) -> Identity {
        let token = encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        Identity {
            token: Some(token),
            ..Identity::default()
        }
    }

    #[test]
    fn the_hmac_form_verifies_only_with_the_right_secret_and_user() {
        let ok = verify("s3cret", &hashed("42", user_hash("s3cret", "42")), 0).unwrap();
        assert_eq!(ok.external_id, "42");
        assert_eq!(ok.email.as_deref(), Some("ada@example.com"));
        for bad in [
            hashed("42", user_hash("other", "42")),
            hashed("43", user_hash("s3cret", "42")),
            hashed(
                "42",
                user_hash("s3cret", "42").to_uppercase().replace('A', "B"),
            ),
            hashed("42", "zz".into()),
            hashed("42", String::new()),
            hashed("", user_hash("s3cret", "")),
            Identity::default(),
        ] {
            assert!(verify("s3cret", &bad, 0).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_token_form_needs_hs256_the_secret_and_an_unexpired_exp() {
        let claims = json!({"sub": "42", "exp": 1_000, "email": "ada@example.com", "name": "Ada"});
        let ok = verify(
            "s3cret",
            &token("s3cret", Algorithm::HS256, claims.clone()),
            999,
        )
        .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Ada"));
        // Expired, signed with another key, another algorithm, or missing claims.
        assert!(
            verify(
                "s3cret",
                &token("s3cret", Algorithm::HS256, claims.clone()),
                1_000
            )
            .is_err()
        );
        assert!(
            verify(
                "s3cret",
                &token("other", Algorithm::HS256, claims.clone()),
                999
            )
            .is_err()
        );
        assert!(verify("s3cret", &token("s3cret", Algorithm::HS512, claims), 999).is_err());
        assert!(
            verify(
                "s3cret",
                &token("s3cret", Algorithm::HS256, json!({"sub": "42"})),
                0
            )
            .is_err()
        );
        // An unsigned token ("alg": "none") is refused.
        let unsigned = Identity {
            token: Some(
                "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MiIsImV4cCI6OTk5OTk5OTk5OX0."
                    .into(),
            ),
            ..Identity::default()
        };
        assert!(verify("s3cret", &unsigned, 0).is_err());
    }
}
