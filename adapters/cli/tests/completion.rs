//! `ssooidc completion`: the bash script run by bash itself (commands, options, and profile and
//! sso-session names read from the config file when Tab is pressed); the other shells' scripts
//! hold every command and call the same name lister. Unix only (bash).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

fn home(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ssooidc-completion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(
        dir.join(".aws/config"),
        "[profile dev]\nregion = x\n[profile \"my dev\"]\n[default]\n[profile \"evil\u{1b}[31m\"]\n[sso-session corp]\nsso_region = a\n[sso-session \"corp sso\"]\n",
    )
    .unwrap();
    dir
}

fn ssooidc(home: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .env_clear()
        .env("HOME", home)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What bash offers for `words` (the last one being completed).
fn complete(home: &Path, script: &Path, words: &[&str]) -> Vec<String> {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _ssooidc; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" ")
    );
    let out = Command::new("bash")
        .env_clear()
        .env("HOME", home)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .args(["--norc", "-c", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_options_and_names_from_the_config() {
    let home = home("bash");
    let script = home.join("ssooidc.bash");
    std::fs::write(&script, ssooidc(&home, &["completion", "bash"])).unwrap();
    assert_eq!(
        complete(&home, &script, &["ssooidc", "conf"]),
        ["configure"]
    );
    assert_eq!(
        complete(&home, &script, &["ssooidc", "configure", "p"]),
        ["populate"]
    );
    assert_eq!(
        complete(&home, &script, &["ssooidc", "configure", "populate", "--p"]),
        ["--profile-name-template", "--prune", "--profile"]
    );
    assert_eq!(
        complete(&home, &script, &["ssooidc", "login", "--use-"]),
        ["--use-device-code", "--use-browser-login"]
    );
    // Names as the config file has them now, a name with a space whole; a name with an escape
    // sequence is not offered.
    assert_eq!(
        complete(&home, &script, &["ssooidc", "login", "--profile", ""]),
        ["default", "dev", "my dev"]
    );
    std::fs::write(
        home.join(".aws/config"),
        "[profile added]\n[sso-session corp]\n",
    )
    .unwrap();
    assert_eq!(
        complete(&home, &script, &["ssooidc", "--profile", ""]),
        ["added"]
    );
    assert_eq!(
        complete(
            &home,
            &script,
            &["ssooidc", "configure", "populate", "--sso-session", "c"]
        ),
        ["corp"]
    );
    // A broken config file completes nothing and prints no error.
    std::fs::write(home.join(".aws/config"), "[broken\n").unwrap();
    assert!(complete(&home, &script, &["ssooidc", "--profile", ""]).is_empty());
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn every_shell_gets_every_command_and_the_name_lister() {
    let home = home("shells");
    assert_eq!(
        ssooidc(&home, &["__names", "sso-sessions"]),
        "corp\ncorp sso\n"
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = ssooidc(&home, &["completion", shell]);
        for word in [
            "login",
            "configure",
            "populate",
            "sso",
            "completion",
            "use-device-code",
            "__names profiles",
            "__names sso-sessions",
        ] {
            assert!(script.contains(word), "{shell}: {word}");
        }
        assert!(
            !script.contains("__names\""),
            "the hidden command is not offered"
        );
    }
    assert!(ssooidc(&home, &["completion", "zsh"]).starts_with("#compdef ssooidc\n"));
    let _ = std::fs::remove_dir_all(home);
}
