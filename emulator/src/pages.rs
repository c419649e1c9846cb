//! The HTML a person sees: the verification page (`/device`) and the consent page of
//! `/authorize`. Plain HTML forms, no script; every interpolated value is escaped.

use crate::service::{DeviceStatus, DeviceView};

pub(crate) use ssooidc_core::text::escape_html as escape;

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - AWS SSO OIDC emulator</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #16191f; }}
h1 {{ font-size: 1.4rem; }}
.code {{ font-family: ui-monospace, monospace; font-size: 2rem; letter-spacing: .15em; padding: .5rem 1rem; border: 1px solid #aab7b8; display: inline-block; }}
button, input[type=text] {{ font-size: 1rem; padding: .5rem 1rem; margin: .25rem .25rem .25rem 0; }}
button.approve {{ background: #ec7211; color: white; border: 0; }}
.muted {{ color: #545b64; font-size: .9rem; }}
</style>
</head>
<body>
<p class="muted">AWS SSO OIDC emulator (local test service)</p>
<h1>{title}</h1>
{body}
</body>
</html>
"#,
        title = escape(title)
    )
}

/// `GET /device` without a code: a form to type one.
pub(crate) fn device_entry(message: Option<&str>) -> String {
    let note = message
        .map(|m| format!("<p><strong>{}</strong></p>", escape(m)))
        .unwrap_or_default();
    layout(
        "Authorize request",
        &format!(
            r#"{note}<p>Enter the code shown by the application.</p>
<form method="get" action="/device">
<label for="user_code">Code</label>
<input type="text" id="user_code" name="user_code" placeholder="XXXX-XXXX" autocomplete="off" autofocus>
<button type="submit">Next</button>
</form>"#
        ),
    )
}

/// `GET /device?user_code=...`: confirm the code, then approve or deny.
pub(crate) fn device_confirm(view: &DeviceView) -> String {
    let code = escape(&view.user_code);
    let what = match view.status {
        DeviceStatus::Pending => {
            return layout(
                "Authorize request",
                &format!(
                    r#"<p>Check that this code matches the one the application shows:</p>
<p class="code" id="user-code">{code}</p>
<p>Application <strong>{client}</strong> asks for access to <strong>{start}</strong>.</p>
<form method="post" action="/device">
<input type="hidden" name="user_code" value="{code}">
<button class="approve" type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>"#,
                    client = escape(&view.client_name),
                    start = escape(&view.start_url),
                ),
            )
        }
        DeviceStatus::Approved => "has been approved. You can close this window.",
        DeviceStatus::Denied => "has been denied.",
        DeviceStatus::Used => "has already been used.",
        DeviceStatus::Expired => "has expired. Start again from the application.",
    };
    layout(
        "Authorize request",
        &format!(r#"<p>The request with code <span class="code">{code}</span> {what}</p>"#),
    )
}

/// The result of submitting the verification form.
pub(crate) fn device_result(user_code: &str, approved: bool) -> String {
    let (title, text) = if approved {
        (
            "Request approved",
            "You can close this window and return to the application.",
        )
    } else {
        ("Request denied", "The application will not get access.")
    };
    layout(
        title,
        &format!(
            r#"<p>Code <span class="code">{}</span></p><p>{text}</p>"#,
            escape(user_code)
        ),
    )
}

/// The consent page of `/authorize` in manual mode.
pub(crate) fn consent(
    request: &str,
    client_name: &str,
    scopes: &[String],
    redirect_uri: &str,
) -> String {
    let scopes = if scopes.is_empty() {
        "<li>(none)</li>".to_owned()
    } else {
        scopes
            .iter()
            .map(|s| format!("<li>{}</li>", escape(s)))
            .collect()
    };
    layout(
        "Allow access?",
        &format!(
            r#"<p>Application <strong>{client}</strong> asks for these scopes:</p>
<ul>{scopes}</ul>
<p class="muted">You will be sent back to {redirect}</p>
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{request}">
<button class="approve" type="submit" name="action" value="approve">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>"#,
            client = escape(client_name),
            redirect = escape(redirect_uri),
            request = escape(request),
        ),
    )
}

/// A page explaining an error.
pub(crate) fn error(title: &str, message: &str) -> String {
    layout(title, &format!("<p>{}</p>", escape(message)))
}

/// `GET /`: what this is.
pub(crate) fn index(base_url: &str) -> String {
    let base = escape(base_url);
    layout(
        "AWS SSO OIDC emulator",
        &format!(
            r#"<p>This is a local emulator of the AWS SSO OIDC service. Point a client at it:</p>
<pre>AWS_ENDPOINT_URL_SSO_OIDC={base}</pre>
<p>It also serves the SSO portal, the sign-in federation endpoint and STS GetCallerIdentity for the
credentials it issued (<code>AWS_ENDPOINT_URL={base}</code>).</p>
<p><a href="/device">Enter a device code</a></p>"#
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_interpolated() {
        let page = device_entry(Some("<script>alert('x')</script>"));
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&lt;script&gt;"));
        let page = consent("r\"", "<b>", &["a&b".to_owned()], "http://x/?a=1&b=2");
        assert!(page.contains("&lt;b&gt;") && page.contains("a&amp;b") && page.contains("r&quot;"));
    }
}
