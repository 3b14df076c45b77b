//! Web capture: `add URL` fetches a page over http or https, following and
//! recording redirects, with a size limit, a time limit and an honest user
//! agent, and keeps the whole exchange as WARC records (ISO 28500,
//! `warc.rs`): each request and response as sent and received, the body
//! still content-encoded, with its digests. The source is the response body
//! decoded (gzip undone): the page itself.

pub mod wacz;
pub mod warc;

use std::io::Read;
use std::time::Duration;

/// What provdb says it is, in every request.
pub const USER_AGENT: &str = concat!(
    "provdb/",
    env!("CARGO_PKG_VERSION"),
    " (provenance capture; one request per page, as a person asked)"
);

/// The most redirects followed.
pub const MAX_REDIRECTS: usize = 10;

/// How a capture is bounded, and whom it trusts.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The most body bytes read (as sent, and decoded).
    pub max_size: u64,
    /// The time the whole fetch may take, redirects included.
    pub timeout: Duration,
    /// Root certificates (PEM) to trust instead of the built-in ones.
    pub ca_file: Option<Vec<u8>>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_size: 64 << 20,
            timeout: Duration::from_secs(60),
            ca_file: None,
        }
    }
}

/// One hop of a capture: the request made and the response received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The address asked for.
    pub url: String,
    /// The response's status.
    pub status: u16,
    /// Its headers, as received, in order.
    pub headers: Vec<(String, String)>,
    /// Its body as sent (still content-encoded).
    pub body: Vec<u8>,
    /// The request's head as sent.
    pub request: Vec<u8>,
}

impl Exchange {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A finished capture.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Every hop, redirects first, the final response last.
    pub exchanges: Vec<Exchange>,
    /// The final response's body, content-decoded: the source's bytes.
    pub body: Vec<u8>,
    /// When the final response was received (RFC 3339, UTC).
    pub retrieved: String,
}

impl Fetched {
    /// The final response.
    pub fn last(&self) -> &Exchange {
        // A capture always has its final exchange.
        &self.exchanges[self.exchanges.len() - 1]
    }
}

/// Why a capture failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Not an http or https address.
    #[error("{0:?} is not an http or https address")]
    NotHttp(String),
    /// The server answered with an error status.
    #[error("the server answered {status} for {url}; nothing was recorded")]
    Status {
        /// The status.
        status: u16,
        /// The address.
        url: String,
    },
    /// Too many redirects, or a loop.
    #[error("{url} redirects more than {MAX_REDIRECTS} times (a loop?); nothing was recorded")]
    Redirects {
        /// The first address.
        url: String,
    },
    /// A redirect without a usable Location.
    #[error("{url} answered {status} with no usable Location header")]
    BadRedirect {
        /// The address.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body is over the limit.
    #[error(
        "the response from {url} is over the {limit}-byte limit; raise --max-size to capture it"
    )]
    TooLarge {
        /// The address.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The time limit passed.
    #[error("{url} did not answer in full within {seconds} s; raise --timeout, or try later")]
    Timeout {
        /// The address.
        url: String,
        /// The limit.
        seconds: u64,
    },
    /// TLS refused the server.
    #[error("{url}: the server's certificate is not trusted ({why}); for a private certificate authority give --ca-file")]
    Certificate {
        /// The address.
        url: String,
        /// What TLS said.
        why: String,
    },
    /// The CA file does not read.
    #[error("--ca-file holds no PEM certificate ({0})")]
    CaFile(String),
    /// The body is gzip that does not decode.
    #[error("the response from {url} says it is gzip, but it does not decode ({why})")]
    Gzip {
        /// The address.
        url: String,
        /// Why.
        why: String,
    },
    /// Anything else on the way.
    #[error("{url}: {why}")]
    Other {
        /// The address.
        url: String,
        /// What went wrong.
        why: String,
    },
}

/// True when `text` is an http or https address to capture.
pub fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Fetches `url`, following redirects, within the options' limits.
pub fn fetch(url: &str, options: &FetchOptions) -> Result<Fetched, FetchError> {
    if !is_url(url) {
        return Err(FetchError::NotHttp(url.to_string()));
    }
    // Credentials in the address would be written into the WARC records
    // and the journal: refused.
    let authority = url.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(FetchError::Other {
            url: url.to_string(),
            why: "the address holds a user name or password, which provdb would record; capture a page that needs no credentials in its address".into(),
        });
    }
    let agent = agent(options)?;
    let started = std::time::Instant::now();
    let mut exchanges = Vec::new();
    let mut current = url.to_string();
    loop {
        if exchanges.len() > MAX_REDIRECTS {
            return Err(FetchError::Redirects {
                url: url.to_string(),
            });
        }
        let left = options.timeout.saturating_sub(started.elapsed());
        let exchange = one(&agent, &current, options, left)?;
        let status = exchange.status;
        let location = exchange.header("location").map(str::to_string);
        exchanges.push(exchange);
        if (300..400).contains(&status) && status != 304 {
            let Some(next) = location.and_then(|location| resolve(&current, &location)) else {
                return Err(FetchError::BadRedirect {
                    url: current,
                    status,
                });
            };
            current = next;
            continue;
        }
        if !(200..400).contains(&status) {
            return Err(FetchError::Status {
                status,
                url: current,
            });
        }
        break;
    }
    let retrieved = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let last = &exchanges[exchanges.len() - 1];
    let body = decode_body(last, options.max_size)?;
    Ok(Fetched {
        exchanges,
        body,
        retrieved,
    })
}

