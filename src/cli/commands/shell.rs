//! `completions` and `man`: shell completion scripts (clap_complete) and
//! man pages (clap_mangen), made from the same definition of the command
//! line that parses it, so they cannot drift from it.

use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::{Cli, CliError, Ctx};

/// Print a completion script for a shell.
///
/// Example: `provdb completions bash > ~/.local/share/bash-completion/completions/provdb`
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print provdb's man page, or write it and one page per command.
///
/// Example: `provdb man | man -l -`, or `provdb man --dir ~/.local/share/man/man1`
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write provdb.1 and a page per command (provdb-add.1, provdb-cite.1, …)
    /// into this directory, made if missing, instead of printing provdb.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `completions`.
pub fn run_completions(args: CompletionsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "provdb", ctx.out);
    Ok(())
}

/// Runs `man`.
pub fn run_man(args: ManArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let command = Cli::command();
    let Some(dir) = args.dir else {
        clap_mangen::Man::new(command).render(ctx.out)?;
        return Ok(());
    };
    let cannot = |path: &std::path::Path, error: std::io::Error| {
        CliError::Usage(format!(
            "cannot write {}: {error}; give a directory you can write",
            path.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(|error| cannot(&dir, error))?;
    let mut pages = vec![("provdb".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("provdb-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in &pages {
        let path = dir.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page.clone()).render(&mut bytes)?;
        crate::storage::files::replace(
            &path,
            &crate::storage::files::partial_beside(&path),
            |out| out.write_all(&bytes),
        )
        .map_err(|error| cannot(&path, error))?;
    }
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::json!({"dir": dir, "pages": pages.len()})
        )?;
    } else {
        writeln!(
            ctx.out,
            "wrote {} man pages to {}",
            pages.len(),
            dir.display()
        )?;
    }
    Ok(())
}
