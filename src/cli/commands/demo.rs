//! `provdb demo [DIR]`: builds a store from the built-in fixtures and walks
//! through add, cite, trace, conflicts, a new revision, and verify.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::model::{Qualifiers, SourceMeta, Stance};
use crate::store::{AddInput, CiteRequest, OpenOptions, Store};
use crate::text::dates::parse_when;
use crate::text::values::parse_value;
use crate::verify::verify;

use super::{conflicts, trace, verify as verify_command};

const ARTICLE_FEB: &[u8] = include_bytes!("../../../fixtures/khojaly-article-2024-02.txt");
const ARTICLE_MAY: &[u8] = include_bytes!("../../../fixtures/khojaly-article-2024-05.txt");
const SURVEY: &[u8] = include_bytes!("../../../fixtures/regional-survey-1993.txt");

/// Build a demonstration store from the built-in fixtures and walk through it.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to build the store [default: a new directory under the system's temp dir].
    pub dir: Option<PathBuf>,
}

struct Citing<'a> {
    source: &'a str,
    quote: &'a str,
    subject: &'a str,
    property: &'a str,
    value: &'a str,
    as_of: Option<&'a str>,
}

/// Runs `demo`.
pub fn run(args: DemoArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_millis())
                .unwrap_or(0);
            std::env::temp_dir().join(format!("provdb-demo-{}-{stamp}", std::process::id()))
        }
    };
    let actor = ctx.actor().unwrap_or_else(|_| "demo".to_string());
    let json_mode = ctx.json;
    let mut quiet = std::io::sink();
    let out: &mut dyn Write = if json_mode { &mut quiet } else { &mut *ctx.out };
    let db = dir.display().to_string();

    writeln!(out, "$ provdb init {db}")?;
    let store_id = Store::init(&dir, &actor)?;
    writeln!(
        out,
        "initialised empty provdb store in {db} (store id {store_id})\n"
    )?;

    let mut opened = Store::open(&dir, &mut OpenOptions::default())?;
    let feb = parse_when("2024-02-26").map_err(CliError::from)?;
    let may = parse_when("2024-05-15").map_err(CliError::from)?;

    writeln!(out, "$ provdb --db {db} add fixtures/khojaly-article-2024-02.txt --doc khojaly-article --title \"Khojaly, 26 February 1992: the figures behind an anniversary\" --published 2024-02-26")?;
    let article_meta = SourceMeta {
        title: Some("Khojaly, 26 February 1992: the figures behind an anniversary".into()),
        publisher: Some("provdb fixture newsroom".into()),
        published: Some(feb.clone()),
        media_type: Some("text/plain".into()),
        language: Some("en".into()),
        ..SourceMeta::default()
    };
    let article = opened.add_source(
        AddInput::Reader(&mut &ARTICLE_FEB[..], "article"),
        article_meta.clone(),
        Some("khojaly-article"),
        &actor,
    )?;
    writeln!(
        out,
        "added source {} ({} bytes)\nlogged as revision 1 of khojaly-article\n",
        article.id, article.size
    )?;

    writeln!(out, "$ provdb --db {db} add fixtures/regional-survey-1993.txt --title \"Survey of the winter offensive, 1993 edition\" --published 1993")?;
    let survey_meta = SourceMeta {
        title: Some("Survey of the winter offensive, 1993 edition".into()),
        published: Some(parse_when("1993").map_err(CliError::from)?),
        media_type: Some("text/plain".into()),
        language: Some("en".into()),
        ..SourceMeta::default()
    };
    let survey = opened.add_source(
        AddInput::Reader(&mut &SURVEY[..], "survey"),
        survey_meta,
        None,
        &actor,
    )?;
    writeln!(out, "added source {} ({} bytes)\n", survey.id, survey.size)?;

    let article_id = article.id.to_hex();
    let survey_id = survey.id.to_hex();
    let citings = [
        Citing {
            source: &article_id,
            quote: "613 civilians\nwere killed",
            subject: "Khojaly, 26 February 1992",
            property: "civilians killed",
            value: "613",
            as_of: None,
        },
        Citing {
            source: &survey_id,
            quote: "civilians killed at 485",
            subject: "Khojaly, 26 February 1992",
            property: "civilians killed",
            value: "485",
            as_of: None,
        },
        Citing {
            source: &article_id,
            quote: "the night of Feb. 26, 1992",
            subject: "Khojaly assault",
            property: "date",
            value: "1992-02-26",
            as_of: None,
        },
        Citing {
            source: &survey_id,
            quote: "On the night of 26 February 1992 the town of Khojaly was overrun",
            subject: "Khojaly assault",
            property: "date",
            value: "1992-02-26",
            as_of: None,
        },
        Citing {
            source: &article_id,
            quote: "1,275 residents were taken captive",
            subject: "Khojaly, 26 February 1992",
            property: "people taken captive",
            value: "1,275",
            as_of: None,
        },
        Citing {
            source: &article_id,
            quote: "a\ndecision dated 22 April 2010",
            subject: "European Court of Human Rights decision",
            property: "date",
            value: "22 April 2010",
            as_of: None,
        },
        Citing {
            source: &article_id,
            quote: "parliaments of\n15 countries",
            subject: "Khojaly resolutions",
            property: "national parliaments",
            value: "15",
            as_of: Some("2024-02-26"),
        },
    ];
    let mut toll_claim = None;
    let mut date_claim = None;
    let mut parliaments = None;
    for (index, citing) in citings.iter().enumerate() {
        let quote_arg = citing
            .quote
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let as_of_arg = citing
            .as_of
            .map(|when| format!(" --as-of {when}"))
            .unwrap_or_default();
        writeln!(
            out,
            "$ provdb --db {db} cite {} --quote \"{quote_arg}\" --subject \"{}\" --property \"{}\" --value \"{}\"{as_of_arg}",
            &citing.source[..12], citing.subject, citing.property, citing.value
        )?;
        let qualifiers = Qualifiers {
            as_of: citing
                .as_of
                .map(parse_when)
                .transpose()
                .map_err(CliError::from)?,
            ..Qualifiers::default()
        };
        let outcome = opened.cite(
            CiteRequest {
                source: citing.source.to_string(),
                quote: quote_arg,
                prefix: None,
                suffix: None,
                occurrence: None,
                subject: citing.subject.into(),
                property: citing.property.into(),
                value: parse_value(None, citing.value, None)?,
                qualifiers,
                stance: Stance::Supports,
                value_not_in_quote: false,
            },
            &actor,
        )?;
        writeln!(
            out,
            "claim {}\ncitation {}\n",
            outcome.claim, outcome.citation
        )?;
        if index == 0 {
            toll_claim = Some(outcome.claim);
        }
        if index == 2 {
            date_claim = Some(outcome.claim);
        }
        if index + 1 == citings.len() {
            parliaments = Some((outcome.claim, outcome.citation));
        }
    }

    writeln!(out, "$ provdb --db {db} cite {} --quote \"civilians killed at 485\" --subject \"Khojaly, 26 February 1992\" --property \"civilians killed\" --value 458", &survey_id[..12])?;
    writeln!(out, "(a transcription slip: 458 for 485)")?;
    let slip = opened.cite(
        CiteRequest {
            source: survey_id.clone(),
            quote: "civilians killed at 485".into(),
            prefix: None,
            suffix: None,
            occurrence: None,
            subject: "Khojaly, 26 February 1992".into(),
            property: "civilians killed".into(),
            value: parse_value(None, "458", None)?,
            qualifiers: Qualifiers::default(),
            stance: Stance::Supports,
            value_not_in_quote: false,
        },
        &actor,
    );
    match slip {
        Err(error) => writeln!(
            out,
            "provdb: error: {error}\n(refused; nothing was recorded)\n"
        )?,
        Ok(_) => writeln!(out, "unexpectedly accepted\n")?,
    }

    let date_claim = date_claim.expect("the demo's third citation records the date claim");
    let toll_claim = toll_claim.expect("the demo's first citation records the toll claim");
    writeln!(out, "$ provdb --db {db} trace {}", date_claim.short())?;
    let date_trace = opened.trace(&date_claim.to_hex())?;
    trace::write_trace(out, &date_trace)?;
    writeln!(out)?;

    writeln!(out, "$ provdb --db {db} trace {}", toll_claim.short())?;
    let toll_trace = opened.trace(&toll_claim.to_hex())?;
    trace::write_trace(out, &toll_trace)?;
    writeln!(out)?;

    writeln!(out, "$ provdb --db {db} conflicts")?;
    let found = opened.conflicts()?;
    conflicts::write_conflicts(out, &found)?;
    writeln!(out)?;

    writeln!(out, "$ provdb --db {db} add fixtures/khojaly-article-2024-05.txt --doc khojaly-article --published 2024-02-26 --updated 2024-05-15 --note \"resolution count updated\"")?;
    let may_meta = SourceMeta {
        updated: Some(may),
        note: Some("resolution count updated".into()),
        ..article_meta
    };
    let revised = opened.add_source(
        AddInput::Reader(&mut &ARTICLE_MAY[..], "revision"),
        may_meta,
        Some("khojaly-article"),
        &actor,
    )?;
    writeln!(
        out,
        "added source {} ({} bytes)\nlogged as revision 2 of khojaly-article",
        revised.id, revised.size
    )?;
    if let Some(report) = &revised.carry {
        super::drift::write_report(out, report, false)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "$ provdb --db {db} diff khojaly-article@1 khojaly-article@latest"
    )?;
    let compared = opened.diff("khojaly-article@1", "khojaly-article@latest")?;
    super::diff::write_text(out, &compared, 8)?;
    writeln!(out)?;
    let revised_id = revised.id.to_hex();
    writeln!(out, "$ provdb --db {db} cite {} --quote \"parliaments of 17 countries\" --subject \"Khojaly resolutions\" --property \"national parliaments\" --value 17 --as-of 2024-05-15", &revised_id[..12])?;
    let outcome = opened.cite(
        CiteRequest {
            source: revised_id,
            quote: "parliaments of 17 countries".into(),
            prefix: None,
            suffix: None,
            occurrence: None,
            subject: "Khojaly resolutions".into(),
            property: "national parliaments".into(),
            value: parse_value(None, "17", None)?,
            qualifiers: Qualifiers {
                as_of: Some(parse_when("2024-05-15").map_err(CliError::from)?),
                ..Qualifiers::default()
            },
            stance: Stance::Supports,
            value_not_in_quote: false,
        },
        &actor,
    )?;
    writeln!(out, "claim {}\ncitation {}\n(15 as of 2024-02-26 and 17 as of 2024-05-15 do not conflict: they hold at different times)\n", outcome.claim, outcome.citation)?;
    if let Some((old_claim, old_citation)) = parliaments {
        let reason = "revision 2 gives the current count";
        writeln!(
            out,
            "$ provdb --db {db} supersede {} --by {} --reason \"{reason}\"",
            old_citation.short(),
            outcome.citation.short()
        )?;
        let (old, by) = opened.supersede(
            &old_citation.to_hex(),
            &outcome.citation.to_hex(),
            reason,
            &actor,
        )?;
        writeln!(out, "citation {old} is history now; {by} is preferred\n")?;
        writeln!(out, "$ provdb --db {db} trace {}", old_claim.short())?;
        trace::write_trace(out, &opened.trace(&old_claim.to_hex())?)?;
        writeln!(out)?;
    }
    for notice in opened.close() {
        writeln!(out, "notice: {notice}")?;
    }

    writeln!(out, "$ provdb --db {db} verify")?;
    let report = verify(&dir, &mut OpenOptions::default())?;
    verify_command::write_report(out, &report)?;
    writeln!(out, "\nThe store is in {db}; explore it with `provdb --db {db} sources`, `claims`, `log`, `show ID`.")?;

    if json_mode {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": db,
                "trace": shapes::trace(&date_trace),
                "conflicts": found.iter().map(|conflict| json!({
                    "subject": conflict.subject, "property": conflict.property,
                    "sides": conflict.sides.iter().map(shapes::side).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "verify": report,
            })
        )?;
    }
    if report.ok() {
        Ok(())
    } else {
        Err(CliError::Damage(report.problems.len()))
    }
}
