//! The Merkle tree of RFC 6962 / RFC 9162 §2.1, generic over its hash.
//!
//! leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖ right), the tree of n > 1
//! leaves splits at the largest power of two smaller than n, and the tree of
//! no leaves hashes to H(""). provdb's log tree is SHA-256 ([`Sha256`],
//! [`LOG_TREE`]), the tree C2SP checkpoints and witnesses compute; stores
//! and proofs made before it used BLAKE3 ([`Blake3`]), and [`TreeHash`]
//! names which one a checkpoint, proof or receipt was made with.
//!
//! Proofs are built from subtree hashes that a caller supplies, so a store
//! can keep the hashes of large complete subtrees and rehash only a few
//! leaves per proof: O(log n) hashes, never a rescan of the log.
//!
//! **Policy on empty trees:** a tree of size 0 commits to nothing, so no
//! proof involves one. Inclusion in a tree of size 0 and consistency from or
//! to size 0 are rejected, whatever the roots and proof (schema/audit.md).
//! This module does no I/O.

use std::ops::Range;

/// A hash value.
pub type Digest = [u8; 32];

/// The hash a tree is built with.
pub trait TreeHasher {
    /// The root of the tree of no leaves: H of the empty string.
    fn empty(&self) -> Digest;
    /// A leaf's hash: H(0x00 ‖ data).
    fn leaf(&self, data: &[u8]) -> Digest;
    /// An inner node's hash: H(0x01 ‖ left ‖ right).
    fn node(&self, left: &Digest, right: &Digest) -> Digest;
}

/// BLAKE3: the tree hash of checkpoints and proofs made before SHA-256.
#[derive(Debug, Clone, Copy, Default)]
pub struct Blake3;

impl TreeHasher for Blake3 {
    fn empty(&self) -> Digest {
        *blake3::hash(b"").as_bytes()
    }

    fn leaf(&self, data: &[u8]) -> Digest {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[0]);
        hasher.update(data);
        *hasher.finalize().as_bytes()
    }

    fn node(&self, left: &Digest, right: &Digest) -> Digest {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[1]);
        hasher.update(left);
        hasher.update(right);
        *hasher.finalize().as_bytes()
    }
}

/// SHA-256 (FIPS 180-4), the hash of RFC 6962 and of C2SP tlog-checkpoint:
/// provdb's log tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sha256;

impl TreeHasher for Sha256 {
    fn empty(&self) -> Digest {
        use sha2::Digest as _;
        sha2::Sha256::digest(b"").into()
    }

    fn leaf(&self, data: &[u8]) -> Digest {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update([0u8]);
        hasher.update(data);
        hasher.finalize().into()
    }

    fn node(&self, left: &Digest, right: &Digest) -> Digest {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update([1u8]);
        hasher.update(left);
        hasher.update(right);
        hasher.finalize().into()
    }
}

/// Which hash a tree was built with. Checkpoints, proofs and receipts
/// record it; the ones made before SHA-256 carry none and are BLAKE3.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TreeHash {
    /// BLAKE3: the tree of stores, checkpoints and proofs made before SHA-256.
    #[default]
    Blake3,
    /// SHA-256: the RFC 6962 tree, provdb's log tree now.
    Sha256,
}

/// The hash of the tree provdb keeps over its journal and takes checkpoints of.
pub const LOG_TREE: TreeHash = TreeHash::Sha256;

impl TreeHash {
    /// True for BLAKE3 (the default, left out of records).
    pub fn is_blake3(&self) -> bool {
        *self == TreeHash::Blake3
    }

    /// Its name as records write it.
    pub fn name(self) -> &'static str {
        match self {
            TreeHash::Blake3 => "blake3",
            TreeHash::Sha256 => "sha256",
        }
    }
}

impl TreeHasher for TreeHash {
    fn empty(&self) -> Digest {
        match self {
            TreeHash::Blake3 => Blake3.empty(),
            TreeHash::Sha256 => Sha256.empty(),
        }
    }

    fn leaf(&self, data: &[u8]) -> Digest {
        match self {
            TreeHash::Blake3 => Blake3.leaf(data),
            TreeHash::Sha256 => Sha256.leaf(data),
        }
    }

