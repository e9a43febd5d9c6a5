//! The OpenAPI document's frame: title, the bearer scheme and the error
//! schema. The paths come from the route files themselves (utoipa-axum's
//! `routes!` registers a handler in the router and the document at once),
//! so a route cannot be served without being documented.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "spur",
        description = "Scores senders and receivers of small cross-border payments for signs of \
                       live-streamed child sexual abuse, and takes analysts from alert to a filed \
                       goAML report. Every /v1 route needs `Authorization: Bearer TOKEN` \
                       (`spur token create`); errors are `{\"code\", \"message\"}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerScheme),
    security(("bearer" = []))
)]
pub(crate) struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token from `spur token create`"))
                    .build(),
            ),
        );
    }
}
