//! `provdb prove`, `provdb verify-proof`, `provdb receipt` and `provdb verify-receipt`.

use std::path::PathBuf;

use crate::audit::proofs::{AnyProof, ProofFailure};
use crate::cli::{CliError, Ctx};

/// Write a proof (JSON, or a C2SP tlog-proof): that the journal entry which recorded a source,
/// revision, claim or citation is in a checkpoint's tree, or with
/// --consistency that one checkpoint's log extends another's. Anyone can
/// check it with `provdb verify-proof`, with no store.
#[derive(Debug, clap::Args)]
pub struct ProveArgs {
    /// A source, claim or citation id (or unique prefix), or a revision name (SLUG@N).
    #[arg(required_unless_present = "consistency")]
    pub id: Option<String>,
    /// Prove against the kept checkpoint of this size [default: a checkpoint
    /// of the log as it stands, taken and kept now if the log has grown].
    #[arg(long, value_name = "SIZE", conflicts_with = "consistency")]
    pub checkpoint: Option<u64>,
    /// Prove that the kept checkpoint of size NEW extends the one of size OLD
    /// (NEW may be `latest`: a checkpoint of the log as it stands).
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "id")]
    pub consistency: Option<Vec<String>>,
    /// The output format: provdb's JSON, or for an inclusion proof against a
    /// signed checkpoint the C2SP tlog-proof text (c2sp.org/tlog-proof@v1).
    #[arg(long, value_enum, default_value_t = ProofFormat::Json, conflicts_with = "consistency")]
    pub format: ProofFormat,
}

/// The format `prove` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProofFormat {
    /// provdb's JSON (schema/audit.md).
    Json,
    /// C2SP tlog-proof: the journal line as `extra`, the index, the path and
    /// the signed checkpoint.
    TlogProof,
}

/// Check a proof written by `provdb prove`, with no store: exit 0 when it
/// holds, 1 when it does not, 2 when the file is not a proof.
#[derive(Debug, clap::Args)]
pub struct VerifyProofArgs {
    /// The proof file (- for standard input).
    pub file: PathBuf,
    /// A published checkpoint the proof must be for: its text exactly as
    /// `provdb checkpoint` prints it (origin, size, root). Binds the log's
    /// name and size, which a proof alone does not; give it twice for a
    /// consistency proof's two checkpoints.
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoints: Vec<PathBuf>,
    /// A trust policy (C2SP tlog-policy): every checkpoint of the proof must
    /// be signed by a log it lists and cosigned by its quorum of witnesses.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A time-stamping authority's certificate (PEM or DER): every checkpoint
    /// must carry an RFC 3161 token signed by its key.
    #[arg(long, value_name = "FILE")]
    pub tsa_cert: Option<PathBuf>,
}

/// Binds what was proved: by the policy's signatures when one is given,
/// and to published checkpoint texts when given; otherwise says what is
/// not bound.
fn bind(
    words: String,
    proved: &[&crate::audit::proofs::ProvedCheckpoint],
    given: &[(String, String)],
    policy: Option<&crate::audit::policy::Policy>,
    tsa_key: Option<&[u8]>,
) -> Result<String, ProofFailure> {
    let words = crate::audit::proofs::bind_timestamps(words, proved, tsa_key, tsa_key.is_some())?;
    match policy {
        Some(policy) => {
            let words = crate::audit::proofs::bind_by_policy(words, proved, policy)?;
            if given.is_empty() {
                Ok(words)
            } else {
                crate::audit::proofs::bind_to_checkpoints(words, proved, given)
            }
        }
        None => {
            let words = crate::audit::proofs::bind_to_checkpoints(words, proved, given)?;
            if proved.iter().any(|checkpoint| checkpoint.note.is_some()) {
                Ok(format!(
                    "{words}. The checkpoint carries a signed note whose signatures were not checked, so neither who signed it nor its log's name is proved: pass --policy FILE"
                ))
            } else {
                Ok(words)
            }
        }
    }
}

fn size_arg(text: &str) -> Result<Option<u64>, CliError> {
    if text == "latest" {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        CliError::Usage(format!(
            "--consistency takes checkpoint sizes (or latest), not {text:?}; list them with `provdb checkpoints`"
        ))
    })
}

