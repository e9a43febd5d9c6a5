//! Bounded concurrency with a bounded queue: up to `in_flight` requests run,
//! up to `waiting` more wait for a place, and any beyond those are answered
//! 503 with `Retry-After` at once, so a flood costs the server a refusal per
//! request instead of memory and latency for everyone.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) struct Limiter {
    places: Semaphore,
    max_in_flight: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl Limiter {
    pub(crate) fn new(in_flight: usize, waiting: usize) -> Limiter {
        Limiter {
            places: Semaphore::new(in_flight.max(1)),
            max_in_flight: in_flight.max(1),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
        }
    }

    /// Requests holding a place now.
    pub(crate) fn in_flight(&self) -> usize {
        self.max_in_flight - self.places.available_permits()
    }

    /// Requests waiting for a place now.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }
}

pub(crate) async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limiter = state.limiter();
    let _place = match limiter.places.try_acquire() {
        Ok(p) => p,
        Err(_) => {
            if limiter.waiting.fetch_add(1, Ordering::AcqRel) >= limiter.max_waiting {
                limiter.waiting.fetch_sub(1, Ordering::AcqRel);
                state.metrics().shed.fetch_add(1, Ordering::Relaxed);
                return ApiError::overloaded("too many requests in flight").into_response();
            }
            let place = limiter.places.acquire().await;
            limiter.waiting.fetch_sub(1, Ordering::AcqRel);
            match place {
                Ok(p) => p,
                Err(_) => return ApiError::unavailable("the server is stopping").into_response(),
            }
        }
    };
    next.run(req).await
}
