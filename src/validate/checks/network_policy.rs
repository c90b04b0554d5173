//! NetworkPolicy `ipBlock`s (`ValidateIPBlock`): `cidr` is a valid IPv4 or
//! IPv6 CIDR, and every `except` entry is a valid CIDR of the same family
//! strictly inside it.

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;
use std::net::IpAddr;

/// A parsed CIDR: the address in the top bits of a `u128` (an IPv4
/// address in the top 32), its family and prefix length.
fn cidr(text: &str) -> Result<(u128, bool, u32), String> {
    let (addr, len) = text
        .split_once('/')
        .ok_or("must be an address and a prefix length, e.g. `10.0.0.0/8`")?;
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IP address"))?;
    let (bits, v4, max) = match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, true, 32),
        IpAddr::V6(a) => (u128::from(a), false, 128),
    };
    let len: u32 = len
        .parse()
        .map_err(|_| format!("prefix length `{len}` is not a number"))?;
    if len > max {
        return Err(format!("prefix length {len} is over {max}"));
    }
    Ok((bits, v4, len))
}

/// The network mask of a prefix length counted over all 128 bits.
fn mask(len: u32) -> u128 {
    match len {
        0 => 0,
        n => u128::MAX << (128 - n.min(128)),
    }
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    if kind(json) != "NetworkPolicy" {
        return;
    }
    for direction in ["ingress", "egress"] {
        let side = if direction == "ingress" { "from" } else { "to" };
        let rules = json
            .at(&format!("/spec/{direction}"))
            .and_then(Value::as_array);
        for (r, rule) in rules.into_iter().flatten().enumerate() {
            let peers = rule.get(side).and_then(Value::as_array);
            for (p, peer) in peers.into_iter().flatten().enumerate() {
                let Some(block) = peer.get("ipBlock") else {
                    continue;
                };
                let at = format!("/spec/{direction}/{r}/{side}/{p}/ipBlock");
                let Some(text) = block.get("cidr").and_then(Value::as_str) else {
                    continue;
                };
                let outer = match cidr(text) {
                    Ok(c) => c,
                    Err(why) => {
                        out.push(doc.diag(
                            codes::V_NETWORK_POLICY,
                            format!("invalid `cidr` `{text}`: {why}"),
                            &format!("{at}/cidr"),
                            Mark::Value,
                        ));
                        continue;
                    }
                };
                let excepts = block.get("except").and_then(Value::as_array);
                for (e, except) in excepts.into_iter().flatten().enumerate() {
                    let Some(etext) = except.as_str() else {
                        continue;
                    };
                    let message = match cidr(etext) {
                        Err(why) => format!("invalid `except` `{etext}`: {why}"),
                        Ok((bits, v4, len)) => {
                            let m = mask(outer.2);
                            let inside = v4 == outer.1 && len > outer.2 && bits & m == outer.0 & m;
                            if inside {
                                continue;
                            }
                            format!("`except` `{etext}` is not inside `cidr` `{text}`")
                        }
                    };
                    out.push(doc.diag(
                        codes::V_NETWORK_POLICY,
                        message,
                        &format!("{at}/except/{e}"),
                        Mark::Value,
                    ));
                }
            }
        }
    }
}
