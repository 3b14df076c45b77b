//! `search`: the search index brought up to the journal, then queried. The
//! index (`search/` in the store, tantivy) is derived: built from the
//! journal's entries on first use, caught up from the entry it last held on
//! every search, and rebuilt whenever it is missing, unreadable, of another
//! version or marks a line this journal does not hold. A store that cannot
//! be written gets a scratch index for the one search. Every hit's text is
//! read again from the store, and a source's bytes are rehashed before its
//! text is shown.

use std::path::Path;

use super::{Store, StoreError};
use crate::identity;
use crate::model::{Change, Entry, SourceId};
use crate::search::{Answer, DocKind, Hit, Mark, SearchDoc, SearchError, SearchIndex, Snippet};
use crate::storage::objects::ObjectError;
use crate::tempdir::PrivateDir;

/// The folder of the search index in a store.
pub const SEARCH_DIR: &str = "search";

/// A hit with what the store says of it now.
#[derive(Debug, Clone)]
pub struct FoundHit {
    /// The hit.
    pub hit: Hit,
    /// The passage that matched, from the text as the store holds it.
    pub snippet: Option<Snippet>,
    /// For a source: whether its bytes still hash to its id (None: missing).
    pub intact: Option<bool>,
    /// For a quote: its claim's line and id, its source, and whether it was retracted.
    pub quote: Option<QuoteHit>,
    /// For a source: the documents and revisions it is.
    pub revisions: Vec<(String, u32)>,
}

/// What a quote hit cites.
#[derive(Debug, Clone)]
pub struct QuoteHit {
    /// The claim cited.
    pub claim: String,
    /// Its line.
    pub claim_line: String,
    /// The source quoted.
    pub source: SourceId,
    /// True when the citation was retracted.
    pub retracted: bool,
}

/// What `search` found.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// The best hits, best first.
    pub hits: Vec<FoundHit>,
    /// How many documents match in all.
    pub total: usize,
    /// How many journal entries the index read to catch up (0: it was current).
    pub indexed_entries: u64,
    /// True when the index was built from the whole journal this time.
    pub rebuilt: bool,
}

impl From<SearchError> for StoreError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Query { .. } => StoreError::BadQuery {
                why: error.to_string(),
            },
            SearchError::Index(_) => StoreError::Io {
                action: "searching",
                path: Path::new(SEARCH_DIR).to_path_buf(),
                source: std::io::Error::other(error.to_string()),
            },
        }
    }
}

impl Store {
    /// Searches sources' text, quotes, claims and reviews for `query`;
    /// returns the best `limit` hits (only those recorded by the `--as-of`
    /// cut, when one is set).
    pub fn search(&mut self, query: &str, limit: usize) -> Result<SearchResults, StoreError> {
        // A query that does not read changes nothing, not even the index.
        SearchIndex::check_query(query)?;
        let scratch;
        let dir = if self.read_only {
            scratch = PrivateDir::create("search").map_err(|error| StoreError::Io {
                action: "creating a scratch search index",
                path: std::env::temp_dir(),
                source: error,
            })?;
            scratch.path().to_path_buf()
        } else {
            self.root.join(SEARCH_DIR)
        };
        // The index holds the journal's whole present: it is caught up as
        // the store stands, whatever --as-of this search answers for.
        let as_of = self.as_of.take();
        let caught_up = self.search_index(&dir, false);
        self.as_of = as_of;
        let (mut index, mut indexed_entries, mut rebuilt) = caught_up?;
        let answer = match index.search(query, limit, self.as_of) {
            Ok(answer) => answer,
            // An index that fails while answering is not trusted: built again once.
            Err(SearchError::Index(_)) => {
                let as_of = self.as_of.take();
                let again = self.search_index(&dir, true);
                self.as_of = as_of;
                (index, indexed_entries, rebuilt) = again?;
                index.search(query, limit, self.as_of)?
            }
            Err(error) => return Err(error.into()),
        };
        let mut found = Vec::with_capacity(answer.hits.len());
        for hit in &answer.hits {
            found.push(self.found_hit(&index, &answer, hit.clone())?);
        }
        Ok(SearchResults {
            hits: found,
            total: answer.total,
            indexed_entries,
            rebuilt,
        })
    }

