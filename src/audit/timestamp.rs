//! RFC 3161 trusted timestamps over a signed checkpoint: the request
//! (a TimeStampReq for the SHA-256 of the note), the response read down to
//! its token, and the token checked against a time-stamping authority's
//! certificate: the CMS signature (RFC 5652) over the signed attributes, the
//! message digest of the TSTInfo, and the TSTInfo's imprint of the note.
//! DER is read by a small reader that refuses what it does not expect; the
//! signatures are ECDSA P-256 (p256) or RSA PKCS #1 v1.5 (rsa), with SHA-256,
//! SHA-384 or SHA-512. No I/O.

use sha2::Digest as _;

/// Why a request, response, token or certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimestampError(pub String);

fn bad(why: impl Into<String>) -> TimestampError {
    TimestampError(why.into())
}

// Object identifiers, as DER contents.
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// One DER element: its tag, its whole encoding, and its contents.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    body: &'a [u8],
}

/// Reads the element at the start of `input`; returns it and the rest.
fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TimestampError> {
    let truncated = || bad("the DER is cut short");
    let tag = *input.first().ok_or_else(truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(bad("a DER tag of more than one byte is not expected here"));
    }
    let first = *input.get(1).ok_or_else(truncated)?;
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(bad("a DER length is indefinite or too long"));
        }
        let bytes = input.get(2..2 + count).ok_or_else(truncated)?;
        let length = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
        (length, 2 + count)
    };
    let end = header.checked_add(length).ok_or_else(truncated)?;
    let whole = input.get(..end).ok_or_else(truncated)?;
    Ok((
        Tlv {
            tag,
            whole,
            body: &whole[header..],
        },
        &input[end..],
    ))
}

/// Reads every element of a constructed element's contents.
fn children(body: &[u8]) -> Result<Vec<Tlv<'_>>, TimestampError> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if out.len() > 256 {
            return Err(bad("a DER element has too many parts"));
        }
        let (item, after) = read(rest)?;
        out.push(item);
        rest = after;
    }
    Ok(out)
}

/// Reads one element that must fill `input` and have `tag`.
fn only<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<Tlv<'a>, TimestampError> {
    let (item, rest) = read(input)?;
    if item.tag != tag || !rest.is_empty() {
        return Err(bad(format!("{what} is not where RFC 3161 puts it")));
    }
    Ok(item)
}

fn expect<'a>(
    items: &[Tlv<'a>],
    at: usize,
    tag: u8,
    what: &str,
) -> Result<Tlv<'a>, TimestampError> {
    items
        .get(at)
        .copied()
        .filter(|item| item.tag == tag)
        .ok_or_else(|| bad(format!("{what} is missing or of another type")))
}

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

/// A TimeStampReq (RFC 3161 §2.4.1) for the SHA-256 of `data`, with a
/// nonce and the TSA's certificate requested.
pub fn request(data: &[u8], nonce: u64) -> Vec<u8> {
    let algorithm = der(0x30, &[der(0x06, SHA256), vec![0x05, 0x00]].concat());
    let imprint = der(
        0x30,
        &[algorithm, der(0x04, &sha2::Sha256::digest(data))].concat(),
    );
    [
        der(0x02, &[1]),
        imprint,
        der(0x02, &integer(nonce)),
        vec![0x01, 0x01, 0xff],
    ]
    .concat()
    .pipe(|body| der(0x30, &body))
}

