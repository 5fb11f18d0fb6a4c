//! Conflicts: where people set the same field concurrently, Automerge keeps every competing value
//! and picks one deterministically. Terrain shows them all, with who set each, so a person can
//! choose; choosing writes an [`Edit::Resolve`](crate::edit::Edit::Resolve).

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};
use serde::Serialize;

use crate::edit::FieldValue;

/// One value competing for a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Competing {
    /// The value (objects show as `Null`).
    pub value: FieldValue,
    /// Actor that wrote it (hex).
    pub actor: String,
    /// That actor's label from the document's `authors` map, when known.
    pub author: Option<String>,
    /// Whether Automerge currently shows this value.
    pub shown: bool,
}

/// A field with more than one current value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Map keys from the root to the field.
    pub path: Vec<String>,
    /// Every competing value, the one shown first.
    pub values: Vec<Competing>,
}

/// Every conflicting field of a document, in path order.
pub fn conflicts<D: ReadDoc>(doc: &D) -> Vec<Conflict> {
    let authors = match doc.get(automerge::ROOT, "authors") {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    };
    let mut out = Vec::new();
    walk(doc, &automerge::ROOT, &mut Vec::new(), authors.as_ref(), &mut out);
    out
}

fn walk<D: ReadDoc>(doc: &D, obj: &ObjId, path: &mut Vec<String>, authors: Option<&ObjId>, out: &mut Vec<Conflict>) {
    for key in doc.keys(obj).collect::<Vec<_>>() {
        let Ok(all) = doc.get_all(obj, key.as_str()) else { continue };
        path.push(key.clone());
        // Containers created on both sides (a map each) are not a choice for a person: the
        // reader takes their union (`Reader::maps_all`).
        let containers_only = all.iter().all(|(value, _)| matches!(value, Value::Object(ObjType::Map)));
        // Nor is the same value written on both sides (two devices migrating a document to the
        // same schema version, two people typing the same figure): whichever shows, it is that.
        let one_value = all.iter().all(|(value, _)| matches!(value, Value::Scalar(_)))
            && all.windows(2).all(|pair| field_value(&pair[0].0) == field_value(&pair[1].0));
        if all.len() > 1 && !containers_only && !one_value {
            let shown_id = doc.get(obj, key.as_str()).ok().flatten().map(|(_, id)| id);
            let mut values: Vec<Competing> = all
                .iter()
                .map(|(value, id)| {
                    let actor = match id {
                        ObjId::Id(_, actor, _) => actor.to_hex_string(),
                        ObjId::Root => String::new(),
                    };
                    let author = authors.and_then(|a| match doc.get(a, actor.as_str()) {
                        Ok(Some((v, _))) => v.into_string().ok(),
                        _ => None,
                    });
                    Competing { value: field_value(value), actor, author, shown: shown_id.as_ref() == Some(id) }
                })
                .collect();
            values.sort_by_key(|c| !c.shown);
            out.push(Conflict { path: path.clone(), values });
        }
        if let Ok(Some((Value::Object(ObjType::Map), child))) = doc.get(obj, key.as_str()) {
            walk(doc, &child, path, authors, out);
        }
        path.pop();
    }
}

fn field_value(v: &Value<'_>) -> FieldValue {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => FieldValue::Str(s.to_string()),
            ScalarValue::F64(f) => FieldValue::Number(*f),
            ScalarValue::Int(i) => FieldValue::Number(*i as f64),
            ScalarValue::Uint(u) => FieldValue::Number(*u as f64),
            ScalarValue::Boolean(b) => FieldValue::Bool(*b),
            _ => FieldValue::Null,
        },
        Value::Object(_) => FieldValue::Null,
    }
}
