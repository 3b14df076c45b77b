//! Full-text search: a tantivy index of sources' text, quotes, claims and
//! reviews, derived from the journal like the sled index and rebuilt from it
//! whenever it is missing, unreadable, of another version or not of this
//! journal. This group owns the index's schema, its tokenizer (which reads
//! "1,275" as the one word 1275, so that a figure is found however its
//! thousands are grouped), writing documents and answering queries; it knows
//! no store (`store/search.rs` feeds it the journal's entries).

use std::ops::Range;
use std::path::Path;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

mod directory;

pub use directory::FileDirectory;

/// The name and version of the index's layout; an index of another is rebuilt.
pub const VERSION: &str = "provdb-search 1";

/// The tokenizer's name in the index's schema.
const TOKENIZER: &str = "provdb";

/// The memory the index writer may use, in bytes (tantivy's least is 15 MB).
const WRITER_MEMORY: usize = 32 << 20;

/// Why the search index failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query could not be read.
    #[error("cannot read the query {query:?}: {why}; write words, \"a phrase in quotes\" (also for text with a colon, such as an address), a figure such as 1,275, and -word to leave one out")]
    Query {
        /// The query.
        query: String,
        /// What the parser said.
        why: String,
    },
    /// The index failed.
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// What a search document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A source: its title and the text quotes are anchored in.
    Source,
    /// A citation's quote.
    Quote,
    /// A claim: subject, property and value.
    Claim,
    /// A review: its rating, the claim reviewed, its title and who reviewed.
    Review,
}

impl DocKind {
    /// The word used in the index, in JSON and in messages.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Source => "source",
            DocKind::Quote => "quote",
            DocKind::Claim => "claim",
            DocKind::Review => "review",
        }
    }

    fn from_name(name: &str) -> Option<DocKind> {
        [
            DocKind::Source,
            DocKind::Quote,
            DocKind::Claim,
            DocKind::Review,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// A document to index.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// What it is.
    pub kind: DocKind,
    /// Its id: a source, citation or claim id in hex, or a review's entry number.
    pub id: String,
    /// The journal entry that recorded it (for `--as-of`).
    pub seq: u64,
    /// Its title: a source's title, a claim's line, a review's rating.
    pub title: String,
    /// Its text.
    pub text: String,
}

/// Where the index stands: the last journal entry it holds, and that
/// entry's line hash (so that an index of another journal is not trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The last entry indexed.
    pub seq: u64,
    /// Where its line starts in the journal.
    pub start: u64,
    /// The hex BLAKE3 of its line.
    pub line: String,
}

impl Mark {
    fn payload(&self) -> String {
        format!("{VERSION}\n{} {} {}", self.seq, self.start, self.line)
    }

    fn from_payload(payload: &str) -> Option<Mark> {
        let rest = payload.strip_prefix(VERSION)?.strip_prefix('\n')?;
        let mut parts = rest.split(' ');
        let mark = Mark {
            seq: parts.next()?.parse().ok()?,
            start: parts.next()?.parse().ok()?,
            line: parts.next()?.to_string(),
        };
        parts.next().is_none().then_some(mark)
    }
}

/// A hit: a document and how well it matched.
#[derive(Debug, Clone)]
pub struct Hit {
    /// What it is.
    pub kind: DocKind,
    /// Its id.
    pub id: String,
    /// The entry that recorded it.
    pub seq: u64,
    /// Its title.
    pub title: String,
    /// Its BM25 score.
    pub score: f32,
}

/// What a query found.
pub struct Answer {
    /// The best hits, best first.
    pub hits: Vec<Hit>,
    /// How many documents match in all.
    pub total: usize,
    query: Box<dyn Query>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Answer")
            .field("hits", &self.hits)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// A passage of a text with the query's words in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The passage.
    pub fragment: String,
    /// The byte ranges in `fragment` of the words matched.
    pub highlighted: Vec<Range<usize>>,
}

/// The search index of a store.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    kind: Field,
    id: Field,
    seq: Field,
    title: Field,
    text: Field,
}

/// Splits text into words: runs of letters and digits, a number grouped in
/// thousands ("1,275", "1 275" with a no-break or thin space) being one word
/// of its digits.
#[derive(Debug, Clone, Default)]
pub struct WordTokenizer;

