//! End-to-end tests of the `dify-gen` binary: exit codes, stdout, stderr.

use std::process::Command;

pub fn dify_gen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dify-gen"))
}

#[test]
fn renders_ha_profile_to_stdout() {
    let out = dify_gen().args(["render", "-f", "profiles/ha.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Deployment"));
}
