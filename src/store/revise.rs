//! Revisions: carrying citations into a new revision, drift reports, diffs,
//! revision names (`SLUG@N`, `@latest`, `@-K`, `@DATE`), ranks, and reading
//! the store as it stood at a past moment.

use std::collections::HashMap;

use super::field::Field;
use super::{Store, StoreError};
use crate::identity;
use crate::model::{
    Candidate, Carried, Change, Citation, CitationId, Drift, Outcome, Selector, SourceId,
    Supersession, ValueChange, When,
};
use crate::storage::index::{CitationRecord, ClaimRecord, DriftRecord, RevisionRecord};
use crate::text::carry::{self, Found, Prior, Run};

/// What became of one citation of the older text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The citation in the older text.
    pub from: CitationRecord,
    /// Its claim.
    pub claim: Option<ClaimRecord>,
    /// What became of it.
    pub outcome: Outcome,
    /// How many times its exact quote occurs in the newer text.
    pub occurrences: u32,
    /// The citation it was carried into (new, or already recorded).
    pub to: Option<CitationId>,
    /// Its byte range in the newer text, when the quote is there exactly once.
    pub range: Option<(u64, u64)>,
    /// The closest passage, for a quote no longer there.
    pub candidate: Option<Candidate>,
    /// Set when the closest passage no longer states the claim's value.
    pub value_change: Option<ValueChange>,
}

/// What a new revision did to the citations of the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarryReport {
    /// The document.
    pub doc: String,
    /// The new revision.
    pub number: u32,
    /// The previous revision's source.
    pub previous: Option<SourceId>,
    /// True when the new revision has the same bytes as the previous one:
    /// every citation stands as it is.
    pub same_bytes: bool,
    /// Why carrying did not run, when it did not.
    pub skipped: Option<String>,
    /// One item per citation of the previous revision considered.
    pub items: Vec<Followed>,
}

/// How many citations ended in each outcome of a revision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Same quote and context.
    pub unchanged: usize,
    /// Same quote, context changed.
    pub moved: usize,
    /// The quote occurs more than once.
    pub ambiguous: usize,
    /// The quote's text changed.
    pub changed: usize,
    /// Nothing close is left.
    pub lost: usize,
}

impl OutcomeCounts {
    /// Counts `outcomes`.
    pub fn of(outcomes: impl IntoIterator<Item = Outcome>) -> OutcomeCounts {
        let mut counts = OutcomeCounts::default();
        for outcome in outcomes {
            *counts.slot(outcome) += 1;
        }
        counts
    }

    fn slot(&mut self, outcome: Outcome) -> &mut usize {
        match outcome {
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Moved => &mut self.moved,
            Outcome::Ambiguous => &mut self.ambiguous,
            Outcome::Changed => &mut self.changed,
            Outcome::Lost => &mut self.lost,
        }
    }

    /// The count of one outcome.
    pub fn get(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Unchanged => self.unchanged,
            Outcome::Moved => self.moved,
            Outcome::Ambiguous => self.ambiguous,
            Outcome::Changed => self.changed,
            Outcome::Lost => self.lost,
        }
    }

    /// Each outcome with its count, in the order of `Outcome::ALL`.
    pub fn by_outcome(&self) -> impl Iterator<Item = (Outcome, usize)> + '_ {
        Outcome::ALL
            .iter()
            .map(move |outcome| (*outcome, self.get(*outcome)))
    }

    /// "3 carried, 1 changed, 1 lost": carried is unchanged plus moved;
    /// other outcomes are named only when they occur.
    pub fn summary_line(&self) -> String {
        let mut parts = vec![format!("{} carried", self.unchanged + self.moved)];
        for (outcome, count) in self.by_outcome() {
            if !matches!(outcome, Outcome::Unchanged | Outcome::Moved) && count > 0 {
                parts.push(format!("{count} {}", outcome.name()));
            }
        }
        parts.join(", ")
    }
}

impl CarryReport {
    /// Counts by outcome.
    pub fn counts(&self) -> OutcomeCounts {
        OutcomeCounts::of(self.items.iter().map(|item| item.outcome))
    }
}

