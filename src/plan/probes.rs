//! Probe timings: dify-gen's defaults per component, merged with the
//! topology's overrides, and how long each component needs to start.
//!
//! The renderer (`render/kubernetes/pods.rs`) takes its numbers from here
//! and the probe check (`plan/checks/probes.rs`) reasons about the same
//! numbers, so the check can never judge a probe other than the one rendered.

use crate::dify::releases::Release;
use crate::dify::Kind;
use crate::topology::ProbeOverride;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Liveness,
    Readiness,
    Startup,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Liveness => "liveness",
            Role::Readiness => "readiness",
            Role::Startup => "startup",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub initial_delay: u32,
    pub period: u32,
    pub timeout: u32,
    pub failures: u32,
}

impl Timing {
    /// Seconds from container start until the probe has failed often
    /// enough for the kubelet to act (restart, for liveness and startup).
    pub fn window(self) -> u32 {
        self.initial_delay + self.period * self.failures
    }
}

/// Timings of a probe that exists only because the topology asked for it.
pub const FALLBACK: Timing = Timing {
    initial_delay: 0,
    period: 10,
    timeout: 5,
    failures: 3,
};

/// Whether dify-gen gives the component probes by default: only where the
/// release serves something to probe (worker and beat have no endpoint).
pub fn has_default(release: &Release, kind: Kind) -> bool {
    release.probe(kind, false).is_some()
}

/// Startup allows slow first boots (plugin installs, imports); after it
/// passes, liveness only restarts a pod that stayed dead for a minute.
pub fn default_timing(release: &Release, kind: Kind, role: Role) -> Option<Timing> {
    if !has_default(release, kind) {
        return None;
    }
    let (period, timeout, failures) = match role {
        Role::Startup => (
            5,
            3,
            if matches!(kind, Kind::Api | Kind::ApiWebsocket | Kind::PluginDaemon) {
                60
            } else {
                30
            },
        ),
        Role::Readiness => (10, 3, 3),
        Role::Liveness => (20, 5, 3),
    };
    Some(Timing {
        initial_delay: 0,
        period,
        timeout,
        failures,
    })
}

/// The probe the renderer emits, as timings: `None` when there is none.
pub fn effective(
    release: &Release,
    kind: Kind,
    role: Role,
    over: Option<&ProbeOverride>,
) -> Option<Timing> {
    let default = default_timing(release, kind, role);
    let Some(over) = over else {
        return default;
    };
    if over.enabled == Some(false) {
        return None;
    }
    // Without a default, a probe needs something to probe.
    if default.is_none() && over.command.is_none() && over.path.is_none() && over.port.is_none() {
        return None;
    }
    let base = default.unwrap_or(FALLBACK);
    Some(Timing {
        initial_delay: over.initial_delay_seconds.unwrap_or(base.initial_delay),
        period: over.period_seconds.unwrap_or(base.period),
        timeout: over.timeout_seconds.unwrap_or(base.timeout),
        failures: over.failure_threshold.unwrap_or(base.failures),
    })
}
