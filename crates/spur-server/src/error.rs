//! The one error table: every error the API answers is `{"code", "message"}`
//! with a status decided here, and nowhere else.
//!
//! Codes are stable snake_case names: the store's own ([`StoreError::code`])
//! for what the store refuses, and the few of the HTTP layer
//! (`malformed_body`, `unauthenticated`, `body_too_large`, `overloaded`, ...).
//! Route files return [`ApiError`] (a `StoreError` converts with `?`).

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spur_app::AppError;
use spur_store::StoreError;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable snake_case code, e.g. `forbidden`, `not_found`.
    #[schema(example = "forbidden")]
    pub code: String,
    /// What went wrong, for people.
    #[schema(example = "a user with role analyst may not approve reports")]
    pub message: String,
}

/// An error on its way to becoming an HTTP answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// With 503: when to try again.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: the body (or a query or path parameter) could not be read.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_body", message)
    }

    /// 400: a query parameter or path segment could not be read.
    pub fn bad_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }

    /// 401: no `Authorization: Bearer` header.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "this route needs an `Authorization: Bearer TOKEN` header (spur token create)",
        )
    }

    /// 413: the body is larger than the configured limit.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    }

    /// 415: a body in a media type, charset or content coding the route
    /// does not read.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    /// 503: too many requests in flight and waiting; try again shortly.
    pub fn overloaded(what: &str) -> Self {
        ApiError {
            retry_after: Some(Duration::from_secs(1)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                format!("the server is busy ({what}): try again shortly"),
            )
        }
    }

    /// 503: the server is starting or stopping.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(Duration::from_secs(1)),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500: a fault of the server, not of the request. The details go to the
    /// log at debug level only (they may quote data); the client gets the code.
    pub fn internal(code: &'static str, detail: impl std::fmt::Display) -> Self {
        tracing::debug!(code, %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            "internal server error: the server's log says more at debug level",
        )
    }
}

/// The status for each kind of store error: the table.
fn store_status(e: &StoreError) -> StatusCode {
    use StoreError as E;
    match e {
        E::BadToken => StatusCode::UNAUTHORIZED,
        E::Forbidden { .. } | E::UserDisabled(_) | E::SelfApproval(_) | E::SelfActivation(_) => {
            StatusCode::FORBIDDEN
        }
        E::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        E::NotFound { .. } | E::UnknownUser(_) => StatusCode::NOT_FOUND,
        E::Invalid(_) | E::BadCursor(_) => StatusCode::BAD_REQUEST,
        E::UserExists(_)
        | E::LastAdmin(_)
        | E::FirstUserNotAdmin
        | E::IllegalTransition { .. }
        | E::CaseClosed(_)
        | E::AlertInCase { .. }
        | E::IllegalReportTransition { .. }
        | E::ReportFiled(_)
        | E::ReportCaseClosed { .. }
        | E::NoDisposition(_)
        | E::OpenReport { .. }
        | E::CorrectionRequired { .. }
        | E::BadCorrection { .. }
        | E::TokenRevoked(_)
        | E::MatchRunFinished(_)
        | E::ScanConflict { .. }
        | E::LogConflict { .. }
        | E::AlreadyIngested(_)
        | E::ModelRefused { .. } => StatusCode::CONFLICT,
        E::BadLocation(_)
        | E::NoDatabase(_)
        | E::SchemaTooNew { .. }
        | E::WrongReference(_)
        | E::AuditBreak(_)
        | E::RowsDiffer(_)
        | E::Corrupt(_)
        | E::Database(_)
        | E::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = store_status(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return ApiError::internal(e.code(), &e);
        }
        let retry_after =
            matches!(e, StoreError::RateLimited { .. }).then_some(Duration::from_secs(3600));
        ApiError {
            retry_after,
            ..ApiError::new(status, e.code(), e.to_string())
        }
    }
}