    /// Opens the search index in `dir` and brings it up to the journal,
    /// building it anew when it cannot be trusted; returns it with how many
    /// entries were read and whether it was rebuilt.
    fn search_index(
        &self,
        dir: &Path,
        rebuild: bool,
    ) -> Result<(SearchIndex, u64, bool), StoreError> {
        let opened = (!rebuild)
            .then(|| SearchIndex::open(dir))
            .flatten()
            .and_then(|(index, mark)| {
                let mark = mark?;
                // The marked line must be this journal's.
                let line = self.journal.line_at(mark.start).ok()?;
                let holds = line.hash().to_hex() == mark.line
                    && line.parse().ok().is_some_and(|entry| entry.seq == mark.seq);
                holds.then_some((index, mark))
            });
        let (index, from, rebuilt) = match opened {
            Some((index, mark)) => {
                let next = self.journal.line_at(mark.start)?.end();
                (index, next, false)
            }
            None => {
                // Whatever is there (a damaged index, a file, a dangling link) goes.
                super::open::remove_any(dir)?;
                std::fs::create_dir(dir)
                    .map_err(super::io_error("creating the search index", dir))?;
                (SearchIndex::create(dir)?, 0, true)
            }
        };
        if from >= self.journal.len() {
            return Ok((index, 0, rebuilt));
        }
        let mut writer = index.writer()?;
        let mut last: Option<Mark> = None;
        let mut read = 0;
        for line in self.journal.lines_from(from)? {
            let line = line?;
            let entry = line.parse()?;
            for doc in self.search_docs(&entry)? {
                writer.put(&doc)?;
            }
            read += 1;
            last = Some(Mark {
                seq: entry.seq,
                start: line.start,
                line: line.hash().to_hex(),
            });
        }
        if let Some(mark) = last {
            writer.commit(&mark)?;
        }
        Ok((index, read, rebuilt))
    }

    /// The search documents an entry makes or replaces.
    fn search_docs(&self, entry: &Entry) -> Result<Vec<SearchDoc>, StoreError> {
        Ok(match &entry.change {
            Change::AddSource { source, .. } => self.source_doc(source)?.into_iter().collect(),
            // A layer or a correction changes what a source's document says.
            Change::DeriveText(layer) => self.source_doc(&layer.source)?.into_iter().collect(),
            Change::Amend { source, .. } => self.source_doc(source)?.into_iter().collect(),
            Change::RecordClaim(claim) => vec![SearchDoc {
                kind: DocKind::Claim,
                id: claim.id.to_hex(),
                seq: entry.seq,
                title: claim.line(),
                text: String::new(),
            }],
            Change::Cite { citation, body, .. } => vec![SearchDoc {
                kind: DocKind::Quote,
                id: citation.to_hex(),
                seq: entry.seq,
                title: String::new(),
                text: body.selector.exact.clone(),
            }],
            Change::Review(review) => {
                let mut text: Vec<String> = review.claim_reviewed.clone();
                text.extend(review.title.clone());
                text.extend(review.authors.iter().filter_map(|agent| agent.name.clone()));
                text.extend(
                    review
                        .claimants
                        .iter()
                        .filter_map(|agent| agent.name.clone()),
                );
                text.extend(review.url.clone());
                vec![SearchDoc {
                    kind: DocKind::Review,
                    id: entry.seq.to_string(),
                    seq: entry.seq,
                    title: review.rating.label.clone().unwrap_or_default(),
                    text: text.join("\n"),
                }]
            }
            _ => Vec::new(),
        })
    }

    /// A source's document: its title, metadata and the text quotes are
    /// anchored in (none for a source provdb cannot quote or whose bytes
    /// are missing: `verify` reports those).
    fn source_doc(&self, id: &SourceId) -> Result<Option<SearchDoc>, StoreError> {
        let Some(record) = self.index.source(id)? else {
            return Ok(None);
        };
        let seq = record.seq;
        let record = self.source_seen(record)?;
        let meta = &record.meta;
        let title = meta
            .title
            .clone()
            .or_else(|| record.name.clone())
            .unwrap_or_default();
        let mut text: Vec<String> = meta.authors.clone();
        text.extend(meta.publisher.clone());
        text.extend(meta.url.clone());
        text.extend(meta.note.clone());
        // A source provdb cannot quote, or whose bytes are missing, damaged
        // or not a regular file, is indexed by its metadata alone (`verify`
        // reports the damage); an error reading the disk stops the search.
        match self.quotable(*id) {
            Ok(quotable) => text.push(quotable.text),
            Err(StoreError::NotText { .. }) | Err(StoreError::ObjectDamaged { .. }) => {}
            Err(StoreError::Objects(error)) if object_unusable(&error) => {}
            Err(error) => return Err(error),
        }
        Ok(Some(SearchDoc {
            kind: DocKind::Source,
            id: id.to_hex(),
            seq,
            title,
            text: text.join("\n"),
        }))
    }

