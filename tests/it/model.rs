//! A model-based property test: random sequences of add, add --doc, cite,
//! retract, supersede, review and checkpoint run on a real store and on a
//! small in-memory model of what each should do. After every sequence:
//!
//! - after every operation, the queries (claims and their counts, sources,
//!   traces with ranks and retractions, reviews, checkpoints) say what the
//!   model says;
//! - `verify` passes;
//! - `reindex` rebuilds byte-identical index records;
//! - every query `--as-of` a command's time equals the same query on a copy
//!   of the store whose journal is cut after that command.
//!
//! The model decides by rules stated here, not by calling provdb: a quote is
//! citable when its sentence is in the text; a revision carries a live,
//! preferred citation of the revision before when its quote is in the new
//! text (every quote occurs at most once in every text), and the copy
//! supersedes it; a retraction takes every copy carried from the citation
//! with it; a citation's rank is set by the latest supersession that names
//! it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;

use provdb::model::{Bound, Stance};
use provdb::storage::index::{Index, TreeName};
use provdb::store::{
    AddInput, CiteFields, ClaimFilter, OpenOptions, Rank, ReviewRequest, Store, StoreError,
};

/// The statements texts are made of; each sentence's quote is unique.
const WARDS: usize = 6;

fn value(ward: usize) -> u64 {
    1000 + 7 * ward as u64
}

fn quote(ward: usize) -> String {
    format!("{} ballots", value(ward))
}

fn subject(ward: usize) -> String {
    format!("ward {ward}")
}

/// A text: a title line of its own, then the statements of `wards`.
fn text(title: &str, wards: &[usize]) -> String {
    let mut text = format!("{title}\n");
    for ward in wards {
        text.push_str(&format!("In ward {ward}, {} were counted.\n", quote(*ward)));
    }
    text
}

/// Standalone sources.
fn standalone(index: usize) -> (String, Vec<usize>) {
    let wards: [&[usize]; 3] = [&[0, 1, 2], &[1, 3], &[0, 4, 5]];
    (
        text(&format!("Report {index}"), wards[index]),
        wards[index].to_vec(),
    )
}

/// The revisions a document may take, each at most once.
fn revision(index: usize) -> (String, Vec<usize>) {
    let wards: [&[usize]; 4] = [&[0, 1, 2, 3], &[0, 2, 3, 5], &[2, 3, 4, 5], &[0, 1, 4]];
    (
        text(&format!("Bulletin, edition {index}"), wards[index]),
        wards[index].to_vec(),
    )
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize),
    Revise(usize),
    Cite(usize, usize),
    Retract(usize),
    Supersede(usize, usize),
    Review(usize),
    Checkpoint,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..3usize).prop_map(Op::Add),
        2 => (0..4usize).prop_map(Op::Revise),
        5 => (0..8usize, 0..WARDS).prop_map(|(source, ward)| Op::Cite(source, ward)),
        2 => (0..12usize).prop_map(Op::Retract),
        2 => (0..12usize, 0..12usize).prop_map(|(old, by)| Op::Supersede(old, by)),
        1 => (0..WARDS).prop_map(Op::Review),
        1 => Just(Op::Checkpoint),
    ]
}

#[derive(Debug, Clone)]
struct Cited {
    id: String,
    source: String,
    ward: usize,
    retracted: bool,
    carried_from: Option<usize>,
}

#[derive(Debug, Default)]
struct Model {
    /// Source id (BLAKE3 of the bytes, computed here) → the wards it states.
    sources: BTreeMap<String, Vec<usize>>,
    /// The document's revisions: the revision text's index and its source.
    revisions: Vec<(usize, String)>,
    citations: Vec<Cited>,
    /// Claim ids by ward, from the first citation of each.
    claims: BTreeMap<usize, String>,
    /// (superseded, by), as indexes into `citations`, in order.
    supersessions: Vec<(usize, usize)>,
    reviews: usize,
    checkpoints: usize,
    last_checkpoint: Option<u64>,
}

