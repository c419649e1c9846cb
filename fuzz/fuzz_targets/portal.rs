//! The SSO portal's decoders and files on arbitrary bytes: the four operations'
//! `parse_response` (the framing of `ssooidc_fuzz`'s docs), the role-credential cache entry (the
//! body read as a file), the logout sweepers and lock records. A decoded `GetRoleCredentials`
//! answer becomes a cache entry that re-reads to itself; a cache entry that parses re-serializes
//! to a file that parses to the same entry (to the whole second), and that file is a fixed
//! point of the writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::cache::{
    is_logout_credentials_file, is_logout_token_file, parse_lock_record, CachedRoleCredentials,
};
use ssooidc_core::portal::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use ssooidc_core::Operation;
use ssooidc_fuzz::check_decoder;

fn rewritten(entry: &CachedRoleCredentials) {
    let written = entry.to_json();
    let back = CachedRoleCredentials::from_json(written.as_bytes())
        .unwrap_or_else(|e| panic!("{written:?} does not re-read: {e}"));
    let mut want = entry.clone();
    want.expiration = want.expiration.replace_nanosecond(0).unwrap().into();
    assert_eq!(back, want, "changed through a rewrite: {written}");
    assert_eq!(back.to_json(), written, "the writer is not a fixed point");
}

fuzz_target!(|data: &[u8]| {
    let response = ssooidc_fuzz::framed_response(data);
    check_decoder::<GetRoleCredentials>(&response);
    check_decoder::<ListAccounts>(&response);
    check_decoder::<ListAccountRoles>(&response);
    check_decoder::<Logout>(&response);
    if let Ok(answer) = GetRoleCredentials::parse_response(&response) {
        let entry = CachedRoleCredentials::from_portal(&answer.role_credentials, "123456789012");
        assert_eq!(entry.expiration, answer.role_credentials.expires_at());
        let _ = entry.to_process_credentials().to_process_output();
        rewritten(&entry);
    }
    let body = response.body();
    match CachedRoleCredentials::from_json(body) {
        Ok(entry) => {
            rewritten(&entry);
            let _ = (
                format!("{entry:?}"),
                entry.to_process_credentials().to_variables(true),
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = (is_logout_token_file(body), is_logout_credentials_file(body));
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = parse_lock_record(text);
    }
});
