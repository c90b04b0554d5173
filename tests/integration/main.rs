//! The one integration test binary. Each module says what belongs in it.

mod cli;
mod docs;
mod errors;
mod render;
mod support;
mod validate;
