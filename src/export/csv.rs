//! CSV: one row per citation with its claim and source, RFC 4180 quoting, CRLF line ends
//! (schema/exports.md).

use super::Records;

/// One CSV field, quoted as RFC 4180 says when it must be.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The CSV table's columns, in order.
pub const CSV_COLUMNS: [&str; 23] = [
    "claim_id",
    "subject",
    "property",
    "value",
    "unit",
    "as_of",
    "bound",
    "upper",
    "citation_id",
    "stance",
    "status",
    "rank",
    "quote",
    "start",
    "end",
    "source_id",
    "source_title",
    "source_url",
    "publisher",
    "published",
    "revisions",
    "recorded",
    "actor",
];

pub fn write(records: &Records, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write!(out, "{}\r\n", CSV_COLUMNS.join(","))?;
    for trace in &records.traces {
        let claim = &trace.claim.claim;
        for item in &trace.citations {
            let record = &item.record;
            let meta = item.source.as_ref().map(|source| &source.meta);
            let text = |value: Option<&String>| value.cloned().unwrap_or_default();
            let fields = [
                claim.id.to_hex(),
                claim.subject.clone(),
                claim.property.clone(),
                claim.value.to_string(),
                text(claim.qualifiers.unit.as_ref()),
                claim
                    .qualifiers
                    .as_of
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                claim.qualifiers.bound.name().to_string(),
                text(claim.qualifiers.upper.as_ref()),
                record.id.to_hex(),
                record.citation.stance.name().to_string(),
                if item.retraction.is_some() {
                    "retracted"
                } else {
                    "live"
                }
                .to_string(),
                match item.rank {
                    crate::store::Rank::Preferred => "preferred",
                    crate::store::Rank::History(_) => "history",
                }
                .to_string(),
                record.citation.selector.exact.clone(),
                record.citation.selector.start.to_string(),
                record.citation.selector.end.to_string(),
                record.citation.source.to_hex(),
                text(meta.and_then(|meta| meta.title.as_ref())),
                text(meta.and_then(|meta| meta.url.as_ref())),
                text(meta.and_then(|meta| meta.publisher.as_ref())),
                meta.and_then(|meta| meta.published.as_ref())
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                item.revisions
                    .iter()
                    .map(|(doc, number)| format!("{doc}@{number}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                record.recorded.clone(),
                record.actor.clone(),
            ];
            let row: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
            write!(out, "{}\r\n", row.join(","))?;
        }
    }
    Ok(())
}
