//! Identity verification on hostile input: never a panic, and whatever verifies in the
//! HMAC form really carries the HMAC of its user ID under the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_shared::api::Identity;
use parley_shared::identity::{user_hash, verify};

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    secret: String,
    user_id: Option<String>,
    user_hash: Option<String>,
    token: Option<String>,
    now: i64,
}

fuzz_target!(|input: Input| {
    let identity = Identity {
        user_id: input.user_id.clone(),
        user_hash: input.user_hash.clone(),
        email: None,
        name: None,
        token: input.token.clone(),
    };
    if let Ok(verified) = verify(&input.secret, &identity, input.now)
        && input.token.is_none()
    {
        let given = hex::decode(input.user_hash.unwrap_or_default()).unwrap_or_default();
        let expected =
            hex::decode(user_hash(&input.secret, &verified.external_id)).unwrap_or_default();
        assert_eq!(given, expected, "a forged hash verified");
    }
});
