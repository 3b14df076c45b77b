//! Trust policies in the form of c2sp.org/tlog-policy: the logs trusted, the
//! witnesses known, and the quorum of cosignatures a checkpoint needs.

use std::collections::HashMap;

use crate::audit::note::{Note, NoteError, VerifierKey};

/// The most bytes a policy file may have.
pub const MAX_POLICY: usize = 64 * 1024;

/// A witness a policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// Its name in the policy (not its key name).
    pub name: String,
    /// Its cosignature key (type 0x04).
    pub key: VerifierKey,
    /// Its submission prefix, when given.
    pub url: Option<String>,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The logs trusted, with their URLs when given.
    pub logs: Vec<(VerifierKey, Option<String>)>,
    /// The witnesses known.
    pub witnesses: Vec<Witness>,
    /// Groups: name, threshold, members (in the order defined).
    groups: Vec<(String, usize, Vec<String>)>,
    /// The quorum: a witness, a group, or `none`.
    quorum: String,
}

/// What a checkpoint shows under a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The log key that signed it.
    pub log: String,
    /// The witnesses (policy names) whose cosignatures verified, with their timestamps.
    pub witnessed: Vec<(String, u64)>,
    /// The quorum rule, as the policy names it.
    pub quorum: String,
}

impl Policy {
    /// Parses a policy file's text; errors name the line and the fix.
    pub fn parse(text: &str) -> Result<Policy, String> {
        if text.len() > MAX_POLICY {
            return Err(format!("the policy is over {MAX_POLICY} bytes"));
        }
        let mut policy = Policy {
            logs: Vec::new(),
            witnesses: Vec::new(),
            groups: Vec::new(),
            quorum: String::new(),
        };
        let mut quorum: Option<String> = None;
        // Each name may be a group member once in the whole policy, so a
        // witness contributes to the quorum in one way only.
        let mut members_used: Vec<String> = Vec::new();
        for (number, raw) in text.split('\n').enumerate() {
            let at = |why: String| format!("line {}: {why}", number + 1);
            if let Some(c) = raw
                .bytes()
                .find(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f)
            {
                return Err(at(format!(
                    "the control character 0x{c:02x} is not allowed in a policy{}",
                    if c == b'\r' {
                        " (Windows line endings: save the file with \\n line endings)"
                    } else {
                        ""
                    }
                )));
            }
            let words: Vec<&str> = raw
                .split([' ', '\t'])
                .filter(|word| !word.is_empty())
                .collect();
            let Some(first) = words.first() else {
                continue;
            };
            if first.starts_with('#') {
                continue;
            }
            match (*first, words.len()) {
                ("log", 2 | 3) => {
                    let key = VerifierKey::parse(words[1]).map_err(|e| at(e.to_string()))?;
                    if key.is_witness() {
                        return Err(at(
                            "a log's key signs checkpoints (type 0x01), not cosignatures (0x04)"
                                .into(),
                        ));
                    }
                    if policy.logs.iter().any(|(known, _)| known.key == key.key) {
                        return Err(at("this log's key is listed twice".into()));
                    }
                    policy.logs.push((key, words.get(2).map(|url| url.to_string())));
                }
                ("witness", 3 | 4) => {
                    let name = words[1].to_string();
                    let key = VerifierKey::parse(words[2]).map_err(|e| at(e.to_string()))?;
                    if !key.is_witness() {
                        return Err(at(format!(
                            "witness {name}'s key is not a cosignature key (type 0x04); make one with `provdb key generate NAME --witness`"
                        )));
                    }
                    policy.define(&name).map_err(at)?;
                    if policy.witnesses.iter().any(|known| known.key.key == key.key) {
                        return Err(at(format!("witness {name}'s key is listed twice")));
                    }
                    policy.witnesses.push(Witness {
                        name,
                        key,
                        url: words.get(3).map(|url| url.to_string()),
                    });
                }
                ("group", n) if n >= 4 => {
                    let name = words[1].to_string();
                    let members: Vec<String> = words[3..].iter().map(|m| m.to_string()).collect();
                    for (i, member) in members.iter().enumerate() {
                        if *member == "none" {
                            return Err(at("`none` cannot be a group member".into()));
                        }
                        if !policy.is_defined(member) {
                            return Err(at(format!(
                                "{member} is not a witness or group defined on an earlier line"
                            )));
                        }
                        if members[..i].contains(member) {
                            return Err(at(format!("{member} is listed twice in the group")));
                        }
                        if members_used.contains(member) {
                            return Err(at(format!(
                                "{member} is already a member of another group; a name may be a member once, so that it counts once"
                            )));
                        }
                    }
                    let k = match words[2] {
                        "all" => members.len(),
                        "any" => 1,
                        number => number
                            .parse::<usize>()
                            .ok()
                            .filter(|k| {
                                *k >= 1
                                    && *k <= members.len()
                                    && !number.starts_with('0')
                                    && number.bytes().all(|b| b.is_ascii_digit())
                            })
                            .ok_or_else(|| {
                                at(format!(
                                    "the threshold {number:?} is not all, any or a number from 1 to {}",
                                    members.len()
                                ))
                            })?,
                    };
                    policy.define(&name).map_err(at)?;
                    members_used.extend(members.iter().cloned());
                    policy.groups.push((name, k, members));
                }
                ("quorum", 2) => {
                    if quorum.is_some() {
                        return Err(at("a policy has exactly one quorum line".into()));
                    }
                    let name = words[1];
                    if name != "none" && !policy.is_defined(name) {
                        return Err(at(format!(
                            "the quorum {name} is not a witness or group defined on an earlier line"
                        )));
                    }
                    quorum = Some(name.to_string());
                }
                _ => {
                    return Err(at(format!(
                        "{raw:?} is not `log VKEY [URL]`, `witness NAME VKEY [URL]`, `group NAME all|any|K NAME...` or `quorum NAME`"
                    )))
                }
            }
        }
        policy.quorum =
            quorum.ok_or("the policy has no quorum line (`quorum none` requires no witnesses)")?;
        Ok(policy)
    }

