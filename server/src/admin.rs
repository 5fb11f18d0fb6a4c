//! Administration shared by the `terrain admin` command and the admin endpoints.

use uuid::Uuid;

use crate::auth::{self, Role};
use crate::store::User;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Check a new user's fields and hash the password.
pub fn new_user(login: &str, display_name: &str, role: &str, password: &str) -> Result<User, String> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.len() > 100 || login.chars().any(char::is_whitespace) {
        return Err("A login is 1 to 100 characters without spaces.".into());
    }
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.len() > 200 {
        return Err("A display name is 1 to 200 characters.".into());
    }
    let role: Role = role.parse().map_err(|e: auth::UnknownRole| e.to_string())?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("A password has at least {MIN_PASSWORD_CHARS} characters."));
    }
    let password_hash = auth::hash_password(password)?;
    Ok(User { id: Uuid::new_v4(), login, display_name: display_name.to_owned(), role, password_hash })
}