/// The minimal DER contents of a non-negative integer.
fn integer(value: u64) -> Vec<u8> {
    let mut bytes: Vec<u8> = value.to_be_bytes().to_vec();
    while bytes.len() > 1 && bytes[0] == 0 && bytes[1] < 0x80 {
        bytes.remove(0);
    }
    if bytes[0] >= 0x80 {
        bytes.insert(0, 0);
    }
    bytes
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

/// Reads a TimeStampResp (RFC 3161 §2.4.2): the token when the status is
/// granted (0) or granted with modifications (1), else the refusal.
pub fn token_of_response(response: &[u8]) -> Result<Vec<u8>, TimestampError> {
    let outer = only(response, 0x30, "the TimeStampResp")?;
    let parts = children(outer.body)?;
    let status = expect(&parts, 0, 0x30, "the response's status")?;
    let status_parts = children(status.body)?;
    let code = expect(&status_parts, 0, 0x02, "the status code")?;
    match code.body {
        [0] | [1] => {}
        other => {
            let text = status_parts
                .get(1)
                .and_then(|free| children(free.body).ok())
                .and_then(|texts| {
                    texts
                        .first()
                        .map(|t| String::from_utf8_lossy(t.body).into_owned())
                })
                .unwrap_or_default();
            return Err(bad(format!(
                "the time-stamping authority refused (status {}{})",
                other.first().copied().unwrap_or(0),
                if text.is_empty() {
                    String::new()
                } else {
                    format!(": {text}")
                }
            )));
        }
    }
    let token = expect(&parts, 1, 0x30, "the time-stamp token")?;
    Ok(token.whole.to_vec())
}

/// What a token says, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// The time the authority states (GeneralizedTime, as written).
    pub time: String,
    /// The authority's policy (dotted OID).
    pub policy: String,
    /// The token's serial number, hex.
    pub serial: String,
}

fn oid_text(body: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut value = 0u64;
    for (at, byte) in body.iter().enumerate() {
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if at == 0 || parts.is_empty() {
                let first = value.min(80) / 40;
                parts.push(first);
                parts.push(value - first * 40);
            } else {
                parts.push(value);
            }
            value = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn digest(algorithm: &[u8], data: &[u8]) -> Result<Vec<u8>, TimestampError> {
    Ok(match algorithm {
        SHA256 => sha2::Sha256::digest(data).to_vec(),
        SHA384 => sha2::Sha384::digest(data).to_vec(),
        SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => {
            return Err(bad(
                "the token uses a digest other than SHA-256, SHA-384 or SHA-512",
            ))
        }
    })
}

/// The OID inside an AlgorithmIdentifier.
fn algorithm_oid<'a>(identifier: Tlv<'a>) -> Result<&'a [u8], TimestampError> {
    let parts = children(identifier.body)?;
    Ok(expect(&parts, 0, 0x06, "an algorithm identifier")?.body)
}

/// Reads a PEM or DER certificate; returns its SubjectPublicKeyInfo (DER).
pub fn certificate_key(certificate: &[u8]) -> Result<Vec<u8>, TimestampError> {
    let der_bytes = if certificate.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(certificate).map_err(|_| bad("the PEM is not text"))?;
        let body: String = text
            .lines()
            .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE-----"))
            .skip(1)
            .take_while(|line| !line.starts_with("-----END"))
            .collect();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body.trim())
            .map_err(|_| bad("the PEM certificate is not base64"))?
    } else {
        certificate.to_vec()
    };
    let cert = only(&der_bytes, 0x30, "the certificate")?;
    let parts = children(cert.body)?;
    let tbs = expect(&parts, 0, 0x30, "the certificate's body")?;
    let fields = children(tbs.body)?;
    // [0] version is optional; the SubjectPublicKeyInfo is the 7th field
    // with it, the 6th without.
    let offset = usize::from(fields.first().is_some_and(|f| f.tag == 0xa0));
    Ok(
        expect(&fields, 5 + offset, 0x30, "the certificate's public key")?
            .whole
            .to_vec(),
    )
}

