//! `components.*.extras`: the escape hatches keep dify-gen's guarantees.
//! Extra containers (init containers and sidecars) are held to the
//! `restricted` rules everything dify-gen writes follows: no root, no
//! privilege or privilege escalation, a read-only root file system and no
//! added capability (`T173`; unset fields get the restricted value at
//! render). Each has an image (`T143` for a bad reference), requests and
//! limits, and a name of its own (`T175`). A volume's name is its own and
//! not one of dify-gen's, a mount names a volume the pod has and does not
//! take a path dify-gen mounts (`T174`). A sidecar's declared port is
//! reached by nothing, since the NetworkPolicies are the component
//! graph's: a warning (`T175`). Host aliases are IP addresses and host
//! names (`T143`).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::{images, releases, Kind};
use crate::names::{dns, image};
use crate::topology::Component;
use k8s_openapi::api::core::v1::{Container, VolumeMount};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let release = releases::of_version(&cx.t.dify.version);
    for kind in Kind::ALL {
        if kind == Kind::Migration {
            continue;
        }
        let Some(component) = cx.t.components.get(kind) else {
            continue;
        };
        if component.extras.is_empty() {
            continue;
        }
        let at = format!("/components/{}/extras", kind.key());
        component_extras(cx, kind, component, &at, release, &mut out);
    }
    out
}

/// The volumes, mounts and container names dify-gen gives a component's pods.
fn own(kind: Kind, release: &releases::Release) -> (Vec<&'static str>, Vec<&'static str>) {
    let dirs = images::scratch_dirs(release, kind);
    let mut volumes: Vec<&str> = dirs.iter().map(|(n, _)| *n).collect();
    let mut paths: Vec<&str> = dirs.iter().map(|(_, p)| *p).collect();
    if kind.is_backend() {
        volumes.push("schema-wait");
    }
    if matches!(kind, Kind::SsrfProxy | Kind::AgentSsrfProxy) {
        volumes.push("config");
        paths.push("/etc/squid/squid.conf");
    }
    (volumes, paths)
}

