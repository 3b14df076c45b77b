//! `coverage`: a draft's figures against the claims the store cites. The
//! draft is read through a text layer as a source would be (a page's text, a
//! PDF's text, another encoding decoded); its figures are found and matched
//! by `text/coverage.rs`; every citation offered as backing or contradicting
//! a figure is checked against its source's bytes first, and one whose
//! source is damaged or whose quote no longer sits at its place is never
//! offered. Nothing is written.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use super::{Rank, Store, StoreError};
use crate::extract::{self, LayerError};
use crate::model::{ClaimId, SourceRecord, Stance};
use crate::storage::index::{CitationRecord, ClaimRecord};
use crate::text::anchor::AnchorCheck;
use crate::text::coverage::{self, Candidate, Verdict};
use crate::text::extent::Relation;
use crate::text::figures::{figures_in, Figure};

/// The largest draft `coverage` reads, in bytes.
pub const MAX_DRAFT: u64 = 32 << 20;

/// The most figures one run of `coverage` checks.
pub const MAX_FIGURES: usize = 10_000;

/// A draft's text, as read.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The text whose figures are found; offsets are into it.
    pub text: String,
    /// The extractor that gave the text, with its version, when the file
    /// was not UTF-8 text already ("provdb-html 1", "pdftotext 24.02.0").
    pub layer: Option<String>,
}

/// Reads a draft file: plain text, a web page or a PDF, through the text
/// layer a source of the same bytes would get.
pub fn read_draft(path: &Path) -> Result<Draft, StoreError> {
    let shown = path.display().to_string();
    let refuse = |why: String| StoreError::Input {
        path: shown.clone(),
        why,
    };
    let metadata = fs::metadata(path).map_err(|error| {
        refuse(format!(
            "cannot read the draft ({error}); give the path of a text, HTML or PDF file"
        ))
    })?;
    if !metadata.is_file() {
        return Err(refuse(
            "is not a file; give the path of a text, HTML or PDF file".into(),
        ));
    }
    if metadata.len() > MAX_DRAFT {
        return Err(refuse(format!(
            "is {} bytes, over the {} MB a draft may be; split it",
            metadata.len(),
            MAX_DRAFT >> 20
        )));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(MAX_DRAFT + 1).read_to_end(&mut bytes))
        .map_err(|error| refuse(format!("cannot read the draft ({error})")))?;
    if bytes.is_empty() {
        return Err(refuse(
            "is empty; give the draft's text (plain text, HTML or PDF)".into(),
        ));
    }
    let name = path.file_name().and_then(|name| name.to_str());
    let kind = extract::kind(&bytes, None, name);
    let (text, layer) = match extract::derive(&bytes, kind, None) {
        Ok(None) => (
            String::from_utf8(bytes).map_err(|_| refuse("is not UTF-8 text".into()))?,
            None,
        ),
        Ok(Some(layer)) => {
            let named = format!("{} {}", layer.extractor, layer.version);
            (layer.text, Some(named))
        }
        Err(LayerError::NotText(why)) => {
            return Err(refuse(format!(
                "is not a draft provdb can read: {why}; give it as plain text, HTML or PDF"
            )))
        }
        Err(error) => return Err(refuse(format!("cannot read its text: {error}"))),
    };
    if text.trim().is_empty() {
        return Err(refuse(
            "has no text (only white space, or a PDF with no text layer); give the draft's text"
                .into(),
        ));
    }
    Ok(Draft { text, layer })
}

/// A citation offered for a figure, checked against its source.
#[derive(Debug, Clone)]
pub struct CheckedCitation {
    /// The citation.
    pub record: CitationRecord,
    /// Its source's record.
    pub source: Option<SourceRecord>,
    /// The documents and revisions the source is.
    pub revisions: Vec<(String, u32)>,
}

/// A claim a figure was matched to, with its sound citations.
#[derive(Debug, Clone)]
pub struct CoverageClaim {
    /// The claim.
    pub claim: ClaimRecord,
    /// How well its words match the figure's sentence (0 to 1).
    pub score: f64,
    /// Agree or conflict with the figure's value.
    pub relation: Relation,
    /// True when the figure matched the claim's `as_of` time.
    pub as_of: bool,
    /// Its live supporting citations whose sources and quotes were checked sound.
    pub citations: Vec<CheckedCitation>,
    /// Its citations left out because their source is damaged or missing
    /// or their quote is no longer at its place.
    pub damaged: Vec<CheckedCitation>,
}

/// A figure with its verdict and the claims that decided it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The figure.
    pub figure: Figure,
    /// Its sentence's byte range in the draft.
    pub sentence: std::ops::Range<usize>,
    /// The verdict.
    pub verdict: Verdict,
    /// The claims that back it (backed) or contradict it (contradicted).
    pub claims: Vec<CoverageClaim>,
    /// Claims that would have decided it but whose every citation is damaged.
    pub damaged: Vec<CoverageClaim>,
}

/// What `coverage` found.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// Every figure, in the draft's order.
    pub findings: Vec<Finding>,
    /// How many claims with live citations were compared.
    pub claims_compared: usize,
}

impl Coverage {
    /// How many findings have the verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.verdict == verdict)
            .count()
    }
}

