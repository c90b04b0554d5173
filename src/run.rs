//! Runs a parsed command line and turns its outcome into an exit code.

use crate::cli::{
    Cli, Command, DiagnosticsFormat, DiffArgs, GraphArgs, GraphFormat, InitArgs, PlanArgs,
    RenderArgs, ReportFormat, SchemaFormat, TopologyArgs,
};
use crate::diagnostic::{self, codes, Diagnostic, Severity};
use crate::pipeline::{Checked, Refused, Tree};
use crate::plan::Plan;
use crate::source::Sources;
use crate::{emit, render, topology};
use std::io::Write as _;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Render(args) => render_cmd(&args),
        Command::Validate(args) => {
            let topology = (!args.topology.files.is_empty()).then_some(&args.topology);
            if topology.is_none() && args.manifests.paths.is_empty() {
                eprintln!("error: give manifests to validate (PATH..., `-` for stdin) or a topology with `-f FILE`");
                return EXIT_USAGE;
            }
            let mut code = topology.map_or(EXIT_OK, validate_cmd);
            if !args.manifests.paths.is_empty() && code != EXIT_USAGE {
                code = code.max(crate::validate::cli::run(&args.manifests));
            }
            code
        }
        Command::Plan(args) => plan_cmd(&args),
        Command::Graph(args) => graph_cmd(&args),
        Command::Diff(args) => diff_cmd(&args),
        Command::Init(args) => init_cmd(&args),
        Command::Schema { format } => {
            let text = match format {
                SchemaFormat::Json => {
                    serde_json::to_string_pretty(topology::schema::topology_schema())
                        .expect("schema serialises")
                        + "\n"
                }
                SchemaFormat::Markdown => topology::reference::markdown(),
            };
            io_exit(emit::write_stdout(&text))
        }
        Command::Completion { shell } => {
            let mut cmd = crate::cli::command();
            clap_complete::generate(shell, &mut cmd, "dify-gen", &mut std::io::stdout());
            EXIT_OK
        }
    }
}

/// Loads and checks a topology that is one tree (or, with `--cluster`, one
/// tree of a fleet), printing findings. `Err` means stop with the returned
/// exit code.
fn checked(args: &TopologyArgs, sources: &mut Sources) -> Result<topology::Loaded, i32> {
    match checked_all(args, sources)? {
        Checked::One(loaded) => Ok(*loaded),
        Checked::Fleet { trees, .. } => {
            let names: Vec<&str> = trees.iter().map(|t| t.name.as_str()).collect();
            eprintln!(
                "error: this topology declares a `fleet`: choose one tree with `--cluster TREE` (one of {})",
                names.join(", ")
            );
            Err(EXIT_USAGE)
        }
    }
}

/// Loads and checks a topology, one tree or a fleet, printing findings;
/// `--cluster` picks one tree of a fleet. `Err` means stop with the
/// returned exit code.
fn checked_all(args: &TopologyArgs, sources: &mut Sources) -> Result<Checked, i32> {
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        let d = Diagnostic::error(codes::E_STDIN_TWICE, "`-f -` is given more than once")
            .help("stdin can be read once: give `-f -` for one layer and files for the others");
        report(&[d], sources, args.diagnostics_format);
        return Err(EXIT_USAGE);
    }
    match crate::pipeline::checked_all(&args.files, &args.sets, sources) {
        Ok(checked) => {
            let mut warnings: Vec<Diagnostic> = match &checked {
                Checked::One(loaded) => loaded.findings.clone(),
                Checked::Fleet { trees, .. } => trees
                    .iter()
                    .flat_map(|t| t.loaded.findings.clone())
                    .collect(),
            };
            if args.strict {
                for w in &mut warnings {
                    w.severity = Severity::Error;
                }
            }
            report(&warnings, sources, args.diagnostics_format);
            if warnings.iter().any(Diagnostic::is_error) {
                return Err(EXIT_FINDINGS);
            }
            one_tree(checked, args.cluster.as_deref())
        }
        Err(diags) => {
            report(&diags, sources, args.diagnostics_format);
            Err(exit_for(&diags))
        }
    }
}

