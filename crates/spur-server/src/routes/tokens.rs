//! `/v1/tokens`: API tokens, as `spur token` does on the command line. An
//! admin creates one (the secret is in that answer only) and revokes it;
//! admins and auditors list them (never a secret).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path};
use crate::state::AppState;

/// An API token as the store keeps it: who it acts as, never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    /// The user the token acts as.
    pub user: String,
    /// The admin who created it.
    pub created_by: String,
    /// Seconds since 1970-01-01 UTC.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

fn view(t: spur_store::Token) -> TokenView {
    TokenView {
        id: t.id,
        user: t.user,
        created_by: t.created_by,
        created_at: t.created_at,
        revoked_at: t.revoked_at,
        revoked_by: t.revoked_by,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The user the token will act as (an active user).
    #[serde(rename = "for")]
    pub for_user: String,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    pub token: TokenView,
    /// The secret, shown this once: send it as `Authorization: Bearer SECRET`.
    pub secret: String,
}

/// Creates a token for a user (admins); the answer is the only place its secret appears.
#[utoipa::path(
    post,
    path = "/v1/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "created; keep the secret, it is not shown again", body = IssuedToken),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin, or the user is disabled", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    Body(new): Body<NewToken>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let issued = state
        .db()
        .run(move |store| Ok(store.create_token(&new.for_user, &actor.name)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            token: view(issued.token),
            secret: issued.secret,
        }),
    ))
}

/// Revokes a token (admins): requests carrying it are refused from now on.
#[utoipa::path(
    delete,
    path = "/v1/tokens/{id}",
    tag = "tokens",
    params(("id" = i64, Path, description = "the token's id")),
    responses(
        (status = 200, description = "revoked", body = TokenView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such token", body = ErrorBody),
        (status = 409, description = "already revoked", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<TokenView>, ApiError> {
    let token = state
        .db()
        .run(move |store| Ok(store.revoke_token(id, &actor.name)?))
        .await?;
    Ok(Json(view(token)))
}

/// Every API token, revoked ones included.
#[utoipa::path(
    get,
    path = "/v1/tokens",
    tag = "tokens",
    responses(
        (status = 200, description = "the tokens, by id", body = TokenList),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin or auditor, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_tokens(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state
        .db()
        .run(move |store| Ok(store.tokens(&actor.name)?))
        .await?;
    Ok(Json(TokenList {
        items: tokens.into_iter().map(view).collect(),
    }))
}