/// Checks a time-stamp token (a CMS SignedData of a TSTInfo): that it
/// stamps `data` and its signed attributes hold the TSTInfo's digest, and,
/// given the authority's public key (SubjectPublicKeyInfo DER), that the
/// signature verifies. Without the key nothing says who stamped it.
pub fn check_token(
    token: &[u8],
    public_key: Option<&[u8]>,
    data: &[u8],
) -> Result<Stamped, TimestampError> {
    let content_info = only(token, 0x30, "the token")?;
    let parts = children(content_info.body)?;
    if expect(&parts, 0, 0x06, "the token's content type")?.body != SIGNED_DATA {
        return Err(bad("the token is not a CMS SignedData"));
    }
    let explicit = expect(&parts, 1, 0xa0, "the token's content")?;
    let signed_data = only(explicit.body, 0x30, "the SignedData")?;
    let fields = children(signed_data.body)?;
    let encapsulated = expect(&fields, 2, 0x30, "the encapsulated content")?;
    let encap = children(encapsulated.body)?;
    if expect(&encap, 0, 0x06, "the content type")?.body != TST_INFO {
        return Err(bad("the token does not hold a TSTInfo"));
    }
    let e_content = only(
        expect(&encap, 1, 0xa0, "the TSTInfo")?.body,
        0x04,
        "the TSTInfo",
    )?;
    let tst_der = e_content.body;
    let signer_infos = fields
        .last()
        .filter(|item| item.tag == 0x31)
        .ok_or_else(|| bad("the token has no signer"))?;
    let signers = children(signer_infos.body)?;
    let [signer] = signers.as_slice() else {
        return Err(bad("the token has other than one signer"));
    };
    let signer = children(signer.body)?;
    let digest_algorithm = algorithm_oid(expect(&signer, 2, 0x30, "the signer's digest")?)?;
    let signed_attrs = expect(&signer, 3, 0xa0, "the signed attributes")?;
    let signature_algorithm = algorithm_oid(expect(&signer, 4, 0x30, "the signature algorithm")?)?;
    let signature = expect(&signer, 5, 0x04, "the signature")?.body;
    // The signed attributes: the content type is TSTInfo and the message
    // digest is the digest of the TSTInfo's DER.
    let mut content_type_ok = false;
    let mut digest_ok = false;
    for attribute in children(signed_attrs.body)? {
        let attribute = children(attribute.body)?;
        let kind = expect(&attribute, 0, 0x06, "an attribute's type")?.body;
        let values = children(expect(&attribute, 1, 0x31, "an attribute's values")?.body)?;
        let [value] = values.as_slice() else {
            return Err(bad("an attribute has other than one value"));
        };
        if kind == CONTENT_TYPE {
            content_type_ok = value.tag == 0x06 && value.body == TST_INFO;
        } else if kind == MESSAGE_DIGEST {
            digest_ok = value.tag == 0x04 && value.body == digest(digest_algorithm, tst_der)?;
        }
    }
    if !content_type_ok {
        return Err(bad("the signed content type is not TSTInfo"));
    }
    if !digest_ok {
        return Err(bad(
            "the signed message digest is not the TSTInfo's: the token was altered",
        ));
    }
    // The signature is over the signed attributes as a DER SET.
    let mut signed = signed_attrs.whole.to_vec();
    signed[0] = 0x31;
    if let Some(public_key) = public_key {
        verify_signature(
            public_key,
            signature_algorithm,
            digest_algorithm,
            &signed,
            signature,
        )?;
    }
    // The TSTInfo: its imprint is the digest of the data.
    let tst = children(only(tst_der, 0x30, "the TSTInfo")?.body)?;
    let policy = oid_text(expect(&tst, 1, 0x06, "the TSA policy")?.body);
    let imprint = children(expect(&tst, 2, 0x30, "the message imprint")?.body)?;
    let imprint_algorithm = algorithm_oid(expect(&imprint, 0, 0x30, "the imprint's algorithm")?)?;
    let imprinted = expect(&imprint, 1, 0x04, "the imprint")?.body;
    if imprinted != digest(imprint_algorithm, data)? {
        return Err(bad(
            "the token stamps other data than this signed checkpoint",
        ));
    }
    let serial = expect(&tst, 3, 0x02, "the serial number")?
        .body
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let time = String::from_utf8_lossy(expect(&tst, 4, 0x18, "the time")?.body).into_owned();
    Ok(Stamped {
        time,
        policy,
        serial,
    })
}

