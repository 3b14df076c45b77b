//! `cite` and `retract`: a quote anchored in a source as evidence for a claim, checked and
//! recorded; a citation withdrawn with its reason.

use crate::identity;
use crate::model::{
    Bound, Change, Citation, CitationId, Claim, ClaimId, Qualifiers, Selector, SourceId, Stance,
    Value, ValueKind,
};
use crate::storage::index::Index;
use crate::text::anchor;
use crate::text::dates::{parse_when, WhenError};
use crate::text::normalize::identity_key;
use crate::text::normalize::tidy;
use crate::text::stated::{hedge_in_quote, read_stated};
use crate::text::values::{self, ValueError};

use super::field::Field;
use super::{check_name, check_text, now_rfc3339, Store, StoreError};

/// What `retract` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retracted {
    /// The citation retracted.
    pub citation: CitationId,
    /// The copies carried from it into later revisions, retracted with it.
    pub carried: Vec<CitationId>,
}

/// A citation as a person gives it, on the command line or as a
/// `cite --batch` line: the value and time still as text. [`CiteFields::validate`]
/// turns it into a [`CiteRequest`], once, for both.
#[derive(Debug, Clone, Default)]
pub struct CiteFields {
    /// The source id, unique prefix or revision name.
    pub source: String,
    /// The exact quote.
    pub quote: String,
    /// What the claim is about.
    pub subject: String,
    /// What is claimed of it.
    pub property: String,
    /// The value as written.
    pub value: String,
    /// The kind of value; inferred when None.
    pub kind: Option<ValueKind>,
    /// The unit of a quantity, or what a count counts.
    pub unit: Option<String>,
    /// When the value holds, as written.
    pub as_of: Option<String>,
    /// How the source bounds the value, when given apart from it (`--bound`);
    /// None reads it from the value ("at least 600") or else from the quote.
    pub bound: Option<Bound>,
    /// How the source bears on the claim.
    pub stance: Stance,
    /// Which match, from 1.
    pub occurrence: Option<usize>,
    /// Context before the quote.
    pub prefix: Option<String>,
    /// Context after the quote.
    pub suffix: Option<String>,
    /// Record although the quote does not state the value.
    pub value_not_in_quote: bool,
    /// The language tag whose number conventions the value and quote
    /// follow ("de": "1.275", "12,5"); None: the source's language, else
    /// decimal points.
    pub locale: Option<String>,
}

/// Why the fields of a citation do not make a request.
#[derive(Debug, thiserror::Error)]
pub enum CiteInputError {
    /// The value does not read.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The as-of time does not read.
    #[error(transparent)]
    When(#[from] WhenError),
    /// Another failure of the checks, kept whole (none is known today).
    #[error(transparent)]
    Other(Box<StoreError>),
    /// A field is refused.
    #[error("{field} {why}")]
    Field {
        /// Which field.
        field: Field,
        /// What is wrong, with the fix.
        why: String,
    },
}

impl From<StoreError> for CiteInputError {
    /// The text checks report a field; anything else is kept as it is.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::BadText { field, why } => CiteInputError::Field { field, why },
            other => CiteInputError::Other(Box::new(other)),
        }
    }
}

