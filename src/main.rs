//! The provdb binary: everything happens in `provdb::cli::run`.

fn main() -> std::process::ExitCode {
    provdb::cli::run()
}
