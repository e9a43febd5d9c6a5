//! `/v1/parties/{id}`: one party as the workbench draws it, from what the
//! store keeps (its alerts, kept payments as a timeline, counterparties and
//! the network of kept payments two hops around it).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::routes::alerts::{AlertView, CounterpartyView, PaymentView};
use crate::routes::paging::{AlertStatus, PartyRole};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_party))
}

/// What the kept payments say of the party.
#[derive(Serialize, ToSchema)]
pub struct PartyFacts {
    /// As on its latest kept payment.
    pub name: String,
    pub country: String,
    pub payments_sent: usize,
    pub payments_received: usize,
    /// Sums per currency (ISO 4217 code → amount).
    pub sent: BTreeMap<String, f64>,
    pub received: BTreeMap<String, f64>,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// An alert of a party in the network: enough to colour its node.
#[derive(Serialize, ToSchema)]
pub struct NodeAlertView {
    pub id: i64,
    pub role: PartyRole,
    pub score: f64,
    pub status: AlertStatus,
}

#[derive(Serialize, ToSchema)]
pub struct NetworkPartyView {
    pub id: String,
    pub name: String,
    pub country: String,
    /// Payments away from the party viewed: 0 for itself.
    pub hops: u32,
    pub alerts: Vec<NodeAlertView>,
}

/// The kept payments from one party to another, summed.
#[derive(Serialize, ToSchema)]
pub struct NetworkLinkView {
    pub sender: String,
    pub receiver: String,
    pub payments: usize,
    pub totals: BTreeMap<String, f64>,
    pub first: i64,
    pub last: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NetworkView {
    /// Nearest first, then by id; at most 250.
    pub parties: Vec<NetworkPartyView>,
    /// Between parties of the network, by sender then receiver.
    pub links: Vec<NetworkLinkView>,
    /// Whether farther parties were left out at the limit.
    pub truncated: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PartyView {
    pub id: String,
    /// The side viewed; `null`: both.
    pub role: Option<PartyRole>,
    pub facts: PartyFacts,
    /// Its stored alerts in either role, by id.
    pub alerts: Vec<AlertView>,
    /// Its kept payments on the side viewed, by time.
    pub payments: Vec<PaymentView>,
    pub counterparties: Vec<CounterpartyView>,
    pub network: NetworkView,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartyQuery {
    /// The side to show payments and counterparties of; both when not given.
    pub role: Option<PartyRole>,
}

/// A party: facts, payments timeline, counterparties, alerts and network.
#[utoipa::path(
    get,
    path = "/v1/parties/{id}",
    tag = "parties",
    params(("id" = String, Path, description = "the institution's id of the party"), PartyQuery),
    responses(
        (status = 200, description = "the party", body = PartyView),
        (status = 400, description = "a parameter that does not read", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 404, description = "the store holds neither an alert nor a payment of this party", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn get_party(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Result<Json<PartyView>, ApiError> {
    let role = q.role.map(Into::into);
    let v = state
        .db()
        .run(move |store| Ok(store.party_view(&id, role, &actor.name)?))
        .await?;
    let mut alerts = Vec::with_capacity(v.alerts.len());
    for a in v.alerts {
        alerts.push(AlertView::from_stored(a)?);
    }
    let s = v.summary;
    Ok(Json(PartyView {
        id: v.id,
        role: v.role.map(Into::into),
        facts: PartyFacts {
            name: s.name,
            country: s.country,
            payments_sent: s.payments_sent,
            payments_received: s.payments_received,
            sent: s.sent,
            received: s.received,
            first: s.first,
            last: s.last,
        },
        alerts,
        payments: v.payments.into_iter().map(Into::into).collect(),
        counterparties: v.counterparties.into_iter().map(Into::into).collect(),
        network: NetworkView {
            parties: v
                .network
                .parties
                .into_iter()
                .map(|p| NetworkPartyView {
                    id: p.id,
                    name: p.name,
                    country: p.country,
                    hops: p.hops,
                    alerts: p
                        .alerts
                        .into_iter()
                        .map(|a| NodeAlertView {
                            id: a.id,
                            role: a.role.into(),
                            score: a.score,
                            status: a.status.into(),
                        })
                        .collect(),
                })
                .collect(),
            links: v
                .network
                .links
                .into_iter()
                .map(|l| NetworkLinkView {
                    sender: l.sender,
                    receiver: l.receiver,
                    payments: l.payments,
                    totals: l.totals,
                    first: l.first,
                    last: l.last,
                })
                .collect(),
            truncated: v.network.truncated,
        },
    }))
}
