//! The one integration test binary. Each module says what belongs in it.

mod cli;
mod datalayer;
mod docs;
mod errors;
mod realprograms;
mod render;
mod support;
