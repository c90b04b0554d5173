//! The one integration test binary. Each module says what belongs in it.

mod checks;
mod cli;
mod plan;
mod security;
