//! Commits as they happen, for the dashboard's live pages: one feed per store (so one per server
//! process), fanned out with a `tokio::sync::broadcast` channel to every open page.
//!
//! SQLite and the memory store publish each commit from the commit itself, once it is durable: a
//! SQLite file has one server process. Postgres may be shared by several processes, so a commit
//! sends `NOTIFY terrain_commits` inside its transaction (Postgres delivers it at `COMMIT`, to
//! every listening session, in commit order) and each process keeps one `LISTEN` connection that
//! publishes what it hears ([`listen_postgres`]), its own commits included.

use terrain_client_core::{DocKind, DocumentId};
use tokio::sync::broadcast;

/// The Postgres channel commits are announced on.
pub const CHANNEL: &str = "terrain_commits";

/// How many commits a slow page may fall behind before it is told it missed some.
const BACKLOG: usize = 256;

/// Postgres refuses a `NOTIFY` payload of 8000 bytes or more; a longer list of documents is
/// announced by its commit number alone.
const MAX_PAYLOAD: usize = 7900;

/// What a live page hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// Commit `seq` changed these documents.
    Committed {
        /// The commit number.
        seq: i64,
        /// The documents it changed.
        documents: Vec<(DocumentId, DocKind)>,
    },
    /// Commits may have been missed (the listener's connection dropped, or this page fell
    /// behind): a page should fetch itself again whatever it shows.
    Missed,
}

/// One store's feed of commits.
#[derive(Debug, Clone)]
pub struct CommitFeed {
    sender: broadcast::Sender<LiveEvent>,
}

impl Default for CommitFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl CommitFeed {
    /// A feed nobody listens to yet.
    pub fn new() -> Self {
        Self { sender: broadcast::channel(BACKLOG).0 }
    }

    /// Tell every open page (none listening is fine).
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(event);
    }

    /// Hear every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// Pages listening now.
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// The `NOTIFY` payload of a commit: `<seq> kind:id,kind:id…`, or `<seq>` alone when the list
/// would be too long (the listener then asks which documents carry that number).
pub fn payload(seq: i64, documents: &[(DocumentId, DocKind)]) -> String {
    let mut out = seq.to_string();
    let ids = documents.iter().map(|(id, kind)| format!("{}:{id}", kind.as_str())).collect::<Vec<_>>().join(",");
    if !ids.is_empty() && out.len() + 1 + ids.len() <= MAX_PAYLOAD {
        out.push(' ');
        out.push_str(&ids);
    }
    out
}

/// What a payload says: the commit number and, when they fitted, its documents. `None` for a
/// payload this version did not write.
pub fn parse_payload(payload: &str) -> Option<(i64, Option<Vec<(DocumentId, DocKind)>>)> {
    let (seq, ids) = match payload.split_once(' ') {
        Some((seq, ids)) => (seq, Some(ids)),
        None => (payload, None),
    };
    let seq = seq.parse().ok()?;
    let documents = match ids {
        None => None,
        Some(ids) => Some(
            ids.split(',')
                .map(|d| {
                    let (kind, id) = d.split_once(':')?;
                    Some((id.parse().ok()?, kind.parse().ok()?))
                })
                .collect::<Option<Vec<_>>>()?,
        ),
    };
    Some((seq, documents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_the_documents_or_only_the_number_when_too_long() {
        let doc = |n: u128, kind| (DocumentId(uuid::Uuid::from_u128(n)), kind);
        let two = vec![doc(1, DocKind::Worksite), doc(2, DocKind::Person)];
        assert_eq!(parse_payload(&payload(7, &two)), Some((7, Some(two))));
        let many: Vec<_> = (0..2000).map(|n| doc(n, DocKind::Worksite)).collect();
        let long = payload(8, &many);
        assert!(long.len() < 8000, "Postgres takes it");
        assert_eq!(parse_payload(&long), Some((8, None)));
        assert_eq!(parse_payload("x y"), None);
    }
}
