//! b3sum-format manifests, written exactly as the reference `b3sum` writes
//! them: the 64-hex hash, two spaces, the name; a name holding a backslash
//! or a newline is escaped (`\\`, `\n`) and its line starts with a
//! backslash, so `b3sum --check` reads it back.

use crate::model::SourceId;

/// One manifest line for `hash` and `name`, with its newline.
pub fn line(hash: &SourceId, name: &str) -> String {
    if name.contains('\\') || name.contains('\n') {
        let escaped = name.replace('\\', "\\\\").replace('\n', "\\n");
        format!("\\{}  {escaped}\n", hash.to_hex())
    } else {
        format!("{}  {name}\n", hash.to_hex())
    }
}

/// Fills a revision name template: `{doc}` the slug, `{rev}` (or `{n}`)
/// the revision number (from 1), `{i}` the number from 0.
pub fn revision_name(template: &str, doc: &str, number: u32) -> String {
    template
        .replace("{doc}", doc)
        .replace("{rev}", &number.to_string())
        .replace("{n}", &number.to_string())
        .replace("{i}", &(number - 1).to_string())
}

/// Checks that a name is a relative path inside the export directory.
pub fn check_name(name: &str) -> Result<(), String> {
    let path = std::path::Path::new(name);
    if name.is_empty() {
        return Err("a revision's name is empty".into());
    }
    if name.contains('\0') {
        return Err(format!("{name:?} holds a NUL byte"));
    }
    if path.is_absolute()
        || name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(format!(
            "{name:?} is not a plain relative path (no leading /, no . or .. parts)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_as_b3sum_does() {
        let hash = SourceId([0xab; 32]);
        let hex = hash.to_hex();
        assert_eq!(line(&hash, "sp ace.txt"), format!("{hex}  sp ace.txt\n"));
        assert_eq!(
            line(&hash, "back\\slash.txt"),
            format!("\\{hex}  back\\\\slash.txt\n")
        );
        assert_eq!(
            line(&hash, "new\nline.txt"),
            format!("\\{hex}  new\\nline.txt\n")
        );
    }

    #[test]
    fn templates_and_bad_names() {
        assert_eq!(revision_name("{doc}/{i}.txt", "india", 1), "india/0.txt");
        assert_eq!(revision_name("{doc}@{n}", "india", 7), "india@7");
        assert_eq!(revision_name("{doc}/{rev}-{i}", "india", 7), "india/7-6");
        assert!(check_name("../x").is_err());
        assert!(check_name("/x").is_err());
        assert!(check_name("a/./b").is_err());
        assert!(check_name("a/b.txt").is_ok());
    }
}
