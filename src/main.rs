use clap::Parser;

fn main() {
    let cli = dify_gen::cli::Cli::parse();
    std::process::exit(dify_gen::run::run(cli));
}
