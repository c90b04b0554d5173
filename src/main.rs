use clap::Parser;

fn main() {
    dify_gen::heap::prepare();
    let cli = dify_gen::cli::Cli::parse();
    std::process::exit(dify_gen::run::run(cli));
}
