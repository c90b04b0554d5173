//! `plugins`: the PyPI mirror is an `http(s)` URL at a `network.egress`
//! destination whose ports include the URL's (else the daemon's policy
//! would not let it reach the mirror, `T170`); `init: image` needs an
//! image that has an init (`T171`); the remote-debug endpoint has a host
//! name, IPv4 ranges and annotation keys as Kubernetes spells them, and
//! works with one daemon replica (a debugging session lives in the pod it
//! connected to, `T172`, a warning).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::{dns, kubernetes, url};
use crate::source::pointer_segment;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(p) = &cx.t.plugins else {
        return out;
    };
    if let Some(m) = &p.pip_mirror {
        let parsed = super::destinations::url_port(&m.url);
        out.extend(cx.name_rule("/plugins/pipMirror/url", "URL", &m.url, url::http));
        out.extend(super::destinations::at_destination(
            cx,
            codes::T_PIP_MIRROR,
            ("/plugins/pipMirror/egress", "/plugins/pipMirror/url"),
            "mirror",
            &m.egress,
            parsed,
            "add the port to the destination's `ports`, or write the port the mirror listens on into the URL",
        ));
    }
    if p.init == crate::topology::PluginInit::Image
        && cx.t.images.plugin_daemon.is_none()
        && !crate::dify::releases::of_version(&cx.t.dify.version).plugin_daemon_init
    {
        out.push(
            cx.error(
                codes::T_PLUGIN_INIT,
                "/plugins/init",
                format!(
                    "the plugin daemon image of Dify {} has no init: the daemon would run as PID 1 and its Python plugins exit",
                    cx.t.dify.version
                ),
            )
            .help("use `init: auto` or `sharedProcessNamespace`"),
        );
    }
    if let Some(d) = &p.remote_debug {
        out.extend(cx.name_rule(
            "/plugins/remoteDebug/advertisedHost",
            "host",
            &d.advertised_host,
            dns::host,
        ));
        for (i, c) in d.allow_from.iter().enumerate() {
            out.extend(cx.name_rule(
                &format!("/plugins/remoteDebug/allowFrom/{i}"),
                "IPv4 range",
                c,
                dns::ipv4_cidr,
            ));
        }
        for k in d.annotations.keys() {
            out.extend(cx.name_rule(
                &format!("/plugins/remoteDebug/annotations/{}", pointer_segment(k)),
                "annotation key",
                k,
                kubernetes::label_key,
            ));
        }
        let replicas = cx.t.components.plugin_daemon.replicas;
        if replicas > 1 {
            out.push(
                cx.warning(
                    codes::T_PLUGIN_DEBUG,
                    "/plugins/remoteDebug",
                    format!("remote debugging with {replicas} plugin daemon replicas: a session lives in the one pod it connected to"),
                )
                .help("debug against a one-replica daemon (a staging topology), or expect invocations that reach another pod to fail"),
            );
        }
    }
    out
}
