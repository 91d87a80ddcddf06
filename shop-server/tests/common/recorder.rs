//! What a party sees, recorded and searched: small reverse proxies on
//! 127.0.0.1 that keep every request and answer they pass on (per hop), a
//! reader of every row of a SQLite file, and a scanner that looks for
//! identifiers in raw bytes and in every text form (hex, base64, base64url,
//! percent-encoding, and text found inside what those decode to).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sqlx::Row as _;

/// Named byte strings: (where or how, bytes).
pub type Texts = Vec<(String, Vec<u8>)>;

/// One request passed on by a proxy, and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Which proxy: who talked to whom.
    pub hop: &'static str,
    /// The step of the story the test was in when the request arrived.
    pub step: String,
    pub method: String,
    /// Path and query, as received.
    pub path: String,
    pub request_headers: Texts,
    pub request: Vec<u8>,
    /// 0: the proxy refused it without passing it on; 502: nobody answered.
    pub status: u16,
    pub response_headers: Texts,
    pub response: Vec<u8>,
}

#[derive(Default)]
struct LogInner {
    step: String,
    exchanges: Vec<Exchange>,
}

/// Every exchange of every proxy, in order, each tagged with its step.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<LogInner>>);

impl Log {
    pub fn step(&self, name: &str) {
        self.0.lock().unwrap().step = name.to_owned();
    }

    pub fn all(&self) -> Vec<Exchange> {
        self.0.lock().unwrap().exchanges.clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().exchanges.len()
    }

    fn current_step(&self) -> String {
        self.0.lock().unwrap().step.clone()
    }

    fn push(&self, e: Exchange) {
        self.0.lock().unwrap().exchanges.push(e);
    }
}

struct ProxyState {
    hop: &'static str,
    target: String,
    log: Log,
    http: reqwest::Client,
    refuse: Arc<AtomicBool>,
}

/// A recording reverse proxy in front of one server.
pub struct Proxy {
    pub url: String,
    /// While set, every request is answered 503 without being passed on
    /// (the server behind is "unreachable"); it is still recorded.
    pub refuse: Arc<AtomicBool>,
    listener: Option<tokio::net::TcpListener>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    /// Takes an address first, so a server can be told it before the proxy
    /// knows where to forward.
    pub async fn bind() -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        Proxy {
            url,
            refuse: Arc::new(AtomicBool::new(false)),
            listener: Some(listener),
            task: None,
        }
    }

    /// Starts passing requests on to `target`, recording each as `hop`.
    pub fn start(&mut self, hop: &'static str, target: &str, log: &Log) {
        let state = Arc::new(ProxyState {
            hop,
            target: target.trim_end_matches('/').to_owned(),
            log: log.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            refuse: self.refuse.clone(),
        });
        let router = axum::Router::new()
            .fallback(forward)
            .layer(DefaultBodyLimit::disable())
            .with_state(state);
        let listener = self.listener.take().expect("a proxy starts once");
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        }));
    }

    pub async fn started(hop: &'static str, target: &str, log: &Log) -> Proxy {
        let mut p = Proxy::bind().await;
        p.start(hop, target, log);
        p
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

fn headers_of(h: &HeaderMap) -> Texts {
    h.iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect()
}

const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

async fn forward(
    State(p): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let mut exchange = Exchange {
        hop: p.hop,
        step: p.log.current_step(),
        method: method.as_str().to_owned(),
        path: path.clone(),
        request_headers: headers_of(&headers),
        request: body.to_vec(),
        status: 0,
        response_headers: Vec::new(),
        response: Vec::new(),
    };
    if p.refuse.load(Ordering::SeqCst) {
        p.log.push(exchange);
        return Response::builder()
            .status(503)
            .body(Body::from("unavailable"))
            .unwrap();
    }
    let mut out = HeaderMap::new();
    for (k, v) in &headers {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            out.append(k.clone(), v.clone());
        }
    }
    let sent = p
        .http
        .request(method, format!("{}{path}", p.target))
        .headers(out)
        .body(body)
        .send()
        .await;
    let (status, answer_headers, answer) = match sent {
        Ok(r) => {
            let status = r.status().as_u16();
            let h = r.headers().clone();
            let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            (status, h, bytes)
        }
        Err(_) => (502, HeaderMap::new(), b"bad gateway".to_vec()),
    };
    exchange.status = status;
    exchange.response_headers = headers_of(&answer_headers);
    exchange.response = answer.clone();
    p.log.push(exchange);
    let mut reply = Response::builder().status(status);
    for (k, v) in &answer_headers {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            reply = reply.header(k, v);
        }
    }
    reply.body(Body::from(answer)).unwrap()
}

