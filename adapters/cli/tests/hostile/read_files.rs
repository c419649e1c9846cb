//! The files the tool reads on the user's behalf (`~/.aws/config`, the CA bundle) when they are
//! FIFOs, devices, huge, or not text: an error naming the file, at once, in bounded memory.

use ssooidc_emulator::Approval;

use crate::common::*;

/// Finding 3: a FIFO as `~/.aws/config` (or `AWS_CONFIG_FILE`) or as `AWS_CA_BUNDLE` is refused
/// at once with an error naming it, for every command (before, each blocked forever).
#[test]
fn fifos_as_config_or_ca_bundle_do_not_block() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("fifoconfig", emu.base_url());
    let config = home.dir.join(".aws/config");
    std::fs::remove_file(&config).unwrap();
    mkfifo(&config);
    for args in [
        &["token", "--sso-session", "dev"][..],
        &["sessions"],
        &["logout"],
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    ] {
        let out = run(home.command(), args);
        assert_eq!(out.code, Some(253), "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(".aws/config") && out.stderr.contains("not a regular file"),
            "{args:?}: {}",
            out.stderr
        );
    }
    std::fs::remove_file(&config).unwrap();
    home.write_config("[default]\nregion = us-east-1\n");
    let bundle = home.dir.join("bundle.pem");
    mkfifo(&bundle);
    let mut c = home.command();
    c.env("AWS_CA_BUNDLE", &bundle);
    let out = run(c, &REGISTER_HERE);
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(
        out.stderr.contains("bundle.pem") && out.stderr.contains("not a regular file"),
        "{}",
        out.stderr
    );
}

/// Finding 4: `/dev/zero` as the config file or the CA bundle is refused without reading it.
#[test]
fn endless_devices_are_refused() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("devzero", emu.base_url());
    let mut c = home.command();
    c.env("AWS_CONFIG_FILE", "/dev/zero");
    let out = run(c, &["sessions"]);
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(out.stderr.contains("/dev/zero"), "{}", out.stderr);
    let mut c = home.command();
    c.env("AWS_CA_BUNDLE", "/dev/zero");
    let out = run(c, &REGISTER);
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(out.stderr.contains("/dev/zero"), "{}", out.stderr);
}

/// The peak resident memory (KiB) of the binary run as `c` with `args`, as `/usr/bin/time -f %M`
/// measures it; `None` where it is not installed.
fn peak_kib(c: &std::process::Command, args: &[&str]) -> Option<u64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut timed = std::process::Command::new("/usr/bin/time");
    timed
        .env_clear()
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .args(["-f", "peak-kib=%M"])
        .arg(c.get_program())
        .args(args);
    let out = timed.output().ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib=")?.trim().parse().ok())
}

/// Finding 4: a 55 MB config file (it took 1.4 GB of memory) and a 20 MB CA bundle are refused
/// as too large, in bounded memory (checked with `/usr/bin/time` where it is installed).
#[test]
fn huge_files_are_refused_in_bounded_memory() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("huge", emu.base_url());
    let mut text = String::from("[profile dev]\nsso_session = dev\n[sso-session dev]\n");
    text.push_str(&format!(
        "sso_start_url = {}/start\nsso_region = us-east-1\n",
        emu.base_url()
    ));
    while text.len() < 55 * 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    home.write_config(&text);
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(
        out.stderr.contains(".aws/config") && out.stderr.contains("larger than"),
        "{}",
        out.stderr
    );
    if let Some(kib) = peak_kib(&home.command(), &["token", "--sso-session", "dev"]) {
        assert!(
            kib < 64 * 1024,
            "peak memory {kib} KiB for a refused 55 MB file"
        );
    }

    home.write_config("[default]\nregion = us-east-1\n");
    let bundle = home.dir.join("bundle.pem");
    std::fs::write(&bundle, vec![b'A'; 20 * 1024 * 1024]).unwrap();
    let mut c = home.command();
    c.env("AWS_CA_BUNDLE", &bundle);
    let out = run(c, &REGISTER_HERE);
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
}

/// Finding 11: one invalid UTF-8 byte in `~/.aws/config` is an error naming the file and the
/// offset, not an empty config ("profile (dev) could not be found"); `sessions` fails with it
/// too instead of printing nothing and exiting 0.
#[test]
fn a_config_that_is_not_utf8_is_named() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("utf8", emu.base_url());
    let mut bytes = std::fs::read(home.dir.join(".aws/config")).unwrap();
    bytes.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(home.dir.join(".aws/config"), &bytes).unwrap();
    for args in [
        &[
            "login",
            "--use-device-code",
            "--profile",
            "dev",
            "--no-browser",
        ][..],
        &["sessions"],
    ] {
        let out = run(home.command(), args);
        assert_eq!(out.code, Some(253), "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(".aws/config") && out.stderr.contains("not UTF-8"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("could not be found"), "{}", out.stderr);
    }
}