/// One line of `log --doc`.
#[derive(Debug, Clone)]
pub struct RevisionEntry {
    /// The revision.
    pub record: RevisionRecord,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// Counts by outcome of what it did to the previous revision's citations.
    pub counts: OutcomeCounts,
    /// True when it has the same bytes as the previous revision.
    pub same_bytes: bool,
    /// The earliest revision with the same bytes, when it is a revert.
    pub same_as: Option<u32>,
}

/// Two revisions compared.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// The older side, as named and as resolved.
    pub a: (String, SourceId),
    /// The newer side.
    pub b: (String, SourceId),
    /// The older text.
    pub old: String,
    /// The newer text.
    pub new: String,
    /// The word diff.
    pub runs: Vec<Run>,
    /// False when the diff's deadline made it coarser.
    pub complete: bool,
    /// Every live citation anchored in A, with its outcome in B.
    pub items: Vec<Followed>,
}

/// How a citation ranks: preferred, or kept as history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rank {
    /// The citation to prefer.
    Preferred,
    /// Superseded; kept, with the supersession that did it.
    History(Supersession),
}

impl Store {
    /// Limits every query to what the store had recorded at `when`: the
    /// entries before the first one recorded later. Returns that entry count.
    pub fn set_as_of(&mut self, when: &When) -> Result<u64, StoreError> {
        let bound = when.latest_instant();
        let seq = self.journal.entries_until(&bound)?;
        self.as_of = Some(seq);
        Ok(seq)
    }

    /// True when the entry `seq` is visible (always, unless `--as-of` is set).
    pub(super) fn visible(&self, seq: u64) -> bool {
        self.as_of.is_none_or(|limit| seq <= limit)
    }

    /// True when the citation was retracted by a visible entry.
    pub(super) fn is_retracted(&self, id: &CitationId) -> Result<bool, StoreError> {
        Ok(self
            .index
            .retraction(id)?
            .is_some_and(|retraction| self.visible(retraction.seq)))
    }

    /// The documents and revision numbers a source belongs to, as far as visible.
    pub(super) fn visible_revisions_of(
        &self,
        source: &SourceId,
    ) -> Result<Vec<(String, u32)>, StoreError> {
        let mut out = Vec::new();
        for (doc, number) in self.index.revisions_of_source(source)? {
            if self
                .index
                .revision(&doc, number)?
                .is_some_and(|revision| self.visible(revision.seq))
            {
                out.push((doc, number));
            }
        }
        Ok(out)
    }

    /// Returns a citation's rank as of the visible journal: history when the
    /// latest visible supersession naming it superseded it.
    pub fn rank(&self, id: &CitationId) -> Result<Rank, StoreError> {
        let latest = self
            .index
            .supersessions(id)?
            .into_iter()
            .filter(|item| self.visible(item.seq))
            .max_by_key(|item| item.seq);
        Ok(match latest {
            Some(item) if item.citation == *id => Rank::History(item),
            _ => Rank::Preferred,
        })
    }

    /// Returns the live citations anchored in a source: not retracted and,
    /// with `preferred_only`, not superseded.
    fn live_citations(
        &self,
        source: &SourceId,
        preferred_only: bool,
    ) -> Result<Vec<CitationRecord>, StoreError> {
        let mut out = Vec::new();
        for record in self.index.citations_of_source(source)? {
            if !self.visible(record.seq) || self.is_retracted(&record.id)? {
                continue;
            }
            if preferred_only && matches!(self.rank(&record.id)?, Rank::History(_)) {
                continue;
            }
            out.push(record);
        }
        Ok(out)
    }

