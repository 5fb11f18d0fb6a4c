//! What an operator watches, in the Prometheus text format (`GET /metrics`): sync requests by
//! outcome and code, their latency, bytes in and out, commit retries, the office's open live
//! streams, and, read from the store at each scrape, the documents and changes stored and the
//! database connections in use.
//!
//! One set of metrics per process ([`global`]), as Prometheus scrapes a process; the sync core
//! and the adapters record into it without knowing who reads it. Nothing personal is recorded:
//! no login, no id, only counts and codes.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::store::StoreStats;

/// The outcome of one sync request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SyncOutcome {
    /// `ok`, `refused` (a 4xx answer: the device's request) or `failed` (the server's fault or
    /// the database away).
    pub outcome: &'static str,
    /// The stable error code, `none` when the request succeeded.
    pub code: &'static str,
}

/// The process's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sync_requests: Family<SyncOutcome, Counter>,
    sync_seconds: Histogram,
    merge_seconds: Histogram,
    commit_seconds: Histogram,
    commit_retries: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    live_streams: Gauge,
    documents: Gauge,
    changes: Gauge,
    connections: Gauge,
    idle_connections: Gauge,
}

/// Latency buckets from 1 ms to about 33 s.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("terrain");
        let m = Metrics {
            registry: Registry::default(),
            sync_requests: Family::default(),
            sync_seconds: seconds(),
            merge_seconds: seconds(),
            commit_seconds: seconds(),
            commit_retries: Counter::default(),
            bytes_in: Counter::default(),
            bytes_out: Counter::default(),
            live_streams: Gauge::default(),
            documents: Gauge::default(),
            changes: Gauge::default(),
            connections: Gauge::default(),
            idle_connections: Gauge::default(),
        };
        registry.register("sync_requests", "Sync requests answered, by outcome and code", m.sync_requests.clone());
        registry.register_with_unit(
            "sync_request",
            "Time to answer a sync request, from its body read to its answer encoded",
            Unit::Seconds,
            m.sync_seconds.clone(),
        );
        registry.register_with_unit(
            "sync_merge",
            "Time merging one sync request's messages into the stored documents",
            Unit::Seconds,
            m.merge_seconds.clone(),
        );
        registry.register_with_unit(
            "sync_commit",
            "Time of one sync request's durable commit",
            Unit::Seconds,
            m.commit_seconds.clone(),
        );
        registry.register(
            "sync_commit_retries",
            "Commits merged again after losing a race with another commit",
            m.commit_retries.clone(),
        );
        registry.register_with_unit("sync_received", "Sync request bodies", Unit::Bytes, m.bytes_in.clone());
        registry.register_with_unit("sync_sent", "Sync response bodies", Unit::Bytes, m.bytes_out.clone());
        registry.register("live_streams", "Office pages holding a live-update stream open", m.live_streams.clone());
        registry.register("documents", "Documents stored (worksites and persons)", m.documents.clone());
        registry.register("changes", "Changes in the stored documents' logs", m.changes.clone());
        registry.register("db_connections", "Open database connections", m.connections.clone());
        registry.register("db_connections_idle", "Idle database connections", m.idle_connections.clone());
        Metrics { registry, ..m }
    }

    /// One sync request answered: its outcome, how long it took and the bytes each way.
    pub fn sync_answered(&self, outcome: SyncOutcome, took: Duration, received: usize, sent: usize) {
        self.sync_requests.get_or_create(&outcome).inc();
        self.sync_seconds.observe(took.as_secs_f64());
        self.bytes_in.inc_by(received as u64);
        self.bytes_out.inc_by(sent as u64);
    }

    /// The merge of one request took `took`.
    pub fn merged(&self, took: Duration) {
        self.merge_seconds.observe(took.as_secs_f64());
    }

    /// One durable commit took `took`.
    pub fn committed(&self, took: Duration) {
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// A commit lost a race and the request is merged again.
    pub fn commit_retried(&self) {
        self.commit_retries.inc();
    }

    /// A live stream opened; the guard counts it until dropped.
    pub fn live_stream(&'static self) -> LiveStream {
        self.live_streams.inc();
        LiveStream(self)
    }

    /// The text exposition, with the store's sizes as of now.
    pub fn render(&self, store: Option<StoreStats>) -> String {
        if let Some(s) = store {
            self.documents.set(s.documents);
            self.changes.set(s.changes);
            self.connections.set(i64::from(s.connections));
            self.idle_connections.set(i64::from(s.idle_connections));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// An open live stream, counted in `terrain_live_streams` while it lives.
#[derive(Debug)]
pub struct LiveStream(&'static Metrics);

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.0.live_streams.dec();
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// The content type of the text exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_with_its_labels_and_units() {
        let m = Metrics::new();
        m.sync_answered(SyncOutcome { outcome: "refused", code: "forbidden" }, Duration::from_millis(3), 100, 20);
        m.merged(Duration::from_millis(1));
        let text = m.render(Some(StoreStats { documents: 7, changes: 90, connections: 4, idle_connections: 3 }));
        for line in [
            "terrain_sync_requests_total{outcome=\"refused\",code=\"forbidden\"} 1",
            "terrain_sync_received_bytes_total 100",
            "terrain_sync_sent_bytes_total 20",
            "terrain_sync_request_seconds_count 1",
            "terrain_sync_merge_seconds_count 1",
            "terrain_documents 7",
            "terrain_changes 90",
            "terrain_db_connections 4",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
