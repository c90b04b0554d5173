use clap::Parser;

// A render allocates many small, short-lived values and runs for a few
// milliseconds: mimalloc spends less of that in the allocator and the
// kernel than glibc's malloc (docs/benchmarks.md, "Where the time goes").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = dify_gen::cli::Cli::parse();
    std::process::exit(dify_gen::run::run(cli));
}