/// The application layer's errors, by their innermost cause: the store's
/// through the store's table; a refused request as 400; the rest are faults
/// of the server or its configuration (500).
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let whole = e.to_string();
        match e.into_root() {
            AppError::Store(s) => ApiError::from(s),
            AppError::Match(spur_match::MatchError::TooMany { .. }) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_items", whole)
            }
            AppError::Match(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_match_message", whole)
            }
            AppError::Invalid(_) | AppError::Input(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", whole)
            }
            AppError::Io(_) => ApiError::internal("io_error", whole),
            _ => ApiError::internal("application_error", whole),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(after) = self.retry_after {
            let secs = after.as_secs().max(1);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&secs.to_string()).expect("digits are a header value"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spur_store::{ReportStatus, UserRole};

    #[test]
    fn store_errors_map_to_their_status_and_code() {
        let check = |e: StoreError, status: u16, code: &str| {
            let api = ApiError::from(e);
            assert_eq!((api.status.as_u16(), api.code), (status, code));
        };
        check(StoreError::BadToken, 401, "bad_token");
        check(
            StoreError::Forbidden {
                role: UserRole::Ingest,
                action: "read",
            },
            403,
            "forbidden",
        );
        check(StoreError::UserDisabled("x".into()), 403, "user_disabled");
        check(StoreError::SelfApproval(1), 403, "self_approval");
        check(StoreError::SelfActivation(1), 403, "self_activation");
        check(
            StoreError::ModelRefused {
                version: 1,
                reason: "x".into(),
            },
            409,
            "model_refused",
        );
        check(
            StoreError::NotFound {
                kind: "case",
                id: "9".into(),
            },
            404,
            "not_found",
        );
        check(StoreError::Invalid("x".into()), 400, "invalid_input");
        check(StoreError::BadCursor("x".into()), 400, "bad_cursor");
        check(
            StoreError::IllegalReportTransition {
                report: 1,
                status: ReportStatus::Filed,
                action: "approve",
            },
            409,
            "illegal_report_transition",
        );
        check(StoreError::TokenRevoked(1), 409, "token_revoked");
        check(StoreError::MatchRunFinished(1), 409, "match_run_finished");
        let limited = ApiError::from(StoreError::RateLimited {
            what: "match runs",
            per_hour: 10,
        });
        assert_eq!(
            (limited.status.as_u16(), limited.code),
            (429, "rate_limited")
        );
        assert!(limited.retry_after.is_some());
        check(StoreError::Corrupt("x".into()), 500, "corrupt_data");
    }

    #[test]
    fn app_errors_map_through_their_root() {
        let check = |e: AppError, status: u16, code: &str| {
            let api = ApiError::from(e);
            assert_eq!(
                (api.status.as_u16(), api.code),
                (status, code),
                "{}",
                api.message
            );
        };
        let within = |e: AppError| AppError::Context {
            what: "report for case 1".into(),
            inner: Box::new(e),
        };
        check(
            within(AppError::Store(StoreError::SelfApproval(1))),
            403,
            "self_approval",
        );
        check(
            within(AppError::Store(StoreError::OpenReport {
                case: 1,
                report: 2,
                status: ReportStatus::Draft,
            })),
            409,
            "open_report",
        );
        check(
            within(AppError::Invalid("does not validate".into())),
            400,
            "invalid_input",
        );
        check(
            AppError::Match(spur_match::MatchError::TooMany { got: 9, max: 2 }),
            413,
            "too_many_items",
        );
        check(
            AppError::Match(spur_match::MatchError::BadPoint { index: 0 }),
            400,
            "bad_match_message",
        );
        let io = std::io::Error::other("disk");
        check(within(AppError::Io(io)), 500, "io_error");
    }

    #[test]
    fn an_internal_error_does_not_echo_its_detail() {
        let api = ApiError::from(StoreError::Corrupt("S-1 Maria Santos".into()));
        assert!(!api.message.contains("Maria"), "{}", api.message);
    }
}
