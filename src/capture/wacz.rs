//! WACZ 1.1.1 (Webrecorder's Web Archive Collection Zipped): a zip file
//! whose `archive/` folder holds WARC files and whose `datapackage.json`
//! states each file's SHA-256 and size. provdb reads the WARC files in it
//! after checking them against the package, and the package against
//! `datapackage-digest.json` when there is one; indexes and page lists are
//! not needed to import the captures and are left unread.

use std::io::{Read, Seek};

use sha2::Digest;

/// The most WARC bytes read from one WACZ, decompressed.
pub const LIMIT: u64 = 1 << 30;

/// The most files a WACZ may hold.
const MAX_ENTRIES: usize = 100_000;

/// The most bytes read of `datapackage.json` or its digest.
const PACKAGE_LIMIT: u64 = 16 << 20;

/// Every WARC file of the package, in the order the package lists them,
/// decompressed and joined: the records of all its captures.
pub fn warc_records<R: Read + Seek>(reader: R) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|error| format!("is not a readable zip file ({error}); a WACZ is a zip file"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "holds {} files, over the {MAX_ENTRIES} provdb reads from a WACZ; split it",
            zip.len()
        ));
    }
    let package = read_entry(&mut zip, "datapackage.json", PACKAGE_LIMIT)?.ok_or(
        "has no datapackage.json, so it is not a WACZ; give a WARC file with --format warc",
    )?;
    if let Some(digest) = read_entry(&mut zip, "datapackage-digest.json", PACKAGE_LIMIT)? {
        let digest: serde_json::Value = serde_json::from_slice(&digest)
            .map_err(|error| format!("its datapackage-digest.json is not JSON ({error})"))?;
        let stated = digest
            .get("hash")
            .and_then(|hash| hash.as_str())
            .ok_or("its datapackage-digest.json states no hash of datapackage.json")?;
        check_hash("datapackage.json", stated, &package)?;
    }
    let package: serde_json::Value = serde_json::from_slice(&package)
        .map_err(|error| format!("its datapackage.json is not JSON ({error})"))?;
    let resources = package
        .get("resources")
        .and_then(|resources| resources.as_array())
        .ok_or("its datapackage.json has no list of resources")?;
    let mut listed = Vec::new();
    let mut paths = std::collections::HashSet::new();
    for resource in resources {
        let path = resource
            .get("path")
            .and_then(|path| path.as_str())
            .ok_or("a resource of its datapackage.json has no path")?;
        if !path.starts_with("archive/") {
            continue;
        }
        let hash = resource
            .get("hash")
            .and_then(|hash| hash.as_str())
            .ok_or_else(|| format!("its datapackage.json states no hash for {path}"))?;
        if !paths.insert(path.to_string()) {
            return Err(format!(
                "its datapackage.json lists {path} twice; the package is malformed"
            ));
        }
        listed.push((
            path.to_string(),
            hash.to_string(),
            resource.get("bytes").and_then(|bytes| bytes.as_u64()),
        ));
    }
    // A WARC file in the zip that the package does not list could have
    // been put there afterwards: nothing vouches for it.
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .collect();
    if let Some(unlisted) = names.iter().find(|name| {
        name.starts_with("archive/") && !name.ends_with('/') && !paths.contains(name.as_str())
    }) {
        return Err(format!(
            "holds {unlisted}, which its datapackage.json does not list; the file was altered or is incomplete"
        ));
    }
    if listed.is_empty() {
        return Err("lists no WARC file under archive/ in its datapackage.json".into());
    }
    let mut records = Vec::new();
    // The WARC files as stored (compressed or not) count against one
    // budget, as the records they hold against another.
    let mut read = 0u64;
    for (path, hash, bytes) in &listed {
        let file = read_entry(&mut zip, path, LIMIT - read)?.ok_or_else(|| {
            format!("lists {path} in its datapackage.json, but the zip does not hold it")
        })?;
        if let Some(stated) = bytes {
            if *stated != file.len() as u64 {
                return Err(format!(
                    "{path} is {} bytes, but its datapackage.json says {stated}; the file was altered or damaged",
                    file.len()
                ));
            }
        }
        read += file.len() as u64;
        check_hash(path, hash, &file)?;
        let room = LIMIT + 1 - records.len() as u64;
        let read = if file.starts_with(&[0x1f, 0x8b]) {
            flate2::read::MultiGzDecoder::new(file.as_slice())
                .take(room)
                .read_to_end(&mut records)
        } else {
            file.as_slice().take(room).read_to_end(&mut records)
        };
        read.map_err(|error| format!("{path} does not read as a WARC file ({error})"))?;
        if records.len() as u64 > LIMIT {
            return Err("holds more than 1 GiB of WARC records; split it".into());
        }
    }
    Ok(records)
}

/// The bytes of one entry, at most `limit` (more is an error), or `None`
/// when the zip holds no entry of that name.
fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, String> {
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(format!("cannot read {name} from the zip ({error})")),
    };
    if entry.encrypted() {
        return Err(format!(
            "{name} is encrypted in the zip; give an unencrypted WACZ"
        ));
    }
    let mut bytes = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            format!("cannot read {name} from the zip ({error}); the file is damaged")
        })?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{name} is over what provdb reads from one WACZ ({} MB of WARC files in all, {} MB for the package's description); split the WACZ",
            LIMIT >> 20,
            PACKAGE_LIMIT >> 20
        ));
    }
    Ok(Some(bytes))
}

