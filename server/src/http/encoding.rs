//! `Content-Encoding` of the sync endpoint's bodies: gzip or deflate (zlib), both ways.
//!
//! A request body may come compressed (`Content-Encoding: gzip` or `deflate`). It is inflated off
//! the async runtime, and the body limit applies to the **inflated** size: a small hostile body
//! that inflates beyond it (a zip bomb) is refused with `body_too_large` as soon as the limit is
//! crossed, having cost no more than the limit's worth of inflating. A response is compressed
//! when the client accepts it and the body is large enough for it to pay.

use std::io::{Read, Write};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use flate2::Compression;
use terrain_client_core::protocol::ErrorCode;

use super::ApiError;

/// Bodies smaller than this are sent as they are: the gzip frame (18 bytes) and the CPU would
/// cost more than they save.
pub const COMPRESS_FROM_BYTES: usize = 512;

/// A body compression the sync endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// RFC 1952 gzip.
    Gzip,
    /// HTTP's `deflate`: a zlib stream (RFC 1950).
    Deflate,
}

impl Coding {
    /// The header value naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }
}

/// The coding of the request body, from `Content-Encoding` (absent or `identity`: none).
pub fn request_coding(headers: &HeaderMap) -> Result<Option<Coding>, ApiError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else { return Ok(None) };
    let value = value.to_str().unwrap_or("").trim().to_ascii_lowercase();
    match value.as_str() {
        "" | "identity" => Ok(None),
        "gzip" | "x-gzip" => Ok(Some(Coding::Gzip)),
        "deflate" => Ok(Some(Coding::Deflate)),
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the sync request uncompressed, or compressed with gzip or deflate (Content-Encoding).",
        )),
    }
}

/// The coding to answer with, from `Accept-Encoding`: gzip when accepted, else deflate when
/// accepted, else none. A coding with `q=0` is not accepted.
pub fn response_coding(headers: &HeaderMap) -> Option<Coding> {
    let mut gzip = false;
    let mut deflate = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        for item in value.to_str().unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            match name.as_str() {
                "gzip" | "x-gzip" | "*" => gzip |= !refused,
                "deflate" => deflate |= !refused,
                _ => {}
            }
        }
    }
    if gzip {
        Some(Coding::Gzip)
    } else if deflate {
        Some(Coding::Deflate)
    } else {
        None
    }
}

/// Inflate `body` to at most `limit` bytes: `body_too_large` beyond (counted on the inflated
/// bytes), `malformed_request` for a stream that is not valid gzip/zlib. Runs on a blocking
/// thread.
pub async fn inflate(body: Bytes, coding: Coding, limit: usize) -> Result<Bytes, ApiError> {
    let task = tokio::task::spawn_blocking(move || inflate_blocking(&body, coding, limit));
    task.await.map_err(|e| ApiError::internal("inflate task", e))?
}

fn inflate_blocking(body: &[u8], coding: Coding, limit: usize) -> Result<Bytes, ApiError> {
    let reader: Box<dyn Read> = match coding {
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(body)),
        Coding::Deflate => Box::new(flate2::read::ZlibDecoder::new(body)),
    };
    // One byte more than the limit tells "exactly the limit" from "beyond it".
    let mut out = Vec::new();
    let read = reader.take(limit as u64 + 1).read_to_end(&mut out);
    match read {
        Ok(_) if out.len() > limit => Err(ApiError::new(
            ErrorCode::BodyTooLarge,
            format!("The request body is larger than {limit} bytes once decompressed."),
        )),
        Ok(_) => Ok(Bytes::from(out)),
        Err(e) => Err(ApiError::new(
            ErrorCode::MalformedRequest,
            format!("The body is not valid {} data: {e}.", coding.as_str()),
        )),
    }
}

/// Compress `body` with `coding` when it pays; returns the body to send and the header value to
/// set, if any. Compressed on a blocking thread.
pub async fn compress(body: Vec<u8>, coding: Option<Coding>) -> Result<(Vec<u8>, Option<HeaderValue>), ApiError> {
    let Some(coding) = coding.filter(|_| body.len() >= COMPRESS_FROM_BYTES) else { return Ok((body, None)) };
    let task = tokio::task::spawn_blocking(move || match compress_blocking(&body, coding) {
        Some(packed) if packed.len() < body.len() => (packed, Some(HeaderValue::from_static(coding.as_str()))),
        _ => (body, None),
    });
    task.await.map_err(|e| ApiError::internal("compression task", e))
}

fn compress_blocking(body: &[u8], coding: Coding) -> Option<Vec<u8>> {
    let level = Compression::default();
    let out = Vec::with_capacity(body.len() / 3 + 64);
    match coding {
        Coding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(out, level);
            encoder.write_all(body).ok()?;
            encoder.finish().ok()
        }
        Coding::Deflate => {
            let mut encoder = flate2::write::ZlibEncoder::new(out, level);
            encoder.write_all(body).ok()?;
            encoder.finish().ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_encoding_picks_gzip_then_deflate_and_honours_q_zero() {
        assert_eq!(response_coding(&HeaderMap::new()), None);
        assert_eq!(response_coding(&accept("gzip, deflate, br, zstd")), Some(Coding::Gzip));
        assert_eq!(response_coding(&accept("deflate")), Some(Coding::Deflate));
        assert_eq!(response_coding(&accept("gzip;q=0, deflate;q=0.5")), Some(Coding::Deflate));
        assert_eq!(response_coding(&accept("br")), None);
        assert_eq!(response_coding(&accept("identity")), None);
    }

    #[test]
    fn both_codings_round_trip_and_inflating_stops_at_the_limit() {
        let body: Vec<u8> = (0..10_000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        for coding in [Coding::Gzip, Coding::Deflate] {
            let packed = compress_blocking(&body, coding).unwrap();
            assert!(packed.len() < body.len() / 10);
            assert_eq!(inflate_blocking(&packed, coding, body.len()).unwrap(), body);
            let refused = inflate_blocking(&packed, coding, body.len() - 1).unwrap_err();
            assert_eq!(refused.code, ErrorCode::BodyTooLarge);
            let garbage = inflate_blocking(b"not compressed at all", coding, 1 << 20).unwrap_err();
            assert_eq!(garbage.code, ErrorCode::MalformedRequest);
        }
    }
}
