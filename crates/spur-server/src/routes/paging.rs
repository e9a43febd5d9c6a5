//! What the list routes share: the page of an answer, the comma-separated
//! filters of a query, and the store's named values (roles, statuses,
//! dispositions) as JSON schemas.

use serde::{Deserialize, Serialize};
use spur_store::{PageRequest, StoreError};
use utoipa::ToSchema;

use crate::error::ApiError;

/// `?limit=&cursor=` as the store takes them.
pub(crate) fn page(limit: Option<usize>, cursor: Option<String>) -> PageRequest {
    PageRequest {
        limit,
        cursor: given(cursor),
    }
}

/// A query parameter sent empty (`?cursor=`, as a form sends a field left
/// blank) is one not given, not a filter on the empty text.
pub(crate) fn given(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// A comma-separated list of named values (`status=new,in_case`), each
/// read by the store's own parser, whose error names the values it knows.
pub(crate) fn names<T: std::str::FromStr<Err = StoreError>>(
    list: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<T>().map_err(ApiError::from))
        .collect()
}

/// A page of a list: `next_cursor` is `null` on the last page; pass it as
/// `?cursor=` (with the same filters) for the next.
macro_rules! page_of {
    ($(#[$m:meta])* $name:ident, $item:ty) => {
        $(#[$m])*
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Give it back as `cursor` for the next page; `null` on the last.
            pub next_cursor: Option<String>,
        }

    };
}
pub(crate) use page_of;

/// The store's named values as JSON enums, so that the OpenAPI document
/// lists them; converted both ways.
macro_rules! named {
    ($(#[$m:meta])* $name:ident = $store:ident { $($variant:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl From<$store> for $name {
            fn from(v: $store) -> Self {
                match v { $($store::$variant => $name::$variant),* }
            }
        }

        impl From<$name> for $store {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => $store::$variant),* }
            }
        }
    };
}

use spur_engine::Role as EngineRole;
use spur_store::{
    AlertStatus as StoreAlertStatus, CaseStatus as StoreCaseStatus,
    Disposition as StoreDisposition, ReportStatus as StoreReportStatus, UserRole as StoreUserRole,
};

named! {
    /// The side of a payment a party is on.
    PartyRole = EngineRole { Sender, Receiver }
}
named! {
    /// `new` (standing, in no case), `in_case`, or `cleared` (a later scan
    /// found the party below the threshold, and no case holds it).
    AlertStatus = StoreAlertStatus { New, InCase, Cleared }
}
named! {
    CaseStatus = StoreCaseStatus { Open, Investigating, Escalated, Closed, Reported }
}
named! {
    /// The analysts' conclusion about a case.
    Disposition = StoreDisposition { Undetermined, Suspicious, NotSuspicious, FalsePositive }
}
named! {
    /// draft → approved (by a supervisor who wrote none of it) → filed.
    ReportStatus = StoreReportStatus { Draft, Approved, Filed }
}
named! {
    UserRole = StoreUserRole { Analyst, Supervisor, Admin, Auditor, Ingest, Peer }
}
