//! The file store: a device reopened from its directory has every confirmed edit, even after a
//! torn write at the end of a log.
#![cfg(feature = "native-store")]

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use common::*;
use terrain_client_core::LocalStore;
use terrain_client_core::edit::{Edit, NewPerson, NewWorksite};
use terrain_client_core::replica::SNAPSHOT_EVERY;
use terrain_client_core::seal::StorageKey;
use terrain_client_core::store::native::{FileStore, FileStoreError};
use terrain_client_core::values::{HoursSource, MeetingKind};
use terrain_client_core::{Device, DeviceId, DocKind, DocumentId, Persist};

const ME: &str = "Marie Dupont · tablette 1";

/// A fresh directory for one test under cargo's scratch space for integration tests.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("terrain-client-core").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn device_id() -> DeviceId {
    DeviceId::from_random_bytes([9; 16])
}

fn key() -> StorageKey {
    StorageKey::from_bytes([0x5a; 32])
}

fn open(dir: &PathBuf) -> Device<FileStore> {
    Device::open(FileStore::open(dir, key()).unwrap(), device_id(), actor_bytes(4)).unwrap()
}

/// Every byte of every file under `dir`.
fn raw_bytes(dir: &PathBuf) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(raw_bytes(&path));
        } else {
            out.extend(fs::read(&path).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn log_path(dir: &PathBuf, doc: DocumentId) -> PathBuf {
    dir.join("docs").join(format!("{doc}.log"))
}

fn setup(device: &mut Device<FileStore>) -> DocumentId {
    let ws = doc_id(1);
    let new = NewWorksite { name: "Rénovation façade".into(), ..NewWorksite::default() };
    device.create_worksite(ws, &new, &ctx(ME)).unwrap();
    device
        .edit(
            ws,
            &Edit::AddMeeting {
                id: item(1),
                kind: MeetingKind::Kickoff,
                date: Some(d("2026-01-12")),
                place: "Chantier".into(),
                notes: String::new(),
                next_meeting: None,
            },
            &ctx(ME),
        )
        .unwrap();
    ws
}

fn type_notes(device: &mut Device<FileStore>, ws: DocumentId, words: &[&str]) {
    for word in words {
        let pos = device.replica().worksite(ws).unwrap().meeting(item(1)).unwrap().notes.len();
        device
            .edit(ws, &Edit::SpliceMeetingNotes { meeting: item(1), pos, delete: 0, insert: (*word).into() }, &ctx(ME))
            .unwrap();
    }
}

fn notes(device: &Device<FileStore>, ws: DocumentId) -> String {
    device.replica().worksite(ws).unwrap().meeting(item(1)).unwrap().notes.clone()
}

#[test]
fn a_reopened_device_has_every_edit() {
    let dir = scratch("reopen");
    let (ws, person) = (doc_id(1), doc_id(2));
    let expected;
    {
        let mut device = open(&dir);
        setup(&mut device);
        device
            .create_person(person, &NewPerson { first_name: "Zoë".into(), ..NewPerson::default() }, &ctx(ME))
            .unwrap();
        // Enough edits to go through a snapshot of the log and keep appending after it.
        let words: Vec<&str> =
            ["Noël ", "façade ", "reçu ", "👷 "].into_iter().cycle().take(SNAPSHOT_EVERY as usize + 20).collect();
        type_notes(&mut device, ws, &words);
        expected = device.replica().read(ws).unwrap();
        assert_eq!(notes(&device, ws), words.concat());
    } // dropped: nothing kept in memory

    let mut device = open(&dir);
    assert_eq!(device.replica().device(), device_id());
    assert_eq!(device.replica().documents(), [(ws, DocKind::Worksite), (person, DocKind::Person)]);
    assert_eq!(device.replica().read(ws).unwrap(), expected);
    assert_eq!(device.replica().person(person).unwrap().first_name, "Zoë");
    assert_eq!(device.replica().pending_changes(ws), SNAPSHOT_EVERY as usize + 22);

    // It goes on writing as the same actor, and that survives another reopening.
    device
        .edit(
            ws,
            &Edit::RecordHours {
                placement: item(5),
                month: "2026-03".parse().unwrap(),
                hours: 1.0,
                source: HoursSource::Payroll,
            },
            &ctx(ME),
        )
        .expect_err("no such placement");
    type_notes(&mut device, ws, &["✅"]);
    drop(device);
    let device = open(&dir);
    assert!(notes(&device, ws).ends_with("👷 ✅"));
    let authors = device.replica().worksite(ws).unwrap().authors;
    assert_eq!(authors.keys().cloned().collect::<Vec<_>>(), [actor(4).to_hex_string()]);
}

#[test]
fn garbage_after_the_last_record_is_ignored_and_cut() {
    let dir = scratch("garbage");
    let ws;
    {
        let mut device = open(&dir);
        ws = setup(&mut device);
        type_notes(&mut device, ws, &["Réunion ", "chez ", "Cenforgil"]);
    }
    // A torn write: the start of a record header promising more bytes than were written.
    let log = log_path(&dir, ws);
    let intact_len = fs::metadata(&log).unwrap().len();
    let mut file = OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(&[200, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, b'x', b'y']).unwrap();
    drop(file);

    {
        let mut device = open(&dir);
        assert_eq!(notes(&device, ws), "Réunion chez Cenforgil");
        assert_eq!(fs::metadata(&log).unwrap().len(), intact_len, "the torn tail is cut off at load");
        // Edits after the recovery are readable at the next opening.
        type_notes(&mut device, ws, &[" 👷"]);
    }
    let device = open(&dir);
    assert_eq!(notes(&device, ws), "Réunion chez Cenforgil 👷");
}

#[test]
fn a_half_written_last_record_loses_only_that_edit() {
    let dir = scratch("torn");
    let ws;
    {
        let mut device = open(&dir);
        ws = setup(&mut device);
        type_notes(&mut device, ws, &["Noël ", "façade"]);
    }
    let log = log_path(&dir, ws);
    let before_last = fs::metadata(&log).unwrap().len();
    {
        let mut device = open(&dir);
        type_notes(&mut device, ws, &[" reçue"]);
    }
    // The power went out halfway through the last append.
    let full = fs::metadata(&log).unwrap().len();
    let cut = before_last + (full - before_last) / 2;
    OpenOptions::new().write(true).open(&log).unwrap().set_len(cut).unwrap();

    let mut device = open(&dir);
    assert_eq!(notes(&device, ws), "Noël façade");
    type_notes(&mut device, ws, &" reçue".split_inclusive('e').collect::<Vec<_>>());
    drop(device);
    assert_eq!(notes(&open(&dir), ws), "Noël façade reçue");
}

#[test]
fn a_corrupted_byte_in_the_last_record_is_caught_by_the_checksum() {
    let dir = scratch("flipped");
    let ws;
    {
        let mut device = open(&dir);
        ws = setup(&mut device);
        type_notes(&mut device, ws, &["Noël"]);
    }
    let log = log_path(&dir, ws);
    let before_last = fs::metadata(&log).unwrap().len();
    {
        let mut device = open(&dir);
        type_notes(&mut device, ws, &[" façade"]);
    }
    let mut bytes = fs::read(&log).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    fs::write(&log, &bytes).unwrap();

    let device = open(&dir);
    assert_eq!(notes(&device, ws), "Noël");
    assert_eq!(fs::metadata(&log).unwrap().len(), before_last);
}

#[test]
fn the_files_hold_no_plaintext_and_open_only_with_the_key() {
    let dir = scratch("sealed");
    let (ws, person) = (doc_id(1), doc_id(2));
    {
        let mut device = open(&dir);
        setup(&mut device);
        let new = NewPerson { first_name: "Zoë".into(), last_name: "Vandersmissen".into(), ..NewPerson::default() };
        device.create_person(person, &new, &ctx(ME)).unwrap();
        type_notes(&mut device, ws, &["Confidentiel ", "Cenforgil"]);
    }
    let raw = raw_bytes(&dir);
    assert!(!raw.is_empty());
    for secret in ["Vandersmissen", "Zoë", "Confidentiel", "Cenforgil", "Rénovation", "Marie Dupont"] {
        assert!(!contains(&raw, secret), "{secret:?} readable in the store's files");
    }
    // The right key reads everything back.
    assert_eq!(notes(&open(&dir), ws), "Confidentiel Cenforgil");
    assert_eq!(open(&dir).replica().person(person).unwrap().last_name, "Vandersmissen");
    // Another key reads nothing.
    let mut other = FileStore::open(&dir, StorageKey::from_bytes([0x5b; 32])).unwrap();
    assert!(matches!(other.load(), Err(FileStoreError::Sealed { .. })));
}

#[test]
fn a_rekeyed_store_opens_with_the_new_key_only() {
    let dir = scratch("rekey");
    let ws;
    {
        let mut device = open(&dir);
        ws = setup(&mut device);
        type_notes(&mut device, ws, &["Noël"]);
    }
    let new = StorageKey::from_bytes([0x77; 32]);
    FileStore::open(&dir, key()).unwrap().rekey(new.clone()).unwrap();
    assert!(matches!(FileStore::open(&dir, key()).unwrap().load(), Err(FileStoreError::Sealed { .. })));
    let device = Device::open(FileStore::open(&dir, new).unwrap(), device_id(), actor_bytes(4)).unwrap();
    assert_eq!(notes(&device, ws), "Noël");
}

/// What a sync response would ask the store to write: the document received (a snapshot, then
/// `more` as appended changes) and the metadata of the device that holds it.
fn response_ops(src: &Device<FileStore>, ws: DocumentId) -> Vec<Persist> {
    let doc = src.replica().automerge(ws).unwrap();
    vec![Persist::Snapshot { doc: ws, kind: DocKind::Worksite, bytes: doc.save() }, Persist::Meta(src.replica().meta())]
}

#[test]
fn a_response_batch_is_one_journal_record_that_survives_losing_its_unsynced_writes() {
    let src_dir = scratch("batch-src");
    let mut src = open(&src_dir);
    let ws = setup(&mut src);
    type_notes(&mut src, ws, &["Visite ", "du ", "chantier"]);
    let dir = scratch("batch");
    {
        let mut store = FileStore::open(&dir, key()).unwrap();
        store.persist_batch(&response_ops(&src, ws)).unwrap();
        let journal = fs::read(dir.join("journal.log")).unwrap();
        assert!(!journal.is_empty(), "the batch went to the journal");
        assert!(!contains(&journal, "chantier"), "sealed like every record");
    }
    // The crash: none of the writes made after the journal's fsync reached the disk.
    fs::remove_file(log_path(&dir, ws)).unwrap();
    fs::remove_file(dir.join("meta.bin")).unwrap();
    let device = open(&dir);
    assert_eq!(notes(&device, ws), "Visite du chantier");
    assert_eq!(device.replica().meta(), src.replica().meta());
    assert_eq!(fs::metadata(dir.join("journal.log")).unwrap().len(), 0, "replayed, then emptied");
}

#[test]
fn replaying_a_batch_whose_writes_did_land_keeps_one_copy_of_each_change() {
    let dir = scratch("batch-twice");
    let mut device = open(&dir);
    let ws = setup(&mut device);
    let heads = device.replica().automerge(ws).unwrap().get_heads();
    // Another device's words, as a response brings them: appended changes plus the metadata.
    let mut other = device.replica().automerge(ws).unwrap().fork();
    let pos = notes(&device, ws).len();
    let ctx = ctx("Luc · tablette 2");
    terrain_client_core::edit::apply(
        &mut other,
        &Edit::SpliceMeetingNotes { meeting: item(1), pos, delete: 0, insert: "Luc était là.".into() },
        &ctx,
    )
    .unwrap();
    let ops = vec![
        Persist::Changes { doc: ws, kind: DocKind::Worksite, bytes: other.save_after(&heads) },
        Persist::Meta(device.replica().meta()),
    ];
    drop(device);
    let mut store = FileStore::open(&dir, key()).unwrap();
    store.persist_batch(&ops).unwrap();
    drop(store);
    // Everything landed and the journal is still there: reopening appends the changes again.
    let device = open(&dir);
    assert_eq!(notes(&device, ws), "Luc était là.");
    let doc = device.replica().automerge(ws).unwrap();
    assert_eq!(doc.get_changes(&[]).len(), other.get_changes(&[]).len());
}

#[test]
fn a_torn_journal_record_loses_that_response_only() {
    let src_dir = scratch("batch-torn-src");
    let mut src = open(&src_dir);
    let ws = setup(&mut src);
    let dir = scratch("batch-torn");
    let mut device = open(&dir);
    let other = doc_id(2);
    device.create_worksite(other, &NewWorksite { name: "Crèche".into(), ..NewWorksite::default() }, &ctx(ME)).unwrap();
    drop(device);
    let meta_before = fs::read(dir.join("meta.bin")).unwrap();
    let mut store = FileStore::open(&dir, key()).unwrap();
    store.persist_batch(&response_ops(&src, ws)).unwrap();
    drop(store);
    // Power lost before the journal's fsync returned: its record is torn and nothing else landed.
    let journal = dir.join("journal.log");
    let len = fs::metadata(&journal).unwrap().len();
    OpenOptions::new().write(true).open(&journal).unwrap().set_len(len - 3).unwrap();
    fs::remove_file(log_path(&dir, ws)).unwrap();
    fs::write(dir.join("meta.bin"), meta_before).unwrap();
    let device = open(&dir);
    assert!(device.replica().worksite(ws).is_err(), "the unconfirmed response is gone whole");
    assert_eq!(device.replica().worksite(other).unwrap().name, "Crèche", "what was there before stays");
}
