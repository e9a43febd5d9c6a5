//! Who calls: `Authorization: Bearer TOKEN` → the token's active user (the
//! store decides: unknown and revoked tokens are 401, disabled users 403).
//! The user's name is then the `actor` every store call is made as, and the
//! store checks what that role may do; the server checks no roles itself.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use spur_store::UserRole;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated user of a request: take it as a handler argument.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Pass this to the store as `actor`.
    pub name: String,
    pub role: UserRole,
}

/// The secret of `Authorization: Bearer SECRET` (scheme in any case).
fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(ApiError::unauthenticated)?
        .to_str()
        .map_err(|_| ApiError::unauthenticated())?;
    let (scheme, secret) = value
        .split_once(' ')
        .ok_or_else(ApiError::unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") || secret.trim().is_empty() {
        return Err(ApiError::unauthenticated());
    }
    Ok(secret.trim().to_owned())
}

pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let secret = bearer(req.headers())?;
    let user = state
        .db()
        .run(move |store| Ok(store.authenticate(&secret)?))
        .await?;
    req.extensions_mut().insert(Actor {
        name: user.name,
        role: user.role,
    });
    Ok(next.run(req).await)
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Actor, ApiError> {
        parts.extensions.get::<Actor>().cloned().ok_or_else(|| {
            ApiError::internal(
                "no_actor",
                "a route that needs an actor is not behind authentication",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_headers() {
        let check = |value: Option<&str>, expected: Option<&str>| {
            let mut h = HeaderMap::new();
            if let Some(v) = value {
                h.insert(header::AUTHORIZATION, v.parse().unwrap());
            }
            assert_eq!(bearer(&h).ok().as_deref(), expected, "{value:?}");
        };
        check(None, None);
        check(Some("Bearer spur_ab"), Some("spur_ab"));
        check(Some("bearer spur_ab"), Some("spur_ab"));
        check(Some("Basic dXNlcjpwYXNz"), None);
        check(Some("Bearer "), None);
        check(Some("spur_ab"), None);
    }
}
