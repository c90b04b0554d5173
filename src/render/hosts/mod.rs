//! The hosts family: what prepares the machines of a Swarm or host
//! deployment, from `hosts` and `hostSetup`. An Ansible inventory grouped
//! by role and by zone, chrony for the managers (the internal time
//! servers) and for the workers (which follow them), and an sshd drop-in
//! that allows key-only login. Nothing is rendered without `hosts`.

use super::{templates, Artifact, Content, Family};
use crate::plan::Plan;
use crate::topology::{Host, HostRole, HostSetup};
use serde::Serialize;
use serde_json::json;

pub const FAMILY: Family = Family {
    name: "hosts",
    render,
};

#[derive(Serialize)]
struct Group<'a> {
    name: String,
    hosts: Vec<&'a Host>,
}

/// An Ansible group name: letters, digits and underscores only (Ansible
/// warns about, and may refuse, `-` in group names).
pub fn group_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The managers' addresses: the internal time servers.
fn addresses(hosts: &[Host], role: HostRole) -> Vec<&str> {
    hosts
        .iter()
        .filter(|h| h.role == role)
        .map(|h| h.address.as_str())
        .collect()
}

fn render(plan: &Plan) -> Vec<Artifact> {
    let t = plan.t;
    let (hosts, Some(setup)) = (&t.hosts, &t.host_setup) else {
        return Vec::new();
    };
    // Files only: a run of the objects alone has nothing to take from here.
    if hosts.is_empty() || !plan.writes_files() {
        return Vec::new();
    }
    let mut out = vec![Artifact::file(
        FAMILY.name,
        "inventory.ini",
        Content::Text(inventory(plan, hosts, setup)),
    )];
    // One chrony.conf per host (`chrony/<host>.conf`), so that a manager
    // peers with the other managers and never with itself.
    out.extend(hosts.iter().map(|host| {
        Artifact::file(
            FAMILY.name,
            &format!("chrony/{}.conf", host.name),
            Content::Text(chrony(plan, hosts, setup, host)),
        )
    }));
    out.push(Artifact::file(
        FAMILY.name,
        "sshd_config.d/dify-gen.conf",
        Content::Text(templates::render(
            "hosts/sshd.conf.j2",
            json!({
                "release": plan.release,
                "ssh_port": setup.ssh_port,
                "allow_users": setup.ssh_allow_users,
            }),
        )),
    ));
    out
}

fn inventory(plan: &Plan, hosts: &[Host], setup: &HostSetup) -> String {
    let roles: Vec<Group> = [HostRole::Manager, HostRole::Worker]
        .into_iter()
        .map(|role| Group {
            name: format!("{}s", role.as_str()),
            hosts: hosts.iter().filter(|h| h.role == role).collect(),
        })
        .filter(|g| !g.hosts.is_empty())
        .collect();
    let zones: Vec<Group> = plan
        .t
        .zones
        .iter()
        .map(|zone| Group {
            name: group_name(zone),
            hosts: hosts.iter().filter(|h| &h.zone == zone).collect(),
        })
        .filter(|g| !g.hosts.is_empty())
        .collect();
    templates::render(
        "hosts/inventory.ini.j2",
        json!({
            "release": plan.release,
            "release_group": group_name(plan.release),
            "roles": roles,
            "zones": zones,
            "ansible_user": setup.ansible_user,
            "ssh_port": setup.ssh_port,
        }),
    )
}

fn chrony(plan: &Plan, hosts: &[Host], setup: &HostSetup, host: &Host) -> String {
    let managers = addresses(hosts, HostRole::Manager);
    let peers: Vec<&str> = managers
        .iter()
        .copied()
        .filter(|a| *a != host.address)
        .collect();
    let clients: Vec<&str> = hosts
        .iter()
        .filter(|h| h.name != host.name)
        .map(|h| h.address.as_str())
        .collect();
    templates::render(
        "hosts/chrony.conf.j2",
        json!({
            "release": plan.release,
            "host": host.name,
            "role": host.role.as_str(),
            "upstream": setup.time_sources,
            "peers": peers,
            "servers": managers,
            "clients": clients,
        }),
    )
}
