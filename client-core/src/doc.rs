//! Low-level access to Automerge documents: the one text encoding, creation, loading, and typed
//! reads that refuse what the schema does not allow.

use automerge::{
    ActorId, Automerge, LoadOptions, ObjId, ObjType, ReadDoc, ScalarValue, TextEncoding, Value,
    transaction::Transactable,
};
use std::cell::OnceCell;

use chrono::NaiveDate;

use crate::values::parse_date;

/// The text encoding of every document in Terrain. Positions in `Text` objects count UTF-8 bytes,
/// which is what Rust's `str` indices are, so a splice at a `str` index lands where it should.
pub const TEXT_ENCODING: TextEncoding = TextEncoding::Utf8CodeUnit;

/// The document schema version this build writes: every document it creates, and every document
/// it edits (an older one is migrated in the same change, see [`migrate`]).
///
/// Versions only add: a version's documents hold what the previous one allowed plus the keys it
/// introduced (`Reader::only_keys_since`). A build reads every version from [`OLDEST_SCHEMA`] to
/// this one, and never one above: the server does not send a device a document newer than the
/// schema its sync request says it reads (`app_outdated`, docs/PROTOCOL.md 4.7).
///
/// - 1: the first schema.
/// - 2: the keys of Terrain's second schema are listed where they are read (`model.rs`).
pub const SCHEMA_VERSION: u64 = 2;

/// The oldest schema version this build still reads.
pub const OLDEST_SCHEMA: u64 = 1;

/// The schema version a document says it follows (its root `schema`), when it says one that is a
/// whole number.
pub fn schema_version<D: ReadDoc>(doc: &D) -> Option<u64> {
    match doc.get(&automerge::ROOT, "schema").ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Uint(u) => Some(*u),
            ScalarValue::Int(i) => u64::try_from(*i).ok(),
            ScalarValue::F64(f) if f.fract() == 0.0 && (0.0..=1e15).contains(f) => Some(*f as u64),
            _ => None,
        },
        _ => None,
    }
}

/// Bring a document of an older schema to [`SCHEMA_VERSION`], inside the transaction of the edit
/// that is about to use it. Every version so far only adds optional keys, so migrating is saying
/// the new version: the same write on every device, so two devices migrating the same document
/// offline agree (their two writes of one value merge as one). A version that reshapes data will
/// add its steps here, each one deterministic for the same reason.
pub(crate) fn migrate<T: Transactable>(tx: &mut T) -> std::result::Result<bool, automerge::AutomergeError> {
    match schema_version(tx) {
        Some(v) if v >= SCHEMA_VERSION => Ok(false),
        _ => {
            tx.put(automerge::ROOT, "schema", SCHEMA_VERSION)?;
            Ok(true)
        }
    }
}

/// A document or change that does not follow Terrain's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct SchemaError {
    /// Where in the document ("meetings/<id>/date").
    pub path: String,
    /// What is wrong.
    pub problem: String,
}

impl SchemaError {
    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { path: path.into(), problem: problem.into() }
    }

    /// The document follows a schema newer than this build reads: a newer app wrote it, and this
    /// one must be updated to read it (nothing is wrong with the document).
    pub fn is_newer_schema(&self) -> bool {
        self.path == "schema" && self.problem.starts_with(TOO_NEW)
    }
}

/// How [`SchemaError`] says a document is of a newer schema than this build reads.
pub(crate) const TOO_NEW: &str = "a newer schema than this build reads";

/// A new, empty document with the given actor and Terrain's text encoding.
pub fn new_document(actor: ActorId) -> Automerge {
    Automerge::new_with_encoding(TEXT_ENCODING).with_actor(actor)
}

/// Load a document saved with `Automerge::save` (or concatenated changes), with Terrain's text
/// encoding. Heads are verified.
pub fn load_document(bytes: &[u8]) -> std::result::Result<Automerge, automerge::AutomergeError> {
    Automerge::load_with_options(bytes, LoadOptions::new().text_encoding(TEXT_ENCODING))
}

pub(crate) type Result<T> = std::result::Result<T, SchemaError>;

/// A cursor into a document for strict, path-aware reads.
pub(crate) struct Reader<'a, D: ReadDoc> {
    pub doc: &'a D,
    pub obj: ObjId,
    pub path: String,
    /// The schema version of the document being read (set from its root by `model::header`).
    pub version: u64,
    /// The map's keys with their visible values, read in one pass on first use. Each `get`
    /// seeks the whole op set again: on a worksite of 5 000 changes, reading a map key by key
    /// (its keys, then each value) cost about three times this one pass.
    props: OnceCell<Vec<(String, Value<'static>, ObjId)>>,
}

