//! How one document record is laid out in the tablet's store: a kind byte, then the snapshot or
//! changes. One place, so the store's format is decided (and later sealed) here only.

use terrain_client_core::DocKind;

/// A stored record for a document of this kind.
pub fn encode(kind: DocKind, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.push(match kind {
        DocKind::Worksite => 0,
        DocKind::Person => 1,
    });
    out.extend_from_slice(bytes);
    out
}

/// The kind and bytes of a stored record.
pub fn decode(record: &[u8]) -> Result<(DocKind, Vec<u8>), String> {
    match record.split_first() {
        Some((0, rest)) => Ok((DocKind::Worksite, rest.to_vec())),
        Some((1, rest)) => Ok((DocKind::Person, rest.to_vec())),
        _ => Err("a stored record is corrupt".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_garbage_is_refused() {
        for kind in [DocKind::Worksite, DocKind::Person] {
            assert_eq!(decode(&encode(kind, b"abc")), Ok((kind, b"abc".to_vec())));
        }
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 1, 2]).is_err());
    }
}
