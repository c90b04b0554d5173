//! Rules for names and addresses, by what they name: Kubernetes object
//! names and label parts ([`dns`], [`kubernetes`]), host names ([`dns`]),
//! PostgreSQL identifiers ([`postgres`]), S3 bucket names and regions
//! ([`s3`]), container images ([`image`]), e-mail addresses ([`email`]),
//! URLs ([`url`]) and IANA time zones ([`time_zone`]); and the names
//! dify-gen derives itself, kept within their limits ([`derived`]).
//!
//! Every rule is a function `fn(&str) -> Result<(), String>` whose error is
//! the rule the value breaks, written to follow "must ..." in a message
//! (`invalid bucket name `a`: must be 3 to 63 characters`). The topology's
//! checks call them through [`crate::topology::checks::Cx::name_rule`], the
//! manifest checks in `validate` call them directly; any new section that
//! takes a name or an address should do the same rather than grow its own
//! pattern. No stage is imported here, so every stage may use it.

pub mod derived;
pub mod dns;
pub mod email;
pub mod image;
pub mod kubernetes;
pub mod postgres;
pub mod s3;
pub mod time_zone;
pub mod url;

/// The outcome of a rule: `Err` holds what the value must be.
pub type Rule = fn(&str) -> Result<(), String>;

/// Fails when `s` holds a control character (a newline, a tab, NUL), which
/// no configuration line or environment value dify-gen writes can carry.
pub fn printable(s: &str) -> Result<(), String> {
    match s.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "must not contain control characters (found {})",
            c.escape_unicode()
        )),
        None => Ok(()),
    }
}
