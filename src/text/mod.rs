//! Text: reading what people write and finding it again. Pure functions over
//! strings and bytes, no I/O: quotes and their context (`anchor`), following
//! quotes into a new revision (`carry`), the folding quotes are matched
//! under (`fold`), the text of web pages and of other encodings (`html`,
//! `encoding`), whether bytes are quotable text (`plain`), dates
//! (`dates`), claim values
//! (`values`), the figures a draft states (`figures`) and the identity
//! keys of names (`normalize`).

pub mod anchor;
pub mod carry;
pub mod coverage;
pub mod dates;
pub mod encoding;
pub mod extent;
pub mod figures;
pub mod fold;
pub mod html;
pub mod normalize;
pub mod plain;
pub mod stated;
pub mod values;
pub mod xpath;