    /// Follows `citations` of `old` into `new`, with their claims.
    fn follow(
        &self,
        old: &str,
        new: &str,
        citations: &[CitationRecord],
    ) -> Result<(Vec<Found>, Vec<Option<ClaimRecord>>), StoreError> {
        let mut claims: HashMap<_, Option<ClaimRecord>> = HashMap::new();
        for record in citations {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                claims.entry(record.citation.claim)
            {
                slot.insert(self.index.claim(&record.citation.claim)?);
            }
        }
        let unknown = crate::model::Value::Text {
            text: String::new(),
        };
        let priors: Vec<Prior<'_>> = citations
            .iter()
            .map(|record| Prior {
                citation: &record.citation,
                value: claims
                    .get(&record.citation.claim)
                    .and_then(Option::as_ref)
                    .map_or(&unknown, |claim| &claim.claim.value),
            })
            .collect();
        let found = carry::reanchor(old, new, &priors);
        let claim_list = citations
            .iter()
            .map(|record| claims.get(&record.citation.claim).cloned().flatten())
            .collect();
        Ok((found, claim_list))
    }

    /// Builds the entries that carry the previous revision's citations into
    /// revision `number` of `doc`, whose bytes are `new_source`, and the report.
    pub(super) fn carry_changes(
        &self,
        doc: &str,
        number: u32,
        new_source: SourceId,
        new_layer: Option<&super::layers::Derived>,
        actor: &str,
        time: &str,
    ) -> Result<(Vec<Change>, Option<CarryReport>), StoreError> {
        if number < 2 {
            return Ok((Vec::new(), None));
        }
        let Some(previous) = self.index.revision(doc, number - 1)? else {
            return Ok((Vec::new(), None));
        };
        let previous_source = previous.revision.source;
        let mut report = CarryReport {
            doc: doc.to_string(),
            number,
            previous: Some(previous_source),
            same_bytes: previous_source == new_source,
            skipped: None,
            items: Vec::new(),
        };
        if report.same_bytes {
            return Ok((Vec::new(), Some(report)));
        }
        let citations = self.live_citations(&previous_source, true)?;
        if citations.is_empty() {
            return Ok((Vec::new(), Some(report)));
        }
        let old = match self.quotable(previous_source) {
            Ok(old) => old,
            Err(error) => {
                report.skipped = Some(format!("citations were not carried: {error}"));
                return Ok((Vec::new(), Some(report)));
            }
        };
        let old = old.text;
        // A revision that is not text quotes nothing: every citation is lost,
        // and each loss is journaled like any other.
        let new_text = match new_layer {
            // Derived by this command: not in the index yet.
            Some(derived) => Ok((Some(derived.layer.clone()), derived.quotable(actor, time))),
            None => self
                .quotable(new_source)
                .and_then(|quotable| Ok((self.rederive(&quotable)?, quotable))),
        };
        let (new_quotable, new_derived) = match new_text {
            Ok((derived, quotable)) => (Some(quotable), derived),
            Err(error) => {
                report.skipped = Some(format!(
                    "the new revision cannot be quoted ({error}); every citation is reported lost"
                ));
                (None, None)
            }
        };
        let new = new_quotable
            .as_ref()
            .map_or("", |quotable| quotable.text.as_str());
        let old = old.as_str();
        let (found, claims) = self.follow(old, new, &citations)?;
        let mut changes = Vec::new();
        // The citation each new body lands on, so that two old citations
        // that land on the same new one carry once.
        let mut landed: HashMap<(crate::model::ClaimId, u64, u64, u8, bool), CitationId> =
            HashMap::new();
        for ((record, found), claim) in citations.into_iter().zip(found).zip(claims) {
            let mut item = Followed {
                claim,
                outcome: found.outcome,
                occurrences: found.occurrences,
                to: None,
                range: None,
                candidate: found.candidate.clone(),
                value_change: found.value_change.clone(),
                from: record.clone(),
            };
            let drift = |outcome: Outcome, carried_to: Option<CitationId>| {
                Change::Drift(Drift {
                    doc: doc.to_string(),
                    number,
                    citation: record.id,
                    outcome,
                    carried_to,
                    occurrences: found.occurrences,
                    candidate: found.candidate.clone(),
                    value_change: found.value_change.clone(),
                })
            };
            match &found.carry {
                Some((method, anchor)) => {
                    let body = Citation {
                        claim: record.citation.claim,
                        source: new_source,
                        selector: Selector {
                            exact: anchor.exact.clone(),
                            prefix: anchor.prefix.clone(),
                            suffix: anchor.suffix.clone(),
                            start: anchor.range.start as u64,
                            end: anchor.range.end as u64,
                        },
                        stance: record.citation.stance,
                        value_not_in_quote: record.citation.value_not_in_quote,
                        layer: new_quotable.as_ref().and_then(|quotable| {
                            super::layers::in_layer(
                                quotable,
                                new_derived.as_ref(),
                                anchor.range.start as u64..anchor.range.end as u64,
                            )
                        }),
                    };
                    item.range = Some((body.selector.start, body.selector.end));
                    let key = (
                        body.claim,
                        body.selector.start,
                        body.selector.end,
                        body.stance as u8,
                        body.value_not_in_quote,
                    );
                    let existing = match landed.get(&key) {
                        Some(id) => Some(*id),
                        None => super::live_duplicate_in(&self.index, &body)?,
                    };
                    match existing {
                        Some(to) => {
                            item.to = Some(to);
                            changes.push(drift(found.outcome, Some(to)));
                        }
                        None => {
                            let id = identity::citation_id(&body, actor, time);
                            landed.insert(key, id);
                            item.to = Some(id);
                            changes.push(Change::Cite {
                                citation: id,
                                carried: Some(Carried {
                                    from: record.id,
                                    doc: doc.to_string(),
                                    number,
                                    method: *method,
                                }),
                                body,
                            });
                        }
                    }
                }
                None => changes.push(drift(found.outcome, None)),
            }
            report.items.push(item);
        }
        Ok((changes, Some(report)))
    }

