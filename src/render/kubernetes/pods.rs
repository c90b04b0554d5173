//! Pod templates: containers, probes, security contexts and spread.
//!
//! Security follows the Pod Security Standards `restricted` profile wherever
//! the image allows it: non-root, no privilege escalation, all capabilities
//! dropped, `RuntimeDefault` seccomp, a read-only root file system with
//! `emptyDir`s where the program writes. One exception, documented in
//! `docs/security.md`: the sandbox must start as root (it adds its jail's
//! user with `useradd`, chroots and drops to that user per execution).

use super::config;
use super::labels::{labels, selector};
use crate::dify::health;
use crate::dify::releases::Release;
use crate::dify::Kind;
use crate::plan::Plan;
use crate::topology::{self, Eviction, ProbeOverride, Resources, Spread};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMapEnvSource, ConfigMapVolumeSource, Container, ContainerPort,
    EmptyDirVolumeSource, EnvFromSource, ExecAction, HTTPGetAction, LocalObjectReference,
    NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm,
    PodAntiAffinity, PodSecurityContext, PodSpec, PodTemplateSpec, PreferredSchedulingTerm, Probe,
    ResourceRequirements, SeccompProfile, SecurityContext, TCPSocketAction, Toleration,
    TopologySpreadConstraint, Volume, VolumeMount, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

pub const ZONE_KEY: &str = "topology.kubernetes.io/zone";
pub const HOST_KEY: &str = "kubernetes.io/hostname";

/// Uid the Dify api, web and agent backend images are built with (`dify`, 1001).
const DIFY_UID: i64 = 1001;
/// Uid of `dify` in the local sandbox image (`useradd` without `-u` on
/// Debian's python image: the first user, 1000).
const LOCAL_SANDBOX_UID: i64 = 1000;
/// Uid of the `proxy` user in the Ubuntu squid image.
const PROXY_UID: i64 = 13;

/// The pod template of a component, with a checksum of its configuration so
/// that a config change rolls the pods.
pub fn template(plan: &Plan, kind: Kind, config_hash: &str) -> PodTemplateSpec {
    let spec = plan.workload(kind).spec;
    let release = plan.dify;
    let component = kind.label();
    let (volumes, mounts) = volumes(plan, kind);
    let container = Container {
        name: component.to_string(),
        image: Some(plan.image(kind)),
        image_pull_policy: Some(plan.pull_policy(Some(kind.settings_of())).into()),
        command: command(kind),
        args: None,
        ports: ports(plan, kind),
        env_from: (!is_squid(kind)).then(|| {
            vec![EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: config::config_map_name(plan, kind),
                    optional: Some(false),
                }),
                ..Default::default()
            }]
        }),
        env: non_empty(env(plan, kind)),
        resources: Some(resources(&spec.resources)),
        liveness_probe: probe(
            release,
            kind,
            ProbeRole::Liveness,
            spec.probes.liveness.as_ref(),
        ),
        readiness_probe: probe(
            release,
            kind,
            ProbeRole::Readiness,
            spec.probes.readiness.as_ref(),
        ),
        startup_probe: probe(
            release,
            kind,
            ProbeRole::Startup,
            spec.probes.startup.as_ref(),
        ),
        security_context: Some(container_security(kind)),
        volume_mounts: non_empty(mounts),
        ..Default::default()
    };
    let spread = plan.effective_spread(spec);
    let mut pod_labels = labels(plan, component);
    if kind.is_backend() || kind == Kind::PluginDaemon {
        for (k, v) in crate::plan::stores::identity_pod_labels(plan.t) {
            pod_labels.insert(k.into(), v.into());
        }
    }
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
            annotations: Some(BTreeMap::from([(
                "dify-gen.io/config-hash".to_string(),
                config_hash.to_string(),
            )])),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(plan.name(kind.settings_of().label())),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(pod_security(kind)),
            // The pause container as PID 1 keeps the daemon from being it
            // (its Python plugins exit when their parent is PID 1) and
            // reaps what the daemon's children leave behind.
            share_process_namespace: (kind == Kind::PluginDaemon
                && crate::plan::plugins::shares_process_namespace(plan.t))
            .then_some(true),
            termination_grace_period_seconds: Some(i64::from(plan.grace_seconds(kind))),
            restart_policy: (kind == Kind::Migration).then(|| "Never".to_string()),
            node_selector: (!spec.node_selector.is_empty()).then(|| spec.node_selector.clone()),
            topology_spread_constraints: if kind == Kind::Migration {
                None
            } else {
                non_empty(spread_constraints(plan, component, spread))
            },
            affinity: affinity(
                spec.node_affinity.as_ref(),
                if kind == Kind::Migration {
                    None
                } else {
                    anti_affinity(plan, component, spread)
                },
            ),
            // The migration Job runs once and is retried by its controller:
            // no eviction timing to set, only the component's own tolerations.
            tolerations: non_empty({
                let own: Vec<Toleration> = spec.tolerations.iter().map(toleration).collect();
                if kind == Kind::Migration {
                    own
                } else {
                    tolerations(spec.eviction.as_ref(), &own)
                }
            }),
            priority_class_name: spec.priority_class_name.clone(),
            image_pull_secrets: pull_secrets(plan, Some(kind.settings_of())),
            init_containers: non_empty(
                schema_wait(plan, kind)
                    .into_iter()
                    .chain(spec.extras.init_containers.iter().map(|c| extra(plan, c)))
                    .collect(),
            ),
            // The migration Job takes no sidecars: one would keep it running.
            containers: std::iter::once(container)
                .chain(
                    spec.extras
                        .sidecars
                        .iter()
                        .filter(|_| kind != Kind::Migration)
                        .map(|c| extra(plan, c)),
                )
                .collect(),
            host_aliases: non_empty(spec.extras.host_aliases.clone()),
            volumes: non_empty(volumes),
            ..Default::default()
        }),
    }
}

