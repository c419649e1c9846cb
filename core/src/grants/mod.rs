//! The grants layer: the logins and the refresh as machines: answers in grant terms
//! ([`grant`]), the device flow over either dialect ([`device`]), the browser login with PKCE
//! ([`authcode`]), the refresher ([`refresh`]) and the standard OAuth 2.0 machines ([`oauth`]).

pub mod authcode;
pub mod device;
pub mod grant;
pub mod login;
pub mod oauth;
pub mod refresh;
