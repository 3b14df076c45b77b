//! The queries: `trace`, `claims`, `conflicts`, `sources`, `show`, `cat` and the journal's entries.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use crate::identity;
use crate::model::{
    CitationId, ClaimId, Entry, IdKind, Retraction, SourceId, SourceRecord, Stance, Value, When,
};
use crate::spool::{Runs, SpoolError, RUNS_HELD_BYTES};
use crate::storage::index::{self, CitationPointer, CitationRecord, ClaimRecord, RevisionRecord};
use crate::storage::objects::ObjectError;
use crate::text::anchor::{self, AnchorCheck};
use crate::text::extent::{self, Relation};
use crate::text::normalize::identity_key;
use crate::text::stated;
use crate::text::values;

use super::{io_error, Rank, Store, StoreError};

/// A citation with everything `trace` shows about it.
#[derive(Debug, Clone)]
pub struct TracedCitation {
    /// The citation.
    pub record: CitationRecord,
    /// Its retraction, if any.
    pub retraction: Option<Retraction>,
    /// The source's record.
    pub source: Option<SourceRecord>,
    /// The documents and revisions the source belongs to.
    pub revisions: Vec<(String, u32)>,
    /// Whether the source's bytes still hash to its id (None: object missing).
    pub source_intact: Option<bool>,
    /// Whether the quote still sits at its range.
    pub anchor: AnchorCheck,
    /// The quote in a line of surrounding text.
    pub context: Option<String>,
    /// Preferred, or kept as history after a newer citation superseded it.
    pub rank: Rank,
    /// For a quote in a PDF whose layer keeps the pages' own labels: the
    /// label of each page it lies on; else (or when one of them has none)
    /// empty.
    pub page_labels: Vec<String>,
    /// What the next revision of its document did to it.
    pub drift: Vec<(String, u32, index::DriftRecord)>,
}

/// Everything `trace` reports about a claim.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The claim.
    pub claim: ClaimRecord,
    /// Its citations, oldest first.
    pub citations: Vec<TracedCitation>,
    /// The other claims on the same subject and property.
    pub others: Vec<ClaimRecord>,
    /// Reviews of the claim, in journal order.
    pub reviews: Vec<crate::storage::index::ReviewRecord>,
}

/// A claim with its citation counts.
#[derive(Debug, Clone)]
pub struct ClaimSummary {
    /// The claim.
    pub record: ClaimRecord,
    /// Citations not retracted.
    pub live: usize,
    /// Citations retracted.
    pub retracted: usize,
}

/// Every claim's citations and retracted citations, counted without
/// reading their lines (`Store::claim_counts`).
struct ClaimCounts {
    all: crate::storage::index::ClaimCitationCounts,
    retracted: HashMap<ClaimId, usize>,
}

/// Filters for `claims`.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    /// Subject, compared by identity key.
    pub subject: Option<String>,
    /// Property, compared by identity key.
    pub property: Option<String>,
    /// Only claims cited in this source (id or prefix).
    pub source: Option<String>,
    /// Only claims with this value.
    pub value: Option<String>,
}

/// One side of a conflict: a claim and the sources whose live citations support it.
#[derive(Debug, Clone)]
pub struct ConflictSide {
    /// The claim.
    pub claim: ClaimRecord,
    /// The supporting sources.
    pub sources: Vec<SourceRecord>,
    /// The document revisions those sources are.
    pub revisions: Vec<(String, u32)>,
    /// Values that later revisions state in place of this claim's, found
    /// when they were logged (not cited, not recorded as claims).
    pub reported: Vec<ReportedValue>,
}

/// A value a revision states where an earlier revision's quote stated a
/// cited claim's value.
#[derive(Debug, Clone)]
pub struct ReportedValue {
    /// The value now stated.
    pub value: String,
    /// The document.
    pub doc: String,
    /// The revision that states it.
    pub number: u32,
    /// That revision's source.
    pub source: SourceId,
    /// The passage that states it.
    pub passage: String,
    /// The citation of the previous revision it replaced.
    pub citation: CitationId,
}

/// How the values of a subject and property stand to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Some two values cannot both hold, or a later revision states
    /// another value where a cited one stood.
    Conflict,
    /// Every two values can both hold: they agree, at different precision
    /// or within each other's bounds.
    Agree,
    /// None conflicts, but some two cannot be compared (different kinds of
    /// value, or quantities in different units).
    NotCompared,
}

