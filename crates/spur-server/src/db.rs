//! Store work off the async runtime: a few dedicated std threads, each owning
//! one store connection, fed by one bounded channel.
//!
//! The store is blocking (rusqlite; the synchronous `postgres` client, which
//! runs a tokio runtime of its own inside and panics when called from a
//! thread that is already in one). These threads are plain `std::thread`s,
//! not tokio's blocking pool, so no tokio context is ever current on them.
//! A handler sends a closure with [`Db::run`] and awaits its answer; when the
//! channel is full the request is answered 503 at once instead of queueing
//! without bound.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use spur_store::{Clock, OpenMode, Store, StoreError};
use tokio::sync::oneshot;

use crate::error::ApiError;

type Job = Box<dyn FnOnce(&mut dyn Store) + Send>;

/// The store threads. Cloned handles share them; [`Db::close`] ends them.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Mutex<Option<SyncSender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Db {
    /// Opens `threads` connections to `location` (an existing spur database:
    /// `spur serve` never creates one), each on its own thread, with room
    /// for `queue` jobs waiting. Fails with the first connection's error.
    pub fn open(
        location: &str,
        clock: Arc<dyn Clock>,
        threads: usize,
        queue: usize,
    ) -> Result<Db, StoreError> {
        let (jobs, receiver) = mpsc::sync_channel::<Job>(queue.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let mut handles = Vec::new();
        let mut failure = None;
        for i in 0..threads.max(1) {
            let (opened, said) = mpsc::channel();
            let location = location.to_owned();
            let clock = clock.clone();
            let receiver = receiver.clone();
            let handle = std::thread::Builder::new()
                .name(format!("spur-store-{i}"))
                .spawn(
                    move || match spur_store::open_with(&location, clock, OpenMode::Existing) {
                        Ok(store) => {
                            let _ = opened.send(Ok(()));
                            work(store, &receiver);
                        }
                        Err(e) => {
                            let _ = opened.send(Err(e));
                        }
                    },
                )
                .map_err(StoreError::Io)?;
            handles.push(handle);
            match said.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                Err(_) => {
                    failure = Some(StoreError::Corrupt(
                        "a store thread ended while opening the database".into(),
                    ));
                    break;
                }
            }
        }
        let db = Db {
            inner: Arc::new(Inner {
                jobs: Mutex::new(Some(jobs)),
                threads: Mutex::new(handles),
            }),
        };
        if let Some(e) = failure {
            db.close();
            return Err(e);
        }
        Ok(db)
    }

    /// Runs `job` on a store thread and awaits its answer. 503 when every
    /// thread is busy and the queue is full, or while the server stops.
    pub async fn run<T, F>(&self, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, ApiError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |store: &mut dyn Store| {
            // A panic in the store must not take the thread (and its
            // connection) with it: the transaction is rolled back on drop.
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| job(store)))
                .unwrap_or_else(|_| Err(ApiError::internal("panic", "a store job panicked")));
            let _ = answer.send(result);
        });
        let sender = self
            .inner
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(sender) = sender else {
            return Err(ApiError::unavailable("the server is stopping"));
        };
        match sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(ApiError::overloaded("database queue full")),
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::unavailable("the server is stopping"))
            }
        }
        answered
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("store_thread", "a store thread ended")))
    }

    /// Lets the threads finish the jobs already queued, then joins them.
    pub fn close(&self) {
        drop(
            self.inner
                .jobs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        let threads =
            std::mem::take(&mut *self.inner.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for t in threads {
            let _ = t.join();
        }
    }
}

fn work(mut store: Box<dyn Store>, jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, never while
        // running one, so the threads take jobs in turn.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut *store),
            Err(_) => return, // closed and drained
        }
    }
}
