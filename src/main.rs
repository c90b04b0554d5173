//! The `dify-gen` binary: parses arguments and hands over to the library.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "dify-gen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate Kubernetes manifests, Prometheus rules, Alertmanager and Fluent Bit configuration offline
    Validate(dify_gen::validate::cli::ValidateArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let code = match cli.command {
        Command::Validate(args) => dify_gen::validate::cli::run(&args),
    };
    std::process::exit(code);
}