impl Standing {
    /// The word used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Standing::Conflict => "conflict",
            Standing::Agree => "agree",
            Standing::NotCompared => "not_compared",
        }
    }
}

/// A subject and property with more than one supported value at the same
/// `as_of`, and how they stand.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The subject, as first written.
    pub subject: String,
    /// The property, as first written.
    pub property: String,
    /// The `as_of` shared by the sides.
    pub as_of: Option<When>,
    /// The sides.
    pub sides: Vec<ConflictSide>,
    /// Whether the values conflict, agree or cannot be compared.
    pub standing: Standing,
    /// The pairs of sides (indexes into `sides`) that cannot both hold.
    pub pairs: Vec<(usize, usize)>,
    /// The latest mark of this subject, property and `as_of` as reviewed.
    pub review: Option<super::ReviewMark>,
}

/// True when a value a revision states as text can hold beside the claim's.
fn agrees_with(claim: &crate::model::Claim, stated: &str) -> bool {
    let unit = claim.qualifiers.unit.as_deref();
    let Ok(read) = stated::read_stated(Some(claim.value.kind()), stated, unit) else {
        return false;
    };
    let mut other = claim.clone();
    other.value = read.value;
    other.qualifiers.bound = read.bound.unwrap_or_default();
    other.qualifiers.upper = read.upper;
    extent::relation(claim, &other) == Relation::Agree
}

/// Sorts sides into a conflict, an agreement or values not compared.
fn standing_of(sides: Vec<ConflictSide>) -> Conflict {
    let mut pairs = Vec::new();
    let mut incomparable = false;
    for (first, a) in sides.iter().enumerate() {
        for (offset, b) in sides[first + 1..].iter().enumerate() {
            match extent::relation(&a.claim.claim, &b.claim.claim) {
                Relation::Conflict => pairs.push((first, first + 1 + offset)),
                Relation::Incomparable => incomparable = true,
                Relation::Agree => {}
            }
        }
    }
    let standing = if !pairs.is_empty() || sides.iter().any(|side| !side.reported.is_empty()) {
        Standing::Conflict
    } else if incomparable {
        Standing::NotCompared
    } else {
        Standing::Agree
    };
    let first = &sides[0].claim.claim;
    Conflict {
        subject: first.subject.clone(),
        property: first.property.clone(),
        as_of: first.qualifiers.as_of.clone(),
        standing,
        pairs,
        sides,
        review: None,
    }
}

/// A source with the documents and revisions it belongs to and its citation count.
pub type SourceListing = (SourceRecord, Vec<(String, u32)>, usize);

/// A record `show` can display.
#[derive(Debug, Clone)]
pub enum Shown {
    /// A source, with its revisions and citation count.
    Source(SourceRecord, Vec<(String, u32)>, usize),
    /// A claim, traced.
    Claim(Box<Trace>),
    /// A citation.
    Citation(Box<TracedCitation>, Option<ClaimRecord>),
}

/// Returns true when a claim's value matches a filter string.
pub(super) fn value_matches(value: &Value, wanted: &str) -> bool {
    match value {
        Value::Count { count } => values::parse_count(wanted)
            .map(|wanted| wanted == *count)
            .unwrap_or(false),
        Value::Quantity { amount } => values::parse_quantity(wanted)
            .map(|wanted| wanted == *amount)
            .unwrap_or(false),
        Value::Date { date } => crate::text::dates::parse_when(wanted)
            .map(|wanted| wanted == *date)
            .unwrap_or(false),
        Value::Text { text } => identity_key(text) == identity_key(wanted),
    }
}

/// What `Store::traced` reads once per source for the citations of one
/// command: each object's bytes and whether they hash to its id, and each
/// source's record.
#[derive(Debug, Default)]
pub(super) struct TraceCache {
    objects: HashMap<SourceId, Option<(bool, Vec<u8>)>>,
    sources: SourceRecords,
}

/// Source records already read by one command, each read once from its
/// journal line (`Store::source_once`).
pub(super) type SourceRecords = HashMap<SourceId, Option<SourceRecord>>;

