//! etcd, the consensus store behind Patroni.

use super::resources::{Resources, Volume};
use crate::timings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The etcd cluster Patroni keeps its leader lock in.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Etcd {
    /// Members; odd, so a majority survives a loss.
    #[schemars(range(min = 1, max = 9))]
    pub members: u32,
    pub storage: Volume,
    pub resources: Resources,
    /// Milliseconds between the etcd leader's heartbeats
    /// (`--heartbeat-interval`); about the round trip between members.
    #[schemars(range(min = 1))]
    pub heartbeat_interval_milliseconds: u32,
    /// Milliseconds a member waits without a heartbeat before it calls an
    /// election (`--election-timeout`): at least 5 times the heartbeat
    /// interval and at most 50000, as etcd requires. A new etcd leader
    /// extends every lease by this much, Patroni's leader lock included.
    #[schemars(range(min = 1, max = timings::ETCD_MAX_ELECTION_MS))]
    pub election_timeout_milliseconds: u32,
}
