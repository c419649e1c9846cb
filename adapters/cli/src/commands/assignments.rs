//! `accounts` and `roles`: what the SSO session can reach, every page of the portal's
//! `ListAccounts` and `ListAccountRoles`, as a table or as the AWS CLI's JSON.

use serde::Serialize;
use ssooidc_core::portal::{AccountInfo, RoleInfo};
use ssooidc_core::text::for_terminal;

use crate::cli::{AccountsArgs, ListFormat, RolesArgs};
use crate::context::Context;
use crate::exit::Failure;
use crate::ui;

/// `aws sso list-accounts`'s output (its pages merged), members in the model's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountList<'a> {
    account_list: &'a [AccountInfo],
}

/// `aws sso list-account-roles`'s output (its pages merged).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleList<'a> {
    role_list: &'a [RoleInfo],
}

/// `accounts`.
pub fn accounts(ctx: &Context, args: AccountsArgs) -> Result<(), Failure> {
    let selector = ctx.selector(&args.session);
    let listed = ctx
        .sessions()?
        .accounts(selector.clone())
        .map_err(|e| Failure::session(e, &selector))?;
    for warning in &listed.warnings {
        ui::warning(warning);
    }
    let accounts = listed.items;
    match args.output {
        ListFormat::Json => print_json(&AccountList {
            account_list: &accounts,
        }),
        ListFormat::Table => print_table(
            &["ACCOUNT ID", "NAME", "EMAIL"],
            accounts.iter().map(|a| {
                [
                    a.account_id.as_deref(),
                    a.account_name.as_deref(),
                    a.email_address.as_deref(),
                ]
            }),
        ),
    }
}

/// `roles`.
pub fn roles(ctx: &Context, args: RolesArgs) -> Result<(), Failure> {
    let selector = ctx.selector(&args.session);
    let listed = ctx
        .sessions()?
        .account_roles(selector.clone(), &args.account_id)
        .map_err(|e| Failure::session(e, &selector))?;
    for warning in &listed.warnings {
        ui::warning(warning);
    }
    let roles = listed.items;
    match args.output {
        ListFormat::Json => print_json(&RoleList { role_list: &roles }),
        ListFormat::Table => print_table(
            &["ROLE", "ACCOUNT ID"],
            roles
                .iter()
                .map(|r| [r.role_name.as_deref(), r.account_id.as_deref()]),
        ),
    }
}

/// JSON as the AWS CLI prints it: indented by four spaces.
fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut serializer)
        .map_err(|e| Failure::other(e.to_string()))?;
    ui::show_json(&String::from_utf8_lossy(&out))
}

/// Aligned columns; every cell (a server's string) made safe for a terminal, an absent one `-`.
fn print_table<'a, const N: usize>(
    header: &[&str; N],
    rows: impl Iterator<Item = [Option<&'a str>; N]>,
) -> Result<(), Failure> {
    let rows: Vec<[String; N]> = rows
        .map(|row| row.map(|cell| for_terminal(cell.unwrap_or("-")).into_owned()))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        ui::show(text.trim_end())
    };
    line(*header)?;
    for row in &rows {
        line(row.each_ref().map(String::as_str))?;
    }
    Ok(())
}
