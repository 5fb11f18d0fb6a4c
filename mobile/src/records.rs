//! How the tablet's store lays out what it keeps: every document record and the replica's
//! metadata are sealed with the device's storage key (AES-256-GCM, [`terrain_client_core::seal`]);
//! inside, a document record is a kind byte followed by the snapshot or changes. One place, so
//! the store's format is decided here only. The caller supplies the nonces (fresh randomness).

use terrain_client_core::DocKind;
use terrain_client_core::seal::{self, StorageKey};

/// A sealed record for a document of this kind.
pub fn seal_document(key: &StorageKey, nonce: [u8; 12], kind: DocKind, bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::with_capacity(bytes.len() + 1);
    plain.push(match kind {
        DocKind::Worksite => 0,
        DocKind::Person => 1,
    });
    plain.extend_from_slice(bytes);
    seal::seal(key, nonce, &plain)
}

/// The kind and bytes of a sealed document record.
pub fn open_document(key: &StorageKey, record: &[u8]) -> Result<(DocKind, Vec<u8>), String> {
    let plain = open(key, record)?;
    match plain.split_first() {
        Some((0, rest)) => Ok((DocKind::Worksite, rest.to_vec())),
        Some((1, rest)) => Ok((DocKind::Person, rest.to_vec())),
        _ => Err("a stored record is corrupt".to_owned()),
    }
}

/// Seal any other record (the replica's metadata).
pub fn seal_bytes(key: &StorageKey, nonce: [u8; 12], bytes: &[u8]) -> Vec<u8> {
    seal::seal(key, nonce, bytes)
}

/// Open a record sealed by [`seal_bytes`].
pub fn open(key: &StorageKey, record: &[u8]) -> Result<Vec<u8>, String> {
    seal::open(key, record).map_err(|e| format!("a stored record cannot be opened with this device's key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_sealed_and_a_wrong_key_or_garbage_is_refused() {
        let key = StorageKey::from_bytes([7; 32]);
        for kind in [DocKind::Worksite, DocKind::Person] {
            let sealed = seal_document(&key, [1; 12], kind, "Karim El Amrani".as_bytes());
            assert!(!sealed.windows(5).any(|w| w == b"Karim"), "no plaintext in a sealed record");
            assert_eq!(open_document(&key, &sealed), Ok((kind, "Karim El Amrani".as_bytes().to_vec())));
            assert!(open_document(&StorageKey::from_bytes([8; 32]), &sealed).is_err());
        }
        assert!(open_document(&key, &[]).is_err());
        assert!(open_document(&key, &seal_bytes(&key, [2; 12], &[9, 1, 2])).is_err());
    }
}