    fn node(&self, left: &Digest, right: &Digest) -> Digest {
        match self {
            TreeHash::Blake3 => Blake3.node(left, right),
            TreeHash::Sha256 => Sha256.node(left, right),
        }
    }
}

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A tree of size 0 was involved (see the module's policy).
    #[error("a tree of size 0 commits to nothing; no proof involves one")]
    EmptyTree,
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// The older tree is larger than the newer one.
    #[error("the first tree size {first} is larger than the second {second}")]
    SizesReversed {
        /// The first size.
        first: u64,
        /// The second size.
        second: u64,
    },
    /// A hash is not 32 bytes.
    #[error("a hash in the proof is {0} bytes, not 32")]
    BadHashLength(usize),
    /// The proof has the wrong number of hashes for the sizes given.
    #[error("the proof has {got} hashes; these sizes need {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes needed.
        want: usize,
    },
    /// The recomputed root differs from the one given.
    #[error("the proof does not lead to the given root")]
    RootMismatch,
}

/// The largest power of two smaller than `n` (n ≥ 2).
pub fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Builds the root of the leaves in `range`, asking `subtree` for the hash
/// of any complete part it can give (`None`: split further) and `leaf` for
/// single leaves' hashes.
pub fn subtree_root<H: TreeHasher, E>(
    hasher: &H,
    range: Range<u64>,
    subtree: &mut dyn FnMut(Range<u64>) -> Result<Option<Digest>, E>,
) -> Result<Digest, E> {
    let size = range.end - range.start;
    if size == 0 {
        return Ok(hasher.empty());
    }
    if let Some(known) = subtree(range.clone())? {
        return Ok(known);
    }
    assert!(size > 1, "the subtree source must give every single leaf");
    let k = split(size);
    let left = subtree_root(hasher, range.start..range.start + k, subtree)?;
    let right = subtree_root(hasher, range.start + k..range.end, subtree)?;
    Ok(hasher.node(&left, &right))
}

/// The inclusion proof of leaf `index` in the tree of the first `size`
/// leaves (RFC 9162 §2.1.3.1), with subtree hashes from `subtree`.
pub fn inclusion_proof<H: TreeHasher, E>(
    hasher: &H,
    index: u64,
    size: u64,
    subtree: &mut dyn FnMut(Range<u64>) -> Result<Option<Digest>, E>,
) -> Result<Vec<Digest>, E> {
    let mut path = Vec::new();
    let (mut start, mut end) = (0u64, size);
    // Walk down from the root; record the sibling of each step, then reverse.
    while end - start > 1 {
        let k = split(end - start);
        if index < start + k {
            path.push(subtree_root(hasher, start + k..end, subtree)?);
            end = start + k;
        } else {
            path.push(subtree_root(hasher, start..start + k, subtree)?);
            start += k;
        }
    }
    path.reverse();
    Ok(path)
}

/// The consistency proof between the trees of the first `first` and
/// `second` leaves (RFC 9162 §2.1.4.1).
pub fn consistency_proof<H: TreeHasher, E>(
    hasher: &H,
    first: u64,
    second: u64,
    subtree: &mut dyn FnMut(Range<u64>) -> Result<Option<Digest>, E>,
) -> Result<Vec<Digest>, E> {
    let mut path = Vec::new();
    if first == 0 || first >= second {
        return Ok(path);
    }
    // SUBPROOF(m, D[start..end], b), unrolled.
    let (mut m, mut start, mut end, mut whole) = (first, 0u64, second, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                path.push(subtree_root(hasher, start..end, subtree)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            path.push(subtree_root(hasher, start + k..end, subtree)?);
            end = start + k;
        } else {
            path.push(subtree_root(hasher, start..start + k, subtree)?);
            start += k;
            m -= k;
            whole = false;
        }
    }
    path.reverse();
    Ok(path)
}

fn digest(bytes: &[u8]) -> Result<Digest, ProofError> {
    bytes
        .try_into()
        .map_err(|_| ProofError::BadHashLength(bytes.len()))
}

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves
/// whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion<H: TreeHasher>(
    hasher: &H,
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), ProofError> {
    if size == 0 {
        return Err(ProofError::EmptyTree);
    }
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut hash = digest(leaf_hash)?;
    let (mut fn_, mut sn) = (index, size - 1);
    for item in proof {
        let item = digest(item)?;
        if sn == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: inclusion_length(index, size),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            hash = hasher.node(&item, &hash);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            hash = hasher.node(&hash, &item);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inclusion_length(index, size),
        });
    }
    if hash.as_slice() != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// How many hashes an inclusion proof of `index` in `size` leaves has.
fn inclusion_length(index: u64, size: u64) -> usize {
    let (mut start, mut end, mut length) = (0u64, size, 0);
    while end - start > 1 {
        let k = split(end - start);
        if index < start + k {
            end = start + k;
        } else {
            start += k;
        }
        length += 1;
    }
    length
}