/// An extra container of the topology's: its image through the registry
/// mirror, and the `restricted` context in every field it leaves unset
/// (the `extras` check has refused those that ask for less).
fn extra(plan: &Plan, c: &Container) -> Container {
    let mut c = c.clone();
    c.image = c.image.map(|i| plan.pull(&i));
    let base = restricted_container();
    let mut sc = c.security_context.take().unwrap_or_default();
    sc.allow_privilege_escalation = sc
        .allow_privilege_escalation
        .or(base.allow_privilege_escalation);
    sc.read_only_root_filesystem = sc
        .read_only_root_filesystem
        .or(base.read_only_root_filesystem);
    sc.run_as_non_root = sc.run_as_non_root.or(base.run_as_non_root);
    let mut caps = sc.capabilities.take().unwrap_or_default();
    if caps.drop.as_ref().is_none_or(Vec::is_empty) {
        caps.drop = Some(vec!["ALL".into()]);
    }
    sc.capabilities = Some(caps);
    c.security_context = Some(sc);
    c
}

const SCHEMA_WAIT_DIR: &str = "/etc/dify-gen/schema-wait";

/// The init container of the api, websocket, worker and beat pods: the api
/// image's own Python waits until the database is at the schema the
/// image's migrations end at (`templates/migrations/wait-for-schema.py.j2`).
/// The migration Job itself does not wait: it produces that schema.
fn schema_wait(plan: &Plan, kind: Kind) -> Option<Container> {
    if !kind.is_backend() || kind == Kind::Migration {
        return None;
    }
    let q = |s: &str| Quantity(s.to_string());
    Some(Container {
        name: "wait-for-schema".into(),
        image: Some(plan.image(kind)),
        image_pull_policy: Some(plan.pull_policy(Some(kind.settings_of())).into()),
        command: Some(vec![
            "python".into(),
            format!("{SCHEMA_WAIT_DIR}/{}", config::SCHEMA_WAIT_SCRIPT),
        ]),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: config::config_map_name(plan, kind),
                optional: Some(false),
            }),
            ..Default::default()
        }]),
        env: Some(vec![config::secret_var(
            "DB_PASSWORD",
            &plan.t.postgres.password,
        )]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_string(), q("50m")),
                ("memory".to_string(), q("64Mi")),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".to_string(), q("500m")),
                ("memory".to_string(), q("256Mi")),
            ])),
            ..Default::default()
        }),
        security_context: Some(restricted_container()),
        volume_mounts: Some(vec![VolumeMount {
            name: "schema-wait".into(),
            mount_path: SCHEMA_WAIT_DIR.into(),
            read_only: Some(true),
            ..Default::default()
        }]),
        ..Default::default()
    })
}

/// Both SSRF proxies run Squid with a rendered `squid.conf` and no env.
fn is_squid(kind: Kind) -> bool {
    matches!(kind, Kind::SsrfProxy | Kind::AgentSsrfProxy)
}

