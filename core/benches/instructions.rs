//! The bodies and floors of `wire.rs` (shared through `common/mod.rs`), one at a time, for
//! counting instructions under valgrind, which a busy machine cannot blur the way it blurs
//! time. `tests/benches/instructions.sh` runs it and prints the ratio table.
//!
//! ```text
//! instructions --list              # one line per benchmark: `group/name<TAB>group/floor` (`-` for a floor)
//! instructions GROUP/NAME ITERS    # set up the fixtures, then run that body ITERS times
//! ```
//!
//! The setup and the process's own start are the same whatever ITERS is, so the difference
//! between two counts (ITERS and 2 x ITERS) divided by ITERS is the cost of one iteration.

use std::process::ExitCode;

#[path = "common/mod.rs"]
mod common;

use common::{Fixtures, BENCHES};

fn usage() -> ExitCode {
    eprintln!("usage: instructions --list | instructions GROUP/NAME ITERATIONS");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [list] if list == "--list" => {
            for bench in BENCHES {
                let floor = bench
                    .floor
                    .map_or("-".to_owned(), |f| format!("{}/{}", bench.group, f));
                println!("{}\t{}", bench.id(), floor);
            }
            ExitCode::SUCCESS
        }
        [name, iterations] => {
            let Some(bench) = BENCHES.iter().find(|b| b.id() == *name) else {
                eprintln!("instructions: no benchmark {name:?} (see --list)");
                return ExitCode::from(2);
            };
            let Ok(iterations) = iterations.parse::<u64>() else {
                return usage();
            };
            let fixtures = Fixtures::new();
            for _ in 0..iterations {
                (bench.run)(&fixtures);
            }
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
