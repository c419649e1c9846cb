//! `accounts` and `roles`: what the SSO session can reach, every page of the portal's
//! `ListAccounts` and `ListAccountRoles`, as a table or as the AWS CLI's JSON.

use serde::Serialize;
use ssooidc_core::portal::{AccountInfo, RoleInfo};

use crate::cli::{AccountsArgs, ListFormat, RolesArgs};
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
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
    ui::warnings(&listed.warnings);
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
    ui::warnings(&listed.warnings);
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
        .map_err(|e| Failure::other(Text::value(e)))?;
    ui::show_json(&String::from_utf8_lossy(&out))
}

/// Aligned columns; every cell (a server's string) made safe for a terminal, an absent one `-`.
fn print_table<'a, const N: usize>(
    header: &[&'static str; N],
    rows: impl Iterator<Item = [Option<&'a str>; N]>,
) -> Result<(), Failure> {
    let rows: Vec<[Text; N]> = rows
        .map(|row| row.map(|cell| Text::value(cell.unwrap_or("-"))))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[Text; N]| {
        let mut text = Text::default();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push(cell.clone());
            } else {
                text.push(text!("{:<width$}  ", cell));
            }
        }
        ui::show(&text.trim_end())
    };
    line(&header.map(Text::from))?;
    for row in &rows {
        line(row)?;
    }
    Ok(())
}