/// The words of one text.
#[derive(Debug)]
pub struct WordStream {
    tokens: Vec<Token>,
    at: usize,
}

impl TokenStream for WordStream {
    fn advance(&mut self) -> bool {
        if self.at < self.tokens.len() {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream {
        WordStream {
            tokens: words(text),
            at: 0,
        }
    }
}

/// Returns the words of a text as tokens, with their byte ranges.
pub fn words(text: &str) -> Vec<Token> {
    let bytes_of = |at: usize| text[at..].chars().next();
    let mut tokens: Vec<Token> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        if !ch.is_alphanumeric() {
            continue;
        }
        let mut end = start + ch.len_utf8();
        let mut word = String::new();
        word.push(ch);
        while let Some(&(at, next)) = chars.peek() {
            if !next.is_alphanumeric() {
                break;
            }
            word.push(next);
            end = at + next.len_utf8();
            chars.next();
        }
        // "1,275": digits of one to three, then groups of three after one separator.
        if word.len() <= 3 && word.bytes().all(|byte| byte.is_ascii_digit()) {
            while let Some(separator) = bytes_of(end) {
                if !matches!(separator, ',' | '\u{a0}' | '\u{202f}' | '\u{2009}') {
                    break;
                }
                let group_start = end + separator.len_utf8();
                let group = text.get(group_start..group_start + 3);
                let after = text
                    .get(group_start + 3..)
                    .and_then(|rest| rest.chars().next());
                match group {
                    Some(group)
                        if group.bytes().all(|byte| byte.is_ascii_digit())
                            && !after.is_some_and(char::is_alphanumeric) =>
                    {
                        word.push_str(group);
                        end = group_start + 3;
                        // Skip what the iterator has not passed yet.
                        while chars.peek().is_some_and(|&(at, _)| at < end) {
                            chars.next();
                        }
                    }
                    _ => break,
                }
            }
        }
        tokens.push(Token {
            offset_from: start,
            offset_to: end,
            position: tokens.len(),
            text: word,
            position_length: 1,
        });
    }
    tokens
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn schema() -> (Schema, [Field; 5]) {
    let mut builder = Schema::builder();
    let kind = builder.add_text_field("kind", STRING | STORED);
    let id = builder.add_text_field("id", STRING | STORED);
    let seq = builder.add_u64_field("seq", INDEXED | STORED | FAST);
    let words = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let title = builder.add_text_field(
        "title",
        TextOptions::default()
            .set_indexing_options(words.clone())
            .set_stored(),
    );
    let text = builder.add_text_field("text", TextOptions::default().set_indexing_options(words));
    (builder.build(), [kind, id, seq, title, text])
}

impl SearchIndex {
    /// Opens the index in `dir`: None when there is none, or it cannot be
    /// read, or it is of another version (it is then to be rebuilt).
    pub fn open(dir: &Path) -> Option<(SearchIndex, Option<Mark>)> {
        let index = Index::open(FileDirectory::new(dir)).ok()?;
        let (expected, _) = schema();
        if index.schema() != expected {
            return None;
        }
        let mark = index
            .load_metas()
            .ok()?
            .payload
            .as_deref()
            .and_then(Mark::from_payload);
        let opened = SearchIndex::wrap(index).ok()?;
        Some((opened, mark))
    }

    /// Creates an empty index in `dir`, an existing empty directory.
    pub fn create(dir: &Path) -> Result<SearchIndex, SearchError> {
        let (schema, _) = schema();
        let index = Index::create(
            FileDirectory::new(dir),
            schema,
            tantivy::IndexSettings::default(),
        )?;
        SearchIndex::wrap(index)
    }

    fn wrap(index: Index) -> Result<SearchIndex, SearchError> {
        index.tokenizers().register(TOKENIZER, analyzer());
        let schema = index.schema();
        let field = |name: &str| schema.get_field(name);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            kind: field("kind")?,
            id: field("id")?,
            seq: field("seq")?,
            title: field("title")?,
            text: field("text")?,
            reader,
            index,
        })
    }

