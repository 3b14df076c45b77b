//! `provdb init [PATH]`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::{Store, DEFAULT_DIR};

/// Create a new, empty store.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to create it [default: --db, else ./.provdb]. Must not exist or be empty.
    pub path: Option<PathBuf>,
}

/// Runs `init`.
pub fn run(args: InitArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let path = args
        .path
        .or_else(|| ctx.db.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    let actor = ctx.actor()?;
    let store_id = Store::init(&path, &actor)?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({"path": path.display().to_string(), "store": store_id})
        )?;
    } else {
        writeln!(
            ctx.out,
            "initialised empty provdb store in {} (store id {store_id})",
            path.display()
        )?;
    }
    Ok(())
}