/// Every row of every table of a SQLite file, opened read-only: one entry
/// per cell, named `table.column`, with the cell's bytes (text as its
/// UTF-8, numbers as their decimal text, NULL left out).
pub async fn dump_sqlite(file: &std::path::Path) -> Texts {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", file.display());
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    let mut cells = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA table_info(\"{table}\")"
        )))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(1))
        .collect();
        for column in columns {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\""
            )))
            .fetch_all(&pool)
            .await
            .unwrap();
            for r in rows {
                if let Some(bytes) = r.get::<Option<Vec<u8>>, _>(0) {
                    cells.push((format!("{table}.{column}"), bytes));
                }
            }
        }
    }
    pool.close().await;
    cells
}

// ---------------------------------------------------------------- scanning

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64STD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8] = b"0123456789abcdefABCDEF";

/// Runs shorter than this many characters are not decoded: they cannot
/// hold an identifier (the shortest scanned is 10 bytes).
const MIN_RUN: usize = 12;
/// How deep text found inside decoded bytes is followed.
const MAX_DEPTH: usize = 4;

fn sextet(alphabet: &[u8], c: u8) -> Option<u32> {
    alphabet.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Decodes base64 leniently: any length, trailing bits dropped.
fn decode_b64(alphabet: &[u8], run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in run {
        acc = (acc << 6) | sextet(alphabet, c).unwrap();
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn decode_hex(run: &[u8]) -> Vec<u8> {
    let v = |c: u8| (c as char).to_digit(16).unwrap() as u8;
    run.chunks_exact(2)
        .map(|p| (v(p[0]) << 4) | v(p[1]))
        .collect()
}

/// Maximal runs of characters of `alphabet` at least `MIN_RUN` long.
fn runs<'a>(bytes: &'a [u8], alphabet: &[u8]) -> Vec<&'a [u8]> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in bytes.iter().enumerate() {
        match (alphabet.contains(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= MIN_RUN {
                    found.push(&bytes[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start.filter(|s| bytes.len() - s >= MIN_RUN) {
        found.push(&bytes[s..]);
    }
    found
}

fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.contains(&b'%') {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(|c| HEX.contains(c)));
        match (bytes[i], hex) {
            (b'%', Some(h)) => {
                out.extend(decode_hex(h));
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Everything to search in one recorded text, each with how it was found:
/// the raw bytes; the percent-decoding; every run of base64url, base64 and
/// hex characters decoded at every alignment (4 for base64, 2 for hex, so
/// a run that starts inside a message is still read); and, inside each of
/// those that is UTF-8 text (JSON, a path, a text form), the same again.
/// A text form's prefix (`hpm1.`) ends at a dot, which no alphabet has,
/// so the message after it is a run of its own.
pub fn expand(raw: &[u8]) -> Texts {
    let mut out = Vec::new();
    expand_into(raw, "raw".to_owned(), 0, &mut out);
    out
}

fn expand_into(bytes: &[u8], how: String, depth: usize, out: &mut Texts) {
    out.push((how.clone(), bytes.to_vec()));
    if depth >= MAX_DEPTH {
        return;
    }
    let follow = |decoded: Vec<u8>, how: String, out: &mut Texts| {
        if std::str::from_utf8(&decoded).is_ok() {
            expand_into(&decoded, how, depth + 1, out);
        } else {
            out.push((how, decoded));
        }
    };
    if let Some(d) = percent_decode(bytes) {
        follow(d, format!("{how} > percent"), out);
    }
    for (name, alphabet) in [("base64url", B64URL), ("base64", B64STD)] {
        for run in runs(bytes, alphabet) {
            for skip in 0..4 {
                follow(
                    decode_b64(alphabet, &run[skip..]),
                    format!("{how} > {name}@{skip}"),
                    out,
                );
            }
        }
    }
    for run in runs(bytes, HEX) {
        for skip in 0..2 {
            follow(decode_hex(&run[skip..]), format!("{how} > hex@{skip}"), out);
        }
    }
}

/// The text encodings of `id` that can appear inside a longer text: hex
/// (lower and upper case), and base64 and base64url at each of the three
/// alignments, each cut to the characters that depend on `id` alone.
pub fn encodings(id: &[u8]) -> Texts {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = vec![
        ("hex".to_owned(), hex.clone().into_bytes()),
        ("HEX".to_owned(), hex.to_uppercase().into_bytes()),
    ];
    for (name, engine) in [("base64", STANDARD_NO_PAD), ("base64url", URL_SAFE_NO_PAD)] {
        for lead in 0..3usize {
            let mut padded = vec![0u8; lead];
            padded.extend_from_slice(id);
            let text = engine.encode(&padded).into_bytes();
            let from = (8 * lead).div_ceil(6);
            let to = 8 * (lead + id.len()) / 6;
            out.push((format!("{name}+{lead}"), text[from..to].to_vec()));
        }
    }
    out
}

/// An identifier of a party, to look for.
#[derive(Clone, Debug)]
pub struct Needle {
    /// For the report, e.g. "buyer A account id".
    pub name: String,
    /// For the table, e.g. "her account id".
    pub class: &'static str,
    pub bytes: Vec<u8>,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Where each needle was found in one recorded text: (needle index, how).
/// First its raw bytes in every expansion (so a hit names the decoding
/// that found it), then each text encoding of it in every expansion.
pub fn find(needles: &[Needle], expansions: &[(String, Vec<u8>)]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, n) in needles.iter().enumerate() {
        let raw = expansions
            .iter()
            .find(|(_, bytes)| contains(bytes, &n.bytes))
            .map(|(how, _)| format!("{how}: raw bytes"));
        let encoded = || {
            let forms = encodings(&n.bytes);
            expansions.iter().find_map(|(how, bytes)| {
                forms
                    .iter()
                    .find(|(_, text)| contains(bytes, text))
                    .map(|(form, _)| format!("{how}: as {form}"))
            })
        };
        if let Some(how) = raw.or_else(encoded) {
            found.push((i, how));
        }
    }
    found
}

/// Every 16-byte window of `values`.
pub fn windows(values: &[Vec<u8>]) -> HashSet<[u8; 16]> {
    values
        .iter()
        .flat_map(|v| v.windows(16).map(|w| <[u8; 16]>::try_from(w).unwrap()))
        .collect()
}

/// Cuts every occurrence of each `known` value out of `value`: what is left
/// are the pieces between them.
pub fn cut(value: &[u8], known: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut pieces = vec![value.to_vec()];
    for k in known.iter().filter(|k| !k.is_empty()) {
        let mut next = Vec::new();
        for p in pieces {
            let mut rest = p.as_slice();
            while let Some(at) = memchr::memmem::find(rest, k) {
                next.push(rest[..at].to_vec());
                rest = &rest[at + k.len()..];
            }
            next.push(rest.to_vec());
        }
        pieces = next;
    }
    pieces.retain(|p| p.len() >= 16);
    pieces
}

/// The text forms (`hpq1.` + base64url, ...) inside a text: each prefix
/// found and the bytes of the run of base64url after it.
pub fn text_forms(bytes: &[u8]) -> Texts {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 5 <= bytes.len() {
        let p = &bytes[i..i + 5];
        let is_prefix = p[0] == b'h'
            && p[1] == b'p'
            && p[2].is_ascii_lowercase()
            && p[3].is_ascii_digit()
            && p[4] == b'.'
            && (i == 0 || !B64URL.contains(&bytes[i - 1]));
        if is_prefix {
            let start = i + 5;
            let end = bytes[start..]
                .iter()
                .position(|c| !B64URL.contains(c))
                .map_or(bytes.len(), |e| start + e);
            if let Ok(decoded) = URL_SAFE_NO_PAD.decode(&bytes[start..end]) {
                found.push((String::from_utf8_lossy(p).into_owned(), decoded));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}