    /// Returns a writer that adds and replaces documents until it commits.
    pub fn writer(&self) -> Result<SearchWriter<'_>, SearchError> {
        let writer = self
            .index
            .writer_with_num_threads::<TantivyDocument>(1, WRITER_MEMORY)?;
        Ok(SearchWriter {
            index: self,
            writer,
        })
    }

    /// Returns the best `limit` hits for a query, and how many documents
    /// match in all; with `max_seq`, only documents recorded by that entry.
    pub fn search(
        &self,
        query_text: &str,
        limit: usize,
        max_seq: Option<u64>,
    ) -> Result<Answer, SearchError> {
        let query = self.parse(query_text)?;
        let query: Box<dyn Query> = match max_seq {
            Some(limit_seq) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        std::ops::Bound::Included(Term::from_field_u64(self.seq, 0)),
                        std::ops::Bound::Included(Term::from_field_u64(self.seq, limit_seq)),
                    )),
                ),
            ])),
            None => query,
        };
        let searcher = self.reader.searcher();
        let (top, count) = searcher.search(&query, &(TopDocs::with_limit(limit.max(1)), Count))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| -> String {
                document
                    .get_first(field)
                    .and_then(|value| value.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let Some(kind) = DocKind::from_name(&text(self.kind)) else {
                continue;
            };
            hits.push(Hit {
                kind,
                id: text(self.id),
                seq: document
                    .get_first(self.seq)
                    .and_then(|value| value.as_u64())
                    .unwrap_or_default(),
                title: text(self.title),
                score,
            });
        }
        Ok(Answer {
            hits,
            total: count,
            query,
        })
    }

    /// Checks that a query reads, before any index is opened or written.
    pub fn check_query(query_text: &str) -> Result<(), SearchError> {
        let (schema, _) = schema();
        let index = Index::create_in_ram(schema);
        SearchIndex::wrap(index)?.parse(query_text).map(|_| ())
    }

    fn parse(&self, query_text: &str) -> Result<Box<dyn Query>, SearchError> {
        let mut parser = QueryParser::for_index(&self.index, vec![self.title, self.text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(self.title, 2.0);
        // "1 275" with a no-break or thin space: the parser splits on those,
        // so they become the comma the tokenizer reads the same way.
        let chars: Vec<char> = query_text.chars().collect();
        let normalised: String = chars
            .iter()
            .enumerate()
            .map(|(at, ch)| {
                let between_digits = at > 0
                    && chars[at - 1].is_ascii_digit()
                    && chars.get(at + 1).is_some_and(char::is_ascii_digit);
                if between_digits && matches!(ch, '\u{a0}' | '\u{202f}' | '\u{2009}') {
                    ','
                } else {
                    *ch
                }
            })
            .collect();
        parser
            .parse_query(&normalised)
            .map_err(|error| SearchError::Query {
                query: query_text.to_string(),
                why: error.to_string(),
            })
    }

    /// Returns the passage of `text` that best shows why it matched the answer's query.
    pub fn snippet(&self, answer: &Answer, text: &str) -> Result<Snippet, SearchError> {
        let searcher = self.reader.searcher();
        let mut generator = SnippetGenerator::create(&searcher, &*answer.query, self.text)?;
        generator.set_max_num_chars(240);
        let snippet = generator.snippet(text);
        Ok(Snippet {
            fragment: snippet.fragment().to_string(),
            highlighted: snippet.highlighted().to_vec(),
        })
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SearchIndex")
    }
}

/// Adds and replaces documents; nothing is visible until [`SearchWriter::commit`].
pub struct SearchWriter<'a> {
    index: &'a SearchIndex,
    writer: IndexWriter,
}

impl std::fmt::Debug for SearchWriter<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SearchWriter")
    }
}

