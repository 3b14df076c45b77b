//! `cite` and `retract`: a quote anchored in a source as evidence for a claim, checked and
//! recorded; a citation withdrawn with its reason.

use crate::identity;
use crate::model::{
    Change, Citation, CitationId, Claim, ClaimId, Qualifiers, Selector, SourceId, Stance, Value,
};
use crate::storage::index::Index;
use crate::text::anchor;
use crate::text::normalize::tidy;
use crate::text::values;

use super::{check_name, check_text, now_rfc3339, source_text, Store, StoreError};

/// What `retract` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retracted {
    /// The citation retracted.
    pub citation: CitationId,
    /// The copies carried from it into later revisions, retracted with it.
    pub carried: Vec<CitationId>,
}

/// What `cite` is asked to record.
#[derive(Debug, Clone)]
pub struct CiteRequest {
    /// The source id or prefix.
    pub source: String,
    /// The exact quote.
    pub quote: String,
    /// Context before the quote, to pick one of several matches.
    pub prefix: Option<String>,
    /// Context after the quote.
    pub suffix: Option<String>,
    /// Which match, from 1.
    pub occurrence: Option<usize>,
    /// The subject.
    pub subject: String,
    /// The property.
    pub property: String,
    /// The value.
    pub value: Value,
    /// The qualifiers.
    pub qualifiers: Qualifiers,
    /// The stance.
    pub stance: Stance,
    /// Record even though the quote does not state the value.
    pub value_not_in_quote: bool,
}

/// What `cite` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CiteOutcome {
    /// The claim id.
    pub claim: ClaimId,
    /// True when the claim was first recorded by this citation.
    pub new_claim: bool,
    /// The citation id.
    pub citation: CitationId,
    /// False when an identical live citation already existed.
    pub new_citation: bool,
    /// The anchor.
    pub selector: Selector,
}

/// Returns the live citation identical to `body` (same claim, source,
/// range, stance and flag), if one is recorded: it is not recorded twice.
pub(super) fn live_duplicate_in(
    index: &Index,
    body: &Citation,
) -> Result<Option<CitationId>, StoreError> {
    for record in index.citations_of_claim(&body.claim)? {
        if same_citation(&record.citation, body) && index.retraction(&record.id)?.is_none() {
            return Ok(Some(record.id));
        }
    }
    Ok(None)
}

/// A citation checked and ready to record, with the claim it supports.
#[derive(Debug, Clone)]
pub struct PreparedCitation {
    /// The claim, with its id.
    pub claim: Claim,
    /// The citation's body.
    pub body: Citation,
}

/// True when two citations are the same evidence: claim, source, range, stance and flag.
pub(super) fn same_citation(a: &Citation, b: &Citation) -> bool {
    a.claim == b.claim
        && a.source == b.source
        && a.selector.start == b.selector.start
        && a.selector.end == b.selector.end
        && a.stance == b.stance
        && a.value_not_in_quote == b.value_not_in_quote
}

/// Checks a cite request's text arguments before any lookup.
pub(super) fn check_request(request: &CiteRequest) -> Result<(), StoreError> {
    check_name("--subject", &request.subject)?;
    check_name("--property", &request.property)?;
    if let Some(unit) = &request.qualifiers.unit {
        check_name("--unit", unit)?;
    }
    check_text("--quote", &request.quote, 64 * 1024)
}

/// Anchors a request's quote in a source's text, checks that the quote states
/// the value, and builds the claim and citation. Every citation, single or in
/// a batch, passes through here.
pub fn prepare_citation(
    request: CiteRequest,
    source_id: SourceId,
    text: &str,
) -> Result<PreparedCitation, StoreError> {
    let subject = check_name("--subject", &request.subject)?;
    let property = check_name("--property", &request.property)?;
    let mut qualifiers = request.qualifiers;
    if let Some(unit) = &qualifiers.unit {
        qualifiers.unit = Some(check_name("--unit", unit)?);
    }
    check_text("--quote", &request.quote, 64 * 1024)?;
    let found = anchor::anchor_quote(
        text,
        &request.quote,
        request.prefix.as_deref(),
        request.suffix.as_deref(),
        request.occurrence,
    )
    .map_err(|error| StoreError::Anchor { source_id, error })?;
    if !request.value_not_in_quote && !values::value_in_text(&request.value, &found.exact) {
        return Err(StoreError::ValueNotInQuote {
            value: request.value.to_string(),
            quote: found.exact,
        });
    }
    let claim_id = identity::claim_id(&subject, &property, &request.value, &qualifiers);
    let body = Citation {
        claim: claim_id,
        source: source_id,
        selector: Selector {
            exact: found.exact,
            prefix: found.prefix,
            suffix: found.suffix,
            start: found.range.start as u64,
            end: found.range.end as u64,
        },
        stance: request.stance,
        value_not_in_quote: request.value_not_in_quote,
    };
    Ok(PreparedCitation {
        claim: Claim {
            id: claim_id,
            subject,
            property,
            value: request.value,
            qualifiers,
        },
        body,
    })
}

