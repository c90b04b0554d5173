//! `dify-gen validate PATH...`: validate any manifest tree or stream.
//!
//! Exit status: 0 when nothing is wrong, 1 when there are findings, 2 for a
//! usage or I/O error (an unreadable path, an unknown `--kube-version`).

use super::output::{Format, Report};
use super::{schemas, validate_documents, ValidateOptions};
use std::io::Write as _;

#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    /// Manifest files, directories (searched for *.yaml, *.yml, *.json) or `-` for stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Kubernetes minor version whose schemas apply (1.33 to 1.37)
    #[arg(long, value_name = "VERSION", default_value = schemas::DEFAULT_KUBE_VERSION)]
    pub kube_version: String,

    /// Skip documents whose kind has no schema instead of reporting them
    #[arg(long)]
    pub ignore_missing_schemas: bool,

    /// CustomResourceDefinition YAML whose custom resources to validate (strictly, with its CEL rules); repeatable
    #[arg(long = "crd", value_name = "FILE")]
    pub crds: Vec<String>,

    /// JSON Schemas in kubeconform's layout: a directory, a `.json` file or a template with `{{ .ResourceKind }}` and friends; repeatable, searched in order before the bundled schemas
    #[arg(long = "schema-location", value_name = "DIR|TEMPLATE")]
    pub schema_locations: Vec<String>,

    /// Report format
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: Format,

    /// Worker threads (default: one per core)
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
}

/// Runs the command and returns the exit status.
pub fn run(args: &ManifestArgs) -> i32 {
    if schemas::Schemas::for_version(&args.kube_version).is_none() {
        eprintln!(
            "error: no bundled schemas for Kubernetes `{}`; use one of {}",
            args.kube_version,
            schemas::KUBE_VERSIONS.join(", ")
        );
        return 2;
    }
    let user =
        match super::user::UserSchemas::new(&args.crds, &args.schema_locations, &args.kube_version)
        {
            Ok(user) => user,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
    let inputs = super::input::load_paths(&args.paths, args.jobs);
    if !inputs.io_errors.is_empty() {
        for d in &inputs.io_errors {
            eprintln!("error: {}", d.message);
        }
        return 2;
    }
    let opts = ValidateOptions {
        kube_version: args.kube_version.clone(),
        ignore_missing_schemas: args.ignore_missing_schemas,
        jobs: args.jobs,
        origin: None,
        user: (!user.is_empty()).then_some(&user),
    };
    let mut diagnostics = inputs.findings.clone();
    diagnostics.extend(validate_documents(&inputs.docs, &inputs.sources, &opts));
    crate::diagnostic::normalise(&mut diagnostics);
    let files: Vec<&str> = (0..inputs.files).map(|i| inputs.sources.name(i)).collect();
    let report = Report {
        sources: &inputs.sources,
        diagnostics: &diagnostics,
        files,
        // A list counts as its items, as kubeconform counts resources.
        documents: inputs
            .docs
            .iter()
            .map(|d| super::list::item_nodes(d).len())
            .sum(),
    };
    let text = report.render(args.output);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return 2;
        }
    }
    i32::from(report.errors() > 0)
}