/// `--cluster TREE`: that tree of the fleet alone.
fn one_tree(checked: Checked, choice: Option<&str>) -> Result<Checked, i32> {
    let Some(choice) = choice else {
        return Ok(checked);
    };
    let Checked::Fleet { trees, .. } = checked else {
        eprintln!("error: `--cluster {choice}` needs a topology with a `fleet`; this one is a single tree");
        return Err(EXIT_USAGE);
    };
    let names: Vec<String> = trees.iter().map(|t| t.name.clone()).collect();
    let mut matching: Vec<Tree> = trees
        .into_iter()
        .filter(|t| {
            t.name == choice
                || (t.environment.is_none() || t.cluster.is_none())
                    && [t.environment.as_deref(), t.cluster.as_deref()].contains(&Some(choice))
        })
        .collect();
    match matching.pop() {
        Some(tree) if matching.is_empty() => Ok(Checked::One(Box::new(tree.loaded))),
        _ => {
            let hint = diagnostic::suggest(choice, names.iter().map(String::as_str))
                .unwrap_or_else(|| format!("one of {}", names.join(", ")));
            eprintln!("error: the fleet has no tree `{choice}`: {hint}");
            Err(EXIT_USAGE)
        }
    }
}

fn render_cmd(render_args: &RenderArgs) -> i32 {
    let args = &render_args.topology;
    let output_dir = render_args.output_dir.as_deref();
    let kube_version = render_args.kube_version.as_str();
    if let Some(input) = output_dir.and_then(|dir| emit::dir::input_inside(dir, &args.files)) {
        let dir = output_dir
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let d = Diagnostic::error(
            codes::E_INPUT_IN_OUTPUT,
            format!("input `{input}` is inside the output directory `{dir}`"),
        )
        .help(format!("dify-gen does not render into the tree that holds its input: move `{input}` out of `{dir}`, or render to another directory"));
        report(&[d], &Sources::default(), args.diagnostics_format);
        return EXIT_USAGE;
    }
    if crate::validate::schemas::Schemas::for_version(kube_version).is_none() {
        eprintln!(
            "error: no bundled schemas for Kubernetes `{kube_version}`; use one of {}",
            crate::validate::schemas::KUBE_VERSIONS.join(", ")
        );
        return EXIT_USAGE;
    }
    let mut sources = Sources::default();
    let loaded = match checked_all(args, &mut sources) {
        Ok(Checked::One(l)) => *l,
        Ok(Checked::Fleet { fleet, trees }) => {
            return render_fleet(render_args, &fleet, &trees, &mut sources)
        }
        Err(code) => return code,
    };
    // Stdout gets the objects alone: the other files are not rendered.
    let rendered = match output_dir {
        Some(_) => crate::pipeline::rendered,
        None => crate::pipeline::rendered_objects,
    };
    let out = match rendered(&loaded, render::FAMILIES, &mut sources, kube_version) {
        Ok(out) => out,
        // The secret firewall: nothing is written if the output holds a secret.
        Err(Refused::Leaks(leaks)) => {
            report(&leaks, &sources, args.diagnostics_format);
            return EXIT_FINDINGS;
        }
        // Nothing is written unless the whole output passes the same strict
        // validation as `dify-gen validate`.
        Err(Refused::Invalid(findings)) => {
            report(&findings, &sources, args.diagnostics_format);
            eprintln!("error: rendered output fails validation; nothing was written");
            return EXIT_FINDINGS;
        }
    };
    let code = match output_dir {
        None => io_exit(emit::write_stream_stdout(&out.artifacts, &out.files)),
        Some(dir) => write_tree(dir, &out.files, render_args, &sources),
    };
    // The process ends here: freeing the render's values one by one would
    // cost a tenth of building them.
    std::mem::forget((out, loaded, sources));
    code
}

/// The files of a render into `--output-dir`: written, or with `--check`
/// compared.
fn write_tree(
    dir: &std::path::Path,
    files: &[crate::render::File],
    render_args: &RenderArgs,
    sources: &Sources,
) -> i32 {
    let args = &render_args.topology;
    if render_args.check {
        return check_cmd(dir, files, sources, args);
    }
    match emit::dir::write(dir, files, render_args.force) {
        Ok(_) => EXIT_OK,
        Err(emit::dir::Refused::Conflicts(found)) => {
            report(&found, sources, args.diagnostics_format);
            eprintln!("error: nothing was written to `{}`", dir.display());
            EXIT_FINDINGS
        }
        Err(emit::dir::Refused::Io(e)) => {
            let d = Diagnostic::error(
                codes::E_IO,
                format!("cannot write `{}`: {e}", dir.display()),
            );
            report(&[d], sources, args.diagnostics_format);
            EXIT_USAGE
        }
    }
}

