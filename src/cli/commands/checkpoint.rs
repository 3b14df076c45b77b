//! `provdb checkpoint` and `provdb checkpoints`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::audit::checkpoints::Checkpoint;
use crate::audit::policy::Policy;
use crate::cli::{CliError, Ctx};
use crate::store::WitnessTarget;

/// Print the journal's tree head as a checkpoint (origin, tree size, base64
/// root: the body of a C2SP tlog-checkpoint) and keep it. Publish it anywhere
/// to commit to the log as it stands; `verify` checks every kept checkpoint
/// against the journal. With --sign it is a C2SP signed note whose origin is
/// the key's name, and with --policy the policy's witnesses cosign it.
#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {
    /// Sign the checkpoint with this private key (provdb key generate); the
    /// log's origin is the key's name.
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// A policy (C2SP tlog-policy) naming the witnesses, with their keys
    /// and URLs; the checkpoint is submitted to each witness with a URL, and
    /// the quorum is reported.
    #[arg(long, value_name = "FILE", requires = "sign")]
    pub policy: Option<PathBuf>,
    /// Submit only to this witness (its URL or its name as the policy gives
    /// them). Repeat for several; without it, every witness of the policy
    /// with a URL.
    #[arg(long = "witness", value_name = "URL", requires = "policy")]
    pub witnesses: Vec<String>,
    /// How long to wait for each witness's answer, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub witness_timeout: u64,
    /// Ask this RFC 3161 time-stamping authority for a token over the
    /// signed checkpoint, and keep it beside it (check it with `verify
    /// --tsa-cert`).
    #[arg(long, value_name = "URL", requires = "sign")]
    pub tsa: Option<String>,
    /// How long to wait for the time-stamping authority, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub tsa_timeout: u64,
}

/// List the checkpoints kept, oldest first.
#[derive(Debug, clap::Args)]
pub struct CheckpointsArgs {}

fn checkpoint_json(checkpoint: &Checkpoint) -> serde_json::Value {
    let mut value = json!({
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": checkpoint.root,
        "time": checkpoint.time,
        "actor": checkpoint.actor,
        "hash": checkpoint.hash.name(),
        "text": checkpoint.text(),
    });
    if let (Some(note), Some(key)) = (&checkpoint.note, &checkpoint.key) {
        value["note"] = json!(note);
        value["key"] = json!(key);
    }
    if let Some(token) = &checkpoint.timestamp {
        value["timestamp"] = json!(token);
    }
    value
}

/// Reads a policy file (bounded), naming the file in any error.
pub fn read_policy(path: &Path) -> Result<Policy, CliError> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|error| CliError::Refused(format!("policy {shown}: {error}")))?;
    let mut bytes = Vec::new();
    file.take(crate::audit::policy::MAX_POLICY as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| CliError::Refused(format!("policy {shown}: {error}")))?;
    // Octets with the high bit set are opaque to the policy's syntax.
    let text = String::from_utf8_lossy(&bytes);
    Policy::parse(&text).map_err(|why| CliError::Refused(format!("policy {shown}: {why}")))
}

/// The witnesses to submit to: those the policy gives URLs, or the ones
/// named by --witness (each must be in the policy).
fn targets(
    policy: &Policy,
    chosen: &[String],
    path: &Path,
) -> Result<Vec<WitnessTarget>, CliError> {
    let with_url: Vec<WitnessTarget> = policy
        .witnesses
        .iter()
        .filter_map(|witness| {
            Some(WitnessTarget {
                name: witness.name.clone(),
                key: witness.key.clone(),
                url: witness.url.clone()?,
            })
        })
        .collect();
    if chosen.is_empty() {
        return Ok(with_url);
    }
    chosen
        .iter()
        .map(|url| {
            with_url
                .iter()
                .find(|target| {
                    target.url.trim_end_matches('/') == url.trim_end_matches('/')
                        || target.name == *url
                })
                .cloned()
                .ok_or_else(|| {
                    let names: Vec<String> = with_url
                        .iter()
                        .map(|target| format!("{} {}", target.name, target.url))
                        .collect();
                    CliError::Refused(format!(
                        "unknown witness {url}: the policy {} gives no witness with a URL by that name or URL (it has: {}); add `witness NAME VKEY URL` to it",
                        path.display(),
                        if names.is_empty() { "none".to_string() } else { names.join(", ") }
                    ))
                })
        })
        .collect()
}

