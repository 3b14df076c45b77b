//! `provdb key` (generate, public) and `provdb witness serve`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::audit::keys::{self, KeyFileError};
use crate::cli::{CliError, Ctx};

/// Make and read signing keys (C2SP signed-note, Ed25519).
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub action: KeyAction,
}

/// What `key` does.
#[derive(Debug, clap::Subcommand)]
pub enum KeyAction {
    /// Write a new Ed25519 private key, readable only by its owner, and print
    /// its verifier key (NAME+KEYID+KEY) to publish.
    #[command(
        after_help = "Examples:\n  provdb key generate newsroom.example/provdb -o ~/newsroom-log.key\n  provdb key generate witness.example/w1 --witness -o w1.key"
    )]
    Generate(GenerateArgs),
    /// Print the verifier key of a private key file.
    #[command(after_help = "Examples:\n  provdb key public ~/newsroom-log.key > log.vkey")]
    Public(PublicArgs),
}

/// `key generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The key's name: a log's origin, or a witness's name; a schema-less URL
    /// such as newsroom.example/provdb (no spaces, no '+').
    pub name: String,
    /// The file to write: it must not exist, is made with mode 0600, and
    /// never goes into a store or a bundle.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Make a witness's cosignature key (tlog-cosignature, type 0x04)
    /// instead of a log's signing key.
    #[arg(long)]
    pub witness: bool,
}

/// `key public`.
#[derive(Debug, clap::Args)]
pub struct PublicArgs {
    /// The private key file.
    pub file: PathBuf,
}

fn key_error(error: KeyFileError) -> CliError {
    CliError::Refused(error.to_string())
}

/// The store a path would be written into, if any: a directory above it
/// holding provdb's FORMAT file.
fn inside_store(path: &std::path::Path) -> Option<PathBuf> {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    let start = std::fs::canonicalize(parent.unwrap_or(std::path::Path::new("."))).ok()?;
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join(crate::store::FORMAT_FILE))
                .is_ok_and(|text| text == crate::store::FORMAT_TEXT)
        })
        .map(std::path::Path::to_path_buf)
}

/// Runs `key`.
pub fn run(args: KeyArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    match args.action {
        KeyAction::Generate(args) => {
            if let Some(store) = inside_store(&args.output) {
                return Err(CliError::Refused(format!(
                    "-o {} is inside the store {}; a private key never goes into a store: write it elsewhere",
                    args.output.display(),
                    store.display()
                )));
            }
            let key = keys::generate(&args.name, args.witness)
                .map_err(|error| CliError::Usage(format!("{error}")))?;
            keys::write_private(&args.output, &key).map_err(key_error)?;
            let vkey = key.verifier().text();
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    serde_json::json!({
                        "name": key.name,
                        "kind": if args.witness { "witness" } else { "log" },
                        "vkey": vkey,
                        "file": args.output.display().to_string(),
                    })
                )?;
            } else {
                writeln!(ctx.out, "{vkey}")?;
                writeln!(
                    ctx.err,
                    "wrote the private key to {} (mode 0600); publish the line above: it is the verifier key",
                    args.output.display()
                )?;
            }
        }
        KeyAction::Public(args) => {
            let key = keys::read_private(&args.file).map_err(key_error)?;
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    serde_json::json!({"vkey": key.verifier().text()})
                )?;
            } else {
                writeln!(ctx.out, "{}", key.verifier().text())?;
            }
        }
    }
    Ok(())
}

/// Run a transparency-log witness (c2sp.org/tlog-witness).
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    #[command(subcommand)]
    pub action: WitnessAction,
}

/// What `witness` does.
#[derive(Debug, clap::Subcommand)]
pub enum WitnessAction {
    /// Serve POST /add-checkpoint and GET /ORIGIN-HASH/checkpoint until
    /// stopped; cosign each log's checkpoints only when consistent with the
    /// last one cosigned, kept durably in --state.
    #[command(
        after_help = "Examples:\n  provdb witness serve --addr 127.0.0.1:7380 --key w1.key --log log.vkey --state w1-state"
    )]
    Serve(ServeArgs),
}

/// `witness serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: String,
    /// The witness's private key (provdb key generate NAME --witness).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// A log's verifier key, or a file holding one; its name is the log's
    /// origin. Repeat for each log.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
    /// The directory where the witness keeps the latest checkpoint it
    /// cosigned for each log.
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
}

/// Runs `witness`.
pub fn run_witness(args: WitnessArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let WitnessAction::Serve(args) = args.action;
    let key = keys::read_private(&args.key).map_err(key_error)?;
    let logs = args
        .logs
        .iter()
        .map(|log| keys::read_verifier(log).map_err(key_error))
        .collect::<Result<Vec<_>, _>>()?;
    let witness =
        crate::witness::Witness::new(key, logs, &args.state).map_err(CliError::Refused)?;
    let listener = std::net::TcpListener::bind(&args.addr).map_err(|error| {
        CliError::Refused(format!(
            "cannot listen on {}: {error}; choose another --addr HOST:PORT",
            args.addr
        ))
    })?;
    let addr = listener.local_addr()?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::json!({"witness": witness.verifier().text(), "url": format!("http://{addr}")})
        )?;
    } else {
        writeln!(
            ctx.out,
            "witness {} listening on http://{addr}",
            witness.verifier().text()
        )?;
    }
    ctx.out.flush()?;
    crate::witness::http::serve(Arc::new(witness), listener)?;
    Ok(())
}