impl Store {
    /// Returns a source's record as a reader sees it (`source_record`),
    /// reading it only if `read` does not hold it yet.
    pub(super) fn source_once(
        &self,
        id: &SourceId,
        read: &mut SourceRecords,
    ) -> Result<Option<SourceRecord>, StoreError> {
        if let Some(record) = read.get(id) {
            return Ok(record.clone());
        }
        let record = self.source_record(id)?;
        read.insert(*id, record.clone());
        Ok(record)
    }

    pub(super) fn traced(
        &self,
        record: CitationRecord,
        cache: &mut TraceCache,
    ) -> Result<TracedCitation, StoreError> {
        let source_id = record.citation.source;
        // The bytes the range indexes: the text layer's, or the source's.
        let quoted = record.citation.quoted_object();
        let source = self.source_once(&source_id, &mut cache.sources)?;
        let cache = &mut cache.objects;
        for object in [source_id, quoted] {
            if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(object) {
                let loaded = match self.objects.read(&object) {
                    Ok(bytes) => Some((identity::source_id(&bytes) == object, bytes)),
                    Err(ObjectError::Missing { .. }) => None,
                    Err(error) => return Err(error.into()),
                };
                slot.insert(loaded);
            }
        }
        let source_sound = cache
            .get(&source_id)
            .and_then(Option::as_ref)
            .map(|(intact, _)| *intact);
        let loaded = cache
            .get(&quoted)
            .and_then(Option::as_ref)
            .map(|(intact, bytes)| (*intact && source_sound == Some(true), bytes));
        let selector = &record.citation.selector;
        let (source_intact, anchor_check, context) = match loaded {
            None => (None, AnchorCheck::OutOfRange, None),
            Some((intact, bytes)) => {
                let intact = &intact;
                let check = anchor::check_anchor(
                    bytes,
                    &selector.exact,
                    &selector.prefix,
                    &selector.suffix,
                    selector.start,
                    selector.end,
                );
                let context = std::str::from_utf8(bytes).ok().and_then(|text| {
                    let range = usize::try_from(selector.start).ok()?
                        ..usize::try_from(selector.end).ok()?;
                    (range.end <= text.len()
                        && text.is_char_boundary(range.start)
                        && text.is_char_boundary(range.end))
                    .then(|| anchor::context_line(text, range, 60))
                });
                (Some(*intact), check, context)
            }
        };
        let revisions = self.visible_revisions_of(&source_id)?;
        let mut page_labels = Vec::new();
        if let Some(layer) = record
            .citation
            .layer
            .as_ref()
            .filter(|layer| !layer.pages.is_empty())
        {
            let ranges = self
                .index
                .layers_of(&source_id)?
                .into_iter()
                .find(|known| known.layer.layer == layer.object)
                .and_then(|known| {
                    known
                        .layer
                        .params
                        .get(crate::extract::labels::PARAM)
                        .and_then(|param| crate::extract::labels::from_param(param))
                })
                .unwrap_or_default();
            // Shown only when every page of the quote has a label (a page
            // before the PDF's first range has none).
            page_labels = layer
                .pages
                .iter()
                .map(|page| crate::extract::labels::label(&ranges, *page))
                .collect::<Option<Vec<String>>>()
                .unwrap_or_default();
        }
        Ok(TracedCitation {
            page_labels,
            retraction: self
                .index
                .retraction(&record.id)?
                .filter(|retraction| self.visible(retraction.seq)),
            source,
            rank: self.rank(&record.id)?,
            drift: self.drift_of(&record, &revisions)?,
            revisions,
            source_intact,
            anchor: anchor_check,
            context,
            record,
        })
    }

    /// Returns a claim's citations with their sources, checks and context, and the rival values.
    pub fn trace(&self, claim_text: &str) -> Result<Trace, StoreError> {
        let claim_id = self.resolve_claim(claim_text)?;
        self.trace_id(claim_id)
    }

    pub(super) fn trace_id(&self, claim_id: ClaimId) -> Result<Trace, StoreError> {
        let claim = self
            .index
            .claim(&claim_id)?
            .ok_or_else(|| StoreError::UnknownId {
                text: claim_id.to_hex(),
            })?;
        if !self.visible(claim.seq) {
            return Err(StoreError::NotYetRecorded {
                what: format!("claim {}", claim_id.short()),
                recorded: claim.recorded,
            });
        }
        let mut cache = TraceCache::default();
        let mut citations = Vec::new();
        for record in self.index.citations_of_claim(&claim_id)? {
            if self.visible(record.seq) {
                citations.push(self.traced(record, &mut cache)?);
            }
        }
        citations.sort_by_key(|item| item.record.seq);
        let mut others = Vec::new();
        for (_, other) in self
            .index
            .claims_about(&claim.claim.subject, Some(&claim.claim.property))?
        {
            // Every other claim: one with the same number may still bound it
            // differently ("at least 600" beside 600) or count something else.
            if other.claim.id != claim_id && self.visible(other.seq) {
                others.push(other);
            }
        }
        Ok(Trace {
            reviews: self.reviews(Some(&claim_id))?,
            claim,
            citations,
            others,
        })
    }