/// Squid is started directly, in the foreground, with the rendered config:
/// the image's entrypoint wants root to prepare directories we do not use.
fn command(kind: Kind) -> Option<Vec<String>> {
    is_squid(kind).then(|| {
        ["squid", "-N", "-d", "1", "-f", "/etc/squid/squid.conf"]
            .map(String::from)
            .to_vec()
    })
}

fn ports(plan: &Plan, kind: Kind) -> Option<Vec<ContainerPort>> {
    let (name, number) = kind.serves()?;
    let port = |name: &str, port: u16| ContainerPort {
        name: Some(name.into()),
        container_port: i32::from(port),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    let mut out = vec![port(name, number)];
    if kind == Kind::PluginDaemon && crate::plan::plugins::remote_debug(plan.t).is_some() {
        out.push(port(
            PLUGIN_DEBUG_PORT_NAME,
            crate::dify::ports::PLUGIN_DEBUG,
        ));
    }
    Some(out)
}

/// The name of the plugin daemon's remote-debug port (container and Service).
pub const PLUGIN_DEBUG_PORT_NAME: &str = "debug";

fn env(plan: &Plan, kind: Kind) -> Vec<k8s_openapi::api::core::v1::EnvVar> {
    let spec = plan.workload(kind).spec;
    let mut env = Vec::new();
    if let Some(mode) = kind.backend_mode() {
        env.push(config::plain("MODE", mode));
    }
    if kind == Kind::Migration {
        env.push(config::plain("MIGRATION_ENABLED", "true"));
    }
    if kind == Kind::ApiWebsocket {
        // The shared backend settings, served by Dify's WebSocket worker as
        // its compose file runs it.
        for (name, value) in config::websocket_server() {
            env.push(config::plain(name, value));
        }
    }
    env.extend(config::secret_env(plan, kind));
    let mut user: Vec<k8s_openapi::api::core::v1::EnvVar> = spec
        .secret_env
        .iter()
        .map(|(name, r)| config::secret_var(name, &r.secret()))
        .chain(
            spec.env
                .iter()
                .map(|(name, value)| config::plain(name, value.value())),
        )
        .collect();
    // An entry of the topology's that overrides one of dify-gen's (the
    // check `managed_env` has made sure it says so) takes its place, so the
    // container has each name once and `$(VAR)` references still see it.
    for slot in &mut env {
        if let Some(i) = user.iter().position(|u| u.name == slot.name) {
            *slot = user.remove(i);
        }
    }
    env.extend(user);
    env
}

pub fn resources(r: &Resources) -> ResourceRequirements {
    let q = |s: &str| Quantity(s.to_string());
    let mut limits = BTreeMap::from([("memory".to_string(), q(r.limits.memory.as_str()))]);
    if let Some(cpu) = &r.limits.cpu {
        limits.insert("cpu".into(), q(cpu.as_str()));
    }
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), q(r.requests.cpu.as_str())),
            ("memory".to_string(), q(r.requests.memory.as_str())),
        ])),
        limits: Some(limits),
        ..Default::default()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ProbeRole {
    Liveness,
    Readiness,
    Startup,
}

impl From<ProbeRole> for crate::plan::probes::Role {
    fn from(role: ProbeRole) -> Self {
        match role {
            ProbeRole::Liveness => Self::Liveness,
            ProbeRole::Readiness => Self::Readiness,
            ProbeRole::Startup => Self::Startup,
        }
    }
}