    /// Resolves a revision name: `SLUG@N`, `SLUG@latest`, `SLUG@-K` (K
    /// revisions before the latest) or `SLUG@DATE` (the revision current at
    /// that stated time). Returns None when `text` is not of that form.
    pub fn resolve_revision(&self, text: &str) -> Result<Option<RevisionRecord>, StoreError> {
        revision_named(&self.index, text, |seq| self.visible(seq))
    }
}

/// Resolves a revision name against the index, seeing only the revisions
/// whose entry `visible` accepts (`Store::resolve_revision`, `cite --batch`).
pub(super) fn revision_named(
    index: &crate::storage::index::Index,
    text: &str,
    visible: impl Fn(u64) -> bool,
) -> Result<Option<RevisionRecord>, StoreError> {
    let Some((doc, spec)) = text.split_once('@') else {
        // A bare slug names the document's latest revision; text that
        // could be an id (hex) stays an id.
        let hex = text.len() >= 4 && text.bytes().all(|byte| byte.is_ascii_hexdigit());
        if hex || super::check_slug(text).is_err() {
            return Ok(None);
        }
        let docs = index.documents()?;
        if docs.iter().any(|doc| doc == text) {
            return revision_named(index, &format!("{text}@latest"), visible);
        }
        // Not a document: said so when one is near, else read as an id.
        return match super::resolve::nearest(text, &docs) {
            Some(near) => Err(StoreError::UnknownDocument {
                doc: text.to_string(),
                near: Some(near),
            }),
            None => Ok(None),
        };
    };
    super::check_slug(doc).map_err(|_| StoreError::BadRevisionName {
        text: text.to_string(),
        why: format!("{doc:?} is not a document slug"),
    })?;
    let revisions: Vec<RevisionRecord> = index
        .revisions(doc)?
        .into_iter()
        .filter(|record| visible(record.seq))
        .collect();
    let Some(latest) = revisions.last() else {
        return Err(StoreError::UnknownDocument {
            doc: doc.to_string(),
            near: super::resolve::nearest(doc, &index.documents()?),
        });
    };
    let last = latest.revision.number;
    let bad = |why: String| StoreError::BadRevisionName {
        text: text.to_string(),
        why,
    };
    let number = if spec == "latest" {
        last
    } else if let Some(back) = spec.strip_prefix('-') {
        let back: u32 = back
            .parse()
            .map_err(|_| bad(format!("{spec:?} is not -K with K a whole number")))?;
        if back >= last {
            return Err(bad(format!(
                "{doc} has {last} revisions, so @-{back} is before the first; use @-0 to @-{}",
                last - 1
            )));
        }
        last - back
    } else if spec.bytes().all(|byte| byte.is_ascii_digit()) && !spec.is_empty() {
        let number: u32 = spec
            .parse()
            .map_err(|_| bad(format!("{spec:?} is too large")))?;
        if number == 0 || number > last {
            let hint = if number >= 1000 {
                format!(" (a name of all digits is a revision number; for the revision current in a year, write @{number}-12-31)")
            } else {
                String::new()
            };
            return Err(bad(format!(
                "{doc} has revisions 1 to {last}; there is no @{number}{hint}"
            )));
        }
        number
    } else {
        let when = crate::text::dates::parse_when(spec).map_err(|error| {
            bad(format!(
                "after @ give a revision number, latest, -K or a date ({error})"
            ))
        })?;
        let bound = when.latest_instant();
        let mut current: Option<u32> = None;
        let mut undated = 0;
        for record in &revisions {
            let stated = record
                .revision
                .updated
                .as_ref()
                .or(record.revision.published.as_ref());
            match stated {
                Some(stated) if stated.earliest_instant() <= bound => {
                    current = Some(record.revision.number)
                }
                Some(_) => {}
                None => undated += 1,
            }
        }
        current.ok_or_else(|| {
            bad(if undated == revisions.len() {
                format!(
                    "no revision of {doc} states a publication or update time; name one by number"
                )
            } else {
                format!("no revision of {doc} was stated as published by {spec}")
            })
        })?
    };
    Ok(revisions
        .into_iter()
        .find(|record| record.revision.number == number))
}

