//! The documented vectors (`docs/protocol/authorization-code.md#vectors`) through the machine.

use ssooidc_core::authcode::{s256_challenge, LoginSecrets};

use crate::scenario::{cached_pkce, Scenario, STATE, VERIFIER};

#[test]
fn rfc_7636_appendix_b() {
    assert_eq!(
        s256_challenge(VERIFIER),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(
        LoginSecrets::new(VERIFIER, STATE).unwrap().challenge(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn the_whole_authorize_url_of_the_documented_vector() {
    let mut registration = cached_pkce(60 * 24);
    registration.client_id = "_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID".to_owned();
    let mut s = Scenario::builder()
        .cached(registration)
        .input(|i| i.scopes(["sso:account:access", "codewhisperer:completions"]))
        .build();
    assert_eq!(
        s.authorize_request().url.as_str(),
        "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback&state=3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn generated_secrets_reach_the_url_and_the_exchange() {
    let secrets = LoginSecrets::generate(&[42; 32]);
    let mut s = Scenario::builder().secrets(secrets.clone()).build();
    let request = s.enter_authorize();
    let url = request.url.as_str();
    assert!(
        url.contains(&format!("&state={}&", secrets.state().expose())),
        "{url}"
    );
    assert!(
        url.ends_with(&format!("&code_challenge={}", secrets.challenge())),
        "{url}"
    );
    let now = s.now;
    s.flow
        .handle_callback(
            now,
            &format!("/oauth/callback?code=c&state={}", secrets.state().expose()),
        )
        .unwrap();
    let body = s.transmit_json("/token");
    let verifier = body["codeVerifier"].as_str().unwrap();
    assert_eq!(verifier, secrets.verifier().expose());
    assert_eq!(s256_challenge(verifier), secrets.challenge());
}