/// Default probes hit the endpoints Dify really has (`/health` on api and
/// sandbox, `/health/check` on the plugin daemon); worker and beat have no
/// endpoint, so they get none unless the topology gives a command.
fn probe(
    release: &Release,
    kind: Kind,
    role: ProbeRole,
    over: Option<&ProbeOverride>,
) -> Option<Probe> {
    let default = default_probe(release, kind, role);
    let Some(over) = over else {
        return default;
    };
    if over.enabled == Some(false) {
        return None;
    }
    let fallback = crate::plan::probes::FALLBACK;
    let mut probe = default.unwrap_or(Probe {
        period_seconds: Some(fallback.period as i32),
        timeout_seconds: Some(fallback.timeout as i32),
        failure_threshold: Some(fallback.failures as i32),
        ..Default::default()
    });
    if let Some(command) = &over.command {
        probe.http_get = None;
        probe.tcp_socket = None;
        probe.exec = Some(ExecAction {
            command: Some(command.clone()),
        });
    }
    if over.path.is_some() || over.port.is_some() {
        let old = probe.http_get.take();
        let port = over.port.map_or_else(
            || {
                old.as_ref()
                    .map_or(IntOrString::String("http".into()), |h| h.port.clone())
            },
            |p| IntOrString::Int(p as i32),
        );
        let path = over
            .path
            .clone()
            .or_else(|| old.and_then(|h| h.path))
            .unwrap_or_else(|| "/".into());
        probe.tcp_socket = None;
        probe.exec = None;
        probe.http_get = Some(HTTPGetAction {
            path: Some(path),
            port,
            scheme: Some("HTTP".into()),
            ..Default::default()
        });
    }
    let set = |slot: &mut Option<i32>, v: Option<u32>| {
        if let Some(v) = v {
            *slot = Some(v as i32);
        }
    };
    set(&mut probe.initial_delay_seconds, over.initial_delay_seconds);
    set(&mut probe.period_seconds, over.period_seconds);
    set(&mut probe.timeout_seconds, over.timeout_seconds);
    set(&mut probe.failure_threshold, over.failure_threshold);
    (probe.http_get.is_some() || probe.tcp_socket.is_some() || probe.exec.is_some())
        .then_some(probe)
}

fn default_probe(release: &Release, kind: Kind, role: ProbeRole) -> Option<Probe> {
    let base = match release.probe(kind, role == ProbeRole::Readiness)? {
        health::Check::Http { path, port } => Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.into()),
                port: IntOrString::String(port.into()),
                scheme: Some("HTTP".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        health::Check::Tcp { port } => Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::String(port.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    };
    let timing = crate::plan::probes::default_timing(release, kind, role.into())?;
    let (period, timeout, failures) = (
        timing.period as i32,
        timing.timeout as i32,
        timing.failures as i32,
    );
    Some(Probe {
        period_seconds: Some(period),
        timeout_seconds: Some(timeout),
        failure_threshold: Some(failures),
        success_threshold: Some(1),
        ..base
    })
}

fn pod_security(kind: Kind) -> PodSecurityContext {
    let seccomp = Some(SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..Default::default()
    });
    match kind {
        Kind::Sandbox => PodSecurityContext {
            seccomp_profile: seccomp,
            ..Default::default()
        },
        _ => {
            let uid = match kind {
                k if is_squid(k) => PROXY_UID,
                Kind::LocalSandbox => LOCAL_SANDBOX_UID,
                _ => DIFY_UID,
            };
            PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(uid),
                run_as_group: Some(uid),
                fs_group: Some(uid),
                seccomp_profile: seccomp,
                ..Default::default()
            }
        }
    }
}

fn container_security(kind: Kind) -> SecurityContext {
    if kind == Kind::Sandbox {
        // Exception: the sandbox starts as root to build its jail, then drops
        // to its own unprivileged user; it keeps only what that needs.
        return SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: Some(
                    [
                        "CHOWN",
                        "DAC_OVERRIDE",
                        "FOWNER",
                        "SETGID",
                        "SETUID",
                        "SYS_CHROOT",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
            }),
            read_only_root_filesystem: Some(false),
            ..Default::default()
        };
    }
    // Everything a program writes goes to an emptyDir (see `volumes`): the
    // plugin daemon builds plugin environments under `/app/storage/cwd` and
    // keeps uv's and pip's caches under `HOME=/tmp`.
    restricted_container()
}

/// The `restricted` container context every pod but the sandbox uses: no
/// privilege escalation, no capabilities, read-only root, never root.
pub fn restricted_container() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        ..Default::default()
    }
}

