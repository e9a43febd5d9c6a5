//! `/v1/users`: who works in spur. Every active user reads the list; an
//! admin adds users, changes roles, disables and enables them (the store
//! keeps the last active admin).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path, Query};
use crate::routes::paging::{self, page_of, UserRole};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, add_user))
        .routes(routes!(set_role))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub role: UserRole,
    pub created_at: i64,
    /// Set while an admin has disabled the user.
    pub disabled_at: Option<i64>,
}

impl From<spur_store::User> for UserView {
    fn from(u: spur_store::User) -> Self {
        UserView {
            id: u.id,
            name: u.name,
            role: u.role.into(),
            created_at: u.created_at,
            disabled_at: u.disabled_at,
        }
    }
}

page_of!(
    /// A page of users, by id.
    UserPage,
    UserView
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// 1 to 500 items a page; 50 when not given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The users, by id, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/users",
    tag = "users",
    params(UserQuery),
    responses(
        (status = 200, description = "a page of users", body = UserPage),
        (status = 400, description = "a parameter that does not read, a limit outside 1 to 500, or a bad cursor", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<UserQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let request = paging::page(q.limit, q.cursor);
    let page = state
        .db()
        .run(move |store| Ok(store.user_page(&request, &actor.name)?))
        .await?;
    Ok(Json(UserPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Not empty, and not `system` (ingestion's name in the audit log).
    #[schema(min_length = 1)]
    pub name: String,
    pub role: UserRole,
}

/// Adds a user (admins).
#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, description = "added", body = UserView),
        (status = 400, description = "malformed body or an empty name", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 409, description = "a user of that name exists (`user_exists`)", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn add_user(
    State(state): State<AppState>,
    actor: Actor,
    Body(new): Body<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = state
        .db()
        .run(move |store| Ok(store.add_user(&new.name, new.role.into(), &actor.name)?))
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    pub role: UserRole,
}

const ADMIN_CHANGE_ERRORS: &str =
    "the last active admin keeps the role and stays enabled (`last_admin`)";

/// Changes a user's role (admins).
#[utoipa::path(
    put,
    path = "/v1/users/{name}/role",
    tag = "users",
    params(("name" = String, Path, description = "the user's name")),
    request_body = NewRole,
    responses(
        (status = 200, description = "the user after", body = UserView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 409, description = ADMIN_CHANGE_ERRORS, body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn set_role(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
    Body(b): Body<NewRole>,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .db()
        .run(move |store| Ok(store.set_user_role(&name, b.role.into(), &actor.name)?))
        .await?;
    Ok(Json(user.into()))
}

/// Disables a user, who can then do nothing, not even read (admins).
#[utoipa::path(
    post,
    path = "/v1/users/{name}/disable",
    tag = "users",
    params(("name" = String, Path, description = "the user's name")),
    responses(
        (status = 200, description = "the user after", body = UserView),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin, or the user is disabled already", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 409, description = ADMIN_CHANGE_ERRORS, body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn disable_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .db()
        .run(move |store| Ok(store.disable_user(&name, &actor.name)?))
        .await?;
    Ok(Json(user.into()))
}

/// Enables a disabled user again (admins).
#[utoipa::path(
    post,
    path = "/v1/users/{name}/enable",
    tag = "users",
    params(("name" = String, Path, description = "the user's name")),
    responses(
        (status = 200, description = "the user after", body = UserView),
        (status = 400, description = "the user is not disabled", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn enable_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .db()
        .run(move |store| Ok(store.enable_user(&name, &actor.name)?))
        .await?;
    Ok(Json(user.into()))
}
