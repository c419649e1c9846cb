//! `completion bash|zsh|fish|powershell`: a completion script made from the command line's own
//! definition (every command, subcommand and option, so it cannot fall behind), and the hidden
//! `__names` that the scripts call to complete `--profile` and `--sso-session` from the config
//! file as it is when Tab is pressed.
//!
//! The scripts are written here rather than by `clap_complete`: its generators would add to a
//! binary that has next to no room left under its 5 MB limit, and none of them completes values
//! from a file.

use std::collections::{BTreeMap, HashMap};

use clap::CommandFactory;
use ssooidc_core::text::for_terminal;
use ssooidc_ureq::Environment;

use crate::cli::{Cli, CompletionArgs, NamesArgs, NamesKind, Shell};
use crate::exit::Failure;
use crate::ui;

/// Each command path (`""`, `"configure"`, `"configure sso"`...) with its subcommands and its
/// long options (the global ones on the top level only: they are offered everywhere).
struct Tree {
    paths: BTreeMap<String, (Vec<String>, Vec<String>)>,
    global: Vec<String>,
}

fn tree() -> Tree {
    let root = Cli::command();
    let mut paths = BTreeMap::new();
    let global: Vec<String> = root
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .chain(["--help".to_owned(), "--version".to_owned()])
        .collect();
    fn walk(
        command: &clap::Command,
        path: String,
        global: &[String],
        paths: &mut BTreeMap<String, (Vec<String>, Vec<String>)>,
    ) {
        let subcommands: Vec<&clap::Command> = command
            .get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help")
            .collect();
        let flags = command
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .filter(|f| !global.contains(f))
            .collect();
        paths.insert(
            path.clone(),
            (
                subcommands
                    .iter()
                    .map(|c| c.get_name().to_owned())
                    .collect(),
                flags,
            ),
        );
        for sub in subcommands {
            let child = if path.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{path} {}", sub.get_name())
            };
            walk(sub, child, global, paths);
        }
    }
    walk(&root, String::new(), &global, &mut paths);
    Tree { paths, global }
}

/// The bash script (zsh runs it through `bashcompinit`).
fn bash(tree: &Tree) -> String {
    let mut subs = String::new();
    let mut flags = String::new();
    for (path, (s, f)) in &tree.paths {
        subs += &format!("        \"{path}\") echo \"{}\" ;;\n", s.join(" "));
        flags += &format!("        \"{path}\") echo \"{}\" ;;\n", f.join(" "));
    }
    format!(
        r#"# ssooidc completion for bash: source it, e.g. from ~/.bashrc:
#   source <(ssooidc completion bash)
_ssooidc_subcommands() {{
    case "$1" in
{subs}    esac
}}
_ssooidc_flags() {{
    case "$1" in
{flags}    esac
}}
_ssooidc() {{
    local cur prev path="" w i IFS=$' \t\n'
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        case "$w" in -*) continue ;; esac
        case " $(_ssooidc_subcommands "$path") " in
            *" $w "*) path="${{path:+$path }}$w" ;;
        esac
    done
    case "$prev" in
        --profile) IFS=$'\n'; COMPREPLY=($(compgen -W "$("${{COMP_WORDS[0]}}" __names profiles 2>/dev/null)" -- "$cur")); return ;;
        --sso-session) IFS=$'\n'; COMPREPLY=($(compgen -W "$("${{COMP_WORDS[0]}}" __names sso-sessions 2>/dev/null)" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_ssooidc_flags "$path") {global}" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_ssooidc_subcommands "$path")" -- "$cur"))
    fi
}}
complete -o default -F _ssooidc ssooidc
"#,
        global = tree.global.join(" ")
    )
}