/// Writable scratch space the programs need on a read-only root.
fn volumes(plan: &Plan, kind: Kind) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut dirs: Vec<(&str, &str)> = crate::dify::images::scratch_dirs(plan.dify, kind);
    // The plugin daemon's working directory, rebuilt from plugin storage
    // in every new pod, may be capped (`plugins.workingDirectoryLimit`).
    let limit = crate::plan::plugins::settings(plan.t).working_directory_limit;
    let mut volumes: Vec<Volume> = dirs
        .iter()
        .map(|(name, _)| Volume {
            name: (*name).to_string(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: limit
                    .as_ref()
                    .filter(|_| kind == Kind::PluginDaemon && *name == "storage")
                    .map(|q| Quantity(q.as_str().to_string())),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let mut mounts: Vec<VolumeMount> = dirs
        .drain(..)
        .map(|(name, path)| VolumeMount {
            name: name.into(),
            mount_path: path.into(),
            ..Default::default()
        })
        .collect();
    if schema_wait(plan, kind).is_some() {
        volumes.push(Volume {
            name: "schema-wait".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: config::schema_wait_name(plan),
                default_mode: Some(0o555),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let extras = &plan.workload(kind).spec.extras;
    volumes.extend(extras.volumes.iter().cloned());
    mounts.extend(extras.volume_mounts.iter().cloned());
    if is_squid(kind) {
        volumes.push(Volume {
            name: "config".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: config::config_map_name(plan, kind),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "config".into(),
            mount_path: "/etc/squid/squid.conf".into(),
            sub_path: Some("squid.conf".into()),
            read_only: Some(true),
            ..Default::default()
        });
    }
    (volumes, mounts)
}

/// `zone`: spread evenly over zones (hard) and over nodes (soft). `host`:
/// evenly over nodes (hard) and zones (soft). The hard constraint is what
/// keeps a zone's or a node's loss from taking every replica.
fn spread_constraints(
    plan: &Plan,
    component: &str,
    spread: Spread,
) -> Vec<TopologySpreadConstraint> {
    // `pod-template-hash` counts only the current ReplicaSet's pods, so a
    // rolling update is not skewed by the pods it is replacing.
    spread_keys(plan, spread)
        .into_iter()
        .map(|(key, hard)| {
            let mut c = spread_constraint(plan, component, key, hard);
            c.match_label_keys = Some(vec!["pod-template-hash".into()]);
            c
        })
        .collect()
}

/// The topology keys a spread mode spreads over, each with whether it is
/// hard (`DoNotSchedule`), in constraint order.
pub fn spread_keys(plan: &Plan, spread: Spread) -> Vec<(&'static str, bool)> {
    let multi_zone = plan.t.zones.len() > 1;
    match spread {
        Spread::Zone => vec![(ZONE_KEY, true), (HOST_KEY, false)],
        // Soft on both keys: kube-scheduler still counts a dark zone as a
        // domain with no pods, so no hard zone rule can place the evicted
        // pods while it is down (kubernetes/kubernetes#123019).
        Spread::ZonePreferred => vec![(ZONE_KEY, false), (HOST_KEY, false)],
        Spread::Host if multi_zone => vec![(HOST_KEY, true), (ZONE_KEY, false)],
        Spread::Host => vec![(HOST_KEY, true)],
        Spread::None => vec![],
    }
}

/// The taints a failed node gets; a pod without a toleration for them is
/// given one of 300 s by the `DefaultTolerationSeconds` admission plugin.
pub const FAILED_NODE_TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// A pod's tolerations: `others` (a component's own list), then one
/// `NoExecute` toleration per failed-node taint for `eviction`, each
/// replacing a `NoExecute` toleration of `others` for the same taint, so
/// that the pod's eviction timing is the one the topology states. One of
/// `others` for every effect of the taint stays: it also tolerates
/// `NoSchedule`, and the eviction controller takes the shortest
/// `tolerationSeconds` among the tolerations that match.
pub(crate) fn tolerations(eviction: Option<&Eviction>, others: &[Toleration]) -> Vec<Toleration> {
    let Some(eviction) = eviction else {
        return others.to_vec();
    };
    let replaced = |t: &Toleration| {
        t.key
            .as_deref()
            .is_some_and(|key| FAILED_NODE_TAINTS.contains(&key))
            && t.effect.as_deref() == Some("NoExecute")
    };
    let mut out: Vec<Toleration> = others.iter().filter(|t| !replaced(t)).cloned().collect();
    out.extend(FAILED_NODE_TAINTS.iter().map(|key| Toleration {
        key: Some((*key).to_string()),
        operator: Some("Exists".into()),
        effect: Some("NoExecute".into()),
        toleration_seconds: Some(i64::from(eviction.toleration_seconds)),
        value: None,
    }));
    out
}

/// One `maxSkew: 1` spread constraint over `key`, hard (`DoNotSchedule`)
/// or soft (`ScheduleAnyway`).
pub(super) fn spread_constraint(
    plan: &Plan,
    component: &str,
    key: &str,
    hard: bool,
) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew: 1,
        topology_key: key.into(),
        when_unsatisfiable: if hard {
            "DoNotSchedule"
        } else {
            "ScheduleAnyway"
        }
        .into(),
        label_selector: Some(selector(plan, component)),
        ..Default::default()
    }
}

/// A soft anti-affinity on the spread key, as the design table asks; the
/// spread constraints above are what guarantee placement.
fn anti_affinity(plan: &Plan, component: &str, spread: Spread) -> Option<Affinity> {
    let key = match spread {
        Spread::Zone | Spread::ZonePreferred => ZONE_KEY,
        Spread::Host => HOST_KEY,
        Spread::None => return None,
    };
    Some(Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![
                WeightedPodAffinityTerm {
                    weight: 100,
                    pod_affinity_term: PodAffinityTerm {
                        topology_key: key.into(),
                        label_selector: Some(selector(plan, component)),
                        ..Default::default()
                    },
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The pod's affinity: the component's node affinity beside dify-gen's
/// pod anti-affinity.
fn affinity(node: Option<&topology::NodeAffinity>, pods: Option<Affinity>) -> Option<Affinity> {
    let node = node.filter(|a| !a.required.is_empty() || !a.preferred.is_empty());
    let Some(node) = node else {
        return pods;
    };
    let requirements = |exprs: &[topology::NodeSelectorRequirement]| {
        exprs
            .iter()
            .map(|e| NodeSelectorRequirement {
                key: e.key.clone(),
                operator: e.operator.as_str().into(),
                values: non_empty(e.values.clone()),
            })
            .collect::<Vec<_>>()
    };
    let node_affinity = NodeAffinity {
        required_during_scheduling_ignored_during_execution: (!node.required.is_empty()).then(
            || NodeSelector {
                node_selector_terms: node
                    .required
                    .iter()
                    .map(|t| NodeSelectorTerm {
                        match_expressions: Some(requirements(&t.match_expressions)),
                        ..Default::default()
                    })
                    .collect(),
            },
        ),
        preferred_during_scheduling_ignored_during_execution: non_empty(
            node.preferred
                .iter()
                .map(|t| PreferredSchedulingTerm {
                    weight: t.weight,
                    preference: NodeSelectorTerm {
                        match_expressions: Some(requirements(&t.match_expressions)),
                        ..Default::default()
                    },
                })
                .collect(),
        ),
    };
    Some(Affinity {
        node_affinity: Some(node_affinity),
        ..pods.unwrap_or_default()
    })
}

/// A toleration as the pod spec has it.
pub(super) fn toleration(t: &topology::Toleration) -> Toleration {
    Toleration {
        key: t.key.clone(),
        operator: Some(
            match t.operator {
                topology::TolerationOperator::Equal => "Equal",
                topology::TolerationOperator::Exists => "Exists",
            }
            .into(),
        ),
        value: t.value.clone(),
        effect: t.effect.map(|e| e.as_str().into()),
        toleration_seconds: t.toleration_seconds.map(i64::from),
    }
}

/// `imagePullSecrets` of a component's pods (`None`: a pod dify-gen adds
/// beside Dify's, which takes only `images.pullSecrets`).
pub(crate) fn pull_secrets(plan: &Plan, kind: Option<Kind>) -> Option<Vec<LocalObjectReference>> {
    non_empty(
        plan.pull_secrets(kind)
            .into_iter()
            .map(|name| LocalObjectReference { name })
            .collect(),
    )
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, effect: Option<&str>, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: effect.map(Into::into),
            toleration_seconds: seconds,
            value: None,
        }
    }

    #[test]
    fn eviction_tolerations_merge_with_a_components_own_list() {
        let eviction = Eviction {
            toleration_seconds: 30,
        };
        let others = [
            toleration("dedicated", Some("NoSchedule"), None),
            toleration(FAILED_NODE_TAINTS[1], Some("NoExecute"), Some(600)),
            toleration(FAILED_NODE_TAINTS[0], None, None),
        ];
        let merged = tolerations(Some(&eviction), &others);
        assert_eq!(
            merged,
            vec![
                others[0].clone(),
                others[2].clone(),
                toleration(FAILED_NODE_TAINTS[0], Some("NoExecute"), Some(30)),
                toleration(FAILED_NODE_TAINTS[1], Some("NoExecute"), Some(30)),
            ]
        );
        // No eviction setting: the list as given, and Kubernetes' default.
        assert_eq!(tolerations(None, &others), others.to_vec());
        assert!(tolerations(None, &[]).is_empty());
    }
}