fn component_extras(
    cx: &Cx,
    kind: Kind,
    component: &Component,
    at: &str,
    release: &releases::Release,
    out: &mut Vec<Diagnostic>,
) {
    let e = &component.extras;
    let (own_volumes, own_paths) = own(kind, release);
    let mut names: Vec<&str> = own_volumes.clone();
    for (i, v) in e.volumes.iter().enumerate() {
        if names.contains(&v.name.as_str()) {
            let whose = if own_volumes.contains(&v.name.as_str()) {
                "one of dify-gen's"
            } else {
                "named twice"
            };
            out.push(
                cx.error(
                    codes::T_EXTRA_VOLUME,
                    &format!("{at}/volumes/{i}/name"),
                    format!("volume `{}` is {whose}", v.name),
                )
                .help("give the volume a name of its own"),
            );
        }
        names.push(&v.name);
    }
    let mounts = |m: &[VolumeMount], at: &str, main: bool, out: &mut Vec<Diagnostic>| {
        for (i, m) in m.iter().enumerate() {
            if !names.contains(&m.name.as_str()) {
                out.push(
                    cx.error(
                        codes::T_EXTRA_VOLUME,
                        &format!("{at}/{i}/name"),
                        format!("the mount names no volume `{}` of this pod", m.name),
                    )
                    .help(format!(
                        "add it to `extras.volumes`, or mount one of {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
            if main && own_paths.contains(&m.mount_path.as_str()) {
                out.push(
                    cx.error(
                        codes::T_EXTRA_VOLUME,
                        &format!("{at}/{i}/mountPath"),
                        format!(
                            "dify-gen already mounts `{}` in this container",
                            m.mount_path
                        ),
                    )
                    .help("mount below another path"),
                );
            }
        }
    };
    mounts(&e.volume_mounts, &format!("{at}/volumeMounts"), true, out);
    let mut containers: Vec<String> = vec![kind.label().to_string(), "wait-for-schema".into()];
    for (list, field, sidecar) in [
        (&e.init_containers, "initContainers", false),
        (&e.sidecars, "sidecars", true),
    ] {
        for (i, c) in list.iter().enumerate() {
            let at = format!("{at}/{field}/{i}");
            if containers.contains(&c.name) {
                out.push(
                    cx.error(
                        codes::T_EXTRA_CONTAINER,
                        &format!("{at}/name"),
                        format!("container name `{}` is taken in this pod", c.name),
                    )
                    .help("give the container a name of its own"),
                );
            }
            containers.push(c.name.clone());
            container(cx, c, &at, sidecar, out);
            mounts(
                c.volume_mounts.as_deref().unwrap_or_default(),
                &format!("{at}/volumeMounts"),
                false,
                out,
            );
        }
    }
    for (i, h) in e.host_aliases.iter().enumerate() {
        let ip = h.ip.as_str();
        out.extend(
            cx.name_rule(&format!("{at}/hostAliases/{i}/ip"), "IP address", ip, |s| {
                s.parse::<std::net::IpAddr>()
                    .map(|_| ())
                    .map_err(|_| "must be an IPv4 or IPv6 address".to_string())
            }),
        );
        for (j, name) in h.hostnames.iter().flatten().enumerate() {
            out.extend(cx.name_rule(
                &format!("{at}/hostAliases/{i}/hostnames/{j}"),
                "host name",
                name,
                dns::hostname,
            ));
        }
    }
}

/// One extra container: its image, its resources, its security context.
fn container(cx: &Cx, c: &Container, at: &str, sidecar: bool, out: &mut Vec<Diagnostic>) {
    match &c.image {
        None => out.push(
            cx.error(
                codes::T_EXTRA_CONTAINER,
                at,
                format!("container `{}` has no image", c.name),
            )
            .help("add `image:`, pinned to a tag or digest"),
        ),
        Some(i) => out.extend(cx.name_rule(
            &format!("{at}/image"),
            "image reference",
            i,
            image::reference,
        )),
    }
    let r = c.resources.as_ref();
    let has =
        |which: fn(&k8s_openapi::api::core::v1::ResourceRequirements) -> bool| r.is_some_and(which);
    if !has(|r| {
        r.requests
            .as_ref()
            .is_some_and(|q| q.contains_key("cpu") && q.contains_key("memory"))
    }) || !has(|r| r.limits.as_ref().is_some_and(|q| q.contains_key("memory")))
    {
        out.push(
            cx.error(
                codes::T_EXTRA_CONTAINER,
                at,
                format!(
                    "container `{}` needs CPU and memory requests and a memory limit",
                    c.name
                ),
            )
            .help("add `resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}`"),
        );
    }
    if let Some(sc) = &c.security_context {
        let sat = format!("{at}/securityContext");
        let mut refuse = |field: &str, what: &str| {
            out.push(
                cx.error(
                    codes::T_EXTRA_SECURITY,
                    &format!("{sat}/{field}"),
                    format!("container `{}` {what}", c.name),
                )
                .help("remove the field: dify-gen renders the `restricted` value (non-root, no privilege, read-only root, no capabilities)"),
            );
        };
        if sc.privileged == Some(true) {
            refuse("privileged", "runs privileged");
        }
        if sc.allow_privilege_escalation == Some(true) {
            refuse("allowPrivilegeEscalation", "may escalate its privileges");
        }
        if sc.run_as_user == Some(0) {
            refuse("runAsUser", "runs as root");
        }
        if sc.run_as_group == Some(0) {
            refuse("runAsGroup", "runs with the root group");
        }
        if sc.run_as_non_root == Some(false) {
            refuse("runAsNonRoot", "may run as root");
        }
        if sc.read_only_root_filesystem == Some(false) {
            refuse(
                "readOnlyRootFilesystem",
                "writes its root file system (mount an `emptyDir` where it writes)",
            );
        }
        if sc
            .capabilities
            .as_ref()
            .and_then(|c| c.add.as_ref())
            .is_some_and(|a| !a.is_empty())
        {
            refuse("capabilities/add", "adds capabilities");
        }
    }
    if sidecar {
        for (j, p) in c.ports.iter().flatten().enumerate() {
            out.push(
                cx.warning(
                    codes::T_EXTRA_CONTAINER,
                    &format!("{at}/ports/{j}"),
                    format!(
                        "no NetworkPolicy admits traffic to port {} of sidecar `{}`",
                        p.container_port, c.name
                    ),
                )
                .help("the pod's policy is the component's edges only; reach the sidecar over `localhost`, or drop the port"),
            );
        }
    }
}
