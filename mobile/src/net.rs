//! The calls the tablet makes to the server, with `fetch`: sign in and the account's small calls
//! (JSON), and one sync round trip (MessagePack). A failure to reach the server is
//! [`NetError::Unreachable`]; an answer with an error status carries the server's [`ErrorBody`],
//! except a sync answered `busy`, which is [`NetError::Busy`] with its `Retry-After`.

use js_sys::Uint8Array;
use terrain_client_core::contact::ContactBody;
use terrain_client_core::protocol::{self, CONTENT_TYPE, ErrorBody, ErrorCode, LoginRequest, LoginResponse};
use terrain_client_core::{SyncRequest, SyncResponse};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why a call did not give an answer.
#[derive(Debug)]
pub enum NetError {
    /// The server could not be reached (offline, server down, cut connection).
    Unreachable(String),
    /// The server refused, with its reason.
    Refused(ErrorBody),
    /// The server answered something this app cannot read.
    BadAnswer(String),
    /// The server is busy (`503 busy`, PROTOCOL.md 3.5): nothing was read; send again after the
    /// answer's `Retry-After` (its raw value, when it had one). Only [`sync`] answers it.
    Busy(Option<String>),
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetError::Unreachable(why) => write!(f, "{why}"),
            NetError::Refused(body) => write!(f, "{} ({})", body.message, body.code.as_str()),
            NetError::BadAnswer(why) => write!(f, "{why}"),
            NetError::Busy(_) => write!(f, "busy"),
        }
    }
}

/// `POST /v1/login`.
pub async fn login(request: &LoginRequest) -> Result<LoginResponse, NetError> {
    let body = serde_json::to_vec(request).map_err(|e| NetError::BadAnswer(e.to_string()))?;
    let (status, bytes) = send("POST", "/v1/login", "application/json", None, Some(&body)).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    serde_json::from_slice(&bytes).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// `GET /v1/devices/me/key`: this device's storage key, refused once the device is revoked.
pub async fn device_key(token: &str) -> Result<String, NetError> {
    let (status, bytes) = send("GET", "/v1/devices/me/key", "application/json", Some(token), None).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    #[derive(serde::Deserialize)]
    struct KeyView {
        storage_key: String,
    }
    serde_json::from_slice::<KeyView>(&bytes).map(|k| k.storage_key).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// `GET /v1/devices/{id}/key`: the storage key of an earlier device of the signed-in account (a
/// forgotten PIN: the new sign-in reopens what the tablet already holds).
pub async fn earlier_device_key(token: &str, device: terrain_client_core::DeviceId) -> Result<String, NetError> {
    let path = format!("/v1/devices/{device}/key");
    let (status, bytes) = send("GET", &path, "application/json", Some(token), None).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    #[derive(serde::Deserialize)]
    struct KeyView {
        storage_key: String,
    }
    serde_json::from_slice::<KeyView>(&bytes).map(|k| k.storage_key).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// `POST /v1/devices/{id}/revoke`: retire a device of the account (the extra one a re-sign-in made).
pub async fn revoke(token: &str, device: terrain_client_core::DeviceId) -> Result<(), NetError> {
    let path = format!("/v1/devices/{device}/revoke");
    let (status, bytes) = send("POST", &path, "application/json", Some(token), Some(b"{}")).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    Ok(())
}

/// `GET /v1/partners`: the partner bodies and their sessions (read-only), cached by the app.
pub async fn partners(token: &str) -> Result<terrain_client_core::partners::PartnerList, NetError> {
    let (status, bytes) = send("GET", "/v1/partners", "application/json", Some(token), None).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    serde_json::from_slice(&bytes).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// `GET /v1/me/contact`: the signed-in advisor's own contact details.
pub async fn my_contact(token: &str) -> Result<ContactBody, NetError> {
    let (status, bytes) = send("GET", "/v1/me/contact", "application/json", Some(token), None).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    serde_json::from_slice(&bytes).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// `PUT /v1/me/contact`: save them; the answer is the contact as the server keeps it.
pub async fn set_my_contact(token: &str, contact: &ContactBody) -> Result<ContactBody, NetError> {
    let body = serde_json::to_vec(contact).map_err(|e| NetError::BadAnswer(e.to_string()))?;
    let (status, bytes) = send("PUT", "/v1/me/contact", "application/json", Some(token), Some(&body)).await?;
    if status >= 400 {
        return Err(refusal(&bytes, |b| serde_json::from_slice(b).ok()));
    }
    serde_json::from_slice(&bytes).map_err(|e| NetError::BadAnswer(e.to_string()))
}

/// One round trip of `POST /v1/sync`.
pub async fn sync(token: &str, request: &SyncRequest) -> Result<SyncResponse, NetError> {
    let body = protocol::encode(request);
    let (status, bytes, retry_after) =
        send_reading_retry_after("POST", "/v1/sync", CONTENT_TYPE, Some(token), Some(&body)).await?;
    if status >= 400 {
        return Err(match refusal(&bytes, |b| protocol::decode(b).ok()) {
            NetError::Refused(body) if body.code == ErrorCode::Busy => NetError::Busy(retry_after),
            other => other,
        });
    }
    protocol::decode(&bytes).map_err(|e| NetError::BadAnswer(e.to_string()))
}

fn refusal(bytes: &[u8], parse: impl Fn(&[u8]) -> Option<ErrorBody>) -> NetError {
    parse(bytes).map_or_else(|| NetError::BadAnswer("unreadable error from the server".to_owned()), NetError::Refused)
}

async fn send(
    method: &str,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>), NetError> {
    let (status, bytes, _) = send_reading_retry_after(method, path, content_type, token, body).await?;
    Ok((status, bytes))
}

/// One call; the answer's status, body and `Retry-After` header.
async fn send_reading_retry_after(
    method: &str,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>, Option<String>), NetError> {
    let unreachable = |e: wasm_bindgen::JsValue| {
        NetError::Unreachable(
            e.dyn_ref::<js_sys::Error>().map_or_else(|| "network error".to_owned(), |e| String::from(e.message())),
        )
    };
    let init = RequestInit::new();
    init.set_method(method);
    // Nothing the server answers (keys, tokens, documents) may land in the HTTP cache on disk.
    let _ = js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into());
    if let Some(body) = body {
        init.set_body(&Uint8Array::from(body).into());
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;
    request.headers().set("content-type", content_type).map_err(unreachable)?;
    request.headers().set("accept", content_type).map_err(unreachable)?;
    if let Some(token) = token {
        request.headers().set("authorization", &format!("Bearer {token}")).map_err(unreachable)?;
    }
    let window = web_sys::window().ok_or_else(|| NetError::Unreachable("no window".to_owned()))?;
    let response: Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(unreachable)?.unchecked_into();
    let buffer = JsFuture::from(response.array_buffer().map_err(unreachable)?).await.map_err(unreachable)?;
    let retry_after = response.headers().get("retry-after").ok().flatten();
    Ok((response.status(), Uint8Array::new(&buffer).to_vec(), retry_after))
}
