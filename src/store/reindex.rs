//! `reindex`: the index rebuilt from the journal beside the old one and swapped in.

use std::fs;
use std::path::Path;

use crate::storage::crash::{self, Op};
use crate::storage::index::{self, Index};
use crate::storage::journal::Journal;
use crate::storage::objects::{self, Objects};

use super::{
    check_format, io_error, is_read_only, remove_any, sync_index, OpenOptions, StoreError,
};

/// Rebuilds the index from the journal: builds `index.new`, then swaps it
/// in; then removes the object files no journal entry records (bytes an
/// interrupted add stored but never recorded). Returns how many entries
/// were applied and how many objects removed.
pub fn reindex(root: &Path, options: &mut OpenOptions<'_>) -> Result<(u64, usize), StoreError> {
    if !root.is_dir() {
        return Err(StoreError::NotAStore {
            path: root.to_path_buf(),
        });
    }
    check_format(root)?;
    let _lock = crate::storage::lock::acquire(root, options)?;
    if is_read_only(root) {
        return Err(StoreError::ReadOnly {
            path: root.to_path_buf(),
        });
    }
    let (journal, _) = Journal::open(&root.join("journal"))?;
    let building = root.join("index.new");
    remove_any(&building)?;
    let built = (|| -> Result<u64, StoreError> {
        let index = Index::open(&building)?;
        let applied = sync_index(&journal, &index);
        let closed = index.close(&building);
        let applied = applied?;
        closed?;
        Ok(applied)
    })();
    let applied = match built {
        Ok(applied) => applied,
        Err(error) => {
            // A failed rebuild leaves nothing behind; the old index stays.
            let _ = remove_any(&building);
            return Err(error);
        }
    };
    // The old index is renamed aside whole, the new one renamed into place,
    // then the old one removed: a kill never leaves a half-removed index/.
    // Between the two renames there is no index: the next command rebuilds
    // it from the journal, and `verify` checks the journal against one built
    // outside the store, with a notice.
    let live = root.join("index");
    let old = root.join("index.old");
    remove_any(&old)?;
    if fs::symlink_metadata(&live).is_ok() {
        crash::point(Op::Rename, "index aside");
        fs::rename(&live, &old).map_err(io_error("renaming aside", &live))?;
    }
    crash::point(Op::Rename, "index.new into place");
    fs::rename(&building, &live).map_err(io_error("renaming into", &live))?;
    objects::sync_dir(root)?;
    // A marker left by an interrupted write belonged to the index just replaced.
    remove_any(&index::writing_marker(&live))?;
    remove_any(&old)?;
    objects::sync_dir(root)?;
    // Under the lock no command is between storing an object and recording
    // it: an object no entry records was left by one that was killed.
    let index = Index::open(&live)?;
    let objects = Objects::new(root.join("objects"));
    let mut removed = 0;
    let mut layers = index.layer_objects()?;
    layers.extend(
        index
            .captures()?
            .into_iter()
            .map(|record| record.capture.warc),
    );
    for (_, id) in objects.list()? {
        let Some(id) = id else { continue };
        if !index.has_source(&id)? && !layers.contains(&id) {
            objects.remove_created(&id);
            removed += 1;
        }
    }
    index.close(&live)?;
    objects.remove_incoming();
    // The search index is derived as well: the next search builds it again.
    remove_any(&root.join(super::SEARCH_DIR))?;
    Ok((applied, removed))
}