fn agent(options: &FetchOptions) -> Result<ureq::Agent, FetchError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &options.ca_file {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert.to_owned()),
                Ok(_) => {}
                Err(error) => return Err(FetchError::CaFile(error.to_string())),
            }
        }
        if certs.is_empty() {
            return Err(FetchError::CaFile("no CERTIFICATE block".into()));
        }
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    Ok(ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .tls_config(tls.build())
        .build()
        .into())
}

/// One request and its response, the body read up to the limit.
fn one(
    agent: &ureq::Agent,
    url: &str,
    options: &FetchOptions,
    left: Duration,
) -> Result<Exchange, FetchError> {
    let seconds = options.timeout.as_secs();
    let failed = |error: ureq::Error| match error {
        ureq::Error::Timeout(_) => FetchError::Timeout {
            url: url.to_string(),
            seconds,
        },
        ureq::Error::BodyExceedsLimit(limit) => FetchError::TooLarge {
            url: url.to_string(),
            limit,
        },
        ureq::Error::Tls(why) => FetchError::Certificate {
            url: url.to_string(),
            why: why.to_string(),
        },
        ureq::Error::Io(io) if io.to_string().contains("certificate") => FetchError::Certificate {
            url: url.to_string(),
            why: io.to_string(),
        },
        other => FetchError::Other {
            url: url.to_string(),
            why: other.to_string(),
        },
    };
    if left.is_zero() {
        return Err(FetchError::Timeout {
            url: url.to_string(),
            seconds,
        });
    }
    let request = agent
        .get(url)
        .header("Accept-Encoding", "gzip")
        .config()
        .timeout_global(Some(left))
        .build();
    let head = request_head(url);
    let response = request.call().map_err(failed)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .into_body()
        .into_with_config()
        .limit(options.max_size)
        .read_to_vec()
        .map_err(failed)?;
    Ok(Exchange {
        url: url.to_string(),
        status,
        headers,
        body,
        request: head,
    })
}

/// The request's head as provdb sends it.
fn request_head(url: &str) -> Vec<u8> {
    let (host, path) = split_url(url);
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .into_bytes()
}

/// The host (with its port) and the path with its query.
fn split_url(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split('#').next().unwrap_or_default();
    match rest.find('/') {
        Some(at) => (rest[..at].to_string(), rest[at..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

/// Resolves a Location against the address that sent it.
fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() {
        return None;
    }
    if is_url(location) {
        return Some(location.to_string());
    }
    let (scheme, rest) = base.split_once("://")?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..host_end]);
    if let Some(path) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{path}"));
    }
    if location.starts_with('/') {
        return Some(format!("{origin}{location}"));
    }
    let path = &rest[host_end..];
    let dir = path.rfind('/').map_or("/", |at| &path[..=at]);
    Some(format!("{origin}{dir}{location}"))
}

/// The final body with its content coding undone (gzip), within the limit.
fn decode_body(exchange: &Exchange, limit: u64) -> Result<Vec<u8>, FetchError> {
    let coding = exchange
        .header("content-encoding")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match coding.as_str() {
        "" | "identity" => Ok(exchange.body.clone()),
        "gzip" | "x-gzip" => {
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(exchange.body.as_slice())
                .take(limit.saturating_add(1))
                .read_to_end(&mut decoded)
                .map_err(|error| FetchError::Gzip {
                    url: exchange.url.clone(),
                    why: error.to_string(),
                })?;
            if decoded.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: exchange.url.clone(),
                    limit,
                });
            }
            Ok(decoded)
        }
        other => Err(FetchError::Other {
            url: exchange.url.clone(),
            why: format!("the response is in content coding {other:?}, which provdb does not read"),
        }),
    }
}

/// The charset a Content-Type header names.
pub fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_their_page() {
        let base = "http://127.0.0.1:8080/a/b?q=1";
        assert_eq!(
            resolve(base, "/c").as_deref(),
            Some("http://127.0.0.1:8080/c")
        );
        assert_eq!(
            resolve(base, "c").as_deref(),
            Some("http://127.0.0.1:8080/a/c")
        );
        assert_eq!(
            resolve(base, "//x.example/y").as_deref(),
            Some("http://x.example/y")
        );
        assert_eq!(
            resolve(base, "https://x.example/").as_deref(),
            Some("https://x.example/")
        );
        assert_eq!(resolve(base, " "), None);
        assert_eq!(
            split_url("http://127.0.0.1:8080/a?x=1#f"),
            ("127.0.0.1:8080".into(), "/a?x=1".into())
        );
        assert_eq!(
            charset("text/html; charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(charset("text/html"), None);
    }
}
