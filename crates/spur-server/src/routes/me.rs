//! `/v1/me`: who the token belongs to, for any role (the workbench signs
//! in with it and shows only the actions the role may take; the store still
//! checks every one).

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::routes::paging::UserRole;
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub name: String,
    pub role: UserRole,
}

/// The signed-in user: the token's name and role.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "users",
    responses(
        (status = 200, description = "the token's user", body = MeView),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn me(actor: Actor) -> Json<MeView> {
    Json(MeView {
        name: actor.name,
        role: actor.role.into(),
    })
}