/// Checks that the tree of `second` leaves with root `second_root` extends
/// the tree of `first` leaves with root `first_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency<H: TreeHasher>(
    hasher: &H,
    first: u64,
    second: u64,
    proof: &[Vec<u8>],
    first_root: &[u8],
    second_root: &[u8],
) -> Result<(), ProofError> {
    if first == 0 || second == 0 {
        return Err(ProofError::EmptyTree);
    }
    if first > second {
        return Err(ProofError::SizesReversed { first, second });
    }
    if first == second {
        // The same tree: the roots must be the same bytes, and nothing proves more.
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let first_root = digest(first_root)?;
    let second_root = digest(second_root)?;
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, want: 1 });
    }
    let mut path: Vec<Digest> = proof
        .iter()
        .map(|item| digest(item))
        .collect::<Result<_, _>>()?;
    if first.is_power_of_two() {
        path.insert(0, first_root);
    }
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for item in &path[1..] {
        if sn == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = hasher.node(item, &fr);
            sr = hasher.node(item, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = hasher.node(&sr, item);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 || fr != first_root || sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// A tree held in memory as its leaf hashes: for tests and small logs.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// The leaf hashes, in order.
    pub leaves: Vec<Digest>,
}

impl MemoryTree {
    /// Gives single leaves only, so every inner hash is computed.
    pub fn subtree(
        &self,
    ) -> impl FnMut(Range<u64>) -> Result<Option<Digest>, std::convert::Infallible> + '_ {
        |range: Range<u64>| {
            Ok((range.end - range.start == 1).then(|| self.leaves[range.start as usize]))
        }
    }

    /// The root of the first `size` leaves.
    pub fn root<H: TreeHasher>(&self, hasher: &H, size: u64) -> Digest {
        let mut source = self.subtree();
        match subtree_root(hasher, 0..size, &mut source) {
            Ok(root) => root,
            Err(never) => match never {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_the_largest_power_of_two_below() {
        assert_eq!(
            [2, 3, 4, 5, 8, 9, 1 << 40].map(split),
            [1, 2, 2, 4, 4, 8, 1 << 39]
        );
    }

    /// The frontier's root equals the root computed from all leaves, at every
    /// size up to 2,100 (past eight blocks, so pending subtrees merge).
    #[test]
    fn the_frontier_root_matches_the_whole_tree() {
        let hasher = Blake3;
        let leaves: Vec<Digest> = (0..2100u32)
            .map(|i| hasher.leaf(&i.to_be_bytes()))
            .collect();
        let tree = MemoryTree {
            leaves: leaves.clone(),
        };
        let mut frontier = Frontier::default();
        let mut finished = Vec::new();
        for (at, leaf) in leaves.iter().enumerate() {
            finished.extend(frontier.push(&hasher, *leaf, at as u64 * 10, at as u64 * 10 + 10));
            let size = at as u64 + 1;
            if size.is_multiple_of(97) || size.is_multiple_of(256) || size < 5 {
                assert_eq!(
                    frontier.root(&hasher),
                    tree.root(&hasher, size),
                    "size {size}"
                );
            }
        }
        // 8 blocks (2,048 leaves): 8 at level 8, 4 at 9, 2 at 10, 1 at 11,
        // each the root of exactly its leaves.
        assert_eq!(finished.len(), 15);
        for item in &finished {
            let width = 1u64 << item.level;
            let start = item.index * width;
            let mut source = tree.subtree();
            let expected =
                subtree_root(&hasher, start..start + width, &mut source).expect("in memory");
            assert_eq!(
                item.hash, expected,
                "level {} index {}",
                item.level, item.index
            );
        }
        assert_eq!(finished[0].span, Some((0, 2560)));
    }

    /// Every proof this module builds for trees of 1 to 40 leaves verifies,
    /// and a proof for another leaf, size or root does not.
    #[test]
    fn proofs_built_here_verify_and_nothing_else_does() {
        let hasher = Blake3;
        let tree = MemoryTree {
            leaves: (0..40u8).map(|i| hasher.leaf(&[i])).collect(),
        };
        let as_vecs = |proof: &[Digest]| proof.iter().map(|d| d.to_vec()).collect::<Vec<_>>();
        for size in 1..=40u64 {
            let root = tree.root(&hasher, size);
            for index in 0..size {
                let mut source = tree.subtree();
                let proof = inclusion_proof(&hasher, index, size, &mut source).expect("proof");
                let leaf = tree.leaves[index as usize];
                let proof = as_vecs(&proof);
                assert_eq!(
                    verify_inclusion(&hasher, index, size, &leaf, &proof, &root),
                    Ok(())
                );
                let other = tree.leaves[((index + 1) % 40) as usize];
                assert!(verify_inclusion(&hasher, index, size, &other, &proof, &root).is_err());
            }
            for first in 1..=size {
                let mut source = tree.subtree();
                let proof = consistency_proof(&hasher, first, size, &mut source).expect("proof");
                let first_root = tree.root(&hasher, first);
                let proof = as_vecs(&proof);
                assert_eq!(
                    verify_consistency(&hasher, first, size, &proof, &first_root, &root),
                    Ok(()),
                    "{first} {size}"
                );
                if first < size {
                    let wrong = tree.root(&hasher, first + 1);
                    assert!(
                        verify_consistency(&hasher, first, size, &proof, &wrong, &root).is_err()
                    );
                }
            }
        }
    }
}

/// The leaves a block holds: subtrees of this many leaves (level 8) are the
/// smallest whose hashes the index keeps; anything smaller is rehashed
/// from at most one block of journal lines.
pub const BLOCK_LEAVES: u64 = 256;

/// The level of a block: `BLOCK_LEAVES` = 2^8.
pub const BLOCK_LEVEL: u8 = 8;

/// A complete subtree the frontier finished: its level (log2 of its leaf
/// count), its index among the subtrees of that level, its hash, and for a
/// block the journal bytes its leaves span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// log2 of the number of leaves.
    pub level: u8,
    /// Its position among subtrees of its level, from 0.
    pub index: u64,
    /// Its hash.
    pub hash: Digest,
    /// For a block: the journal bytes of its lines.
    pub span: Option<(u64, u64)>,
}

/// The right edge of the tree over a growing log: the leaf hashes of the
/// block being filled and the finished subtrees not yet merged into a
/// larger one (at most one per level, levels falling). Pushing a leaf
/// returns the subtrees it finished; from those and the frontier, every
/// root and proof follows without rereading finished blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontier {
    /// Leaves pushed so far.
    pub size: u64,
    /// Leaf hashes of the block being filled.
    pub block: Vec<Digest>,
    /// Where the first line of that block starts in the journal.
    pub block_start: u64,
    /// Finished subtrees awaiting their sibling: (level, hash), levels falling.
    pub pending: Vec<(u8, Digest)>,
}

impl Frontier {
    /// Adds the leaf hash of the journal line at `start..end`; returns the
    /// subtrees this leaf finished (none, or a block and its ancestors).
    pub fn push<H: TreeHasher>(
        &mut self,
        hasher: &H,
        leaf: Digest,
        start: u64,
        end: u64,
    ) -> Vec<Finished> {
        if self.block.is_empty() {
            self.block_start = start;
        }
        self.block.push(leaf);
        self.size += 1;
        let mut out = Vec::new();
        if self.block.len() as u64 == BLOCK_LEAVES {
            let block = MemoryTree {
                leaves: std::mem::take(&mut self.block),
            };
            let mut hash = block.root(hasher, BLOCK_LEAVES);
            let mut level = BLOCK_LEVEL;
            out.push(Finished {
                level,
                index: self.size / BLOCK_LEAVES - 1,
                hash,
                span: Some((self.block_start, end)),
            });
            while let Some(&(left_level, left)) = self.pending.last() {
                if left_level != level {
                    break;
                }
                self.pending.pop();
                hash = hasher.node(&left, &hash);
                level += 1;
                out.push(Finished {
                    level,
                    index: (self.size >> level) - 1,
                    hash,
                    span: None,
                });
            }
            self.pending.push((level, hash));
        }
        out
    }

    /// The root of the tree of all leaves pushed so far.
    pub fn root<H: TreeHasher>(&self, hasher: &H) -> Digest {
        if self.size == 0 {
            return hasher.empty();
        }
        // Right to left: the partial block, then each pending subtree.
        let mut right: Option<Digest> = (!self.block.is_empty()).then(|| {
            MemoryTree {
                leaves: self.block.clone(),
            }
            .root(hasher, self.block.len() as u64)
        });
        for (_, hash) in self.pending.iter().rev() {
            right = Some(match right {
                None => *hash,
                Some(right) => hasher.node(hash, &right),
            });
        }
        right.unwrap_or_else(|| hasher.empty())
    }
}
