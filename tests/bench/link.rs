//! A network link on loopback, in user space: a TCP proxy in front of a server that counts the
//! bytes each way and can shape them as a mobile link would (this machine's kernel has no `netem`).
//!
//! Each direction has a fixed one-way delay and a rate: bytes are serialised onto the link one
//! after the other at `rate` bytes per second (shared by every connection through the link, as on
//! one radio link), and each chunk arrives `delay` after its last byte left. With no delay and no
//! rate it is a plain counting relay. The TCP handshake is the proxy's own, on loopback: a new
//! connection costs no delayed round trip here (on a real link it costs one).

// Two benches include this module (fieldnet, peer), each uses part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio::time::Instant;

/// How one direction of the link carries bytes.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// One-way delay of every byte.
    pub delay: Duration,
    /// Bytes per second, `None` for as fast as loopback.
    pub rate: Option<u64>,
}

impl Shape {
    /// A counting relay: no delay, no pacing.
    pub const PLAIN: Shape = Shape { delay: Duration::ZERO, rate: None };
}

/// A running link: connect to [`Link::addr`] to reach the server behind it.
pub struct Link {
    /// Where clients connect.
    pub addr: SocketAddr,
    counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

/// Bytes the link carried, client to server (`up`) and back (`down`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bytes {
    /// Client to server.
    pub up: u64,
    /// Server to client.
    pub down: u64,
}

impl std::ops::Sub for Bytes {
    type Output = Bytes;
    fn sub(self, earlier: Bytes) -> Bytes {
        Bytes { up: self.up - earlier.up, down: self.down - earlier.down }
    }
}

#[derive(Default)]
struct Counts {
    up: AtomicU64,
    down: AtomicU64,
}

/// When a direction's link is free to serialise the next byte.
type Wire = Arc<Mutex<Instant>>;

impl Link {
    /// A link on `127.0.0.1:0` to `server`, each direction shaped by `shape`.
    pub async fn start(server: SocketAddr, shape: Shape) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the link's port");
        let addr = listener.local_addr().expect("the link's address");
        let counts = Arc::new(Counts::default());
        let wires: (Wire, Wire) = (Arc::new(Mutex::new(Instant::now())), Arc::new(Mutex::new(Instant::now())));
        let task = tokio::spawn({
            let counts = counts.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(upstream) = TcpStream::connect(server).await else { continue };
                    let _ = client.set_nodelay(true);
                    let _ = upstream.set_nodelay(true);
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = upstream.into_split();
                    tokio::spawn(pump(client_read, server_write, shape, wires.0.clone(), counts.clone(), true));
                    tokio::spawn(pump(server_read, client_write, shape, wires.1.clone(), counts.clone(), false));
                }
            }
        });
        Link { addr, counts, task }
    }

    /// `http://addr`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes carried so far.
    pub fn bytes(&self) -> Bytes {
        Bytes { up: self.counts.up.load(Ordering::SeqCst), down: self.counts.down.load(Ordering::SeqCst) }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Carry one direction: read what arrives, stamp each chunk with the time its last byte reaches
/// the other end, and write it then. When the source closes, close the destination's writing side.
async fn pump(mut from: OwnedReadHalf, to: OwnedWriteHalf, shape: Shape, wire: Wire, counts: Arc<Counts>, up: bool) {
    let (send, receive) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let deliver = tokio::spawn(deliver(receive, to));
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let counter = if up { &counts.up } else { &counts.down };
        counter.fetch_add(n as u64, Ordering::SeqCst);
        let leaves = {
            let mut free = wire.lock().await;
            let start = (*free).max(Instant::now());
            let on_the_wire = shape.rate.map_or(Duration::ZERO, |rate| Duration::from_secs_f64(n as f64 / rate as f64));
            *free = start + on_the_wire;
            *free
        };
        if send.send((leaves + shape.delay, buffer[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(send);
    let _ = deliver.await;
}

async fn deliver(mut chunks: mpsc::UnboundedReceiver<(Instant, Vec<u8>)>, mut to: OwnedWriteHalf) {
    while let Some((at, bytes)) = chunks.recv().await {
        tokio::time::sleep_until(at).await;
        if to.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}

/// Check the shaping: a server sends `bytes` bytes as soon as a client connects; returns how long
/// the client waited from connecting to its last byte (`bytes` ÷ rate + the one-way delay on a
/// shaped link).
pub async fn time_transfer(shape: Shape, bytes: usize) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let server = listener.local_addr().expect("local address");
    let sender = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("the link connects");
        socket.write_all(&vec![7u8; bytes]).await.expect("send");
        socket.shutdown().await.expect("close");
    });
    let link = Link::start(server, shape).await;
    let started = Instant::now();
    let mut client = TcpStream::connect(link.addr).await.expect("connect through the link");
    let mut received = Vec::new();
    client.read_to_end(&mut received).await.expect("receive");
    let took = started.elapsed();
    sender.await.expect("the sender finished");
    assert_eq!(received.len(), bytes, "every byte arrived");
    assert_eq!(link.bytes(), Bytes { up: 0, down: bytes as u64 }, "the link counted what it carried");
    took
}
