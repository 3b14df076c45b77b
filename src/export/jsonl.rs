//! JSON Lines: one record per line for each source, claim, citation and review (schema/export-
//! jsonl.schema.json).

use super::Records;
use serde_json::json;

pub fn write(records: &Records, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use crate::export::json as shapes;
    for (record, revisions, citations) in &records.sources {
        let mut value = shapes::source(record, revisions, Some(*citations));
        value["type"] = json!("source");
        writeln!(out, "{value}")?;
    }
    for summary in &records.claims {
        let mut value = shapes::claim(&summary.record);
        value["type"] = json!("claim");
        value["live"] = json!(summary.live);
        value["retracted"] = json!(summary.retracted);
        writeln!(out, "{value}")?;
    }
    for trace in &records.traces {
        for item in &trace.citations {
            let mut value = shapes::citation(item);
            value["type"] = json!("citation");
            writeln!(out, "{value}")?;
        }
    }
    for record in &records.reviews {
        let mut value = shapes::review(record);
        value["type"] = json!("review");
        writeln!(out, "{value}")?;
    }
    Ok(())
}