    /// Returns claims matching the filter, with citation counts.
    pub fn claims(&self, filter: &ClaimFilter) -> Result<Vec<ClaimSummary>, StoreError> {
        let mut out = Vec::new();
        self.for_each_claim(filter, &mut |summary| {
            out.push(summary);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `visit` with each claim matching the filter, with its citation
    /// counts, in the order `claims` returns them. For the whole list, as it
    /// stands now, each claim's citations are counted from the postings and
    /// its retracted ones from the retractions, instead of reading every
    /// citation's line.
    pub fn for_each_claim(
        &self,
        filter: &ClaimFilter,
        visit: &mut dyn FnMut(ClaimSummary) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if filter.subject.is_none() && filter.source.is_none() {
            let counted = match self.as_of {
                None => Some(self.claim_counts()?),
                Some(_) => None,
            };
            return self.for_each_claim_record(RUNS_HELD_BYTES, &mut |record| match self.summary(
                record,
                filter,
                None,
                counted.as_ref(),
            )? {
                Some(summary) => visit(summary),
                None => Ok(()),
            });
        }
        let mut records: Vec<ClaimRecord> = Vec::new();
        if let Some(subject) = &filter.subject {
            for (_, record) in self
                .index
                .claims_about(subject, filter.property.as_deref())?
            {
                records.push(record);
            }
        } else if let Some(source) = &filter.source {
            let source_id = self.resolve_source(source)?;
            let mut ids: Vec<ClaimId> = Vec::new();
            for record in self.index.citations_of_source(&source_id)? {
                ids.push(record.citation.claim);
            }
            ids.sort();
            ids.dedup();
            for id in ids {
                if let Some(record) = self.index.claim(&id)? {
                    records.push(record);
                }
            }
        }
        let source_filter = match (&filter.source, &filter.subject) {
            (Some(source), Some(_)) => Some(self.resolve_source(source)?),
            _ => None,
        };
        for record in records {
            if let Some(summary) = self.summary(record, filter, source_filter, None)? {
                visit(summary)?;
            }
        }
        Ok(())
    }

    /// Calls `visit` with every claim the index holds, in order of subject
    /// and property (compared ignoring case and spacing), then id. Each
    /// bucket's claims are sorted as they are read and kept as their key, id
    /// and line (`Runs`: past a few MiB, in a temporary file), then merged and
    /// read again one at a time: it holds one bucket's places (a 256th of
    /// the claims) and a buffer a bucket, not every claim.
    /// Past `budget` bytes of keys and places (`spool::RUNS_HELD_BYTES` for
    /// the commands), they go to the temporary file.
    pub fn for_each_claim_record(
        &self,
        budget: usize,
        visit: &mut dyn FnMut(ClaimRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut runs = Runs::with_budget("claims", budget);
        for bucket in 0..=255 {
            let run = self
                .index
                .claim_places_in_bucket(bucket)?
                .into_iter()
                .map(|(mut key, id, pointer)| {
                    // The id ends the key too: claims of one grouping key
                    // come in id order, whichever bucket each is in. A
                    // grouping key is subject, 0, property, 0, and names
                    // hold no control character, so no key is a prefix of
                    // another and the id after it keeps the keys' order.
                    key.extend(id.as_bytes());
                    let mut value = id.as_bytes().to_vec();
                    value.extend(pointer.start.to_be_bytes());
                    value.extend(pointer.len.to_be_bytes());
                    (key, value)
                })
                .collect();
            runs.push_run(run).map_err(runs_error)?;
        }
        let sorted_in = runs.place();
        for entry in runs.sorted().map_err(runs_error)? {
            let (_, value) = entry.map_err(runs_error)?;
            let decode = |value: &[u8]| -> Option<(ClaimId, CitationPointer)> {
                let id: [u8; 32] = value.get(..32)?.try_into().ok()?;
                let start = u64::from_be_bytes(value.get(32..40)?.try_into().ok()?);
                let len = u32::from_be_bytes(value.get(40..44)?.try_into().ok()?);
                Some((ClaimId(id), CitationPointer { start, len }))
            };
            let (id, pointer) = decode(&value).ok_or_else(|| {
                runs_error(SpoolError {
                    place: sorted_in.clone(),
                    source: io::Error::new(io::ErrorKind::InvalidData, "an entry cut short"),
                })
            })?;
            visit(self.index.claim_at(pointer, &id)?)?;
        }
        Ok(())
    }

    /// Returns every claim's citations counted from the postings, and its
    /// retracted ones from the retractions.
    fn claim_counts(&self) -> Result<ClaimCounts, StoreError> {
        let all = self.index.claim_citation_counts()?;
        let mut retracted: HashMap<ClaimId, usize> = HashMap::new();
        for item in self.index.retractions() {
            let (citation, _) = item?;
            // A retraction of a citation the index does not hold names no
            // claim listed (`verify` reports it).
            if let Some(record) = self.index.citation(&citation)? {
                *retracted.entry(record.citation.claim).or_default() += 1;
            }
        }
        Ok(ClaimCounts { all, retracted })
    }

    /// Returns a claim's summary, or None when the filter leaves it out:
    /// its property and value, what is visible, and with `source_filter`,
    /// whether a citation in that source names it. Counted from `counted`
    /// when given and it knows the claim, else from its citations' lines.
    fn summary(
        &self,
        record: ClaimRecord,
        filter: &ClaimFilter,
        source_filter: Option<SourceId>,
        counted: Option<&ClaimCounts>,
    ) -> Result<Option<ClaimSummary>, StoreError> {
        let id = record.claim.id;
        if !self.visible(record.seq) {
            return Ok(None);
        }
        if let Some(property) = filter.property.as_deref() {
            if identity_key(&record.claim.property) != identity_key(property) {
                return Ok(None);
            }
        }
        if let Some(wanted) = &filter.value {
            if !value_matches(&record.claim.value, wanted) {
                return Ok(None);
            }
        }
        if let Some(counts) = counted {
            if let Some(all) = counts.all.of(&id) {
                let retracted = counts.retracted.get(&id).copied().unwrap_or(0);
                let live = all.checked_sub(retracted).ok_or_else(|| StoreError::Damaged {
                    what: format!("the index holds {all} citations of claim {id} but {retracted} retractions of them; run `provdb reindex`"),
                })?;
                return Ok(Some(ClaimSummary {
                    record,
                    live,
                    retracted,
                }));
            }
        }
        let mut live = 0;
        let mut retracted = 0;
        let mut in_source = source_filter.is_none();
        for citation in self.index.citations_of_claim(&id)? {
            if !self.visible(citation.seq) {
                continue;
            }
            if let Some(source) = source_filter {
                in_source |= citation.citation.source == source;
            }
            if self.is_retracted(&citation.id)? {
                retracted += 1;
            } else {
                live += 1;
            }
        }
        Ok(in_source.then_some(ClaimSummary {
            record,
            live,
            retracted,
        }))
    }

    /// Returns every subject and property with more than one value among live supporting citations.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let reported = self.reported_values()?;
        // Claims are read a 256th at a time (a subject and property always
        // fall in one bucket), grouped by key, and the conflicts put in key
        // order at the end.
        let mut found: Vec<(Vec<u8>, Vec<Conflict>)> = Vec::new();
        for bucket in 0..=255u8 {
            let claims = self.index.claims_in_bucket(bucket)?;
            for group in claims.chunk_by(|a, b| a.0 == b.0) {
                let records: Vec<&ClaimRecord> = group.iter().map(|(_, record)| record).collect();
                if records.len() >= 2
                    || records
                        .iter()
                        .any(|record| reported.contains_key(&record.claim.id))
                {
                    let mut conflicts = Vec::new();
                    self.conflicts_in(&records, &reported, &mut conflicts)?;
                    if !conflicts.is_empty() {
                        found.push((group[0].0.clone(), conflicts));
                    }
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<Conflict> = found
            .into_iter()
            .flat_map(|(_, conflicts)| conflicts)
            .collect();
        let marks = self.review_marks()?;
        for conflict in &mut out {
            conflict.review = Store::mark_of(&marks, conflict);
        }
        Ok(out)
    }

    /// The values later revisions state instead of a cited claim's, by claim:
    /// drift findings whose closest passage states another value.
    pub(super) fn reported_values(
        &self,
    ) -> Result<HashMap<ClaimId, Vec<ReportedValue>>, StoreError> {
        let mut out: HashMap<ClaimId, Vec<ReportedValue>> = HashMap::new();
        for item in self.index.all_drift() {
            let (doc, number, record) = item?;
            if !self.visible(record.seq) {
                continue;
            }
            let (Some(change), Some(candidate)) = (&record.value_change, &record.candidate) else {
                continue;
            };
            let Some(value) = &change.to else { continue };
            let Some(cited) = self.index.citation(&record.citation)? else {
                continue;
            };
            // Resolved once the citation it replaced is superseded (the
            // later value cited in its place) or retracted.
            if self.is_retracted(&record.citation)?
                || matches!(self.rank(&record.citation)?, Rank::History(_))
            {
                continue;
            }
            let Some(revision) = self.index.revision(&doc, number)? else {
                continue;
            };
            out.entry(cited.citation.claim)
                .or_default()
                .push(ReportedValue {
                    value: value.clone(),
                    doc,
                    number,
                    source: revision.revision.source,
                    passage: candidate.exact.clone(),
                    citation: record.citation,
                });
        }
        Ok(out)
    }

    pub(super) fn conflicts_in(
        &self,
        group: &[&ClaimRecord],
        reported: &HashMap<ClaimId, Vec<ReportedValue>>,
        out: &mut Vec<Conflict>,
    ) -> Result<(), StoreError> {
        let mut by_as_of: BTreeMap<String, Vec<ConflictSide>> = BTreeMap::new();
        let mut read = SourceRecords::new();
        for &claim in group {
            let id = &claim.claim.id;
            if !self.visible(claim.seq) {
                continue;
            }
            let mut sources: Vec<SourceRecord> = Vec::new();
            for record in self.index.citations_of_claim(id)? {
                // A superseded citation is history: the newer one speaks.
                if !self.visible(record.seq)
                    || record.citation.stance != Stance::Supports
                    || self.is_retracted(&record.id)?
                    || matches!(self.rank(&record.id)?, Rank::History(_))
                {
                    continue;
                }
                if sources
                    .iter()
                    .any(|source| source.id == record.citation.source)
                {
                    continue;
                }
                if let Some(source) = self.source_once(&record.citation.source, &mut read)? {
                    sources.push(source);
                }
            }
            if !sources.is_empty() {
                let as_of = claim
                    .claim
                    .qualifiers
                    .as_of
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let mut revisions = Vec::new();
                for source in &sources {
                    revisions.extend(self.visible_revisions_of(&source.id)?);
                }
                revisions.sort();
                // A value a later revision states is reported only while it
                // cannot hold beside the claim's.
                let mut kept: Vec<ReportedValue> = Vec::new();
                for item in reported.get(id).into_iter().flatten() {
                    // A passage in a language written with decimal commas
                    // ("1.275") may still state the value read that way.
                    let commas = self
                        .source_once(&item.source, &mut read)?
                        .and_then(|record| record.meta.language)
                        .is_some_and(|tag| values::comma_decimal(&tag));
                    let still_stated = commas
                        && values::value_in_text(
                            &claim.claim.value,
                            &values::from_comma_decimal(&item.passage),
                        );
                    if !still_stated && !agrees_with(&claim.claim, &item.value) {
                        kept.push(item.clone());
                    }
                }
                let reported = kept;
                by_as_of.entry(as_of).or_default().push(ConflictSide {
                    claim: claim.clone(),
                    sources,
                    revisions,
                    reported,
                });
            }
        }
        for (_, sides) in by_as_of {
            if sides.len() >= 2 || sides.iter().any(|side| !side.reported.is_empty()) {
                out.push(standing_of(sides));
            }
        }
        Ok(())
    }

    /// Returns every source with its revisions and citation count, in the
    /// order they were recorded.
    pub fn sources(&self) -> Result<Vec<SourceListing>, StoreError> {
        let mut out = Vec::new();
        self.for_each_source(&mut |listing| {
            out.push(listing);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `visit` with every source, its revisions and citation count, in
    /// the order they were recorded, holding one source at a time (and
    /// about 56 bytes for each of the others: `Index::source_places_counted`).
    pub fn for_each_source(
        &self,
        visit: &mut dyn FnMut(SourceListing) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for (id, pointer, citations) in self.index.source_places_counted()? {
            let source = self.source_seen(self.index.source_at(pointer, &id)?)?;
            let revisions = self.index.revisions_of_source(&source.id)?;
            visit((source, revisions, citations))?;
        }
        Ok(())
    }

    /// Returns the revisions of a document.
    pub fn revisions(&self, doc: &str) -> Result<Vec<RevisionRecord>, StoreError> {
        let revisions = self.index.revisions(doc)?;
        if revisions.is_empty() {
            return Err(StoreError::UnknownDocument {
                doc: doc.to_string(),
                near: super::resolve::nearest(doc, &self.index.documents()?),
            });
        }
        Ok(revisions)
    }

    /// Calls `visit` with every journal entry in order.
    pub fn for_each_entry(
        &self,
        visit: &mut dyn FnMut(&Entry) -> io::Result<()>,
    ) -> Result<(), StoreError> {
        for line in self.journal.lines_from(0)? {
            let entry = line?.parse()?;
            visit(&entry).map_err(io_error("writing", Path::new("output")))?;
        }
        Ok(())
    }

    /// Returns a recorded source's bytes (unchecked; `cat` and `verify` check them).
    pub fn source_bytes(&self, id: &SourceId) -> Result<Vec<u8>, StoreError> {
        Ok(self.objects.read(id)?)
    }

    /// Streams a source's raw bytes to `out`, checking they still hash to the id.
    pub fn cat(&self, source: &str, out: &mut dyn Write) -> Result<SourceId, StoreError> {
        let id = self.resolve_source(source)?;
        let bytes = self.objects.read(&id)?;
        if identity::source_id(&bytes) != id {
            return Err(StoreError::ObjectDamaged {
                refusing: "refusing to print damaged object",
                path: self.objects.path_for(&id),
            });
        }
        out.write_all(&bytes)
            .map_err(io_error("writing", Path::new("standard output")))?;
        Ok(id)
    }

    /// Returns whatever record an id or prefix names.
    pub fn show(&self, text: &str) -> Result<Shown, StoreError> {
        let shown = self.show_any(text)?;
        let (what, seq, recorded) = match &shown {
            Shown::Source(record, ..) => ("source", record.seq, &record.recorded),
            Shown::Claim(trace) => ("claim", trace.claim.seq, &trace.claim.recorded),
            Shown::Citation(traced, _) => ("citation", traced.record.seq, &traced.record.recorded),
        };
        if !self.visible(seq) {
            return Err(StoreError::NotYetRecorded {
                what: format!("{what} {text}"),
                recorded: recorded.clone(),
            });
        }
        Ok(shown)
    }

    pub(super) fn show_any(&self, text: &str) -> Result<Shown, StoreError> {
        let (kind, id) = match self.resolve_revision(text)? {
            Some(record) => (IdKind::Source, record.revision.source.0),
            None => self.resolve(text)?,
        };
        match kind {
            IdKind::Source => {
                let source_id = SourceId(id);
                let record = self
                    .source_record(&source_id)?
                    .ok_or_else(|| StoreError::UnknownId { text: text.into() })?;
                let revisions = self.index.revisions_of_source(&source_id)?;
                let citations = self.index.count_citations_of_source(&source_id)?;
                Ok(Shown::Source(record, revisions, citations))
            }
            IdKind::Claim => Ok(Shown::Claim(Box::new(self.trace_id(ClaimId(id))?))),
            IdKind::Citation => {
                let record = self
                    .index
                    .citation(&CitationId(id))?
                    .ok_or_else(|| StoreError::UnknownId { text: text.into() })?;
                let claim = self.index.claim(&record.citation.claim)?;
                let mut cache = TraceCache::default();
                Ok(Shown::Citation(
                    Box::new(self.traced(record, &mut cache)?),
                    claim,
                ))
            }
        }
    }
}

/// Returns a failure of the temporary file a list of every claim is sorted
/// in as a `StoreError`.
fn runs_error(error: SpoolError) -> StoreError {
    StoreError::Io {
        action: "sorting the claims (nothing was changed; free space there, or set TMPDIR) in",
        path: error.place.into(),
        source: error.source,
    }
}