impl CiteFields {
    /// Reads the value and time, and checks every field: names tidied and
    /// within bounds, the quote within bounds, the occurrence from 1.
    pub fn validate(self) -> Result<CiteRequest, CiteInputError> {
        if let Some(locale) = &self.locale {
            let tag_like = !locale.is_empty()
                && locale.len() <= 35
                && locale.split(['-', '_']).all(|part| {
                    (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !tag_like {
                return Err(CiteInputError::Field {
                    field: Field::Locale,
                    why: format!(
                        "{locale:?} is not a language tag; give one such as de, fr or en-GB"
                    ),
                });
            }
        }
        let comma = self.locale.as_deref().is_some_and(values::comma_decimal);
        let raw = self.locale.is_none().then(|| Box::new(self.clone()));
        let value_text = if comma {
            values::from_comma_decimal(&self.value)
        } else {
            self.value.clone()
        };
        // With no locale, a value that reads only with decimal commas
        // ("1.275" as a count) waits for the source's language, which
        // `localize_in` knows; the error stands if it is not one of those.
        let (stated, deferred) = match read_stated(self.kind, &value_text, self.unit.as_deref()) {
            Ok(stated) => (stated, None),
            Err(error) if self.locale.is_none() => {
                let commas = values::from_comma_decimal(&self.value);
                match read_stated(self.kind, &commas, self.unit.as_deref()) {
                    Ok(stated) if commas != self.value => (stated, Some(error)),
                    _ => return Err(error.into()),
                }
            }
            Err(error) => return Err(error.into()),
        };
        let bound = match (stated.bound, self.bound) {
            (Some(read), Some(given)) if read != given => {
                return Err(CiteInputError::Field {
                    field: Field::Bound,
                    why: format!(
                        "says {} but the value says {}; give one of them",
                        given.name(),
                        read.name()
                    ),
                })
            }
            (read, given) => read.or(given),
        };
        if bound == Some(Bound::Between) && stated.upper.is_none() {
            return Err(CiteInputError::Field {
                field: Field::Bound,
                why: "between needs a range as the value, e.g. \"600-700\" or \"between 600 and 700\"".into(),
            });
        }
        let unit = match (stated.noun.as_deref(), self.unit.as_deref()) {
            (Some(noun), Some(unit)) if identity_key(noun) != identity_key(unit) => {
                return Err(CiteInputError::Field {
                    field: Field::Unit,
                    why: format!(
                        "says {unit:?} but the value names {noun:?} after its number; give one of them"
                    ),
                })
            }
            (noun, unit) => unit.or(noun).map(str::to_string),
        };
        let as_of = self.as_of.as_deref().map(parse_when).transpose()?;
        if self.occurrence == Some(0) {
            return Err(CiteInputError::Field {
                field: Field::Occurrence,
                why: "counts from 1".into(),
            });
        }
        let subject = check_name(Field::Subject, &self.subject)?;
        let property = check_name(Field::Property, &self.property)?;
        let unit = unit
            .as_deref()
            .map(|unit| check_name(Field::Unit, unit))
            .transpose()?;
        check_text(Field::Quote, &self.quote, 64 * 1024)?;
        Ok(CiteRequest {
            source: self.source,
            quote: self.quote,
            prefix: self.prefix,
            suffix: self.suffix,
            occurrence: self.occurrence,
            subject,
            property,
            value: stated.value,
            bound_given: bound.is_some(),
            comma,
            raw,
            deferred,
            qualifiers: Qualifiers {
                as_of,
                unit,
                bound: bound.unwrap_or_default(),
                upper: stated.upper,
            },
            stance: self.stance,
            value_not_in_quote: self.value_not_in_quote,
        })
    }
}

/// What `cite` is asked to record: fields checked and read by
/// [`CiteFields::validate`], which is the only way to make one.
#[derive(Debug, Clone)]
pub struct CiteRequest {
    pub(super) source: String,
    pub(super) quote: String,
    pub(super) prefix: Option<String>,
    pub(super) suffix: Option<String>,
    pub(super) occurrence: Option<usize>,
    pub(super) subject: String,
    pub(super) property: String,
    pub(super) value: Value,
    /// False when neither the value nor a flag gave a bound: the quote's
    /// hedge, if it has one, is then recorded.
    pub(super) bound_given: bool,
    /// True when the value and quote are read with decimal commas.
    pub(super) comma: bool,
    /// The fields as given, when no locale was: read again with the
    /// source's language's conventions if they are decimal commas.
    pub(super) raw: Option<Box<CiteFields>>,
    /// Why the value does not read with decimal points, when it reads only
    /// with decimal commas: an error unless the source's language writes them.
    pub(super) deferred: Option<ValueError>,
    pub(super) qualifiers: Qualifiers,
    pub(super) stance: Stance,
    pub(super) value_not_in_quote: bool,
}

impl CiteRequest {
    /// The source as given: an id, a unique prefix or a revision name.
    pub fn source(&self) -> &str {
        &self.source
    }
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
    /// The hedge read from the quote and recorded ("about"), when the value
    /// was given plainly and the quote hedges it.
    pub hedge: Option<String>,
}

/// Reads a request again with decimal commas when no locale was given and
/// the source's language (as last corrected) writes them.
pub(super) fn localize_in(
    index: &Index,
    request: CiteRequest,
    source: &SourceId,
) -> Result<CiteRequest, StoreError> {
    if request.raw.is_none() {
        return Ok(request);
    }
    localize(request, source_language(index, source)?.as_deref())
}

/// Returns a source's language as last corrected, if it has one.
pub(super) fn source_language(
    index: &Index,
    source: &SourceId,
) -> Result<Option<String>, StoreError> {
    let mut language = index
        .source(source)?
        .and_then(|record| record.meta.language);
    if let Some(latest) = super::amend::latest_of(index.amendments_of(source)?) {
        language = latest.meta.language;
    }
    Ok(language)
}

/// Reads a request again with decimal commas when no locale was given and
/// `language`, the source's, writes them.
pub(super) fn localize(
    request: CiteRequest,
    language: Option<&str>,
) -> Result<CiteRequest, StoreError> {
    let Some(raw) = &request.raw else {
        return Ok(request);
    };
    match language {
        Some(tag) if values::comma_decimal(tag) => {
            let mut fields = (**raw).clone();
            fields.locale = Some(tag.to_string());
            fields.validate().map_err(|error| StoreError::BadText {
                field: Field::Value,
                why: format!(
                    "is read with the decimal commas of the source's language ({}), and then {}; to read it with decimal points, give the locale en",
                    tag,
                    error.message(&|field| field.name().to_string())
                ),
            })
        }
        _ => match &request.deferred {
            Some(error) => Err(unread_value(error)),
            None => Ok(request),
        },
    }
}

/// A value that reads only with decimal commas, for a source whose language
/// does not write them.
fn unread_value(error: &ValueError) -> StoreError {
    StoreError::BadText {
        field: Field::Value,
        why: format!(
            "does not read: {error}; if the source writes decimal commas (1.275 for 1275), give its locale, e.g. de"
        ),
    }
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PreparedCitation {
    /// The claim, with its id.
    pub claim: Claim,
    /// The citation's body.
    pub body: Citation,
    /// The hedge read from the quote and recorded, if any.
    pub hedge: Option<String>,
}

/// True when two citations are the same evidence: claim, source (and
/// layer), range, stance and flag.
pub(super) fn same_citation(a: &Citation, b: &Citation) -> bool {
    a.claim == b.claim
        && a.source == b.source
        && a.quoted_object() == b.quoted_object()
        && a.selector.start == b.selector.start
        && a.selector.end == b.selector.end
        && a.stance == b.stance
        && a.value_not_in_quote == b.value_not_in_quote
}

/// Anchors a request's quote in a source's text, checks that the quote states
/// the value, and builds the claim and citation. Every citation, single or in
/// a batch, passes through here.
pub fn prepare_citation(
    request: CiteRequest,
    source_id: SourceId,
    text: &str,
) -> Result<PreparedCitation, StoreError> {
    // The layer is set by the caller, which knows it (`Store::in_layer`).
    let CiteRequest {
        source: _,
        quote,
        prefix,
        suffix,
        occurrence,
        subject,
        property,
        value,
        bound_given,
        comma,
        raw: _,
        deferred,
        mut qualifiers,
        stance,
        value_not_in_quote,
    } = request;
    let found = anchor::anchor_quote(
        text,
        &quote,
        prefix.as_deref(),
        suffix.as_deref(),
        occurrence,
    )
    .map_err(|error| StoreError::Anchor { source_id, error })?;
    if let Some(error) = deferred {
        return Err(unread_value(&error));
    }
    // The quote as the value checks read it: with decimal commas rewritten.
    let said = if comma {
        values::from_comma_decimal(&found.exact)
    } else {
        found.exact.clone()
    };
    if !value_not_in_quote && !values::value_in_text(&value, &said) {
        return Err(StoreError::ValueNotInQuote {
            value: value.to_string(),
            quote: found.exact,
        });
    }
    if let (false, Some(upper)) = (value_not_in_quote, &qualifiers.upper) {
        let stated = values::parse_value(Some(value.kind()), upper, Some("-"))
            .is_ok_and(|upper| values::value_in_text(&upper, &said));
        if !stated {
            return Err(StoreError::ValueNotInQuote {
                value: upper.clone(),
                quote: found.exact,
            });
        }
    }
    let mut hedge = None;
    if !bound_given && !value_not_in_quote {
        if let Some((bound, words)) = hedge_in_quote(&value, &said) {
            qualifiers.bound = bound;
            hedge = Some(words);
        }
    }
    let claim_id = identity::claim_id(&subject, &property, &value, &qualifiers);
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
        stance,
        value_not_in_quote,
        layer: None,
    };
    Ok(PreparedCitation {
        claim: Claim {
            id: claim_id,
            subject,
            property,
            value,
            qualifiers,
        },
        body,
        hedge,
    })
}

impl Store {
    /// Anchors a quote in a source, checks that it states the value, and records the claim and citation.
    pub fn cite(&mut self, request: CiteRequest, actor: &str) -> Result<CiteOutcome, StoreError> {
        self.writable()?;
        let source_id = self.resolve_source(&request.source)?;
        let request = localize_in(&self.index, request, &source_id)?;
        let quotable = self.quotable(source_id)?;
        let mut prepared = prepare_citation(request, source_id, &quotable.text)?;
        let range = prepared.body.selector.start..prepared.body.selector.end;
        let derived = self.rederive(&quotable)?;
        prepared.body.layer = super::layers::in_layer(&quotable, derived.as_ref(), range);
        if let Some(existing) = self.live_duplicate(&prepared.body)? {
            return Ok(CiteOutcome {
                claim: prepared.claim.id,
                new_claim: false,
                citation: existing,
                new_citation: false,
                selector: prepared.body.selector,
                hedge: prepared.hedge,
            });
        }
        let claim_id = prepared.claim.id;
        let new_claim = !self.index.has_claim(&claim_id)?;
        let time = now_rfc3339();
        let citation_id = identity::citation_id(&prepared.body, actor, &time);
        let selector = prepared.body.selector.clone();
        let hedge = prepared.hedge.clone();
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
            hedge,
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
                field: Field::Reason,
                why: "is empty; say why the citation is retracted".into(),
            });
        }
        check_text(Field::Reason, &reason, 64 * 1024)?;
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