/// `render` of a fleet: every tree through the whole pipeline, then the
/// GitOps objects; written together into `--output-dir` (one ownership
/// manifest), or nothing at all when any tree or object is refused, so
/// one cluster's error never changes another's files.
fn render_fleet(
    render_args: &RenderArgs,
    fleet: &topology::Fleet,
    trees: &[Tree],
    sources: &mut Sources,
) -> i32 {
    let args = &render_args.topology;
    let names: Vec<&str> = trees.iter().map(|t| t.name.as_str()).collect();
    let Some(dir) = render_args.output_dir.as_deref() else {
        eprintln!(
            "error: this topology declares a `fleet`: render it into a directory with `--output-dir DIR` (one folder per tree), or one tree as a stream with `--cluster TREE` (one of {})",
            names.join(", ")
        );
        return EXIT_USAGE;
    };
    let kube_version = render_args.kube_version.as_str();
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for t in trees {
        match crate::pipeline::rendered(&t.loaded, render::FAMILIES, sources, kube_version) {
            Ok(out) => files.extend(out.files.into_iter().map(|f| crate::render::File {
                path: format!("{}/{}", t.name, f.path),
                ..f
            })),
            Err(Refused::Leaks(d) | Refused::Invalid(d)) => refused.push((t.name.clone(), d)),
        }
    }
    if let (Some(g), true) = (&fleet.gitops, refused.is_empty()) {
        let targets: Vec<render::gitops::Target> =
            trees.iter().map(|t| gitops_target(fleet, t)).collect();
        let artifacts = render::gitops::render(g, &targets);
        let public = trees
            .first()
            .map(|t| topology::public::values(&t.loaded.doc))
            .unwrap_or_default();
        let leaks = render::firewall::scan(&artifacts, &public);
        let found = if leaks.is_empty() {
            let own = emit::tree(&artifacts);
            let found =
                crate::validate::validate_rendered(&artifacts, &own, sources, kube_version, None);
            files.extend(own);
            found
        } else {
            leaks
        };
        if found.iter().any(Diagnostic::is_error) {
            refused.push((topology::fleet::GITOPS_DIR.to_string(), found));
        }
    }
    if !refused.is_empty() {
        let total = trees.len();
        let found = crate::pipeline::in_trees(refused, total, crate::pipeline::noun(fleet));
        report(&found, sources, args.diagnostics_format);
        eprintln!(
            "error: rendered output fails validation; nothing was written to `{}`",
            dir.display()
        );
        return EXIT_FINDINGS;
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    write_tree(dir, &files, render_args, sources)
}

/// A tree as the GitOps objects address it.
fn gitops_target(fleet: &topology::Fleet, t: &Tree) -> render::gitops::Target {
    let cluster = t.cluster.as_ref().and_then(|c| fleet.clusters.get(c));
    let environment = t
        .environment
        .as_ref()
        .and_then(|e| fleet.environments.get(e));
    let (destination, kube_config_secret) = match (cluster, environment) {
        (Some(c), _) => (c.destination.clone(), c.kube_config_secret.clone()),
        (None, Some(e)) => (e.destination.clone(), e.kube_config_secret.clone()),
        (None, None) => (None, None),
    };
    let default = t
        .cluster
        .clone()
        .or_else(|| t.environment.clone())
        .unwrap_or_default();
    render::gitops::Target {
        tree: t.name.clone(),
        environment: t.environment.clone(),
        cluster: t.cluster.clone(),
        release: t.loaded.topology.metadata.name.clone(),
        namespace: t.loaded.topology.metadata.namespace.clone(),
        destination: destination.unwrap_or(default),
        kube_config_secret,
    }
}

/// `render --check`: the diff on stdout, one finding per differing file.
fn check_cmd(
    dir: &std::path::Path,
    files: &[crate::render::File],
    sources: &Sources,
    args: &TopologyArgs,
) -> i32 {
    let drift = match emit::check::drift(dir, files) {
        Ok(d) => d,
        Err(e) => {
            let d = Diagnostic::error(codes::E_IO, format!("cannot read `{}`: {e}", dir.display()));
            report(&[d], sources, args.diagnostics_format);
            return EXIT_USAGE;
        }
    };
    if drift.is_clean() {
        return EXIT_OK;
    }
    let code = io_exit(emit::write_stdout(&drift.text()));
    if code != EXIT_OK {
        return code;
    }
    let found: Vec<Diagnostic> = drift
        .diffs
        .iter()
        .map(|d| {
            let how = match d.state {
                emit::dir::State::Create => "is missing",
                emit::dir::State::Stale | emit::dir::State::StaleEdited => "is no longer rendered",
                emit::dir::State::Foreign => "is in the way and not dify-gen's",
                _ => "differs from the render",
            };
            Diagnostic::error(
                codes::O_DRIFT,
                format!("`{}` {how}", dir.join(&d.path).display()),
            )
        })
        .collect();
    report(&found, sources, args.diagnostics_format);
    eprintln!(
        "error: `{}` is out of date; render without `--check` to update it (nothing was written)",
        dir.display()
    );
    EXIT_FINDINGS
}

/// Whether a `diff` input is a topology: its first document says `kind:
/// Topology` (a rendered tree or stream never does).
fn is_topology(path: &str) -> bool {
    let p = std::path::Path::new(path);
    if path == "-" || p.is_dir() {
        return false;
    }
    let mut sources = Sources::default();
    let Ok(id) = crate::load::read(path, &mut sources) else {
        return false;
    };
    crate::load::parse_one(&sources, id, "topology")
        .is_ok_and(|doc| doc.get("kind").and_then(|k| k.as_str()) == Some("Topology"))
}

/// One side of `diff`: a topology (with its layers) rendered in memory, or
/// the objects of a tree or stream.
fn diff_side(
    path: &str,
    layers: &[String],
    args: &DiffArgs,
    sources: &mut Sources,
) -> Result<crate::diff::Side, i32> {
    if !layers.is_empty() || is_topology(path) {
        let mut files = vec![path.to_string()];
        files.extend(layers.iter().cloned());
        let topology = TopologyArgs {
            files,
            sets: Vec::new(),
            strict: false,
            diagnostics_format: args.diagnostics_format,
            cluster: None,
        };
        let loaded = checked(&topology, sources)?;
        let out = match crate::pipeline::rendered_objects(
            &loaded,
            render::FAMILIES,
            sources,
            &args.kube_version,
        ) {
            Ok(out) => out,
            Err(Refused::Leaks(found) | Refused::Invalid(found)) => {
                report(&found, sources, args.diagnostics_format);
                eprintln!("error: `{path}` does not render; nothing to compare");
                return Err(EXIT_FINDINGS);
            }
        };
        let mut side =
            crate::diff::Side::from_objects(out.artifacts.into_iter().filter_map(
                |a| match a.content {
                    render::Content::Object(doc) => Some(doc),
                    _ => None,
                },
            ));
        side.dify = Some(loaded.topology.dify.version.clone());
        side.quorums = crate::plan::quorum::quorums(&loaded.topology)
            .into_iter()
            .map(|q| crate::diff::Members {
                component: q.component.to_string(),
                members: q.members,
                needed: q.needed,
            })
            .collect();
        return Ok(side);
    }
    let inputs = crate::validate::input::load_paths(&[path.to_string()], 1);
    let mut problems = inputs.io_errors;
    problems.extend(inputs.findings);
    if !problems.is_empty() {
        report(&problems, &inputs.sources, args.diagnostics_format);
        return Err(EXIT_USAGE);
    }
    Ok(crate::diff::Side::from_objects(
        inputs.docs.iter().map(crate::load::Node::to_json),
    ))
}

fn diff_cmd(args: &DiffArgs) -> i32 {
    if args.old == "-" && args.new == "-" {
        eprintln!("error: stdin can be read once: give `-` for OLD or for NEW, not both");
        return EXIT_USAGE;
    }
    if let Some(bad) = args
        .allow
        .iter()
        .find(|c| !codes::DIFF.contains(&c.as_str()))
    {
        eprintln!(
            "error: `--allow {bad}` names no diff hazard; the codes are {}",
            codes::DIFF.join(", ")
        );
        return EXIT_USAGE;
    }
    if crate::validate::schemas::Schemas::for_version(&args.kube_version).is_none() {
        eprintln!(
            "error: no bundled schemas for Kubernetes `{}`; use one of {}",
            args.kube_version,
            crate::validate::schemas::KUBE_VERSIONS.join(", ")
        );
        return EXIT_USAGE;
    }
    let mut sources = Sources::default();
    let old = match diff_side(&args.old, &args.old_layers, args, &mut sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let new = match diff_side(&args.new, &args.new_layers, args, &mut sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let diff = crate::diff::Diff::new(&old, &new);
    let hazards = crate::diff::hazards::find(&old, &new, &diff);
    let report = crate::diff::Report {
        diff: &diff,
        hazards: &hazards,
        allowed: &args.allow,
        patch: args.patch.then(|| crate::diff::patch(&old, &new, &diff)),
    };
    let text = match args.format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => report.json(),
    };
    let code = io_exit(emit::write_stdout(&text));
    if code != EXIT_OK {
        return code;
    }
    if report.blocking() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn graph_cmd(args: &GraphArgs) -> i32 {
    let mut sources = Sources::default();
    let loaded = match checked(&args.topology, &mut sources) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let plan = Plan::new(&loaded.topology);
    let text = match args.format {
        GraphFormat::Mermaid => crate::plan::picture::mermaid(&plan),
        GraphFormat::Dot => crate::plan::picture::dot(&plan),
    };
    io_exit(emit::write_stdout(&text))
}

fn plan_cmd(args: &PlanArgs) -> i32 {
    let mut sources = Sources::default();
    let loaded = match checked_all(&args.topology, &mut sources) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = match loaded {
        Checked::One(loaded) => plan_text(&loaded.topology, args.output),
        Checked::Fleet { fleet, trees } => {
            let noun = crate::pipeline::noun(&fleet);
            match args.output {
                ReportFormat::Text => trees
                    .iter()
                    .map(|t| {
                        format!(
                            "# {noun} {}\n\n{}",
                            t.name,
                            plan_text(&t.loaded.topology, args.output)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                ReportFormat::Json => {
                    let all: serde_json::Map<String, serde_json::Value> = trees
                        .iter()
                        .map(|t| {
                            let one = plan_text(&t.loaded.topology, args.output);
                            let value =
                                serde_json::from_str(&one).expect("the plan report is JSON");
                            (t.name.clone(), value)
                        })
                        .collect();
                    serde_json::to_string_pretty(&serde_json::json!({ "trees": all }))
                        .expect("JSON serialises")
                        + "\n"
                }
            }
        }
    };
    io_exit(emit::write_stdout(&text))
}

fn plan_text(t: &topology::Topology, format: ReportFormat) -> String {
    let plan = Plan::new(t);
    let report = crate::plan::report::Report::new(&plan);
    match format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => report.json(),
    }
}

fn validate_cmd(args: &TopologyArgs) -> i32 {
    let mut sources = Sources::default();
    match checked_all(args, &mut sources) {
        Ok(checked) => {
            if args.diagnostics_format == DiagnosticsFormat::Text {
                match checked {
                    Checked::One(_) => eprintln!("topology is valid"),
                    Checked::Fleet { fleet, trees } => {
                        let names: Vec<&str> = trees.iter().map(|t| t.name.as_str()).collect();
                        eprintln!(
                            "topology is valid ({} {}s: {})",
                            names.len(),
                            crate::pipeline::noun(&fleet),
                            names.join(", ")
                        );
                    }
                }
            }
            EXIT_OK
        }
        Err(code) => code,
    }
}

fn init_cmd(args: &InitArgs) -> i32 {
    if topology::layers::profile_text(&args.profile).is_none() {
        eprintln!(
            "error: unknown profile `{}` (expected `dev` or `ha`)",
            args.profile
        );
        return EXIT_USAGE;
    }
    let text = format!(
        "# yaml-language-server: $schema=https://dify-gen.io/schemas/topology.schema.json\n\
         # Layers over the bundled `{p}` profile: set only what differs.\n\
         # Every field is described in docs/reference.md.\n\
         apiVersion: {v}\n\
         kind: Topology\n\
         profile: {p}\n\
         metadata:\n  name: dify\n  namespace: dify\n\
         # The Dify release, pinned so a newer dify-gen does not upgrade it\n\
         # (docs/releases.md lists the supported ones).\n\
         dify:\n  version: {d}\n\
         ingress:\n  host: dify.example.com\n",
        p = args.profile,
        v = topology::API_VERSION,
        d = crate::dify::releases::newest_verified().version
    );
    match &args.output {
        None => io_exit(emit::write_stdout(&text)),
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path);
            match file.and_then(|mut f| f.write_all(text.as_bytes())) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    EXIT_USAGE
                }
            }
        }
    }
}

fn report(diags: &[Diagnostic], sources: &Sources, format: DiagnosticsFormat) {
    if diags.is_empty() {
        return;
    }
    let mut diags = diags.to_vec();
    diagnostic::normalise(&mut diags);
    let mut err = std::io::stderr().lock();
    match format {
        DiagnosticsFormat::Text => {
            for d in &diags {
                let _ = write!(err, "{}", d.render(sources));
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            let _ = writeln!(err, "{errors} error(s), {warnings} warning(s)");
        }
        DiagnosticsFormat::Json => {
            let all: Vec<_> = diags.iter().map(|d| d.to_json(sources)).collect();
            let _ = writeln!(
                err,
                "{}",
                serde_json::to_string_pretty(&all).expect("diagnostics serialise")
            );
        }
    }
}

/// Usage and I/O problems (unreadable files, no input) are exit 2; findings
/// are exit 1.
fn exit_for(diags: &[Diagnostic]) -> i32 {
    if diags.iter().any(|d| d.code.starts_with('E')) {
        EXIT_USAGE
    } else {
        EXIT_FINDINGS
    }
}

fn io_exit(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
