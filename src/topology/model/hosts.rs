//! The machines a Swarm or host deployment runs on, and how they are
//! prepared (time, SSH).

use super::metadata::Name;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One machine: a Swarm node, an Ansible inventory host, a chrony peer.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Host {
    /// Host name, as the inventory and `docker node ls` show it (`node-1`).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// Address the other hosts and Ansible reach it at (an IP address or a
    /// DNS name).
    #[schemars(regex(pattern = r"^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$"))]
    pub address: String,
    /// Its zone; one of `zones`. Swarm places replicas by the node label
    /// `zone`, which the inventory sets to this value.
    pub zone: Name,
    /// `manager`: a Swarm manager (Raft member) and an internal time
    /// server; `worker`: runs tasks and syncs its clock from the managers.
    pub role: HostRole,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HostRole {
    Manager,
    Worker,
}

impl HostRole {
    pub fn as_str(self) -> &'static str {
        match self {
            HostRole::Manager => "manager",
            HostRole::Worker => "worker",
        }
    }
}

/// How the hosts are prepared: rendered into `hosts/` when `hosts` is set.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostSetup {
    /// NTP servers the managers synchronise from (`0.debian.pool.ntp.org`).
    /// Empty: the managers serve their own clock to the workers (an
    /// isolated network; the hosts agree with each other, not with UTC).
    #[serde(default)]
    pub time_sources: Vec<String>,
    /// Port sshd listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub ssh_port: u16,
    /// Users allowed to log in over SSH (`AllowUsers`); empty allows every
    /// user with an authorised key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_allow_users: Vec<String>,
    /// The user Ansible logs in as (`ansible_user`).
    #[schemars(regex(pattern = r"^[a-z_][a-z0-9_-]*$"))]
    pub ansible_user: String,
}