/// Runs `prove`.
pub fn run(args: ProveArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let sizes = match &args.consistency {
        Some(pair) => Some((size_arg(&pair[0])?, size_arg(&pair[1])?)),
        None => None,
    };
    if let Some((None, _)) = sizes {
        return Err(CliError::Usage(
            "the OLD checkpoint of --consistency must be a kept size; list them with `provdb checkpoints`".into(),
        ));
    }
    let text = ctx.with_store(|opened| {
        (|| -> Result<String, CliError> {
            match (sizes, &args.id) {
                (Some((old, new)), _) => {
                    let old = opened.checkpoint_for(old, &actor)?;
                    let new = opened.checkpoint_for(new, &actor)?;
                    let proof = opened.prove_consistency(&old, &new)?;
                    Ok(serde_json::to_string_pretty(&proof).map_err(std::io::Error::other)?)
                }
                (None, Some(id)) => {
                    let seq = opened.entry_of(id)?;
                    // A tlog-proof needs a signed checkpoint: take none here.
                    let checkpoint = match (args.format, args.checkpoint) {
                        (ProofFormat::TlogProof, None) => opened
                            .signed_checkpoint_of_head()?
                            .ok_or_else(|| {
                                CliError::Refused(
                                    "no signed checkpoint of the log as it stands is kept; a tlog-proof carries a signed checkpoint: run `provdb checkpoint --sign KEYFILE` first".into(),
                                )
                            })?,
                        (_, size) => opened.checkpoint_for(size, &actor)?,
                    };
                    let proof = opened.prove_entry(seq, &checkpoint)?;
                    if args.format == ProofFormat::TlogProof {
                        return proof
                            .to_tlog_proof()
                            .map(|text| text.trim_end_matches('\n').to_string())
                            .ok_or_else(|| {
                                CliError::Refused(format!(
                                    "the checkpoint of size {} is not signed; a tlog-proof carries a signed checkpoint: run `provdb checkpoint --sign KEYFILE` first",
                                    checkpoint.size
                                ))
                            });
                    }
                    Ok(serde_json::to_string_pretty(&proof).map_err(std::io::Error::other)?)
                }
                (None, None) => unreachable!("clap requires an id or --consistency"),
            }
        })()
    })?;
    writeln!(ctx.out, "{text}")?;
    Ok(())
}

/// Reads what a checker trusts: a policy file and an authority's certificate.
fn trust(
    policy: Option<&std::path::Path>,
    tsa_cert: Option<&std::path::Path>,
) -> Result<(Option<crate::audit::policy::Policy>, Option<Vec<u8>>), CliError> {
    Ok((
        policy.map(super::checkpoint::read_policy).transpose()?,
        tsa_cert
            .map(super::verify::read_tsa_certificate)
            .transpose()?,
    ))
}

/// Runs `verify-proof`.
pub fn run_verify(args: VerifyProofArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let text = read_input(&args.file)?;
    let given = read_checkpoints(&args.checkpoints)?;
    let (policy, tsa_key) = trust(args.policy.as_deref(), args.tsa_cert.as_deref())?;
    let outcome = AnyProof::parse(&text).and_then(|proof| {
        let words = proof.verify()?;
        bind(
            words,
            &proof.checkpoints(),
            &given,
            policy.as_ref(),
            tsa_key.as_deref(),
        )
    });
    match outcome {
        Ok(words) => write_proven(ctx, &words),
        Err(ProofFailure::Malformed(why)) => Err(CliError::Usage(format!(
            "{} is not a provdb proof: {why}",
            args.file.display()
        ))),
        Err(ProofFailure::Broken(why)) => {
            if ctx.json {
                writeln!(ctx.out, "{}", serde_json::json!({"ok": false, "why": why}))?;
            } else {
                writeln!(ctx.out, "FAILED: {why}")?;
            }
            Err(CliError::NotHolding("the proof does not hold".into()))
        }
    }
}

/// Write a citation's receipt as JSON: the claim and citation, the source's
/// BLAKE3 hash and length, the bytes around the quote with the chaining
/// values that prove them part of the source, and the journal line that
/// recorded the citation with its inclusion proof in a checkpoint. Anyone can
/// check it with `provdb verify-receipt`, with no store and no document.
#[derive(Debug, clap::Args)]
pub struct ReceiptArgs {
    /// The citation: its id or a unique prefix.
    pub citation: String,
    /// Prove against the kept checkpoint of this size [default: a checkpoint
    /// of the log as it stands, taken and kept now if the log has grown].
    #[arg(long, value_name = "SIZE")]
    pub checkpoint: Option<u64>,
    /// Write a receipt even though the citation was retracted (it proves the
    /// citation was recorded; it cannot show the retraction).
    #[arg(long)]
    pub retracted: bool,
}

