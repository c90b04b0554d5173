//! Health endpoints probed by the blackbox exporter: each component's own
//! endpoint (`/health`, `/health/check`, `/apps`), the public entry as
//! users reach it, and the entry's certificate.

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::plan::monitoring::{Facts, Group, ENTRY, PROBE_JOB_SUFFIX};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let job = f.own_job(PROBE_JOB_SUFFIX);
    let minutes = f.spec.thresholds.probe_failing_minutes;
    let mut rules = Vec::new();
    for p in &f.probes {
        let c = p.component;
        let labels = [("job", job.as_str()), ("component", c)];
        let entry = c == ENTRY;
        let spec = Spec {
            alert: if entry {
                "DifyEntryDown"
            } else {
                "DifyProbeFailing"
            },
            expr: expr!(
                "max by (instance) ({s}) == 0",
                s = select("probe_success", &labels)
            ),
            for_seconds: minutes * 60,
            // Users cannot reach Dify: that is an outage, not one instance.
            severity: if entry {
                Severity::Critical
            } else {
                Severity::Warning
            },
            component: c,
            summary: format!("{c}: health probe failing"),
            description: format!("{} has not answered with 2xx for {minutes} minutes.", p.url),
        };
        let input = |v: u32, n: u32| {
            let mut l = labels.to_vec();
            l.push(("instance", p.url.as_str()));
            vec![constant(sel("probe_success", &l), v, n)]
        };
        rules.push(tested(f, spec.rule(f), &[("instance", &p.url)], |n| {
            (input(0, n), input(1, n))
        }));
        if entry && plan.t.ingress.tls.is_some() {
            let days = f.spec.thresholds.certificate_expiry_days;
            let seconds = u64::from(days) * 86_400;
            let spec = Spec {
                alert: "DifyCertificateExpiring",
                expr: expr!(
                    "min by (instance) ({s}) - time() < {seconds}",
                    s = select("probe_ssl_earliest_cert_expiry", &labels),
                ),
                for_seconds: 600,
                severity: Severity::Warning,
                component: c,
                summary: format!("{c}: certificate expires in less than {days} days"),
                description: format!(
                    "The certificate {} presents expires in less than {days} days; renew the Secret `{}`.",
                    p.url,
                    plan.t.ingress.tls.as_ref().map_or("", |t| t.secret_name.as_str())
                ),
            };
            // Expiry timestamps in seconds since the epoch, where the test
            // starts: a day away fires, twice the threshold does not.
            let far = u64::from(days) * 2 * 86_400;
            rules.push(tested(f, spec.rule(f), &[("instance", &p.url)], |n| {
                let expiry = |at: u64| {
                    let mut l = labels.to_vec();
                    l.push(("instance", p.url.as_str()));
                    vec![constant(sel("probe_ssl_earliest_cert_expiry", &l), at, n)]
                };
                (expiry(86_400), expiry(far))
            }));
        }
    }
    named(f, "probes", rules)
}
