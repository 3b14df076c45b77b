//! A set of ids held in about their own size: most in one sorted vector,
//! the newest few in a small hash set that is merged into it as it fills.
//! For the sets that grow with a store: `verify`'s of every source and
//! claim the journal has recorded. It names no other module, so any layer
//! may use it.

use std::collections::HashSet;

/// How many ids wait in the hash set, at least, before they are merged into
/// the sorted vector: about a MiB of 32-byte ids.
const PENDING: usize = 1 << 15;

/// An id's first two bytes, the fence it falls under.
fn fence_of<const N: usize>(id: &[u8; N]) -> usize {
    usize::from(u16::from_be_bytes([id[0], id[1]]))
}

/// A set of N-byte ids (hashes, so spread evenly; N at least 2): `contains` looks in the
/// hash set, then searches the few ids of the sorted vector that share the
/// id's first two bytes, found through a table of where each such run
/// starts (65,537 places, 512 KiB), so that a look costs a cache miss or
/// two rather than a whole binary search's. The vector is grown to its
/// exact length at each merge and merged into from its end, so it holds no
/// spare room and is never copied whole beside itself: N bytes an id,
/// against about twice that in a hash set (room kept free, and the old
/// table beside the new one as it grows).
#[derive(Debug)]
pub struct IdSet<const N: usize> {
    sorted: Vec<[u8; N]>,
    /// `fences[p]` is where the ids whose first two bytes are `p` start in
    /// `sorted`; `fences[65536]` is its length. Empty until the first merge.
    fences: Vec<usize>,
    pending: HashSet<[u8; N]>,
    merge_at: usize,
}

impl<const N: usize> Default for IdSet<N> {
    fn default() -> Self {
        IdSet::with_pending(PENDING)
    }
}

impl<const N: usize> IdSet<N> {
    /// Returns an empty set that merges its hash set into its vector each
    /// time it holds `merge_at` ids, or a sixteenth of the vector's if more.
    pub fn with_pending(merge_at: usize) -> IdSet<N> {
        const { assert!(N >= 2, "an IdSet's fences are its ids' first two bytes") };
        IdSet {
            sorted: Vec::new(),
            fences: Vec::new(),
            pending: HashSet::new(),
            merge_at: merge_at.max(1),
        }
    }

    /// Returns true when the set holds `id`.
    pub fn contains(&self, id: &[u8; N]) -> bool {
        self.pending.contains(id) || self.in_sorted(id)
    }

    /// Returns true when the sorted vector holds `id`.
    fn in_sorted(&self, id: &[u8; N]) -> bool {
        if self.fences.is_empty() {
            return false;
        }
        let fence = fence_of(id);
        self.sorted[self.fences[fence]..self.fences[fence + 1]]
            .binary_search(id)
            .is_ok()
    }

    /// Adds `id`; returns true when it was not there yet.
    pub fn insert(&mut self, id: [u8; N]) -> bool {
        if self.in_sorted(&id) || !self.pending.insert(id) {
            return false;
        }
        // Each merge moves nearly every id in the vector (they are spread
        // evenly), so the hash set may grow to a sixteenth of it: a set of
        // n ids is merged about 16·ln(n / merge_at) times, not n / merge_at.
        if self.pending.len() >= self.merge_at.max(self.sorted.len() / 16) {
            self.merge();
        }
        true
    }

    /// Returns how many ids it holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.sorted.len() + self.pending.len()
    }

    /// Returns every id, in order.
    pub fn into_sorted(mut self) -> Vec<[u8; N]> {
        self.merge();
        self.sorted
    }

    /// Moves the hash set's ids into the sorted vector, and places the
    /// fences again.
    fn merge(&mut self) {
        let mut new: Vec<[u8; N]> = self.pending.drain().collect();
        self.pending = HashSet::new();
        if new.is_empty() {
            return;
        }
        new.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(new.len());
        self.sorted.resize(old + new.len(), [0; N]);
        // From the end: the larger of the two heads goes last; the slots
        // past `old` are free, and `at` never overtakes an unread old id.
        let (mut from_old, mut from_new) = (old, new.len());
        for at in (0..self.sorted.len()).rev() {
            if from_new == 0 {
                break;
            }
            if from_old > 0 && self.sorted[from_old - 1] > new[from_new - 1] {
                self.sorted[at] = self.sorted[from_old - 1];
                from_old -= 1;
            } else {
                self.sorted[at] = new[from_new - 1];
                from_new -= 1;
            }
        }
        self.fences.clear();
        self.fences.reserve_exact(1 << 16 | 1);
        for (at, id) in self.sorted.iter().enumerate() {
            while self.fences.len() <= fence_of(id) {
                self.fences.push(at);
            }
        }
        self.fences.resize(1 << 16 | 1, self.sorted.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Inserts and looks up ids from a deterministic generator (xorshift,
    /// a small range so that some repeat) in a set that merges every 7,
    /// beside a `BTreeSet` given the same calls: every answer, and the
    /// length, agree; after a merge the vector is sorted and as long as the
    /// ids merged, with no spare room.
    #[test]
    fn an_id_set_answers_as_a_btree_set_across_merges() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        // Ids from 500 numbers: first bytes from a few values, so that some
        // fences hold several ids and most none, and the first and last
        // fences (0x0000, 0xffff) are used.
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let number = (state % 500) as u32;
            let mut id = [0u8; 32];
            id[0] = [0x00, 0x00, 0x41, 0xff][number as usize % 4];
            id[1] = if id[0] == 0xff {
                0xff
            } else {
                (number % 3) as u8
            };
            id[2..6].copy_from_slice(&number.to_be_bytes());
            id
        };
        let mut set = IdSet::<32>::with_pending(7);
        let mut model = BTreeSet::new();
        for _ in 0..3000 {
            let id = next();
            assert_eq!(set.contains(&id), model.contains(&id), "contains {id:?}");
            assert_eq!(set.insert(id), model.insert(id), "insert {id:?}");
            let probe = next();
            assert_eq!(
                set.contains(&probe),
                model.contains(&probe),
                "contains {probe:?}"
            );
            assert_eq!(set.len(), model.len());
        }
        assert!(set.sorted.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(set.sorted.len() + set.pending.len(), model.len());
        assert!(set.sorted.len() > 400, "merged many times");
        assert!(set.pending.len() <= (set.sorted.len() / 16).max(7));
        assert_eq!(set.sorted.capacity(), set.sorted.len());
        let every: Vec<[u8; 32]> = model.into_iter().collect();
        assert_eq!(set.into_sorted(), every);
        assert_eq!(IdSet::<16>::default().len(), 0);
    }
}