impl Store {
    /// Anchors a quote in a source, checks that it states the value, and records the claim and citation.
    pub fn cite(&mut self, request: CiteRequest, actor: &str) -> Result<CiteOutcome, StoreError> {
        self.writable()?;
        check_request(&request)?;
        let source_id = self.resolve_source(&request.source)?;
        let bytes = self.objects.read(&source_id)?;
        let text = source_text(source_id, &bytes)?;
        let prepared = prepare_citation(request, source_id, text)?;
        if let Some(existing) = self.live_duplicate(&prepared.body)? {
            return Ok(CiteOutcome {
                claim: prepared.claim.id,
                new_claim: false,
                citation: existing,
                new_citation: false,
                selector: prepared.body.selector,
            });
        }
        let claim_id = prepared.claim.id;
        let new_claim = self.index.claim(&claim_id)?.is_none();
        let time = now_rfc3339();
        let citation_id = identity::citation_id(&prepared.body, actor, &time);
        let selector = prepared.body.selector.clone();
        let mut changes = Vec::new();
        if new_claim {
            changes.push(Change::RecordClaim(prepared.claim));
        }
        changes.push(Change::Cite {
            carried: None,
            citation: citation_id,
            body: prepared.body,
        });
        self.commit(actor, &time, changes)?;
        Ok(CiteOutcome {
            claim: claim_id,
            new_claim,
            citation: citation_id,
            new_citation: true,
            selector,
        })
    }

    /// Returns the live citation identical to `body`, if one is recorded.
    pub(super) fn live_duplicate(&self, body: &Citation) -> Result<Option<CitationId>, StoreError> {
        live_duplicate_in(&self.index, body)
    }

    /// Retracts a citation with a reason. Nothing is deleted.
    pub fn retract(
        &mut self,
        citation: &str,
        reason: &str,
        actor: &str,
    ) -> Result<Retracted, StoreError> {
        self.writable()?;
        let reason = tidy(reason);
        if reason.is_empty() {
            return Err(StoreError::BadText {
                field: "--reason",
                why: "is empty; say why the citation is retracted".into(),
            });
        }
        check_text("--reason", &reason, 64 * 1024)?;
        let id = self.resolve_citation(citation)?;
        if let Some(existing) = self.index.retraction(&id)? {
            return Err(StoreError::AlreadyRetracted {
                citation: id,
                time: existing.time,
                reason: existing.reason,
            });
        }
        // The retraction covers the citation's carried lineage: every copy
        // carried from it into later revisions (and carried on from those)
        // is retracted in the same command, so no revision carries it again.
        let mut changes = vec![Change::Retract {
            citation: id,
            reason: reason.clone(),
        }];
        let mut carried = Vec::new();
        let mut walked = Vec::new();
        let mut pending = vec![id];
        while let Some(from) = pending.pop() {
            for supersession in self.index.supersessions(&from)? {
                if supersession.citation != from {
                    continue;
                }
                let copy = supersession.by;
                let is_copy = self
                    .index
                    .citation(&copy)?
                    .and_then(|record| record.carried)
                    .is_some_and(|carry| carry.from == from);
                if !is_copy || walked.contains(&copy) {
                    continue;
                }
                walked.push(copy);
                // A copy retracted already is passed through, not retracted
                // again: copies carried on from it may still be live.
                pending.push(copy);
                if self.index.retraction(&copy)?.is_some() {
                    continue;
                }
                carried.push(copy);
                changes.push(Change::Retract {
                    citation: copy,
                    reason: format!("{reason} (with citation {id}, which it was carried from)"),
                });
            }
        }
        self.commit(actor, &now_rfc3339(), changes)?;
        Ok(Retracted {
            citation: id,
            carried,
        })
    }
}