impl Model {
    fn history(&self, citation: usize) -> bool {
        self.supersessions
            .iter()
            .rev()
            .find(|(old, by)| *old == citation || *by == citation)
            .is_some_and(|(old, _)| *old == citation)
    }

    fn live_duplicate(&self, source: &str, ward: usize) -> Option<usize> {
        self.citations
            .iter()
            .position(|cited| cited.source == source && cited.ward == ward && !cited.retracted)
    }

    /// The citation and every copy carried from it, at any remove, still live.
    fn lineage(&self, root: usize) -> BTreeSet<usize> {
        let mut found = BTreeSet::from([root]);
        loop {
            let more: Vec<usize> = (0..self.citations.len())
                .filter(|at| !found.contains(at))
                .filter(|at| {
                    self.citations[*at]
                        .carried_from
                        .is_some_and(|from| found.contains(&from))
                })
                .collect();
            if more.is_empty() {
                return found;
            }
            found.extend(more);
        }
    }
}

fn b3(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

fn open(root: &Path) -> Store {
    Store::open(root, &mut OpenOptions::default()).expect("open")
}

fn journal_len(root: &Path) -> u64 {
    std::fs::metadata(root.join("journal"))
        .expect("journal")
        .len()
}

/// The time of the journal's last entry.
fn last_time(root: &Path) -> String {
    let journal = std::fs::read_to_string(root.join("journal")).expect("journal");
    let line = journal.lines().last().expect("an entry");
    let entry: serde_json::Value = serde_json::from_str(line).expect("entry");
    entry["time"].as_str().expect("time").to_string()
}

/// Runs one operation on the store and the model; checks what the store
/// answers against what the model expects of that operation.
fn apply(store: &mut Store, model: &mut Model, op: &Op, step: usize) {
    let actor = "model";
    match op {
        Op::Add(index) => {
            let (text, wards) = standalone(*index);
            let id = b3(text.as_bytes());
            let outcome = store
                .add_source(
                    AddInput::Reader(&mut text.as_bytes(), "text"),
                    Default::default(),
                    None,
                    false,
                    actor,
                )
                .expect("add");
            assert_eq!(outcome.id.to_hex(), id);
            assert_eq!(outcome.new_source, !model.sources.contains_key(&id));
            model.sources.insert(id, wards);
        }
        Op::Revise(index) => {
            if model.revisions.iter().any(|(used, _)| used == index) {
                return;
            }
            let (text, wards) = revision(*index);
            let id = b3(text.as_bytes());
            // What the model carries: live, preferred citations of the
            // revision before whose quote the new text states.
            let expected: BTreeSet<String> = match model.revisions.last() {
                Some((_, previous)) => model
                    .citations
                    .iter()
                    .enumerate()
                    .filter(|(at, cited)| {
                        &cited.source == previous
                            && !cited.retracted
                            && !model.history(*at)
                            && wards.contains(&cited.ward)
                    })
                    .map(|(_, cited)| cited.id.clone())
                    .collect(),
                None => BTreeSet::new(),
            };
            let outcome = store
                .add_source(
                    AddInput::Reader(&mut text.as_bytes(), "revision"),
                    Default::default(),
                    Some("bulletin"),
                    false,
                    actor,
                )
                .expect("add --doc");
            assert_eq!(outcome.id.to_hex(), id);
            assert_eq!(
                outcome.revision,
                Some(("bulletin".to_string(), model.revisions.len() as u32 + 1))
            );
            let mut carried = BTreeSet::new();
            for item in outcome.carry.iter().flat_map(|report| &report.items) {
                let Some(to) = item.to else { continue };
                let from_id = item.from.id.to_hex();
                carried.insert(from_id.clone());
                let from = model
                    .citations
                    .iter()
                    .position(|cited| cited.id == from_id)
                    .expect("carried from a known citation");
                let ward = model.citations[from].ward;
                let to = match model
                    .citations
                    .iter()
                    .position(|cited| cited.id == to.to_hex())
                {
                    Some(existing) => existing,
                    None => {
                        model.citations.push(Cited {
                            id: to.to_hex(),
                            source: id.clone(),
                            ward,
                            retracted: false,
                            carried_from: Some(from),
                        });
                        model.citations.len() - 1
                    }
                };
                // A carried citation supersedes the one it came from: the
                // older revision's citation is history from then on.
                model.supersessions.push((from, to));
            }
            assert_eq!(carried, expected, "carried into revision {index}");
            model.sources.insert(id.clone(), wards);
            model.revisions.push((*index, id));
        }
        Op::Cite(pick, ward) => {
            if model.sources.is_empty() {
                return;
            }
            let source = model
                .sources
                .keys()
                .nth(pick % model.sources.len())
                .expect("a source")
                .clone();
            let request = CiteFields {
                source: source.clone(),
                quote: quote(*ward),
                subject: subject(*ward),
                property: "ballots counted".into(),
                value: value(*ward).to_string(),
                bound: Some(Bound::Exact),
                stance: Stance::Supports,
                ..CiteFields::default()
            }
            .validate()
            .expect("valid fields");
            let result = store.cite(request, actor);
            if !model.sources[&source].contains(ward) {
                assert!(
                    matches!(result, Err(StoreError::Anchor { .. })),
                    "a quote not in the source: {result:?}"
                );
                return;
            }
            let outcome = result.expect("cite");
            assert_eq!(outcome.new_claim, !model.claims.contains_key(ward));
            let claim = model
                .claims
                .entry(*ward)
                .or_insert_with(|| outcome.claim.to_hex());
            assert_eq!(*claim, outcome.claim.to_hex());
            match model.live_duplicate(&source, *ward) {
                Some(at) => {
                    assert!(!outcome.new_citation);
                    assert_eq!(outcome.citation.to_hex(), model.citations[at].id);
                }
                None => {
                    assert!(outcome.new_citation);
                    model.citations.push(Cited {
                        id: outcome.citation.to_hex(),
                        source,
                        ward: *ward,
                        retracted: false,
                        carried_from: None,
                    });
                }
            }
        }
        Op::Retract(pick) => {
            if model.citations.is_empty() {
                return;
            }
            let at = pick % model.citations.len();
            let result = store.retract(&model.citations[at].id, "model retraction", actor);
            if model.citations[at].retracted {
                assert!(
                    matches!(result, Err(StoreError::AlreadyRetracted { .. })),
                    "{result:?}"
                );
                return;
            }
            let retracted = result.expect("retract");
            let lineage: BTreeSet<usize> = model
                .lineage(at)
                .into_iter()
                .filter(|member| !model.citations[*member].retracted)
                .collect();
            let expected: BTreeSet<String> = lineage
                .iter()
                .filter(|member| **member != at)
                .map(|member| model.citations[*member].id.clone())
                .collect();
            let got: BTreeSet<String> = retracted.carried.iter().map(|id| id.to_hex()).collect();
            assert_eq!(got, expected, "the carried copies retracted with it");
            for member in lineage {
                model.citations[member].retracted = true;
            }
        }
        Op::Supersede(old, by) => {
            if model.citations.is_empty() {
                return;
            }
            let (old, by) = (old % model.citations.len(), by % model.citations.len());
            let result = store.supersede(
                &model.citations[old].id,
                &model.citations[by].id,
                "model preference",
                actor,
            );
            let refused = old == by
                || model.citations[old].retracted
                || model.citations[by].retracted
                || model
                    .supersessions
                    .iter()
                    .rev()
                    .find(|(a, b)| *a == old || *b == old)
                    .is_some_and(|(a, b)| *a == old && *b == by);
            assert_eq!(result.is_err(), refused, "supersede: {result:?}");
            if !refused {
                model.supersessions.push((old, by));
            }
        }
        Op::Review(ward) => {
            let Some(claim) = model.claims.get(ward).cloned() else {
                return;
            };
            store
                .review(
                    &ReviewRequest {
                        claim,
                        label: "False".into(),
                        value: None,
                        best: None,
                        worst: None,
                        by: "Model desk".into(),
                        by_url: None,
                        url: format!("https://example.org/review/{step}"),
                        date: Some("2026-11-30".into()),
                    },
                    actor,
                )
                .expect("review");
            model.reviews += 1;
        }
        Op::Checkpoint => {
            let len = journal_len(store.root());
            store.checkpoint(actor).expect("checkpoint");
            if model.last_checkpoint != Some(len) {
                model.checkpoints += 1;
                model.last_checkpoint = Some(len);
            }
        }
    }
}

/// Every claim's subject with its live and retracted citation counts.
fn claim_counts(store: &Store) -> BTreeMap<String, (usize, usize)> {
    store
        .claims(&ClaimFilter::default())
        .expect("claims")
        .into_iter()
        .map(|summary| {
            (
                summary.record.claim.subject,
                (summary.live, summary.retracted),
            )
        })
        .collect()
}

fn check_queries(store: &Store, model: &Model) {
    let expected: BTreeMap<String, (usize, usize)> = model
        .claims
        .keys()
        .map(|ward| {
            let of_ward = model.citations.iter().filter(|cited| cited.ward == *ward);
            let live = of_ward.clone().filter(|cited| !cited.retracted).count();
            let retracted = of_ward.filter(|cited| cited.retracted).count();
            (subject(*ward), (live, retracted))
        })
        .collect();
    assert_eq!(claim_counts(store), expected);
    // Every claim in order of subject, then property, then id, as the
    // model's plain lower-case subjects sort; the same when the sort's runs
    // all go to its temporary file (a budget of 0 bytes) as when they stay
    // in memory.
    let mut in_key_order: Vec<(Vec<u8>, [u8; 32])> = Vec::new();
    for budget in [usize::MAX, 0] {
        let mut listed = Vec::new();
        store
            .for_each_claim_record(budget, &mut |record| {
                let mut key = record.claim.subject.into_bytes();
                key.push(0);
                key.extend(record.claim.property.into_bytes());
                key.push(0);
                listed.push((key, record.claim.id.0));
                Ok(())
            })
            .expect("every claim");
        if in_key_order.is_empty() {
            in_key_order = listed.clone();
            in_key_order.sort();
        }
        assert_eq!(
            listed, in_key_order,
            "claims with a budget of {budget} bytes"
        );
    }
    // And they are the model's claims, each once.
    let listed: BTreeSet<String> = in_key_order
        .iter()
        .map(|(_, id)| id.iter().map(|byte| format!("{byte:02x}")).collect())
        .collect();
    assert_eq!(listed.len(), in_key_order.len(), "a claim listed twice");
    assert_eq!(listed, model.claims.values().cloned().collect());
    let sources: BTreeSet<String> = store
        .sources()
        .expect("sources")
        .into_iter()
        .map(|(record, ..)| record.id.to_hex())
        .collect();
    assert_eq!(sources, model.sources.keys().cloned().collect());
    for (ward, claim) in &model.claims {
        let trace = store.trace(claim).expect("trace");
        let got: BTreeSet<(String, bool, bool)> = trace
            .citations
            .iter()
            .map(|item| {
                (
                    item.record.id.to_hex(),
                    item.retraction.is_some(),
                    matches!(item.rank, Rank::History(_)),
                )
            })
            .collect();
        let expected: BTreeSet<(String, bool, bool)> = model
            .citations
            .iter()
            .enumerate()
            .filter(|(_, cited)| cited.ward == *ward)
            .map(|(at, cited)| (cited.id.clone(), cited.retracted, model.history(at)))
            .collect();
        assert_eq!(got, expected, "trace of ward {ward}");
    }
    assert_eq!(store.reviews(None).expect("reviews").len(), model.reviews);
    assert_eq!(
        store.checkpoints().expect("checkpoints").len(),
        model.checkpoints
    );
}

/// Every record of every index tree, keys and values as stored.
fn index_records(root: &Path) -> BTreeMap<(String, Vec<u8>), Vec<u8>> {
    let path = root.join("index");
    let index = Index::open(&path).expect("index");
    let mut records = BTreeMap::new();
    for tree in TreeName::ALL {
        let keys: Vec<Vec<u8>> = index.keys(tree).map(|key| key.expect("key")).collect();
        for key in keys {
            let value = index.get_raw(tree, &key).expect("get").expect("value");
            records.insert((tree.name().to_string(), key), value);
        }
    }
    index.close(&path).expect("close index");
    records
}

/// A copy of the store with its journal cut at `len` bytes and no index.
fn cut_copy(root: &Path, into: &Path, len: u64) {
    std::fs::create_dir_all(into.join("objects")).expect("copy dir");
    std::fs::copy(root.join("FORMAT"), into.join("FORMAT")).expect("FORMAT");
    let journal = std::fs::read(root.join("journal")).expect("journal");
    std::fs::write(into.join("journal"), &journal[..len as usize]).expect("cut journal");
    for shard in std::fs::read_dir(root.join("objects"))
        .expect("objects")
        .flatten()
    {
        if shard.file_name() == "tmp" {
            continue;
        }
        let target = into.join("objects").join(shard.file_name());
        std::fs::create_dir_all(&target).expect("shard");
        for file in std::fs::read_dir(shard.path()).expect("shard").flatten() {
            std::fs::copy(file.path(), target.join(file.file_name())).expect("object");
        }
    }
}

fn run_sequence(ops: &[Op]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("store");
    Store::init(&root, "model").expect("init");
    let mut model = Model::default();
    // After each command that wrote to the journal: its length and time.
    let mut cuts: Vec<(u64, String)> = Vec::new();
    {
        let mut store = open(&root);
        for (step, op) in ops.iter().enumerate() {
            let before = journal_len(&root);
            apply(&mut store, &mut model, op, step);
            check_queries(&store, &model);
            let after = journal_len(&root);
            if after != before {
                cuts.push((after, last_time(&root)));
            }
        }
        store.close();
    }
    let report = provdb::verify::verify(&root, &mut OpenOptions::default()).expect("verify");
    assert!(report.ok(), "verify: {:?}", report.problems);

    let before = index_records(&root);
    provdb::store::reindex(&root, &mut OpenOptions::default()).expect("reindex");
    assert!(
        before == index_records(&root),
        "reindex wrote different records"
    );

    for (at, (len, time)) in cuts.iter().enumerate() {
        let when = provdb::text::dates::parse_when(time).expect("entry time");
        let mut full = open(&root);
        full.set_as_of(&when).expect("as of");
        let seen_then = format!(
            "{:?}",
            full.claims(&ClaimFilter::default()).expect("claims")
        );
        full.close();
        let copy = dir.path().join(format!("cut-{at}"));
        cut_copy(&root, &copy, *len);
        let cut = open(&copy);
        let cut_now = format!("{:?}", cut.claims(&ClaimFilter::default()).expect("claims"));
        cut.close();
        assert_eq!(
            seen_then, cut_now,
            "--as-of {time} against the journal cut there"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn command_sequences_match_the_model(ops in prop::collection::vec(op(), 1..16)) {
        run_sequence(&ops);
    }
}

#[test]
fn a_long_fixed_sequence_matches_the_model() {
    // Every operation, in an order that exercises carrying a carried and
    // superseded citation, and retracting a lineage two revisions deep.
    run_sequence(&[
        Op::Revise(0),
        Op::Cite(0, 0),
        Op::Cite(0, 2),
        Op::Cite(0, 1),
        Op::Add(0),
        Op::Cite(1, 0),
        Op::Supersede(1, 2),
        Op::Revise(1),
        Op::Review(0),
        Op::Checkpoint,
        Op::Revise(2),
        Op::Retract(1),
        Op::Checkpoint,
        Op::Checkpoint,
        Op::Supersede(2, 1),
        Op::Cite(2, 4),
        Op::Retract(1),
    ]);
}
