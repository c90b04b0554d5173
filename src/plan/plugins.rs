//! The plugin daemon's production settings, derived once: whether its pod
//! shares one process namespace (so that the pause container is PID 1),
//! its mirror's port, and the remote-debug endpoint.

use super::graph::host_port;
use crate::topology::{PipMirror, PluginInit, Plugins, RemoteDebug, Topology};

/// The topology's `plugins` section, or its defaults.
pub fn settings(t: &Topology) -> Plugins {
    t.plugins.clone().unwrap_or_default()
}

/// Whether the daemon's pod shares one process namespace: asked for, or
/// `auto` with an image that has no init of its own (the release's image
/// before 0.6.0, or an override dify-gen cannot look into).
pub fn shares_process_namespace(t: &Topology) -> bool {
    match t.plugins.as_ref().map_or(PluginInit::Auto, |p| p.init) {
        PluginInit::SharedProcessNamespace => true,
        PluginInit::Image => false,
        PluginInit::Auto => {
            t.images.plugin_daemon.is_some() || !super::release(t).plugin_daemon_init
        }
    }
}

/// The PyPI mirror and the port its URL names (443 for `https`, 80 for `http`).
pub fn pip_mirror(t: &Topology) -> Option<(&PipMirror, u16)> {
    let m = t.plugins.as_ref()?.pip_mirror.as_ref()?;
    Some((m, host_port(&m.url).1))
}

/// The remote-debug endpoint, when the topology opens it.
pub fn remote_debug(t: &Topology) -> Option<&RemoteDebug> {
    t.plugins.as_ref()?.remote_debug.as_ref()
}
