//! Profiles made for you: the names `configure sso` suggests and `configure populate` gives
//! (a [`NameTemplate`] over account id, account name, role name and session, made valid and
//! unique), and the plan of `configure populate` ([`plan`]): a profile for every account and
//! role an sso-session reaches, the ones it made earlier and that are no longer reachable
//! removed on request, and nothing else touched.
//!
//! A profile `configure populate` made carries [`MARKER_KEY`]` = `[`MARKER_VALUE`]; only such a
//! profile is ever changed or removed by it (botocore and the AWS CLI ignore a key they do not
//! know). A profile written by hand for an account and role is left alone, and no second
//! profile is made for it.
//!
//! ```
//! use ssooidc_core::config::AwsConfig;
//! use ssooidc_core::populate::{plan, NameTemplate, Reachable};
//! let config = AwsConfig::parse("[profile mine]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n").unwrap();
//! let reachable = [
//!     Reachable { account_id: "111111111111".into(), account_name: Some("Prod".into()), role_name: "Admin".into() },
//!     Reachable { account_id: "111111111111".into(), account_name: Some("Prod".into()), role_name: "Read Only".into() },
//! ];
//! let plan = plan(&config, "corp", &reachable, &NameTemplate::default(), Some("eu-west-1"), false).unwrap();
//! assert_eq!(plan.add.len(), 1, "the hand-written profile covers Admin");
//! assert_eq!(plan.add[0].name, "Read-Only-111111111111");
//! ```

use std::collections::BTreeSet;

use crate::profiles::config::{AwsConfig, ConfigEditor, EditError, SectionRef};

/// The key that marks a profile `configure populate` made.
pub const MARKER_KEY: &str = "ssooidc_populated";
/// Its value.
pub const MARKER_VALUE: &str = "true";

/// The default template, the AWS CLI's suggestion in `aws configure sso`: stable (account
/// names can change, ids do not) and unique per account and role.
pub const DEFAULT_TEMPLATE: &str = "{role_name}-{account_id}";

/// An account and role the session reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reachable {
    /// The account id.
    pub account_id: String,
    /// Its name, when the portal gave one.
    pub account_name: Option<String>,
    /// The role.
    pub role_name: String,
}

/// A template is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// `{something}` that is not a field.
    #[error("unknown field {{{0}}} in the profile name template; the fields are {{account_id}}, {{account_name}}, {{role_name}} and {{session}}")]
    UnknownField(String),
    /// A `{` never closed, or a `}` never opened.
    #[error("unbalanced braces in the profile name template (write {{{{ and }}}} for braces)")]
    Unbalanced,
    /// Neither the role nor the account is in it: every profile would get the same name.
    #[error("the profile name template must use {{role_name}} and one of {{account_id}} or {{account_name}}, or every profile would be named the same")]
    NotDistinct,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    AccountId,
    AccountName,
    RoleName,
    Session,
}

/// A profile name template (`--profile-name-template`): text with `{account_id}`,
/// `{account_name}` (the id when the portal gives no name), `{role_name}` and `{session}`;
/// `{{` and `}}` are braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate(Vec<Piece>);

impl Default for NameTemplate {
    fn default() -> Self {
        NameTemplate::parse(DEFAULT_TEMPLATE).unwrap_or(NameTemplate(vec![
            Piece::RoleName,
            Piece::Literal("-".into()),
            Piece::AccountId,
        ]))
    }
}

impl NameTemplate {
    /// Parses a template; it must name the role and the account.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::Unbalanced),
                '{' => {
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(TemplateError::Unbalanced),
                            Some(c) => field.push(c),
                        }
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(match field.as_str() {
                        "account_id" => Piece::AccountId,
                        "account_name" => Piece::AccountName,
                        "role_name" => Piece::RoleName,
                        "session" => Piece::Session,
                        _ => return Err(TemplateError::UnknownField(field)),
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        let has = |p: &Piece| pieces.contains(p);
        if !has(&Piece::RoleName) || !(has(&Piece::AccountId) || has(&Piece::AccountName)) {
            return Err(TemplateError::NotDistinct);
        }
        Ok(NameTemplate(pieces))
    }

    /// The name for `target` in `session`, made valid ([`valid_profile_name`]).
    pub fn render(&self, target: &Reachable, session: &str) -> String {
        let mut name = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(text) => name.push_str(text),
                Piece::AccountId => name.push_str(&target.account_id),
                Piece::AccountName => name.push_str(
                    target
                        .account_name
                        .as_deref()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(&target.account_id),
                ),
                Piece::RoleName => name.push_str(&target.role_name),
                Piece::Session => name.push_str(session),
            }
        }
        valid_profile_name(&name)
    }
}

