//! Low-level access to Automerge documents: the one text encoding, creation, loading, and typed
//! reads that refuse what the schema does not allow.

use automerge::{
    ActorId, Automerge, LoadOptions, ObjId, ObjType, ReadDoc, ScalarValue, TextEncoding, Value,
    transaction::Transactable,
};
use chrono::NaiveDate;

use crate::values::parse_date;

/// The text encoding of every document in Terrain. Positions in `Text` objects count UTF-8 bytes,
/// which is what Rust's `str` indices are, so a splice at a `str` index lands where it should.
pub const TEXT_ENCODING: TextEncoding = TextEncoding::Utf8CodeUnit;

/// The document schema version this build writes and understands.
pub const SCHEMA_VERSION: u64 = 1;

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
}

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
}

impl<'a, D: ReadDoc> Reader<'a, D> {
    pub fn root(doc: &'a D) -> Self {
        Reader { doc, obj: automerge::ROOT, path: String::new() }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}/{key}", self.path) }
    }

    fn raw(&self, key: &str) -> Result<Option<(Value<'a>, ObjId)>> {
        self.doc.get(&self.obj, key).map_err(|e| SchemaError::new(self.at(key), e.to_string()))
    }

    /// Whether the map holds `key` (whatever its value).
    pub fn raw_present(&self, key: &str) -> Result<bool> {
        Ok(self.raw(key)?.is_some())
    }

    /// The keys of this map.
    pub fn keys(&self) -> Vec<String> {
        self.doc.keys(&self.obj).collect()
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

    /// A nested object of the given type (map or text); absent is an error.
    pub fn object(&self, key: &str, ty: ObjType) -> Result<Reader<'a, D>> {
        match self.raw(key)? {
            Some((Value::Object(t), id)) if t == ty => Ok(Reader { doc: self.doc, obj: id, path: self.at(key) }),
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
                Value::Object(ObjType::Map) => Ok(Reader { doc: self.doc, obj: id, path: self.at(key) }),
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
