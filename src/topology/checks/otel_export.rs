//! `monitoring.otelCollector.export` and `monitoring.otlp.export`: a span batch no larger than the
//! queue it is taken from, and a metric export that ends before the next
//! one starts (`T179`).
//!
//! Why: OpenTelemetry's batch span processor refuses a batch larger than
//! its queue, so Dify's backend would start without traces; a metric
//! export that may outlast its interval piles exports up behind a slow
//! collector. Fix: lower `maxExportBatchSize` or raise `maxQueueSize`;
//! lower `metricTimeoutMs` below `metricIntervalMs`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(m) = &cx.t.monitoring else {
        return out;
    };
    let exports = m
        .otel_collector
        .iter()
        .map(|c| (&c.export, "/monitoring/otelCollector/export"))
        .chain(
            m.otlp
                .iter()
                .map(|o| (&o.export, "/monitoring/otlp/export")),
        );
    for (e, at) in exports {
        export(cx, e, at, &mut out);
    }
    out
}

fn export(cx: &Cx, e: &crate::topology::OtelExport, at: &str, out: &mut Vec<Diagnostic>) {
    if e.max_export_batch_size > e.max_queue_size {
        out.push(
            cx.error(
                codes::T_OTEL_EXPORT,
                &format!("{at}/maxExportBatchSize"),
                format!(
                    "a span batch of {} is larger than the queue of {} it is taken from: the SDK refuses it and Dify runs without traces",
                    e.max_export_batch_size, e.max_queue_size
                ),
            )
            .help("lower `maxExportBatchSize` or raise `maxQueueSize`"),
        );
    }
    if e.metric_timeout_ms >= e.metric_interval_ms {
        out.push(
            cx.error(
                codes::T_OTEL_EXPORT,
                &format!("{at}/metricTimeoutMs"),
                format!(
                    "a metric export may take {} ms, not less than the {} ms between two exports",
                    e.metric_timeout_ms, e.metric_interval_ms
                ),
            )
            .help("set `metricTimeoutMs` below `metricIntervalMs`"),
        );
    }
}
