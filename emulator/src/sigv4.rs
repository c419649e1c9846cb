//! AWS Signature Version 4, the verifying side: reading an `Authorization: AWS4-HMAC-SHA256 ...`
//! header, rebuilding the canonical request and the string to sign from the request as it
//! arrived, and the signature the secret key gives. Pure functions, no clock: the STS service
//! (`service::sts`) decides what the request may claim.
//!
//! The canonical request follows the SigV4 documentation for every service but S3: the path
//! with its dot segments removed, then percent-encoded once more (so an `%20` in the request is
//! `%2520` here); the query's names and values decoded (`%XX` only: a `+` is itself) and
//! encoded again (RFC 3986 unreserved characters kept, upper-case hex), sorted by name then
//! value; the headers of `SignedHeaders` in the order given, each name's values trimmed, runs of
//! spaces made one, joined with `,`; the payload hash from `x-amz-content-sha256` when the
//! request has that header, else the hex SHA-256 of the body.
//!
//! HMAC-SHA256 is RFC 2104 over `sha2` (checked against RFC 4231 below), so the emulator needs
//! no other crate for it.

use sha2::{Digest, Sha256};
use ssooidc_core::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The one algorithm SigV4 names.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// HMAC-SHA256 (RFC 2104).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The signing key: `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request")`.
pub(crate) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// The hex signature of `string_to_sign` with `key`.
pub(crate) fn signature(key: &[u8; 32], string_to_sign: &str) -> String {
    hex(&hmac_sha256(key, string_to_sign.as_bytes()))
}

/// Whether two strings are equal, in time that depends on their lengths only.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The credential scope of an `Authorization` header: `AKID/DATE/REGION/SERVICE/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
}

impl Credential {
    /// `DATE/REGION/SERVICE/TERMINATOR`, as the string to sign writes it.
    pub(crate) fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub credential: Credential,
    /// As given (lower case, `;`-separated, sorted by a correct signer).
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why an `Authorization` header cannot be used, in the words STS uses
/// (`IncompleteSignature`). `date_present`: whether the request has an `X-Amz-Date` header
/// (its absence is reported with the missing parameters, as the service does).
pub(crate) fn parse_authorization(
    header: &str,
    date_present: bool,
) -> Result<Authorization, String> {
    let (algorithm, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Authorization={header}"
        ));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            ));
        };
        match name.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none_or(str::is_empty) {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !date_present {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        return Err(format!("{missing}Authorization={header}"));
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(format!("Authorization={header}"));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(format!(
            "Credential '{credential}' is not of the form ACCESS_KEY_ID/DATE/REGION/SERVICE/aws4_request. Authorization={header}"
        ));
    };
    let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        );
    }
    Ok(Authorization {
        credential: Credential {
            access_key_id: (*access_key_id).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            terminator: (*terminator).to_owned(),
        },
        signed_headers,
        signature: signature.to_owned(),
    })
}