    /// What the store says now of a hit, with its snippet: every text shown
    /// is read again from the store, never from the search index.
    fn found_hit(
        &self,
        index: &SearchIndex,
        answer: &Answer,
        hit: Hit,
    ) -> Result<FoundHit, StoreError> {
        let mut found = FoundHit {
            snippet: None,
            intact: None,
            quote: None,
            revisions: Vec::new(),
            hit,
        };
        match found.hit.kind {
            DocKind::Source => {
                let id = self.resolve_source(&found.hit.id)?;
                found.revisions = self.visible_revisions_of(&id)?;
                if let Some(record) = self.source_record(&id)? {
                    found.hit.title = record
                        .meta
                        .title
                        .clone()
                        .or(record.name.clone())
                        .unwrap_or_default();
                }
                let (intact, text) = self.checked_text(&id)?;
                found.intact = intact;
                if let Some(text) = text {
                    found.snippet = Some(index.snippet(answer, &text)?);
                }
            }
            DocKind::Quote => {
                let id = self.resolve_citation(&found.hit.id)?;
                if let Some(record) = self.index.citation(&id)? {
                    let claim = self.index.claim(&record.citation.claim)?;
                    found.intact = self.checked_text(&record.citation.source)?.0;
                    found.snippet = Some(index.snippet(answer, &record.citation.selector.exact)?);
                    found.quote = Some(QuoteHit {
                        claim: record.citation.claim.to_hex(),
                        claim_line: claim.map(|claim| claim.claim.line()).unwrap_or_default(),
                        source: record.citation.source,
                        retracted: self.is_retracted(&id)?,
                    });
                }
            }
            DocKind::Claim => {
                let id = self.resolve_claim(&found.hit.id)?;
                if let Some(record) = self.index.claim(&id)? {
                    found.hit.title = record.claim.line();
                    found.snippet = Some(index.snippet(answer, &found.hit.title)?);
                }
            }
            DocKind::Review => {
                let seq: u64 = found.hit.id.parse().unwrap_or_default();
                if let Some(record) = self
                    .reviews(None)?
                    .into_iter()
                    .find(|record| record.seq == seq)
                {
                    found.hit.title = record.review.rating.label.clone().unwrap_or_default();
                }
            }
        }
        Ok(found)
    }

    /// Whether a source's bytes still hash to its id (None: missing), and
    /// its quotable text when they do and its text layer hashes right too.
    fn checked_text(&self, id: &SourceId) -> Result<(Option<bool>, Option<String>), StoreError> {
        let bytes = match self.objects.read(id) {
            Ok(bytes) => bytes,
            Err(ObjectError::Missing { .. }) => return Ok((None, None)),
            Err(error) if object_unusable(&error) => return Ok((Some(false), None)),
            Err(error) => return Err(error.into()),
        };
        if identity::source_id(&bytes) != *id {
            return Ok((Some(false), None));
        }
        match self.quotable(*id) {
            Ok(quotable) => {
                let layer_sound = quotable.layer.is_none()
                    || identity::source_id(quotable.text.as_bytes()) == quotable.object;
                if layer_sound {
                    Ok((Some(true), Some(quotable.text)))
                } else {
                    Ok((Some(false), None))
                }
            }
            Err(StoreError::NotText { .. }) => Ok((Some(true), None)),
            Err(StoreError::ObjectDamaged { .. }) => Ok((Some(false), None)),
            Err(StoreError::Objects(ObjectError::Missing { .. })) => Ok((Some(false), None)),
            Err(StoreError::Objects(error)) if object_unusable(&error) => Ok((Some(false), None)),
            Err(error) => Err(error),
        }
    }
}

/// True for an object that is missing or not a regular file (a link, a
/// FIFO): damage `verify` reports, not a reason to stop.
fn object_unusable(error: &ObjectError) -> bool {
    match error {
        ObjectError::Missing { .. } => true,
        ObjectError::Io { source, .. } => source.kind() == std::io::ErrorKind::InvalidData,
    }
}
