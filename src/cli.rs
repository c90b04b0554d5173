//! The command line: kubectl and helm habits (`-f` repeatable and `-` for
//! stdin, `--set path=value`, `--output-dir`), exit codes 0 (ok), 1
//! (findings), 2 (usage or I/O).

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "dify-gen",
    version,
    about = "Compiles one topology file into a complete, validated, highly-available Dify deployment"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render every artifact: a YAML stream on stdout, or a tree with --output-dir.
    Render(RenderArgs),
    /// Check a topology (`-f`) without rendering, or validate any manifests
    /// (PATH...) offline against the bundled strict schemas.
    Validate(ValidateArgs),
    /// Report what a topology means: capacity per zone, zone-loss survival,
    /// quorums, disruption budgets, connection budget, backup objectives.
    Plan(PlanArgs),
    /// Print the topology as a picture: components with replicas and spread,
    /// the data layer, and which talks to which (the NetworkPolicy graph).
    Graph(GraphArgs),
    /// Compare two topologies or rendered trees: the objects added, removed
    /// and changed, and what of that hurts a running deployment (exit 1
    /// unless every flagged code is `--allow`ed).
    Diff(DiffArgs),
    /// Write a starter topology that layers over a profile.
    Init(InitArgs),
    /// Print the topology's JSON Schema (for yaml-language-server), or its field reference.
    Schema {
        #[arg(long, value_enum, default_value_t = SchemaFormat::Json)]
        format: SchemaFormat,
    },
    /// Print a shell completion script.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone)]
pub struct TopologyArgs {
    /// Topology file; repeat to layer (later files win); `-` reads stdin.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<String>,
    /// Override a field, e.g. `--set components.api.replicas=5` (value is YAML).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// With a topology that declares a `fleet`: act on this tree alone
    /// (`production/eu-west`, or the cluster or environment name when the
    /// fleet has one dimension), as if it were the whole topology.
    #[arg(long, value_name = "TREE")]
    pub cluster: Option<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = DiagnosticsFormat::Text)]
    pub diagnostics_format: DiagnosticsFormat,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    #[command(flatten)]
    pub topology: TopologyArgs,
    /// Write a tree (one folder per output family) into DIR instead of a
    /// stream. dify-gen replaces and removes only the files it wrote there
    /// (listed in `DIR/.dify-gen`), each atomically, and keeps every other.
    /// With a `fleet`: one such tree per environment and cluster
    /// (`DIR/<environment>/<cluster>/`), and `DIR/gitops/`; nothing is
    /// written unless every tree passes.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With --output-dir: overwrite files dify-gen wrote that were changed
    /// since, and files in the way that it did not write (without it, both
    /// are findings and nothing is written).
    #[arg(long, requires = "output_dir")]
    pub force: bool,
    /// With --output-dir: write nothing; print a unified diff of every file
    /// that differs from the render and exit 1 if any does, 0 if none (a
    /// drift check for CI).
    #[arg(long, requires = "output_dir", conflicts_with = "force")]
    pub check: bool,
    /// Kubernetes minor version whose schemas the output must pass (1.33 to 1.37).
    #[arg(long, value_name = "VERSION", default_value = crate::validate::schemas::DEFAULT_KUBE_VERSION)]
    pub kube_version: String,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Manifests to validate: files, directories (*.yaml, *.yml, *.json) or `-` for stdin
    #[command(flatten)]
    pub manifests: crate::validate::cli::ManifestArgs,
    /// A topology to check (`-f`), beside or instead of manifests.
    #[command(flatten)]
    pub topology: TopologyArgs,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub topology: TopologyArgs,
    /// Report format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub topology: TopologyArgs,
    /// Picture language: a Mermaid flowchart or a Graphviz DOT digraph.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// What runs now: a topology file, a rendered tree (a directory written
    /// by `render --output-dir`) or a manifest stream (`-` for stdin).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// What would replace it, in any of the same forms.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// A topology layered over OLD (repeatable, later wins), as `-f` does.
    #[arg(long = "old-layer", value_name = "FILE")]
    pub old_layers: Vec<String>,
    /// A topology layered over NEW (repeatable, later wins), as `-f` does.
    #[arg(long = "new-layer", value_name = "FILE")]
    pub new_layers: Vec<String>,
    /// Accept a flagged hazard code (`D011`); repeat for each. The exit is
    /// 0 when every flagged code is allowed.
    #[arg(long = "allow", value_name = "CODE")]
    pub allow: Vec<String>,
    /// Also print a unified diff of every object that differs.
    #[arg(long)]
    pub patch: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Kubernetes minor version the topologies render for.
    #[arg(long, value_name = "VERSION", default_value = crate::validate::schemas::DEFAULT_KUBE_VERSION)]
    pub kube_version: String,
    /// How to print findings about the inputs.
    #[arg(long, value_enum, default_value_t = DiagnosticsFormat::Text)]
    pub diagnostics_format: DiagnosticsFormat,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Profile to layer over.
    #[arg(long, default_value = "ha")]
    pub profile: String,
    /// Write to this file instead of stdout (refuses to overwrite).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaFormat {
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticsFormat {
    Text,
    Json,
}

pub fn command() -> clap::Command {
    Cli::command()
}
