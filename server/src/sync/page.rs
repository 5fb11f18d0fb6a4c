//! What an answer sends besides the documents the request named: one bounded page.
//!
//! The candidates are, in this order, the documents newly in the caller's access set that the
//! device does not hold (sent whatever the cursor), then the documents changed after the cursor
//! in listing order, (latest commit number, id), after the request's page mark. A page takes
//! them until it holds [`Limits::page_documents`] documents or their stored size passes
//! [`Limits::page_bytes`] (it always takes one). When candidates are left, the answer says
//! `more` and gives the mark of the last changed document it listed; the device goes on with
//! it in the same session.
//!
//! Why this ends and skips nothing:
//!
//! - Every page lists at least one document. A listed changed document moves the mark forward,
//!   which never goes back, and a document newly allowed stops being one once the device names it
//!   in a request (the server then keeps a sync state for it: the device holds it).
//! - A document whose latest commit is at or below the mark was listed by this session with that
//!   commit: commits become visible in number order, so when the mark's commit was visible, every
//!   lower one was too, and a document's latest number only grows. A document committed again
//!   meanwhile has a number above the mark and is listed again later.
//! - So mid-listing the answer's cursor is the request's, or the number just below the mark when
//!   that is higher: everything at or below it was listed. Only the last page answers the cursor
//!   read with the listing ([`super::answer_cursor`]).

use std::collections::{BTreeMap, BTreeSet};

use terrain_client_core::protocol::{PageMark, SyncRequest};
use terrain_client_core::{DocKind, DocumentId};

use super::{Limits, SyncError, answer_cursor};
use crate::auth::Access;
use crate::store::{ChangedSince, Store, StoredDocument};

/// One page of an answer.
pub(super) struct Page {
    /// The documents it sends, with their kinds, in page order.
    pub flagged: Vec<(DocumentId, DocKind)>,
    /// Their stored copies.
    pub stored: Vec<StoredDocument>,
    /// Candidates are left for a later round.
    pub more: bool,
    /// Where the listing of changed documents stands: the last one listed by this page or, when
    /// it listed none, the request's mark.
    pub mark: Option<PageMark>,
    request_cursor: i64,
}

impl Page {
    /// The cursor to answer, given the highest commit number `read` with the listing and the
    /// request's own commit number `own`.
    pub fn cursor(&self, read: i64, own: Option<i64>) -> i64 {
        if !self.more {
            return answer_cursor(read, own);
        }
        match self.mark {
            Some(mark) => self.request_cursor.max(mark.seq.saturating_sub(1)),
            None => self.request_cursor,
        }
    }

    /// The mark to answer: only while more is to come.
    pub fn answer_mark(&self) -> Option<PageMark> {
        if self.more { self.mark } else { None }
    }
}

/// Choose the page of `request`'s answer and load its documents.
///
/// `changed` is the listing after the request's cursor, `held` what the device holds.
pub(super) async fn select(
    store: &dyn Store,
    limits: &Limits,
    request: &SyncRequest,
    changed: &ChangedSince,
    access: &Access,
    held: &BTreeSet<DocumentId>,
) -> Result<Page, SyncError> {
    let named: BTreeSet<DocumentId> = request.docs.iter().map(|d| d.doc).collect();
    // Newly allowed first: few, and the device needs them whatever the cursor.
    let mut candidates: Vec<(DocumentId, Option<PageMark>)> = match access {
        Access::All => Vec::new(),
        Access::Only(set) => {
            set.iter().filter(|id| !held.contains(id) && !named.contains(id)).map(|id| (*id, None)).collect()
        }
    };
    // Then the listing, in mark order whatever order the database gave (the mark compares so).
    let mut listed: Vec<PageMark> = changed
        .documents
        .iter()
        .zip(&changed.seqs)
        .map(|((doc, _), seq)| PageMark { seq: *seq, doc: *doc })
        .filter(|mark| request.page.is_none_or(|after| *mark > after))
        .filter(|mark| access.allows(mark.doc) && !named.contains(&mark.doc))
        .collect();
    listed.sort_unstable();
    candidates.extend(listed.into_iter().map(|mark| (mark.doc, Some(mark))));

    let mut page = Page {
        flagged: Vec::new(),
        stored: Vec::new(),
        more: false,
        mark: request.page,
        request_cursor: request.cursor,
    };
    let mut taken: BTreeSet<DocumentId> = BTreeSet::new();
    let mut bytes = 0usize;
    let mut rest = candidates.as_slice();
    'pages: while !rest.is_empty() {
        let room = limits.page_documents.max(1).saturating_sub(page.flagged.len());
        if room == 0 {
            page.more = true;
            break;
        }
        let (chunk, tail) = rest.split_at(room.min(rest.len()));
        rest = tail;
        let ids: Vec<DocumentId> = chunk.iter().map(|(id, _)| *id).filter(|id| !taken.contains(id)).collect();
        let mut loaded: BTreeMap<DocumentId, StoredDocument> =
            store.load(&ids).await.map_err(|e| SyncError::store("load", e))?.into_iter().map(|d| (d.id, d)).collect();
        for (id, mark) in chunk {
            // Not stored (an assignment naming an id never synced, or erased since it was
            // listed, which `erased` announces), or already in this page as newly allowed:
            // nothing more to send for it, and the listing may move past it.
            let Some(doc) = loaded.remove(id) else {
                if mark.is_some() {
                    page.mark = *mark;
                }
                continue;
            };
            let size = doc.snapshot.as_ref().map_or(0, Vec::len) + doc.tail.iter().map(Vec::len).sum::<usize>();
            if !page.flagged.is_empty() && bytes.saturating_add(size) > limits.page_bytes {
                page.more = true;
                break 'pages;
            }
            bytes = bytes.saturating_add(size);
            taken.insert(doc.id);
            page.flagged.push((doc.id, doc.kind));
            page.stored.push(doc);
            if mark.is_some() {
                page.mark = *mark;
            }
        }
    }
    Ok(page)
}