    fn is_defined(&self, name: &str) -> bool {
        self.witnesses.iter().any(|witness| witness.name == name)
            || self.groups.iter().any(|(group, _, _)| group == name)
    }

    fn define(&self, name: &str) -> Result<(), String> {
        if name == "none" {
            return Err("`none` is predefined and cannot be redefined".into());
        }
        if self.is_defined(name) {
            return Err(format!("{name} is defined twice"));
        }
        Ok(())
    }

    /// Whether the named witnesses satisfy the quorum.
    pub fn satisfied(&self, witnessed: &[&str]) -> bool {
        let mut memo: HashMap<&str, bool> = HashMap::new();
        self.holds(&self.quorum, witnessed, &mut memo)
    }

    fn holds<'a>(
        &'a self,
        name: &'a str,
        witnessed: &[&str],
        memo: &mut HashMap<&'a str, bool>,
    ) -> bool {
        if name == "none" {
            return true;
        }
        if let Some(known) = memo.get(name) {
            return *known;
        }
        let result = match self.groups.iter().find(|(group, _, _)| group == name) {
            Some((_, k, members)) => {
                members
                    .iter()
                    .filter(|member| self.holds(member, witnessed, memo))
                    .count()
                    >= *k
            }
            None => witnessed.contains(&name),
        };
        memo.insert(name, result);
        result
    }

    /// The quorum's name.
    pub fn quorum(&self) -> &str {
        &self.quorum
    }

    /// Checks a signed checkpoint: signed by a listed log whose key name is
    /// its origin, every cosignature by a known witness valid, and the
    /// quorum met.
    pub fn check(&self, note: &str) -> Result<Verdict, NoteError> {
        let parsed = Note::parse(note)?;
        let origin = parsed.text.split('\n').next().unwrap_or_default();
        let logs: Vec<VerifierKey> = self
            .logs
            .iter()
            .filter(|(key, _)| key.name == origin)
            .map(|(key, _)| key.clone())
            .collect();
        if logs.is_empty() {
            return Err(NoteError::BadSignature(format!(
                "the policy lists no log named {origin:?}; add `log VKEY` for it, or check that this is the log you meant"
            )));
        }
        let signed = parsed
            .verify(&logs)
            .map_err(|error| NoteError::BadSignature(format!("the log's signature: {error}")))?;
        let log = signed
            .first()
            .map(|(key, _)| key.text())
            .unwrap_or_default();
        let keys: Vec<VerifierKey> = self.witnesses.iter().map(|w| w.key.clone()).collect();
        let mut witnessed = Vec::new();
        for signature in &parsed.signatures {
            for (witness, key) in self.witnesses.iter().zip(&keys) {
                if key.matches(signature) {
                    let timestamp = key.check(&parsed.text, signature).map_err(|error| {
                        NoteError::BadSignature(format!("witness {}: {error}", witness.name))
                    })?;
                    if !witnessed.iter().any(|(name, _)| name == &witness.name) {
                        witnessed.push((witness.name.clone(), timestamp.unwrap_or(0)));
                    }
                }
            }
        }
        let names: Vec<&str> = witnessed.iter().map(|(name, _)| name.as_str()).collect();
        if !self.satisfied(&names) {
            return Err(NoteError::BadSignature(format!(
                "the quorum {} is not met: cosigned by {} of the policy's {} witnesses{}",
                self.quorum,
                names.len(),
                self.witnesses.len(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names.join(", "))
                }
            )));
        }
        Ok(Verdict {
            log,
            witnessed,
            quorum: self.quorum.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::note::{SigningKey, COSIGNATURE_V1, ED25519};

    fn witness(n: u8) -> SigningKey {
        SigningKey::from_seed(&format!("w{n}.example"), COSIGNATURE_V1, [n; 32]).expect("key")
    }

    #[test]
    fn quorums_count_as_the_specification_says() {
        // The specification's example: two of X1–X3 and any of Y1–Y3.
        let mut text = String::from("# example\n");
        for n in 1..=6u8 {
            let name = if n <= 3 {
                format!("X{n}")
            } else {
                format!("Y{}", n - 3)
            };
            text.push_str(&format!(
                "witness {name} {}\n",
                witness(n).verifier().text()
            ));
        }
        text.push_str("group X-witnesses 2 X1 X2 X3\n\tgroup Y-witnesses any Y1 Y2 Y3\n");
        text.push_str("group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n");
        let policy = Policy::parse(&text).expect("policy");
        assert!(policy.satisfied(&["X1", "X3", "Y2"]));
        assert!(!policy.satisfied(&["X1", "Y2", "Y3"]));
        assert!(!policy.satisfied(&["X1", "X2"]));
        assert!(Policy::parse("quorum none\n").expect("none").satisfied(&[]));
    }

    #[test]
    fn a_bad_policy_is_named_by_line() {
        let w = witness(1).verifier().text();
        let w2 = witness(2).verifier().text();
        let log = SigningKey::from_seed("log.example", ED25519, [7; 32])
            .expect("key")
            .verifier()
            .text();
        for (text, needle) in [
            ("".to_string(), "no quorum line"),
            ("quorum A\n".to_string(), "line 1: the quorum A"),
            (
                format!("witness A {w}\nwitness B {w}\nquorum A\n"),
                "listed twice",
            ),
            (
                format!("witness A {w}\ngroup G 2 A\nquorum G\n"),
                "threshold",
            ),
            (
                format!("witness A {w}\ngroup G any A A\nquorum G\n"),
                "listed twice",
            ),
            (
                format!(
                    "witness A {w}\nwitness B {w2}\ngroup G any A B\ngroup H 2 G A\nquorum H\n"
                ),
                "already a member",
            ),
            (
                format!("witness A {w}\ngroup G +1 A\nquorum G\n"),
                "threshold",
            ),
            (
                format!("witness A {log}\nquorum A\n"),
                "not a cosignature key",
            ),
            (format!("log {w}\nquorum none\n"), "type 0x01"),
            (format!("witness none {w}\nquorum none\n"), "predefined"),
            ("quorum none\nquorum none\n".to_string(), "exactly one"),
            ("frobnicate\nquorum none\n".to_string(), "line 1"),
            ("quorum none\x0c\n".to_string(), "control"),
        ] {
            let error = Policy::parse(&text).expect_err(&text);
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }
}