/// `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) as epoch seconds; `None` for anything else.
pub(crate) fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let hour = u8::try_from(digits(9..11)?).ok()?;
    let minute = u8::try_from(digits(11..13)?).ok()?;
    let second = u8::try_from(digits(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Epoch seconds as `YYYYMMDDTHHMMSSZ` (the number itself when out of range).
pub(crate) fn format_amz_date(epoch: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(epoch) {
        Ok(t) => format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => epoch.to_string(),
    }
}

/// A request as the verifier sees it: the parts of the wire request that are signed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent (still percent-encoded).
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

/// The canonical request of `request` for `signed_headers`.
pub(crate) fn canonical_request(request: &SignedRequest<'_>, signed_headers: &[String]) -> String {
    let mut out = String::new();
    out.push_str(request.method);
    out.push('\n');
    out.push_str(&canonical_path(request.path));
    out.push('\n');
    out.push_str(&canonical_query(request.query));
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(&canonical_header_value(request.headers, name));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    let payload_hash = request
        .headers
        .get("x-amz-content-sha256")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .unwrap_or_else(|| sha256_hex(request.body));
    out.push_str(&payload_hash);
    out
}

/// The string to sign: the algorithm, the request date, the scope and the hash of the
/// canonical request, one a line.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Every value of header `name`, trimmed, runs of whitespace made one space, joined by `,`
/// (bytes that are not UTF-8 become U+FFFD: such a header cannot have been signed as sent).
fn canonical_header_value(headers: &http::HeaderMap, name: &str) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// RFC 3986 percent-encoding of every byte but the unreserved characters (and `/` when
/// `keep_slash`), upper-case hex.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` escapes decoded (anything else, `+` included, kept as it is).
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escape = (b[i] == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escape {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// The canonical URI: the path with `.` and `..` segments removed (RFC 3986 5.2.4), then
/// encoded once more; an empty path is `/`.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    let raw: Vec<&str> = path.split('/').collect();
    let last = raw.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, segment) in raw.iter().enumerate().skip(1) {
        match *segment {
            "." => trailing_slash = i == last,
            ".." => {
                segments.pop();
                trailing_slash = i == last;
            }
            s => {
                segments.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut normalized = String::from("/");
    normalized.push_str(&segments.join("/"));
    if trailing_slash && !normalized.ends_with('/') {
        normalized.push('/');
    }
    uri_encode(normalized.as_bytes(), true)
}

/// The canonical query string: each name and value decoded and encoded again, sorted by name
/// then value, `name=value` joined by `&`.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1, 2 and 6 (a key longer than the block is hashed first).
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    /// The worked example of the SigV4 documentation: IAM `ListUsers`, signed on
    /// 2015-08-30 12:36:00 UTC in us-east-1.
    #[test]
    fn the_documented_iam_list_users_example_verifies() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            true,
        )
        .unwrap();
        assert_eq!(auth.credential.access_key_id, "AKIDEXAMPLE");
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let canonical = canonical_request(&request, &auth.signed_headers);
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let to_sign = string_to_sign("20150830T123600Z", &auth.credential.scope(), &canonical);
        assert_eq!(
            to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let key = signing_key(SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(signature(&key, &to_sign), auth.signature);
    }

    /// `get-vanilla` and `get-vanilla-query-order-key-case` of the AWS SigV4 test suite.
    #[test]
    fn the_test_suite_vectors_verify() {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let key = signing_key(SECRET, "20150830", "us-east-1", "service");
        let signed = ["host".to_owned(), "x-amz-date".to_owned()];
        for (query, expected) in [
            (
                "",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ] {
            let request = SignedRequest {
                method: "GET",
                path: "/",
                query,
                headers: &headers,
                body: b"",
            };
            let canonical = canonical_request(&request, &signed);
            let to_sign = string_to_sign(
                "20150830T123600Z",
                "20150830/us-east-1/service/aws4_request",
                &canonical,
            );
            assert_eq!(signature(&key, &to_sign), expected, "{query:?}");
        }
    }

    #[test]
    fn paths_and_queries_are_canonicalised() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path("/a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_path("/a/.."), "/");
        assert_eq!(canonical_path("/../x"), "/x");
        assert_eq!(canonical_path("/a%20b/c d"), "/a%2520b/c%20d");
        assert_eq!(
            canonical_query("b=2&a=%7e&a=1&c&sp=x+y%20z&u=%C3%A9"),
            "a=1&a=~&b=2&c=&sp=x%2By%20z&u=%C3%A9"
        );
        assert_eq!(canonical_query("bad=%G1%4"), "bad=%25G1%254");
    }

    #[test]
    fn headers_are_trimmed_and_joined() {
        let mut headers = http::HeaderMap::new();
        headers.append("x-a", "  one   two  ".parse().unwrap());
        headers.append("x-a", "three".parse().unwrap());
        assert_eq!(canonical_header_value(&headers, "x-a"), "one two,three");
        assert_eq!(canonical_header_value(&headers, "x-missing"), "");
    }

    #[test]
    fn authorization_headers_are_read_or_refused_with_the_services_words() {
        let ok = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=ASIAX/20260101/eu-west-1/sts/aws4_request,SignedHeaders=host;x-amz-date,Signature=ab",
            true,
        )
        .unwrap();
        assert_eq!(ok.credential.scope(), "20260101/eu-west-1/sts/aws4_request");
        assert_eq!(ok.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(ok.signature, "ab");

        let e = parse_authorization("AWS4-HMAC-SHA256 Credential=A/B", false).unwrap_err();
        assert!(
            e.starts_with("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "),
            "{e}"
        );
        let e = parse_authorization(
            "AWS4-HMAC-SHA256 Credential AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x",
            true,
        )
        .unwrap_err();
        assert!(e.contains("not a valid key=value pair"), "{e}");
        let e = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date, Signature=x",
            true,
        )
        .unwrap_err();
        assert!(e.contains("'Host'"), "{e}");
        let e = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x",
            true,
        )
        .unwrap_err();
        assert!(e.contains("not of the form"), "{e}");
        for garbage in [
            "",
            " ",
            "Bearer abc",
            "AWS AKID:sig",
            "AWS4-HMAC-SHA256",
            "\u{0}\u{ff}",
        ] {
            assert!(parse_authorization(garbage, true).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn amz_dates_round_trip_and_garbage_is_none() {
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        for bad in [
            "",
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150230T123600Z",
            "20150830T246000Z",
            "2015083OT123600Z",
            "+0150830T123600Z",
            "20150830T12360éZ",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
        assert_eq!(format_amz_date(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn equality_is_by_content() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
