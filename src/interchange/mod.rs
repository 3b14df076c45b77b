//! Interchange: the formats provdb reads and writes for other tools. The
//! bundle tar file (`bundle`), b3sum manifests (`manifest`), W3C Web
//! Annotations (`annotation`) and schema.org ClaimReview (`claimreview`).

pub mod annotation;
pub mod bundle;
pub mod claimreview;
pub mod manifest;
