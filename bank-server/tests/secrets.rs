//! The bank's private keys never reach a log line or an HTTP answer: the real
//! binary runs with every log level on, is asked good and bad requests, and
//! neither its output nor its answers hold any piece of its key files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Read as _;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

const BIN: &str = env!("CARGO_BIN_EXE_bank-server");
const TOKEN: &str = "secrets-test-operator-token-0123";

/// Pieces of a key file that would give it away: its secret bytes in hex and
/// in both base64 alphabets, taken from several places.
fn markers(der: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    // An RSA file starts with the public modulus (bytes 38 to about 300),
    // which the bank publishes; the private exponent and primes follow.
    for start in (320..der.len().saturating_sub(24)).step_by(97) {
        let piece = &der[start..start + 24];
        out.push(piece.iter().map(|b| format!("{b:02x}")).collect());
        out.push(STANDARD.encode(piece)[4..28].to_owned());
        out.push(URL_SAFE_NO_PAD.encode(piece)[4..28].to_owned());
    }
    // The Ed25519 key is only 48 bytes: its 32-byte seed ends the file.
    let seed = &der[der.len() - 32..];
    out.push(seed.iter().map(|b| format!("{b:02x}")).collect());
    out.push(STANDARD.encode(seed)[..30].to_owned());
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn private_keys_never_appear_in_logs_or_answers() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let made = Command::new(BIN)
        .args(["keygen", "--keys"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(made.status.success());
    let mut secrets = Vec::new();
    for file in [
        "token.pk8",
        "token-ed25519.pk8",
        "signing.pk8",
        "sealing.pk8",
    ] {
        secrets.extend(markers(&std::fs::read(keys.join(file)).unwrap()));
    }

    let port = free_port();
    let mut server = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--keys"])
        .arg(&keys)
        .arg("--database")
        .arg(format!("sqlite://{}/bank.db", dir.path().display()))
        .env("RUST_LOG", "trace")
        .env("HALFPENNY_OPERATOR_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/v1/health")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the bank did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut answers = String::new();
    let calls: [(&str, &str, &str); 8] = [
        ("GET", "/v1/bank", ""),
        (
            "POST",
            "/v1/accounts",
            r#"{"role":"buyer","signing_key":"AAAA","sealing_key":"AAAA"}"#,
        ),
        ("POST", "/v1/purses", r#"{"request":"hpq1.AAAA"}"#),
        ("POST", "/v1/redemptions", r#"{"letter":"hps1.!!!"}"#),
        ("POST", "/v1/statements", r#"{"letter":"garbage"}"#),
        ("POST", "/v1/refunds", "{not json"),
        ("GET", "/v1/operator/totals", ""),
        ("GET", "/v1/no/such/thing", ""),
    ];
    for (method, path, body) in calls {
        let request = match method {
            "GET" => http.get(format!("{base}{path}")),
            _ => http
                .post(format!("{base}{path}"))
                .header("content-type", "application/json")
                .body(body.to_owned()),
        };
        answers.push_str(&request.send().await.unwrap().text().await.unwrap());
    }
    // The operator with a wrong token, then the right one.
    for token in ["wrong-token", TOKEN] {
        let reply = http
            .get(format!("{base}/v1/operator/totals"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        answers.push_str(&reply.text().await.unwrap());
    }

    server.kill().unwrap();
    server.wait().unwrap();
    let mut logs = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();

    assert!(
        logs.contains("bank listening"),
        "the logs were captured: {logs}"
    );
    assert!(answers.contains("signing_key") && answers.contains("\"error\""));
    assert!(
        !logs.contains(TOKEN) && !answers.contains(TOKEN),
        "the operator token leaked"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a private key reached the logs"
        );
        assert!(
            !answers.contains(secret.as_str()),
            "a private key reached an answer"
        );
    }
}
