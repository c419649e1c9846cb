//! The AWS CLI's guard against `export-credentials` resolving itself forever: a profile whose
//! `credential_process` is `aws configure export-credentials --profile` of itself (or of a
//! profile that comes back to it) would start processes without end. Each run reads the
//! profiles seen so far from [`PROFILE_CHAIN_VARIABLE`] (a CSV row, as Python's `csv` module
//! writes it), refuses a profile already in it or a chain [`MAX_PROFILE_CHAIN`] long, and hands
//! its `credential_process` the chain with its own profile added. The variable and its format
//! are the AWS CLI's, so chains that mix `aws` and `ssooidc` are caught too.

/// The variable that carries the chain (the AWS CLI's `_RECURSION_VAR`).
pub const PROFILE_CHAIN_VARIABLE: &str = "_AWS_CLI_PROFILE_CHAIN";

/// The longest chain before the next run is refused (the AWS CLI's `_MAX_RECURSION`).
pub const MAX_PROFILE_CHAIN: usize = 4;

/// Why a run of `export-credentials` is refused; the messages are the AWS CLI's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileChainError {
    /// [`MAX_PROFILE_CHAIN`] profiles were seen already.
    #[error("Maximum recursive credential process resolution reached ({MAX_PROFILE_CHAIN}).\nProfiles seen: {}", .0.join(" -> "))]
    TooDeep(Vec<String>),
    /// The profile was seen already: the chain, ending with it again.
    #[error("Credential process resolution detected an infinite loop, profile cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// The chain to hand on for a run of `export-credentials` for `profile`, given the value of
/// [`PROFILE_CHAIN_VARIABLE`] this run got (`None` when unset), or why the run is refused.
///
/// ```
/// use ssooidc_core::settings::next_profile_chain;
/// assert_eq!(next_profile_chain(None, "dev").unwrap(), "dev");
/// assert_eq!(next_profile_chain(Some("a,b"), "my,dev").unwrap(), "a,b,\"my,dev\"");
/// assert!(next_profile_chain(Some("dev,other"), "dev").is_err());
/// ```
pub fn next_profile_chain(
    current: Option<&str>,
    profile: &str,
) -> Result<String, ProfileChainError> {
    let mut seen = parse_row(current.unwrap_or(""));
    if seen.len() >= MAX_PROFILE_CHAIN {
        return Err(ProfileChainError::TooDeep(seen));
    }
    if seen.iter().any(|p| p == profile) {
        seen.push(profile.to_owned());
        return Err(ProfileChainError::Cycle(seen));
    }
    seen.push(profile.to_owned());
    // Python writes a row of one empty field as `""`: an empty text is a row of none.
    if let [only] = seen.as_slice() {
        if only.is_empty() {
            return Ok("\"\"".to_owned());
        }
    }
    Ok(seen.iter().map(|p| quote(p)).collect::<Vec<_>>().join(","))
}

/// A field as Python's `csv.writer` writes it (minimal quoting).
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// One CSV row as Python's `csv.reader` reads it; an empty text is no field at all.
fn parse_row(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_grow_and_are_refused_as_the_aws_cli_refuses_them() {
        assert_eq!(next_profile_chain(Some(""), "a").unwrap(), "a");
        assert_eq!(next_profile_chain(Some("a"), "b").unwrap(), "a,b");
        assert_eq!(
            next_profile_chain(Some("a,b,c"), "a").unwrap_err().to_string(),
            "Credential process resolution detected an infinite loop, profile cycle: a -> b -> c -> a"
        );
        assert_eq!(
            next_profile_chain(Some("a,b,c,d"), "e").unwrap_err().to_string(),
            "Maximum recursive credential process resolution reached (4).\nProfiles seen: a -> b -> c -> d"
        );
        // A profile named "" (`[profile ""]`), as Python's csv writes and reads it.
        assert_eq!(next_profile_chain(None, "").unwrap(), "\"\"");
        assert!(next_profile_chain(Some("\"\""), "").is_err());
        assert_eq!(next_profile_chain(Some("\"\""), "b").unwrap(), ",b");
        let odd = next_profile_chain(Some("x"), "a \"quoted\", name").unwrap();
        assert_eq!(odd, "x,\"a \"\"quoted\"\", name\"");
        assert_eq!(parse_row(&odd), ["x", "a \"quoted\", name"]);
    }
}