/// Runs `checkpoint`.
pub fn run(args: CheckpointArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let Some(key_path) = &args.sign else {
        let checkpoint = ctx.with_store(|opened| opened.checkpoint(&actor))?;
        if ctx.json {
            writeln!(ctx.out, "{}", checkpoint_json(&checkpoint))?;
        } else {
            write!(ctx.out, "{}", checkpoint.text())?;
        }
        return Ok(());
    };
    let key = crate::audit::keys::read_private(key_path)
        .map_err(|error| CliError::Refused(format!("--sign {error}")))?;
    if key.verifier().is_witness() {
        return Err(CliError::Refused(format!(
            "--sign {}: {} is a witness's cosignature key; sign checkpoints with a log key (provdb key generate NAME, without --witness)",
            key_path.display(),
            key.name
        )));
    }
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let witnesses = match (&policy, &args.policy) {
        (Some(policy), Some(path)) => targets(policy, &args.witnesses, path)?,
        _ => Vec::new(),
    };
    if let Some(policy) = &policy {
        let vkey = key.verifier();
        if !policy.logs.is_empty() && !policy.logs.iter().any(|(log, _)| *log == vkey) {
            return Err(CliError::Refused(format!(
                "the policy lists no log with the key {}; add `log {}` to it, or sign with the key it lists",
                vkey.text(),
                vkey.text()
            )));
        }
    }
    let timeout = std::time::Duration::from_secs(args.witness_timeout.max(1));
    if let Some(url) = &args.tsa {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(CliError::Usage(format!(
                "--tsa {url:?} is not an http:// or https:// URL"
            )));
        }
    }
    let tsa_timeout = std::time::Duration::from_secs(args.tsa_timeout.max(1));
    let signed = ctx.with_store(|opened| {
        opened.checkpoint_signed(
            &actor,
            &key,
            &witnesses,
            timeout,
            args.tsa.as_deref().map(|url| (url, tsa_timeout)),
        )
    })?;
    let (checkpoint, outcomes) = (signed.checkpoint, signed.witnesses);
    let verdict = match (&policy, &checkpoint.note) {
        (Some(policy), Some(note)) => Some(policy.check(note)),
        _ => None,
    };
    if ctx.json {
        let mut value = checkpoint_json(&checkpoint);
        value["witnesses"] = json!(outcomes
            .iter()
            .map(|outcome| json!({
                "name": outcome.witness.name,
                "url": outcome.witness.url,
                "cosigned": outcome.result.is_ok(),
                "said": match &outcome.result { Ok(said) | Err(said) => said },
            }))
            .collect::<Vec<_>>());
        if let Some(verdict) = &verdict {
            value["quorum_met"] = json!(verdict.is_ok());
        }
        if let Some(stamped) = &signed.timestamp {
            value["timestamped"] = json!(stamped.is_ok());
        }
        writeln!(ctx.out, "{value}")?;
    } else {
        write!(ctx.out, "{}", checkpoint.published())?;
        for outcome in &outcomes {
            match &outcome.result {
                Ok(said) => writeln!(
                    ctx.err,
                    "witness {} ({}): {said}",
                    outcome.witness.name, outcome.witness.url
                )?,
                Err(why) => writeln!(
                    ctx.err,
                    "witness {} ({}) did not cosign: {why}",
                    outcome.witness.name, outcome.witness.url
                )?,
            }
        }
    }
    let failed = outcomes
        .iter()
        .filter(|outcome| outcome.result.is_err())
        .count();
    match &signed.timestamp {
        Some(Ok(stamped)) if !ctx.json => writeln!(
            ctx.err,
            "time-stamped at {} by the authority (token serial {}; check it with verify --tsa-cert)",
            stamped.time, stamped.serial
        )?,
        Some(Err(why)) => {
            return Err(CliError::NotHolding(format!(
                "the checkpoint is signed and kept, but the time-stamping authority gave no token: {why}"
            )))
        }
        _ => {}
    }
    match verdict {
        Some(Err(error)) => Err(CliError::NotHolding(format!(
            "the checkpoint is signed and kept, but {error}{}",
            if failed > 0 {
                "; run this command again when the witnesses answer: it adds their cosignatures"
            } else {
                ""
            }
        ))),
        Some(Ok(verdict)) => {
            let by: Vec<&str> = verdict
                .witnessed
                .iter()
                .map(|(name, _)| name.as_str())
                .collect();
            writeln!(
                ctx.err,
                "quorum {} met: cosigned by {}",
                verdict.quorum,
                if by.is_empty() {
                    "no witness (none required)".to_string()
                } else {
                    by.join(", ")
                }
            )?;
            Ok(())
        }
        None if failed > 0 => Err(CliError::NotHolding(format!(
            "the checkpoint is signed and kept, but {failed} witness(es) did not cosign it; run this command again when they answer: it adds their cosignatures"
        ))),
        None => Ok(()),
    }
}

/// Runs `checkpoints`.
pub fn run_list(_args: CheckpointsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let kept = ctx.with_store(|opened| opened.checkpoints())?;
    if ctx.json {
        let items: Vec<_> = kept.iter().map(checkpoint_json).collect();
        writeln!(ctx.out, "{}", json!({"checkpoints": items}))?;
    } else if kept.is_empty() {
        writeln!(
            ctx.out,
            "no checkpoints yet; take one with `provdb checkpoint`"
        )?;
    } else {
        for checkpoint in &kept {
            let signed = match (&checkpoint.note, &checkpoint.key) {
                (Some(note), Some(_)) => {
                    let lines = crate::audit::note::Note::parse(note)
                        .map(|parsed| parsed.signatures.len())
                        .unwrap_or(0);
                    format!(
                        ", signed as {}{}{}",
                        checkpoint.origin,
                        match lines.saturating_sub(1) {
                            0 => String::new(),
                            1 => " with 1 cosignature".to_string(),
                            n => format!(" with {n} cosignatures"),
                        },
                        if checkpoint.timestamp.is_some() {
                            ", time-stamped"
                        } else {
                            ""
                        }
                    )
                }
                _ => String::new(),
            };
            writeln!(
                ctx.out,
                "size {:>8}  root {}  taken {} by {}{}{signed}",
                checkpoint.size,
                checkpoint.root,
                checkpoint.time,
                checkpoint.actor,
                if checkpoint.hash.is_blake3() {
                    " (BLAKE3 tree, before SHA-256)"
                } else {
                    ""
                }
            )?;
        }
    }
    Ok(())
}
