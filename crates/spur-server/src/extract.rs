//! axum's extractors with their rejections put through the error table, so
//! that a bad body, query or path answers `{"code", "message"}` like
//! everything else. Use these in route files instead of axum's own.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body: 400 `malformed_body` if it is not JSON of the expected
/// shape (or not sent as `application/json`), 413 `body_too_large` beyond
/// the configured limit.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(r) => Err(json_rejection(r, state.limits().body_bytes)),
        }
    }
}

pub(crate) fn json_rejection(r: JsonRejection, limit: usize) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::body_too_large(limit);
    }
    match r {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::malformed("send the body as JSON, with `Content-Type: application/json`")
        }
        other => ApiError::malformed(other.body_text()),
    }
}

/// Query parameters: 400 `bad_parameter` when they do not read.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::bad_parameter(r.body_text())
}

/// Path segments (`/v1/cases/{id}`): 400 `bad_parameter` when they do not read.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    ApiError::bad_parameter(r.body_text())
}