fn verify_signature(
    public_key: &[u8],
    signature_algorithm: &[u8],
    digest_algorithm: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), TimestampError> {
    let spki = children(only(public_key, 0x30, "the public key")?.body)?;
    let key_algorithm = algorithm_oid(expect(&spki, 0, 0x30, "the key's algorithm")?)?;
    let refused = || bad("the token's signature does not verify with the certificate's key");
    match key_algorithm {
        EC_PUBLIC_KEY => {
            use p256::ecdsa::signature::Verifier;
            use p256::pkcs8::DecodePublicKey;
            if !matches!(signature_algorithm, ECDSA_SHA256) || digest_algorithm != SHA256 {
                return Err(bad(
                    "the token's signature does not verify with the certificate's key (the key is P-256, the token is not signed with ECDSA and SHA-256)",
                ));
            }
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(public_key)
                .map_err(|_| bad("the certificate's EC key is not a P-256 key"))?;
            let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| refused())?;
            key.verify(message, &signature).map_err(|_| refused())
        }
        RSA_ENCRYPTION => {
            use rsa::pkcs8::DecodePublicKey;
            if !matches!(
                signature_algorithm,
                RSA_ENCRYPTION | SHA256_WITH_RSA | SHA384_WITH_RSA | SHA512_WITH_RSA
            ) {
                return Err(bad("the token's signature does not verify with the certificate's key (the key is RSA, the token is not signed with RSA PKCS #1 v1.5)"));
            }
            let key = rsa::RsaPublicKey::from_public_key_der(public_key)
                .map_err(|_| bad("the certificate's RSA key cannot be read"))?;
            let hashed = digest(digest_algorithm, message)?;
            let scheme = match digest_algorithm {
                SHA256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                SHA384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                _ => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, &hashed, signature)
                .map_err(|_| refused())
        }
        _ => Err(bad("the certificate's key is neither P-256 nor RSA")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_the_der_rfc_3161_describes() {
        // Written out by hand from RFC 3161 §2.4.1 and X.690: SEQUENCE {
        // INTEGER 1, SEQUENCE { SEQUENCE { OID sha256, NULL }, OCTET STRING
        // (32) }, INTEGER nonce, BOOLEAN TRUE }. Contents: 3 (version) +
        // 51 (imprint: 2 + 15 + 34) + 4 (nonce) + 3 (certReq) = 61 = 0x3d.
        let request = request(b"abc", 0x0102);
        let mut want = vec![
            0x30, 0x3d, 0x02, 0x01, 0x01, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
        ];
        want.extend_from_slice(SHA256);
        want.extend_from_slice(&[0x05, 0x00, 0x04, 0x20]);
        want.extend_from_slice(&sha2::Sha256::digest(b"abc"));
        want.extend_from_slice(&[0x02, 0x02, 0x01, 0x02, 0x01, 0x01, 0xff]);
        assert_eq!(request, want);
        assert_eq!(integer(0x80), vec![0x00, 0x80]);
        assert_eq!(integer(0), vec![0x00]);
    }

    #[test]
    fn hostile_der_is_refused_not_read_past() {
        for bytes in [
            &[][..],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x05, 0x02],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(token_of_response(bytes).is_err(), "{bytes:?}");
            assert!(check_token(bytes, Some(bytes), b"").is_err(), "{bytes:?}");
        }
        // A refusal's status and text are named.
        let refusal = der(
            0x30,
            &der(
                0x30,
                &[der(0x02, &[2]), der(0x30, &der(0x0c, b"bad request"))].concat(),
            ),
        );
        let error = token_of_response(&refusal).expect_err("refused").0;
        assert!(error.contains("status 2: bad request"), "{error}");
        assert_eq!(oid_text(TST_INFO), "1.2.840.113549.1.9.16.1.4");
    }
}