/// Checks a `sha256:HEX` hash as the package states it.
fn check_hash(path: &str, stated: &str, bytes: &[u8]) -> Result<(), String> {
    let Some(hex) = stated.strip_prefix("sha256:") else {
        return Err(format!(
            "its package states {path}'s hash as {stated:?}; provdb checks sha256: hashes only, so it cannot vouch for the file"
        ));
    };
    let actual = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes));
    if !actual.eq_ignore_ascii_case(hex) {
        return Err(format!(
            "{path} does not match the SHA-256 its package states; the file was altered or damaged"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A zip of the named entries, stored uncompressed.
    fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("ok");
            writer.write_all(bytes).expect("ok");
        }
        writer.finish().expect("ok");
        out.into_inner()
    }

    fn package(path: &str, bytes: &[u8]) -> Vec<u8> {
        // SHA-256 computed by the same digest the checks use; the empty
        // string's, e3b0c442…b855, is asserted below as an independent anchor.
        let hash = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes));
        serde_json::to_vec(&serde_json::json!({
            "profile": "data-package",
            "resources": [{"name": "x", "path": path, "hash": format!("sha256:{hash}"), "bytes": bytes.len()}],
        }))
        .expect("ok")
    }

    #[test]
    fn sha256_is_the_standard_one() {
        // FIPS 180-4 test vector: SHA-256 of the empty string.
        assert!(check_hash(
            "x",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            b""
        )
        .is_ok());
        // And of "abc".
        assert!(check_hash(
            "x",
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            b"abc"
        )
        .is_ok());
        assert!(
            check_hash("x", "md5:900150983cd24fb0d6963f7d28e17f72", b"abc")
                .expect_err("refused")
                .contains("sha256: hashes only")
        );
    }

    #[test]
    fn reads_the_listed_warc_files_and_refuses_altered_ones() {
        let warc = b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 0\r\n\r\n\r\n\r\n";
        let good = zipped(&[
            ("archive/data.warc", warc),
            ("datapackage.json", &package("archive/data.warc", warc)),
        ]);
        assert_eq!(warc_records(std::io::Cursor::new(good)).expect("ok"), warc);

        let mut changed = warc.to_vec();
        changed[0] = b'w';
        let altered = zipped(&[
            ("archive/data.warc", &changed),
            ("datapackage.json", &package("archive/data.warc", warc)),
        ]);
        let error = warc_records(std::io::Cursor::new(altered)).expect_err("refused");
        assert!(error.contains("does not match the SHA-256"), "{error}");

        let extra = zipped(&[
            ("archive/data.warc", warc),
            ("archive/more.warc", warc),
            ("datapackage.json", &package("archive/data.warc", warc)),
        ]);
        let error = warc_records(std::io::Cursor::new(extra)).expect_err("refused");
        assert!(
            error.contains("archive/more.warc, which its datapackage.json does not list"),
            "{error}"
        );

        let bare = zipped(&[("archive/data.warc", warc)]);
        let error = warc_records(std::io::Cursor::new(bare)).expect_err("refused");
        // A path listed twice is refused (it would be read and hashed twice).
        let twice = serde_json::to_vec(&serde_json::json!({"resources": [
            {"path": "archive/data.warc", "hash": "sha256:00"},
            {"path": "archive/data.warc", "hash": "sha256:00"},
        ]}))
        .expect("ok");
        let doubled = zipped(&[("archive/data.warc", warc), ("datapackage.json", &twice)]);
        let twice_error = warc_records(std::io::Cursor::new(doubled)).expect_err("refused");
        assert!(
            twice_error.contains("lists archive/data.warc twice"),
            "{twice_error}"
        );
        assert!(error.contains("has no datapackage.json"), "{error}");

        let error = warc_records(std::io::Cursor::new(warc.to_vec())).expect_err("refused");
        assert!(error.contains("is not a readable zip file"), "{error}");

        // A gzip WARC file (one member), and a digest file that holds.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(warc).expect("gzip");
        let gzipped = gz.finish().expect("gzip");
        let described = package("archive/data.warc.gz", &gzipped);
        let digest = serde_json::to_vec(&serde_json::json!({
            "path": "datapackage.json",
            "hash": format!("sha256:{}", data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&described))),
        }))
        .expect("ok");
        let whole = zipped(&[
            ("archive/data.warc.gz", &gzipped),
            ("datapackage.json", &described),
            ("datapackage-digest.json", &digest),
        ]);
        assert_eq!(
            warc_records(std::io::Cursor::new(whole)).expect("read"),
            warc
        );

        // The package itself is checked against its digest file.
        let package_bytes = package("archive/data.warc", warc);
        let digest = serde_json::to_vec(
            &serde_json::json!({"path": "datapackage.json", "hash": "sha256:00"}),
        )
        .expect("ok");
        let forged = zipped(&[
            ("archive/data.warc", warc),
            ("datapackage.json", &package_bytes),
            ("datapackage-digest.json", &digest),
        ]);
        let error = warc_records(std::io::Cursor::new(forged)).expect_err("refused");
        assert!(error.contains("datapackage.json does not match"), "{error}");
    }
}
