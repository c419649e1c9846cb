//! Cross-crate integration tests live in `tests/tests/`: real HTTP over loopback against the
//! emulator. This library is empty.
