//! A set of ids held in about their own size: most in one sorted vector,
//! the newest few in a small hash set that is merged into it as it fills.
//! For `verify`'s sets of every source and claim the journal has recorded,
//! which a large store makes the largest thing it holds.

use std::collections::HashSet;
use std::hash::Hash;

/// How many ids wait in the hash set before they are merged into the
/// sorted vector: about a MiB of 32-byte ids.
const PENDING: usize = 1 << 15;

/// A set of ids: `contains` is a binary search of the sorted vector and a
/// look in the hash set. The vector is grown to its exact length at each
/// merge and merged into from its end, so it holds no spare room and is
/// never copied whole beside itself: 32 bytes an id, against about 60 in a
/// hash set (room kept free, and the old table beside the new one as it
/// grows).
#[derive(Debug)]
pub struct IdSet<T> {
    sorted: Vec<T>,
    pending: HashSet<T>,
    merge_at: usize,
}

impl<T: Copy + Ord + Hash> Default for IdSet<T> {
    fn default() -> Self {
        IdSet::with_pending(PENDING)
    }
}

impl<T: Copy + Ord + Hash> IdSet<T> {
    /// Returns an empty set that merges its hash set into its vector each
    /// time it holds `merge_at` ids.
    pub fn with_pending(merge_at: usize) -> IdSet<T> {
        IdSet {
            sorted: Vec::new(),
            pending: HashSet::new(),
            merge_at: merge_at.max(1),
        }
    }

    /// Returns true when the set holds `id`.
    pub fn contains(&self, id: &T) -> bool {
        self.pending.contains(id) || self.sorted.binary_search(id).is_ok()
    }

    /// Adds `id`; returns true when it was not there yet.
    pub fn insert(&mut self, id: T) -> bool {
        if self.sorted.binary_search(&id).is_ok() || !self.pending.insert(id) {
            return false;
        }
        if self.pending.len() >= self.merge_at {
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
    pub fn into_sorted(mut self) -> Vec<T> {
        self.merge();
        self.sorted
    }

    /// Moves the hash set's ids into the sorted vector.
    fn merge(&mut self) {
        let mut new: Vec<T> = self.pending.drain().collect();
        let Some(&filler) = new.first() else {
            return;
        };
        new.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(new.len());
        self.sorted.resize(old + new.len(), filler);
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
        self.pending = HashSet::new();
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
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 500) as u32
        };
        let mut set = IdSet::with_pending(7);
        let mut model = BTreeSet::new();
        for _ in 0..3000 {
            let id = next();
            assert_eq!(set.contains(&id), model.contains(&id), "contains {id}");
            assert_eq!(set.insert(id), model.insert(id), "insert {id}");
            let probe = next();
            assert_eq!(
                set.contains(&probe),
                model.contains(&probe),
                "contains {probe}"
            );
            assert_eq!(set.len(), model.len());
        }
        assert!(set.sorted.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(set.sorted.len() + set.pending.len(), model.len());
        assert!(set.sorted.len() > 400, "merged many times");
        assert_eq!(set.sorted.capacity(), set.sorted.len());
        let every: Vec<u32> = model.into_iter().collect();
        assert_eq!(set.into_sorted(), every);
        assert_eq!(IdSet::<u32>::default().len(), 0);
    }
}