/// Check a receipt with no store and no document, and say in plain words
/// what it proves: exit 0 when every link holds, 1 naming the first that
/// breaks, 2 when the file is not a receipt.
#[derive(Debug, clap::Args)]
pub struct VerifyReceiptArgs {
    /// The receipt file (- for standard input).
    pub file: PathBuf,
    /// The published checkpoint the receipt must be for: its text exactly
    /// as `provdb checkpoint` prints it. Binds the log's name and size.
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// A trust policy (C2SP tlog-policy): the receipt's checkpoint must be
    /// signed by a log it lists and cosigned by its quorum of witnesses.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A time-stamping authority's certificate (PEM or DER): the receipt's
    /// checkpoint must carry an RFC 3161 token signed by its key.
    #[arg(long, value_name = "FILE")]
    pub tsa_cert: Option<PathBuf>,
}

/// Reads checkpoint files given with --checkpoint, with the names to show.
fn read_checkpoints(files: &[PathBuf]) -> Result<Vec<(String, String)>, CliError> {
    files
        .iter()
        .map(|file| Ok((file.display().to_string(), read_input(file)?)))
        .collect()
}

/// Runs `receipt`.
pub fn run_receipt(args: ReceiptArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let (receipt, signed_before) = ctx.with_store(|opened| {
        let receipt = opened.receipt(&args.citation, args.checkpoint, args.retracted, &actor)?;
        let signed_before = opened
            .checkpoints()?
            .iter()
            .any(|checkpoint| checkpoint.note.is_some());
        Ok::<_, CliError>((receipt, signed_before))
    })?;
    if signed_before && receipt.checkpoint.note.is_none() {
        writeln!(
            ctx.err,
            "notice: this receipt is against an unsigned checkpoint of size {} (the log grew since the last signed one), so --policy will refuse it; run `provdb checkpoint --sign KEYFILE` and ask again, or give --checkpoint SIZE of a signed one",
            receipt.checkpoint.size
        )?;
    }
    writeln!(
        ctx.out,
        "{}",
        serde_json::to_string_pretty(&receipt).map_err(std::io::Error::other)?
    )?;
    Ok(())
}

/// Runs `verify-receipt`.
pub fn run_verify_receipt(args: VerifyReceiptArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let text = read_input(&args.file)?;
    let receipt: crate::audit::receipt::Receipt = serde_json::from_str(&text).map_err(|error| {
        CliError::Usage(format!(
            "{} is not a provdb receipt: {error}{}",
            args.file.display(),
            if text.starts_with(crate::audit::proofs::TLOG_PROOF) {
                "; it is a tlog-proof: check it with `provdb verify-proof`"
            } else {
                ""
            }
        ))
    })?;
    let given = read_checkpoints(args.checkpoint.as_slice())?;
    let (policy, tsa_key) = trust(args.policy.as_deref(), args.tsa_cert.as_deref())?;
    let outcome = receipt.verify().and_then(|words| {
        bind(
            words,
            &[&receipt.checkpoint],
            &given,
            policy.as_ref(),
            tsa_key.as_deref(),
        )
        .map_err(|failure| crate::audit::receipt::Broken {
            link: "checkpoint",
            why: failure.to_string(),
        })
    });
    match outcome {
        Ok(words) => write_proven(ctx, &words),
        Err(broken) => {
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    serde_json::json!({"ok": false, "link": broken.link, "why": broken.why})
                )?;
            } else {
                writeln!(
                    ctx.out,
                    "FAILED at the {} link: {}",
                    broken.link, broken.why
                )?;
            }
            Err(CliError::NotHolding(format!(
                "the receipt does not hold: the {} link is broken",
                broken.link
            )))
        }
    }
}

fn read_input(file: &std::path::Path) -> Result<String, CliError> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|error| CliError::Usage(format!("cannot read standard input: {error}")))?;
        Ok(text)
    } else {
        std::fs::read_to_string(file)
            .map_err(|error| CliError::Usage(format!("cannot read {}: {error}", file.display())))
    }
}

/// Writes what a proof or receipt proved.
fn write_proven(ctx: &mut Ctx<'_>, words: &str) -> Result<(), CliError> {
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::json!({"ok": true, "proves": words})
        )?;
    } else {
        writeln!(ctx.out, "ok: {words}")?;
    }
    Ok(())
}
