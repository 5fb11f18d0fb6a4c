//! Sealing records at rest on a device: AES-256-GCM under the device's storage key.
//!
//! The server generates one random [`StorageKey`] per device at sign-in and hands it out again
//! (`GET /v1/devices/me/key`) only while the device is not revoked. The device keeps the key in
//! memory (or for one browser session) and seals every record it writes to local storage, so a
//! copy of the storage taken from a lost tablet is unreadable once the admin revokes the device.
//!
//! Sans-IO like the rest of the core: the caller supplies the 12-byte nonce, which must never
//! repeat under one key (take it from the OS's randomness, 96 random bits per record).
//!
//! Sealed layout: `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.

use std::fmt;
use std::str::FromStr;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};

/// Length of the nonce at the start of a sealed record.
pub const NONCE_LEN: usize = 12;
/// Length of the authentication tag at the end of a sealed record.
pub const TAG_LEN: usize = 16;

/// A device's 256-bit storage key. `Display`/`FromStr` use 64 lowercase hex characters (the form
/// the server sends); `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageKey([u8; 32]);

impl StorageKey {
    /// A key from 32 bytes (randomness supplied by the caller).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        StorageKey(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(***)")
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The error for a storage key that is not 64 hexadecimal characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a storage key is 64 hexadecimal characters")]
pub struct ParseKeyError;

impl FromStr for StorageKey {
    type Err = ParseKeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.as_bytes();
        if s.len() != 64 {
            return Err(ParseKeyError);
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            out[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Ok(StorageKey(out))
    }
}

fn hex_digit(c: u8) -> Result<u8, ParseKeyError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(ParseKeyError),
    }
}

/// Why a sealed record could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Shorter than a nonce and a tag: not a sealed record.
    #[error("sealed record too short ({0} bytes)")]
    TooShort(usize),
    /// The tag does not verify: another key, or the bytes were altered.
    #[error("sealed record does not open with this key (wrong key or altered bytes)")]
    Unauthentic,
}

/// Seal `plaintext` under `key` with `nonce` (never reuse a nonce under one key). Returns
/// `nonce ‖ ciphertext ‖ tag`.
pub fn seal(key: &StorageKey, nonce: [u8; 12], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(&key.0.into());
    // AES-GCM encryption into a Vec fails only for plaintexts over 64 GiB (the GCM limit); a
    // device record is at most a document snapshot, far below it.
    let ciphertext = cipher.encrypt(&Nonce::from(nonce), plaintext).unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Open a record made by [`seal`] under the same key.
pub fn open(key: &StorageKey, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError::TooShort(sealed.len()));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::TooShort(sealed.len()))?;
    let cipher = Aes256Gcm::new(&key.0.into());
    cipher.decrypt(&Nonce::from(nonce), ciphertext).map_err(|_| SealError::Unauthentic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> StorageKey {
        StorageKey::from_bytes([b; 32])
    }

    #[test]
    fn a_sealed_record_opens_with_its_key_and_hides_the_plaintext() {
        let plain = b"Fatima El Amrani, 0470 12 34 56";
        let sealed = seal(&key(7), [1; 12], plain);
        assert_eq!(sealed.len(), NONCE_LEN + plain.len() + TAG_LEN);
        assert_eq!(&sealed[..NONCE_LEN], &[1; 12]);
        assert!(!sealed.windows(6).any(|w| w == b"Fatima"));
        assert_eq!(open(&key(7), &sealed).unwrap(), plain);
    }

    #[test]
    fn another_key_or_a_flipped_bit_is_refused() {
        let mut sealed = seal(&key(7), [2; 12], b"note");
        assert_eq!(open(&key(8), &sealed), Err(SealError::Unauthentic));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(open(&key(7), &sealed), Err(SealError::Unauthentic));
        assert_eq!(open(&key(7), &[0; 27]), Err(SealError::TooShort(27)));
    }

    #[test]
    fn the_key_round_trips_as_lowercase_hex_and_debug_hides_it() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(8).wrapping_add(0xa);
        }
        let k = StorageKey::from_bytes(bytes);
        let hex = k.to_string();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, hex.to_lowercase());
        assert_eq!(hex.parse::<StorageKey>().unwrap(), k);
        assert_eq!(hex.to_uppercase().parse::<StorageKey>().unwrap(), k);
        assert!(!format!("{k:?}").contains(&hex[..8]));
        assert_eq!("zz".repeat(32).parse::<StorageKey>(), Err(ParseKeyError));
        assert_eq!("ab".parse::<StorageKey>(), Err(ParseKeyError));
        assert_eq!("é".repeat(32).parse::<StorageKey>(), Err(ParseKeyError));
    }
}