/// The fish script.
fn fish(tree: &Tree) -> String {
    let mut out = String::from(
        "# ssooidc completion for fish: ssooidc completion fish > ~/.config/fish/completions/ssooidc.fish\n\
         function __ssooidc_subcommands\n    switch \"$argv[1]\"\n",
    );
    for (path, (subs, _)) in &tree.paths {
        out += &format!(
            "        case '{path}'\n            printf '%s\\n' {}\n",
            subs.join(" ")
        );
    }
    out += "    end\nend\n\
        function __ssooidc_path\n    set -l path\n    for w in (commandline -opc)[2..-1]\n        \
        if not string match -q -- '-*' $w; and contains -- $w (__ssooidc_subcommands \"$path\")\n            \
        set path (string trim -- \"$path $w\")\n        end\n    end\n    test \"$path\" = \"$argv[1]\"\nend\n\
        complete -c ssooidc -f\n\
        complete -c ssooidc -l profile -r -f -a '(ssooidc __names profiles 2>/dev/null)'\n\
        complete -c ssooidc -l sso-session -r -f -a '(ssooidc __names sso-sessions 2>/dev/null)'\n";
    for flag in &tree.global {
        if flag != "--profile" {
            out += &format!("complete -c ssooidc -l {}\n", &flag[2..]);
        }
    }
    for (path, (subs, flags)) in &tree.paths {
        if !subs.is_empty() {
            out += &format!(
                "complete -c ssooidc -n '__ssooidc_path \"{path}\"' -a '{}'\n",
                subs.join(" ")
            );
        }
        for flag in flags {
            if flag != "--sso-session" {
                out += &format!(
                    "complete -c ssooidc -n '__ssooidc_path \"{path}\"' -l {}\n",
                    &flag[2..]
                );
            }
        }
    }
    out
}

/// The PowerShell script.
fn powershell(tree: &Tree) -> String {
    let mut table = String::new();
    for (path, (subs, flags)) in &tree.paths {
        table += &format!(
            "        '{path}' = @(@({}), @({}))\n",
            subs.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", "),
            flags
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let global = tree
        .global
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"# ssooidc completion for PowerShell: add to $PROFILE:
#   ssooidc completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName ssooidc -ScriptBlock {{
    param($wordToComplete, $commandAst, $cursorPosition)
    $tree = @{{
{table}    }}
    $global = @({global})
    $path = ''
    $words = @($commandAst.CommandElements | ForEach-Object {{ $_.ToString() }})
    $count = $words.Count
    if ($wordToComplete -ne '') {{ $count -= 1 }}
    for ($i = 1; $i -lt $count; $i++) {{
        $w = $words[$i]
        if (-not $w.StartsWith('-') -and $tree[$path][0] -contains $w) {{
            $path = ($path + ' ' + $w).Trim()
        }}
    }}
    $prev = if ($count -ge 1) {{ $words[$count - 1] }} else {{ '' }}
    $candidates = switch ($prev) {{
        '--profile' {{ & ssooidc __names profiles 2>$null }}
        '--sso-session' {{ & ssooidc __names sso-sessions 2>$null }}
        default {{
            if ($wordToComplete.StartsWith('-')) {{ $tree[$path][1] + $global }} else {{ $tree[$path][0] }}
        }}
    }}
    $candidates | Where-Object {{ $_ -like "$wordToComplete*" }} | ForEach-Object {{
        $text = if ($_ -match '\s') {{ "'" + $_ + "'" }} else {{ $_ }}
        [System.Management.Automation.CompletionResult]::new($text, $_, 'ParameterValue', $_)
    }}
}}
"#
    )
}

/// `completion`.
pub fn completion(args: CompletionArgs) -> Result<(), Failure> {
    let tree = tree();
    let script = match args.shell {
        Shell::Bash => bash(&tree),
        Shell::Zsh => format!(
            "#compdef ssooidc\n# ssooidc completion for zsh: source <(ssooidc completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n{}",
            bash(&tree)
        ),
        Shell::Fish => fish(&tree),
        Shell::Powershell => powershell(&tree),
    };
    // Our own text, made from the command line's definition: nothing from outside.
    ui::write_stdout(&script)
}

/// `__names`: the profile or sso-session names of the config file, one a line; nothing when
/// there is no config file or it cannot be read (a completion must not print errors).
pub fn names(args: NamesArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    let Ok(environment) = Environment::from_env(env.clone()) else {
        return Ok(());
    };
    let config = &environment.config;
    let names: Vec<&String> = match args.kind {
        NamesKind::Profiles => config.profiles.keys().collect(),
        NamesKind::SsoSessions => config.sso_sessions.keys().collect(),
    };
    let mut out = String::new();
    for name in names {
        // A name that is not fit for a terminal as it is (a control character, a bidirectional
        // override) is not offered: it would be shown and inserted raw.
        if matches!(for_terminal(name), std::borrow::Cow::Borrowed(_)) {
            out.push_str(name);
            out.push('\n');
        }
    }
    ui::write_stdout(&out)
}
