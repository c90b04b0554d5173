//! Runs a parsed command line and turns its outcome into an exit code.

use crate::cli::{
    Cli, Command, DiagnosticsFormat, GraphArgs, GraphFormat, InitArgs, PlanArgs, RenderArgs,
    ReportFormat, SchemaFormat, TopologyArgs,
};
use crate::diagnostic::{self, codes, Diagnostic, Severity};
use crate::pipeline::Refused;
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

/// Loads and checks a topology, printing findings. `None` means stop with
/// the returned exit code.
fn checked(args: &TopologyArgs, sources: &mut Sources) -> Result<topology::Loaded, i32> {
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        let d = Diagnostic::error(codes::E_STDIN_TWICE, "`-f -` is given more than once")
            .help("stdin can be read once: give `-f -` for one layer and files for the others");
        report(&[d], sources, args.diagnostics_format);
        return Err(EXIT_USAGE);
    }
    match crate::pipeline::checked(&args.files, &args.sets, sources) {
        Ok(loaded) => {
            let mut warnings = loaded.findings.clone();
            if args.strict {
                for w in &mut warnings {
                    w.severity = Severity::Error;
                }
            }
            report(&warnings, sources, args.diagnostics_format);
            if warnings.iter().any(Diagnostic::is_error) {
                return Err(EXIT_FINDINGS);
            }
            Ok(loaded)
        }
        Err(diags) => {
            report(&diags, sources, args.diagnostics_format);
            Err(exit_for(&diags))
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
    let loaded = match checked(args, &mut sources) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let out = match crate::pipeline::rendered(&loaded, render::FAMILIES, &mut sources, kube_version)
    {
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
    match output_dir {
        None => io_exit(emit::write_stream_stdout(&out.artifacts, &out.files)),
        Some(dir) if render_args.check => check_cmd(dir, &out.files, &sources, args),
        Some(dir) => match emit::dir::write(dir, &out.files, render_args.force) {
            Ok(_) => EXIT_OK,
            Err(emit::dir::Refused::Conflicts(found)) => {
                report(&found, &sources, args.diagnostics_format);
                eprintln!("error: nothing was written to `{}`", dir.display());
                EXIT_FINDINGS
            }
            Err(emit::dir::Refused::Io(e)) => {
                let d = Diagnostic::error(
                    codes::E_IO,
                    format!("cannot write `{}`: {e}", dir.display()),
                );
                report(&[d], &sources, args.diagnostics_format);
                EXIT_USAGE
            }
        },
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
    let loaded = match checked(&args.topology, &mut sources) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let plan = Plan::new(&loaded.topology);
    let report = crate::plan::report::Report::new(&plan);
    let text = match args.output {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => report.json(),
    };
    io_exit(emit::write_stdout(&text))
}

fn validate_cmd(args: &TopologyArgs) -> i32 {
    let mut sources = Sources::default();
    match checked(args, &mut sources) {
        Ok(_) => {
            if args.diagnostics_format == DiagnosticsFormat::Text {
                eprintln!("topology is valid");
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