impl Store {
    /// What each revision of `doc` did to the citations of the one before.
    pub fn revision_log(&self, doc: &str) -> Result<Vec<RevisionEntry>, StoreError> {
        let revisions = self.revisions(doc)?;
        let mut counts: HashMap<u32, Vec<Outcome>> = HashMap::new();
        for (number, record) in self.index.drift(doc, None)? {
            if self.visible(record.seq) {
                counts.entry(number).or_default().push(record.outcome);
            }
        }
        let mut first_with: HashMap<SourceId, u32> = HashMap::new();
        let mut out = Vec::new();
        let mut previous: Option<SourceId> = None;
        for record in revisions {
            let source = record.revision.source;
            let number = record.revision.number;
            let same_as = first_with.get(&source).copied();
            first_with.entry(source).or_insert(number);
            out.push(RevisionEntry {
                size: self.index.source(&source)?.map(|source| source.size),
                counts: OutcomeCounts::of(counts.remove(&number).unwrap_or_default()),
                same_bytes: previous == Some(source),
                same_as,
                record,
            });
            previous = Some(source);
        }
        Ok(out)
    }

    /// The drift reports of `doc`'s revisions (all, or one), as recorded when
    /// each revision was logged.
    pub fn drift_reports(
        &self,
        doc: &str,
        number: Option<u32>,
    ) -> Result<Vec<CarryReport>, StoreError> {
        let revisions = self.revisions(doc)?;
        if let Some(number) = number {
            if !revisions.iter().any(|r| r.revision.number == number) {
                return Err(StoreError::BadRevisionName {
                    text: format!("{doc}@{number}"),
                    why: format!("{doc} has revisions 1 to {}", revisions.len()),
                });
            }
        }
        let mut by_number: HashMap<u32, Vec<DriftRecord>> = HashMap::new();
        for (at, record) in self.index.drift(doc, number)? {
            if self.visible(record.seq) {
                by_number.entry(at).or_default().push(record);
            }
        }
        let mut out = Vec::new();
        for pair in revisions.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            if number.is_some_and(|number| number != after.revision.number) {
                continue;
            }
            let mut report = CarryReport {
                doc: doc.to_string(),
                number: after.revision.number,
                previous: Some(before.revision.source),
                same_bytes: before.revision.source == after.revision.source,
                skipped: None,
                items: Vec::new(),
            };
            let mut records = by_number.remove(&after.revision.number).unwrap_or_default();
            records.sort_by_key(|record| record.seq);
            for record in records {
                let Some(from) = self.index.citation(&record.citation)? else {
                    continue;
                };
                let range = match record.carried_to {
                    Some(to) => self
                        .index
                        .citation(&to)?
                        .map(|to| (to.citation.selector.start, to.citation.selector.end)),
                    None => None,
                };
                report.items.push(Followed {
                    claim: self.index.claim(&from.citation.claim)?,
                    outcome: record.outcome,
                    occurrences: record.occurrences,
                    to: record.carried_to,
                    range,
                    candidate: record.candidate,
                    value_change: record.value_change,
                    from,
                });
            }
            out.push(report);
        }
        Ok(out)
    }

    /// Compares two revisions (or any two text sources): the word diff, and
    /// what became in B of every live citation anchored in A.
    pub fn diff(&self, a: &str, b: &str) -> Result<DiffReport, StoreError> {
        let a_id = self.resolve_source(a)?;
        let b_id = self.resolve_source(b)?;
        let old = self.quotable(a_id)?.text;
        let new = self.quotable(b_id)?.text;
        let diff = carry::WordDiff::new(&old, &new);
        let citations = self.live_citations(&a_id, false)?;
        let (found, claims) = self.follow(&old, &new, &citations)?;
        let items = citations
            .into_iter()
            .zip(found)
            .zip(claims)
            .map(|((from, found), claim)| Followed {
                claim,
                outcome: found.outcome,
                occurrences: found.occurrences,
                to: None,
                range: found
                    .carry
                    .as_ref()
                    .map(|(_, anchor)| (anchor.range.start as u64, anchor.range.end as u64)),
                candidate: found.candidate,
                value_change: found.value_change,
                from,
            })
            .collect();
        Ok(DiffReport {
            a: (a.to_string(), a_id),
            b: (b.to_string(), b_id),
            old,
            new,
            runs: diff.runs,
            complete: diff.complete,
            items,
        })
    }

    /// Records that citation `old` is superseded by citation `by`: `by` is
    /// preferred from now on, and `old` stays as history with the reason.
    pub fn supersede(
        &mut self,
        old: &str,
        by: &str,
        reason: &str,
        actor: &str,
    ) -> Result<(CitationId, CitationId), StoreError> {
        self.writable()?;
        let reason = crate::text::normalize::tidy(reason);
        if reason.is_empty() {
            return Err(StoreError::BadText {
                field: Field::Reason,
                why: "is empty; say why the newer citation is preferred".into(),
            });
        }
        super::check_text(Field::Reason, &reason, 64 * 1024)?;
        let old_id = self.resolve_citation(old)?;
        let by_id = self.resolve_citation(by)?;
        if old_id == by_id {
            return Err(StoreError::BadText {
                field: Field::By,
                why: "names the citation being superseded; give the newer citation".into(),
            });
        }
        for id in [old_id, by_id] {
            if let Some(retraction) = self.index.retraction(&id)? {
                return Err(StoreError::AlreadyRetracted {
                    citation: id,
                    time: retraction.time,
                    reason: retraction.reason,
                });
            }
        }
        if let Rank::History(existing) = self.rank(&old_id)? {
            if existing.by == by_id {
                return Err(StoreError::BadText {
                    field: Field::By,
                    why: format!(
                        "citation {} is already superseded by {} ({}); nothing to do",
                        old_id.short(),
                        by_id.short(),
                        existing.reason
                    ),
                });
            }
        }
        self.commit(
            actor,
            &super::now_rfc3339(),
            vec![Change::Supersede {
                citation: old_id,
                by: by_id,
                reason,
            }],
        )?;
        Ok((old_id, by_id))
    }

    /// The drift findings about one citation: what the revision after each
    /// of its source's `revisions` did to it. Used by `trace`.
    pub fn drift_of(
        &self,
        record: &CitationRecord,
        revisions: &[(String, u32)],
    ) -> Result<Vec<(String, u32, DriftRecord)>, StoreError> {
        let mut out = Vec::new();
        for (doc, number) in revisions {
            if let Some(drift) = self.index.drift_of(doc, number + 1, &record.id)? {
                if self.visible(drift.seq) {
                    out.push((doc.clone(), number + 1, drift));
                }
            }
        }
        Ok(out)
    }
}