impl Store {
    /// Finds the figures of a draft's text and judges each against the
    /// claims with live supporting citations: every claim, or with `doc`
    /// those cited in that document's revisions.
    pub fn coverage(&self, text: &str, doc: Option<&str>) -> Result<Coverage, StoreError> {
        let figures = figures_in(text);
        if figures.len() > MAX_FIGURES {
            return Err(StoreError::Input {
                path: "the draft".into(),
                why: format!(
                    "has {} figures, over the {MAX_FIGURES} one run of coverage checks; split it",
                    figures.len()
                ),
            });
        }
        let draft_words = coverage::word_set(text);
        let mut ids: Vec<ClaimId> = Vec::new();
        match doc {
            Some(doc) => {
                for revision in self.revisions(doc)? {
                    if !self.visible(revision.seq) {
                        continue;
                    }
                    for record in self.index.citations_of_source(&revision.revision.source)? {
                        ids.push(record.citation.claim);
                    }
                }
                ids.sort();
                ids.dedup();
            }
            None => {
                self.for_each_claim_record(crate::spool::RUNS_HELD_BYTES, &mut |record| {
                    ids.push(record.claim.id);
                    Ok(())
                })?;
            }
        }
        let mut candidates = Vec::new();
        let mut records: Vec<(ClaimRecord, Vec<CitationRecord>)> = Vec::new();
        for id in ids {
            let Some(claim) = self.index.claim(&id)? else {
                continue;
            };
            if !self.visible(claim.seq) || !coverage::may_concern(&claim.claim, &draft_words) {
                continue;
            }
            let mut live = Vec::new();
            for record in self.index.citations_of_claim(&id)? {
                if !self.visible(record.seq)
                    || record.citation.stance != Stance::Supports
                    || self.is_retracted(&record.id)?
                    || matches!(self.rank(&record.id)?, Rank::History(_))
                {
                    continue;
                }
                live.push(record);
            }
            if live.is_empty() {
                continue;
            }
            candidates.push(Candidate {
                claim: claim.claim.clone(),
                quotes: live
                    .iter()
                    .map(|record| record.citation.selector.exact.clone())
                    .collect(),
            });
            records.push((claim, live));
        }
        // Judge, then check the sources of every claim that decided a
        // figure; a claim with no sound citation is taken out and one with
        // some damaged citations keeps only its sound quotes, and the draft
        // is judged again, until every deciding claim stands on sound
        // citations alone. Damaged material never shapes a verdict.
        let mut cache = super::query::TraceCache::default();
        let mut checked: HashMap<usize, (Vec<CheckedCitation>, Vec<CheckedCitation>)> =
            HashMap::new();
        let mut removed: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
        let mut restricted: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
        let mut damaged_for: Vec<std::collections::BTreeSet<usize>> =
            vec![std::collections::BTreeSet::new(); figures.len()];
        let (judged, active) = loop {
            let active: Vec<usize> = (0..candidates.len())
                .filter(|index| !removed.contains(index))
                .collect();
            let offered: Vec<Candidate> = active
                .iter()
                .map(|&index| match checked.get(&index) {
                    Some((sound, _)) if restricted.contains(&index) => Candidate {
                        claim: candidates[index].claim.clone(),
                        quotes: sound
                            .iter()
                            .map(|citation| citation.record.citation.selector.exact.clone())
                            .collect(),
                    },
                    _ => candidates[index].clone(),
                })
                .collect();
            let judged = coverage::judge(text, figures.clone(), &offered);
            let mut changed = false;
            for (figure, item) in judged.iter().enumerate() {
                for matched in &item.matched {
                    let index = active[matched.candidate];
                    if let std::collections::hash_map::Entry::Vacant(slot) = checked.entry(index) {
                        let (_, live) = &records[index];
                        let mut sound = Vec::new();
                        let mut unsound = Vec::new();
                        for record in live {
                            let traced = self.traced(record.clone(), &mut cache)?;
                            let holds = traced.source_intact == Some(true)
                                && traced.anchor == AnchorCheck::Holds;
                            let citation = CheckedCitation {
                                record: traced.record,
                                source: traced.source,
                                revisions: traced.revisions,
                            };
                            if holds {
                                sound.push(citation);
                            } else {
                                unsound.push(citation);
                            }
                        }
                        slot.insert((sound, unsound));
                    }
                    let (sound, unsound) = &checked[&index];
                    if sound.is_empty() {
                        removed.insert(index);
                        damaged_for[figure].insert(index);
                        changed = true;
                    } else if !unsound.is_empty() && restricted.insert(index) {
                        changed = true;
                    }
                }
            }
            if !changed {
                break (judged, active);
            }
        };
        let mut findings = Vec::with_capacity(judged.len());
        for (figure, item) in judged.into_iter().enumerate() {
            let mut claims = Vec::new();
            for matched in &item.matched {
                let index = active[matched.candidate];
                let (sound, unsound) = &checked[&index];
                claims.push(CoverageClaim {
                    claim: records[index].0.clone(),
                    score: matched.score,
                    relation: matched.relation,
                    as_of: matched.as_of,
                    citations: sound.clone(),
                    damaged: unsound.clone(),
                });
            }
            let damaged = damaged_for[figure]
                .iter()
                .map(|&index| CoverageClaim {
                    claim: records[index].0.clone(),
                    score: 0.0,
                    relation: Relation::Agree,
                    as_of: false,
                    citations: Vec::new(),
                    damaged: checked[&index].1.clone(),
                })
                .collect();
            findings.push(Finding {
                figure: item.figure,
                sentence: item.sentence,
                verdict: item.verdict,
                claims,
                damaged,
            });
        }
        Ok(Coverage {
            findings,
            claims_compared: candidates.len(),
        })
    }
}
