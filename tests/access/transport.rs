//! `terrain serve` speaks HTTPS itself when given a certificate and key.

use std::process::Command;
use std::time::Duration;

use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::{free_port, terrain_binary};

pub async fn https_is_served_with_a_certificate_and_key(backend: Backend) {
    let (_db, url) = fresh(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a test certificate");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let port = free_port();
    let mut child = tokio::process::Command::new(terrain_binary())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", &url])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env_remove("DATABASE_URL")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let curl = |scheme: &str| {
        Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert"])
            .arg(&cert)
            .arg(format!("{scheme}://127.0.0.1:{port}/healthz"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let mut answered = String::new();
    for _ in 0..100 {
        answered = curl("https");
        if answered == "200" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answered, "200", "healthz answers over HTTPS, the certificate verified");
    assert_ne!(curl("http"), "200", "plain HTTP is not served on the TLS port");
    child.start_kill().unwrap();
    let _ = child.wait().await;
}