impl SearchWriter<'_> {
    /// Adds a document, replacing one of the same kind and id.
    pub fn put(&mut self, doc: &SearchDoc) -> Result<(), SearchError> {
        let fields = self.index;
        self.writer.delete_query(Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(tantivy::query::TermQuery::new(
                    Term::from_field_text(fields.kind, doc.kind.name()),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(tantivy::query::TermQuery::new(
                    Term::from_field_text(fields.id, &doc.id),
                    IndexRecordOption::Basic,
                )),
            ),
        ])))?;
        let mut document = TantivyDocument::default();
        document.add_text(fields.kind, doc.kind.name());
        document.add_text(fields.id, &doc.id);
        document.add_u64(fields.seq, doc.seq);
        document.add_text(fields.title, &doc.title);
        document.add_text(fields.text, &doc.text);
        self.writer.add_document(document)?;
        Ok(())
    }

    /// Makes every document added durable with the mark, and visible.
    pub fn commit(mut self, mark: &Mark) -> Result<(), SearchError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&mark.payload());
        prepared.commit()?;
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(String, &str)> {
        words(text)
            .into_iter()
            .map(|token| {
                let written = &text[token.offset_from..token.offset_to];
                (token.text, written)
            })
            .collect()
    }

    #[test]
    fn grouped_figures_are_one_word() {
        assert_eq!(
            texts("1,275 residents; 1\u{a0}275 people; 12,5 and 7,000,000."),
            vec![
                ("1275".to_string(), "1,275"),
                ("residents".to_string(), "residents"),
                ("1275".to_string(), "1\u{a0}275"),
                ("people".to_string(), "people"),
                // "12,5" is not grouped (one digit after the comma).
                ("12".to_string(), "12"),
                ("5".to_string(), "5"),
                ("and".to_string(), "and"),
                ("7000000".to_string(), "7,000,000"),
            ]
        );
        // A group glued to letters ("1,275km") is not a group.
        assert_eq!(texts("1,275km")[0].0, "1");
    }

    #[test]
    fn an_index_finds_phrases_and_figures() {
        let dir = crate::tempdir::PrivateDir::create("search-test").expect("tempdir");
        let index = SearchIndex::create(dir.path()).expect("create");
        let mut writer = index.writer().expect("writer");
        for (id, seq, text) in [
            (
                "a",
                1,
                "The article reports that 1,275 residents were taken captive.",
            ),
            ("b", 2, "Some 1275 people were counted; residents fled."),
            ("c", 3, "Nothing of note."),
        ] {
            writer
                .put(&SearchDoc {
                    kind: DocKind::Quote,
                    id: id.into(),
                    seq,
                    title: String::new(),
                    text: text.into(),
                })
                .expect("put");
        }
        writer
            .commit(&Mark {
                seq: 3,
                start: 0,
                line: "ab".into(),
            })
            .expect("commit");
        let ids = |query: &str, max: Option<u64>| -> Vec<String> {
            let answer = index.search(query, 10, max).expect("search");
            let mut ids: Vec<String> = answer.hits.into_iter().map(|hit| hit.id).collect();
            ids.sort();
            ids
        };
        // The figure however grouped; the phrase only where its words run on.
        assert_eq!(ids("1,275", None), vec!["a", "b"]);
        assert_eq!(ids("1275", None), vec!["a", "b"]);
        assert_eq!(ids("\"1,275 residents\"", None), vec!["a"]);
        assert_eq!(ids("residents -captive", None), vec!["b"]);
        assert_eq!(ids("1275", Some(1)), vec!["a"]);
        // Replacing a document keeps one of its id.
        let mut writer = index.writer().expect("writer");
        writer
            .put(&SearchDoc {
                kind: DocKind::Quote,
                id: "c".into(),
                seq: 3,
                title: String::new(),
                text: "Now 1,275 again.".into(),
            })
            .expect("put");
        writer
            .commit(&Mark {
                seq: 4,
                start: 10,
                line: "cd".into(),
            })
            .expect("commit");
        assert_eq!(ids("1275", None), vec!["a", "b", "c"]);
        assert_eq!(index.len(), 3);
        let (reopened, mark) = SearchIndex::open(dir.path()).expect("reopen");
        assert_eq!(mark.map(|mark| mark.seq), Some(4));
        assert_eq!(reopened.len(), 3);
        let answer = index.search("\"1,275 residents\"", 10, None).expect("q");
        let snippet = index
            .snippet(
                &answer,
                "The article reports that 1,275 residents were taken captive.",
            )
            .expect("snippet");
        let marked: Vec<&str> = snippet
            .highlighted
            .iter()
            .map(|range| &snippet.fragment[range.clone()])
            .collect();
        assert_eq!(marked, vec!["1,275", "residents"]);
        assert!(matches!(
            index.search("\"unclosed", 10, None),
            Err(SearchError::Query { .. })
        ));
    }
}
