//! Issue 17: a hostile machine, server and terminal lose nothing and leak nothing. One test (or
//! more) per finding of the issue, each naming its finding in its doc comment, all run against
//! the built `ssooidc` binary with real files, links, FIFOs, modes and servers on 127.0.0.1.
//! Every run of the binary is bounded ([`common::BOUND`]): what used to hang fails instead.
//! `docs/hostile-input.md` lists the guarantees and the test that holds each.
#![cfg(unix)]

mod common;

mod cache_dir;
mod process;
mod proxies;
mod read_files;
mod servers;
mod terminal;
