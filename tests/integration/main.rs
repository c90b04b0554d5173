//! The single integration test binary (`autotests = false`): each module
//! drives the real `dify-gen` binary or the library's public stages.
//!
//! - `validate`: `dify-gen validate` on the manifest corpus in
//!   `tests/fixtures/manifests/` (one test per fault, each with a valid
//!   twin), output formats, exit codes, and the robustness property test.

mod validate;
