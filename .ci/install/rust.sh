#!/usr/bin/env bash
# The Rust family's tests (tests/family_rust.rs) run generated projects with cargo, clippy and
# rustfmt. The machine's rustup toolchain has them (CI lints this crate with the same tools);
# this only checks, so a toolchain without them fails here with a clear message.
# Dependencies come from crates.io; the musl targets the Dockerfiles add are not needed.
set -euo pipefail
cargo --version
cargo clippy --version
cargo fmt --version