/// `name` as a profile name that needs no quoting anywhere (a header, a shell, `--profile`):
/// ASCII letters, digits and `-_.+@=,`; every run of other characters (spaces, slashes,
/// quotes, control characters, non-ASCII) becomes one `-`, runs of `-` become one, and `-` at
/// the ends goes. An empty result is `profile`.
pub fn valid_profile_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c != '-' && (c.is_ascii_alphanumeric() || "_.+@=,".contains(c)) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "profile".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name`, or `name-2`, `name-3`... : the first that is not `taken`.
pub fn unique_name(name: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(name) {
        return name.to_owned();
    }
    (2u64..)
        .map(|n| format!("{name}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| name.to_owned())
}

/// A profile to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// Its name.
    pub name: String,
    /// Its settings, in the order they are written.
    pub settings: Vec<(&'static str, String)>,
}

/// What `configure populate` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Profiles to add.
    pub add: Vec<NewProfile>,
    /// Profiles it made earlier whose region changes (name, new region).
    pub update: Vec<(String, String)>,
    /// Profiles it made earlier that are no longer reachable, removed with `--prune`.
    pub remove: Vec<String>,
    /// Profiles it made earlier that are no longer reachable and stay (without `--prune`).
    pub stale: Vec<String>,
    /// Account and role pairs a profile already covers (by hand or made earlier).
    pub kept: usize,
    /// Account and role pairs the portal named so that no profile can hold them as they are
    /// (a control character, spaces around the value), with why; left out.
    pub skipped: Vec<(Reachable, EditError)>,
}

impl Plan {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.remove.is_empty()
    }

    /// Applies the plan with `editor` (see [`ConfigEditor`]: nothing else changes).
    pub fn apply(&self, editor: &mut ConfigEditor) -> Result<(), EditError> {
        for name in &self.remove {
            editor.remove_section(&SectionRef::Profile(name));
        }
        for (name, region) in &self.update {
            editor.set(&SectionRef::Profile(name), "region", region)?;
        }
        for profile in &self.add {
            for (key, value) in &profile.settings {
                editor.set(&SectionRef::Profile(&profile.name), key, value)?;
            }
        }
        Ok(())
    }
}

/// The plan for `session` given what it reaches: a profile (named by `template`, unique among
/// all profiles) for every account and role no profile of the session covers yet, each with
/// `sso_session`, `sso_account_id`, `sso_role_name`, `region` when given, and the marker; the
/// region of the profiles made earlier set to `region` when given; the profiles made earlier
/// (marked, of this session) that are no longer reachable removed when `prune`, and listed as
/// stale otherwise. Hand-written profiles are never changed.
pub fn plan(
    config: &AwsConfig,
    session: &str,
    reachable: &[Reachable],
    template: &NameTemplate,
    region: Option<&str>,
    prune: bool,
) -> Result<Plan, EditError> {
    let mut plan = Plan::default();
    let mut taken: BTreeSet<String> = config.profiles.keys().cloned().collect();
    let covers = |section: &crate::profiles::config::IniSection, target: &Reachable| {
        section.get("sso_session") == Some(session)
            && section.get("sso_account_id") == Some(target.account_id.as_str())
            && section.get("sso_role_name") == Some(target.role_name.as_str())
    };
    let ours = |section: &crate::profiles::config::IniSection| {
        section.get(MARKER_KEY) == Some(MARKER_VALUE) && section.get("sso_session") == Some(session)
    };
    let mut seen = BTreeSet::new();
    let mut scratch = ConfigEditor::new("")?;
    for target in reachable {
        if !seen.insert((&target.account_id, &target.role_name)) {
            continue;
        }
        // What the portal says goes into the file as values: only what reads back the same.
        let writable = scratch
            .set(
                &SectionRef::Profile("x"),
                "sso_account_id",
                &target.account_id,
            )
            .and_then(|()| {
                scratch.set(
                    &SectionRef::Profile("x"),
                    "sso_role_name",
                    &target.role_name,
                )
            });
        if let Err(e) = writable {
            plan.skipped.push((target.clone(), e));
            continue;
        }
        let covering: Vec<_> = config
            .profiles
            .iter()
            .filter(|(_, section)| covers(section, target))
            .collect();
        if !covering.is_empty() {
            plan.kept += 1;
            for (name, section) in covering {
                if let Some(region) = region {
                    if ours(section) && section.get("region") != Some(region) {
                        plan.update.push((name.clone(), region.to_owned()));
                    }
                }
            }
            continue;
        }
        let name = unique_name(&template.render(target, session), &taken);
        taken.insert(name.clone());
        let mut settings = vec![
            ("sso_session", session.to_owned()),
            ("sso_account_id", target.account_id.clone()),
            ("sso_role_name", target.role_name.clone()),
        ];
        if let Some(region) = region {
            settings.push(("region", region.to_owned()));
        }
        settings.push((MARKER_KEY, MARKER_VALUE.to_owned()));
        plan.add.push(NewProfile { name, settings });
    }
    for (name, section) in &config.profiles {
        let reached = reachable.iter().any(|target| covers(section, target));
        if ours(section) && !reached {
            if prune {
                plan.remove.push(name.clone());
            } else {
                plan.stale.push(name.clone());
            }
        }
    }
    // A name is only valid when the editor can write it (checked once here, not halfway).
    for profile in &plan.add {
        scratch.set(&SectionRef::Profile(&profile.name), "region", "x")?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str, name: Option<&str>, role: &str) -> Reachable {
        Reachable {
            account_id: id.into(),
            account_name: name.map(Into::into),
            role_name: role.into(),
        }
    }

    #[test]
    fn templates_render_valid_names() {
        let t = NameTemplate::parse("{session}/{account_name} {role_name}").unwrap();
        assert_eq!(
            t.render(&target("1", Some("Prod  Ünïcode"), "Admin"), "corp"),
            "corp-Prod-n-code-Admin"
        );
        assert_eq!(
            t.render(&target("1", None, "Admin"), "corp"),
            "corp-1-Admin"
        );
        let t = NameTemplate::parse("{{x}}{account_id}_{role_name}").unwrap();
        assert_eq!(t.render(&target("1", None, "R"), "s"), "x-1_R");
        assert_eq!(
            NameTemplate::parse("{account}-{role_name}"),
            Err(TemplateError::UnknownField("account".into()))
        );
        assert_eq!(
            NameTemplate::parse("{role_name"),
            Err(TemplateError::Unbalanced)
        );
        assert_eq!(NameTemplate::parse("x}"), Err(TemplateError::Unbalanced));
        assert_eq!(
            NameTemplate::parse("{role_name}"),
            Err(TemplateError::NotDistinct)
        );
        assert_eq!(
            NameTemplate::parse("{account_id}"),
            Err(TemplateError::NotDistinct)
        );
        assert_eq!(valid_profile_name(" \"'\n"), "profile");
        assert_eq!(valid_profile_name("a (b)-c--d"), "a-b-c-d");
        assert_eq!(
            NameTemplate::default().render(&target("123", Some("n"), "Role"), "s"),
            "Role-123"
        );
    }

    #[test]
    fn what_no_profile_can_hold_is_left_out_and_said() {
        let config = AwsConfig::parse("").unwrap();
        let reachable = [
            target("1", None, "Good"),
            target("1", None, "Bad\nRole"),
            target(" 2", None, "Good"),
        ];
        let plan = plan(
            &config,
            "s",
            &reachable,
            &NameTemplate::default(),
            None,
            false,
        )
        .unwrap();
        assert_eq!(plan.add.len(), 1);
        assert_eq!(plan.add[0].name, "Good-1");
        assert_eq!(plan.skipped.len(), 2);
        assert!(matches!(plan.skipped[0].1, EditError::BadValue { .. }));
    }

    #[test]
    fn names_are_unique() {
        let taken: BTreeSet<String> = ["a".into(), "a-2".into()].into();
        assert_eq!(unique_name("a", &taken), "a-3");
        assert_eq!(unique_name("b", &taken), "b");
    }

    #[test]
    fn the_plan_adds_what_is_missing_keeps_hand_written_ones_and_prunes_only_its_own() {
        let text = "[profile mine]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n\
            [profile Read-1]\nregion = x\n\
            [profile old]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = Gone\nssooidc_populated = true\n\
            [profile other-session]\nsso_session = elsewhere\nsso_account_id = 9\nsso_role_name = Gone\nssooidc_populated = true\n\
            [profile hand-gone]\nsso_session = corp\nsso_account_id = 8\nsso_role_name = Gone\n";
        let config = AwsConfig::parse(text).unwrap();
        let reachable = [
            target("1", Some("Prod"), "Admin"),
            target("1", Some("Prod"), "Read"),
            target("1", Some("Prod"), "Read"),
        ];
        let t = NameTemplate::default();
        let plan1 = plan(&config, "corp", &reachable, &t, None, false).unwrap();
        assert_eq!(plan1.kept, 1);
        assert_eq!(
            plan1.add.len(),
            1,
            "duplicates in the listing make one profile"
        );
        assert_eq!(plan1.add[0].name, "Read-1-2", "made unique");
        assert_eq!(plan1.stale, ["old"]);
        assert!(plan1.remove.is_empty());
        let plan2 = plan(&config, "corp", &reachable, &t, Some("eu-west-1"), true).unwrap();
        assert_eq!(
            plan2.remove,
            ["old"],
            "not the other session's, not the hand-written"
        );
        let mut editor = ConfigEditor::new(text).unwrap();
        plan2.apply(&mut editor).unwrap();
        let out = editor.finish().unwrap();
        assert!(out.starts_with(
            "[profile mine]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n[profile Read-1]\nregion = x\n[profile other-session]"
        ));
        assert!(out.ends_with("[profile Read-1-2]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Read\nregion = eu-west-1\nssooidc_populated = true\n"));
        // Run again: nothing to do.
        let config = AwsConfig::parse(&out).unwrap();
        let again = plan(&config, "corp", &reachable, &t, Some("eu-west-1"), true).unwrap();
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(again.kept, 2);
        // A new region updates only its own profiles.
        let moved = plan(&config, "corp", &reachable, &t, Some("us-east-2"), true).unwrap();
        assert_eq!(
            moved.update,
            [("Read-1-2".to_owned(), "us-east-2".to_owned())]
        );
    }
}