impl<'a, D: ReadDoc> Reader<'a, D> {
    pub fn root(doc: &'a D) -> Self {
        Reader { doc, obj: automerge::ROOT, path: String::new(), version: SCHEMA_VERSION, props: OnceCell::new() }
    }

    fn child(&self, obj: ObjId, key: &str) -> Reader<'a, D> {
        Reader { doc: self.doc, obj, path: self.at(key), version: self.version, props: OnceCell::new() }
    }

    fn props(&self) -> &[(String, Value<'static>, ObjId)] {
        self.props.get_or_init(|| {
            let mut props: Vec<_> = self
                .doc
                .map_range(&self.obj, ..)
                .map(|item| {
                    let id = item.id();
                    (item.key.into_owned(), item.value.into_value(), id)
                })
                .collect();
            // `raw` looks keys up by halving (Automerge already returns them in this order).
            props.sort_by(|a, b| a.0.cmp(&b.0));
            props
        })
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}/{key}", self.path) }
    }

    fn raw(&self, key: &str) -> Result<Option<(Value<'static>, ObjId)>> {
        let props = self.props();
        Ok(props
            .binary_search_by(|(k, _, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| (props[i].1.clone(), props[i].2.clone())))
    }

    /// Whether the map holds `key` (whatever its value).
    pub fn raw_present(&self, key: &str) -> Result<bool> {
        Ok(self.raw(key)?.is_some())
    }

    /// The keys of this map.
    pub fn keys(&self) -> Vec<String> {
        self.props().iter().map(|(k, _, _)| k.clone()).collect()
    }

    /// Fail when the map holds a key not in `allowed`.
    pub fn only_keys(&self, allowed: &[&str]) -> Result<()> {
        for k in self.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(SchemaError::new(self.at(&k), "unknown field"));
            }
        }
        Ok(())
    }

    /// Fail when the map holds a key neither in `allowed` (every version) nor in `since` for a
    /// version at or below the document's: `since` lists `(version, keys that version added)`.
    /// A key of a later version than the document says is refused like an unknown one, so the
    /// reader still refuses what no version allows.
    pub fn only_keys_since(&self, allowed: &[&str], since: &[(u64, &[&str])]) -> Result<()> {
        for k in self.keys() {
            if allowed.contains(&k.as_str()) {
                continue;
            }
            match since.iter().find(|(_, keys)| keys.contains(&k.as_str())) {
                Some((v, _)) if *v <= self.version => {}
                Some((v, _)) => {
                    return Err(SchemaError::new(
                        self.at(&k),
                        format!("a key of schema {v} in a document of schema {}", self.version),
                    ));
                }
                None => return Err(SchemaError::new(self.at(&k), "unknown field")),
            }
        }
        Ok(())
    }

    /// A nested object of the given type (map or text); absent is an error.
    pub fn object(&self, key: &str, ty: ObjType) -> Result<Reader<'a, D>> {
        match self.raw(key)? {
            Some((Value::Object(t), id)) if t == ty => Ok(self.child(id, key)),
            Some(_) => Err(SchemaError::new(self.at(key), format!("expected a {ty:?}"))),
            None => Err(SchemaError::new(self.at(key), "missing")),
        }
    }

    /// A nested map; absent is an error.
    pub fn map(&self, key: &str) -> Result<Reader<'a, D>> {
        self.object(key, ObjType::Map)
    }

    /// Every map standing at `key`: one, or several when devices created the container
    /// concurrently (Automerge keeps them as competing values and shows one). A container filled
    /// on both sides is read as the union of its copies, so no device's entries vanish behind
    /// the other's. Absent is an empty list; a value that is not a map is an error.
    pub fn maps_all(&self, key: &str) -> Result<Vec<Reader<'a, D>>> {
        let all = self.doc.get_all(&self.obj, key).map_err(|e| SchemaError::new(self.at(key), e.to_string()))?;
        all.into_iter()
            .map(|(value, id)| match value {
                Value::Object(ObjType::Map) => Ok(self.child(id, key)),
                _ => Err(SchemaError::new(self.at(key), "expected a Map")),
            })
            .collect()
    }

    /// Every entry of a map of maps, keyed by UUID.
    pub fn entries(&self) -> Result<Vec<(uuid::Uuid, Reader<'a, D>)>> {
        let mut out = Vec::new();
        for k in self.keys() {
            let id = uuid::Uuid::parse_str(&k).map_err(|_| SchemaError::new(self.at(&k), "key is not a UUID"))?;
            out.push((id, self.map(&k)?));
        }
        Ok(out)
    }

    /// A string: a scalar string or a Text object. Absent reads as "".
    pub fn string(&self, key: &str) -> Result<String> {
        match self.raw(key)? {
            None => Ok(String::new()),
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(s) => Ok(s.to_string()),
                ScalarValue::Null => Ok(String::new()),
                _ => Err(SchemaError::new(self.at(key), "expected a string")),
            },
            Some((Value::Object(ObjType::Text), id)) => {
                self.doc.text(&id).map_err(|e| SchemaError::new(self.at(key), e.to_string()))
            }
            Some(_) => Err(SchemaError::new(self.at(key), "expected a string")),
        }
    }

    /// A string that must not be longer than `max` bytes.
    pub fn short_string(&self, key: &str, max: usize) -> Result<String> {
        let s = self.string(key)?;
        if s.len() > max {
            return Err(SchemaError::new(self.at(key), format!("longer than {max} bytes")));
        }
        Ok(s)
    }

    /// A number (integer or float), absent reads as 0.
    pub fn number(&self, key: &str) -> Result<f64> {
        match self.raw(key)? {
            None => Ok(0.0),
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::F64(f) if f.is_finite() => Ok(*f),
                ScalarValue::Int(i) => Ok(*i as f64),
                ScalarValue::Uint(u) => Ok(*u as f64),
                ScalarValue::Null => Ok(0.0),
                _ => Err(SchemaError::new(self.at(key), "expected a number")),
            },
            Some(_) => Err(SchemaError::new(self.at(key), "expected a number")),
        }
    }

    /// A boolean, absent reads as false.
    pub fn boolean(&self, key: &str) -> Result<bool> {
        match self.raw(key)? {
            None => Ok(false),
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Boolean(b) => Ok(*b),
                ScalarValue::Null => Ok(false),
                _ => Err(SchemaError::new(self.at(key), "expected a boolean")),
            },
            Some(_) => Err(SchemaError::new(self.at(key), "expected a boolean")),
        }
    }

    /// An optional date stored as "YYYY-MM-DD".
    pub fn date(&self, key: &str) -> Result<Option<NaiveDate>> {
        let s = self.string(key)?;
        if s.is_empty() {
            return Ok(None);
        }
        parse_date(&s).map(Some).map_err(|e| SchemaError::new(self.at(key), e.to_string()))
    }

    /// A value from a closed set of codes; absent reads as `default`.
    pub fn code<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let s = self.string(key)?;
        if s.is_empty() {
            return Ok(default);
        }
        s.parse().map_err(|e: T::Err| SchemaError::new(self.at(key), e.to_string()))
    }

    /// A UUID stored as a string; absent or malformed is an error.
    pub fn uuid(&self, key: &str) -> Result<uuid::Uuid> {
        let s = self.string(key)?;
        uuid::Uuid::parse_str(&s).map_err(|_| SchemaError::new(self.at(key), "expected a UUID"))
    }
}

/// Put a date (or clear it) in a map.
pub(crate) fn put_date<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    date: Option<NaiveDate>,
) -> std::result::Result<(), automerge::AutomergeError> {
    match date {
        Some(d) => tx.put(obj, key, d.format("%Y-%m-%d").to_string()),
        None => tx.put(obj, key, ScalarValue::Null),
    }
}

/// Create a Text object holding `text` under `key`.
pub(crate) fn put_text<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    text: &str,
) -> std::result::Result<ObjId, automerge::AutomergeError> {
    let id = tx.put_object(obj, key, ObjType::Text)?;
    if !text.is_empty() {
        tx.splice_text(&id, 0, 0, text)?;
    }
    Ok(id)
}

/// Follow a path of map keys from the root; `None` when a step is missing or not a map/text.
pub(crate) fn object_at<D: ReadDoc>(doc: &D, path: &[&str]) -> Option<ObjId> {
    let mut obj = automerge::ROOT;
    for key in path {
        match doc.get(&obj, *key).ok()?? {
            (Value::Object(_), id) => obj = id,
            _ => return None,
        }
    }
    Some(obj)
}
