//! `Settler`: the settling half of durable online ingestion, on a thread of
//! its own, so that a settle (the network stage, tens to hundreds of
//! milliseconds) and a checkpoint's snapshot never hold up the writer that
//! acknowledges payments.
//!
//! It owns a second engine with the writer's history ([`Engine::fork`] of
//! the writer's [`Live`](crate::live::Live)) and is fed, after each group
//! commit, the payments the writer accepted, in the same order: it then
//! holds the same state. Its settle's alert changes go back to the writer,
//! which stores them ([`Live::store_settled`](crate::live::Live::store_settled));
//! its network values too, which the writer adopts
//! ([`Live::adopt`](crate::live::Live::adopt)) so that the standings it
//! answers carry the findings of the latest settle. It checkpoints from
//! its own engine, on a store connection of its own.

use spur_engine::{Engine, Payment, Settled, SettledNet, MAX_TIMESTAMP};
use spur_store::Store;

use crate::AppError;

pub struct Settler {
    engine: Engine,
    /// The last log chunk whose payments the engine holds.
    seq: i64,
    /// Payments taken since the last checkpoint it saved (or the writer's).
    since_checkpoint: u64,
}

/// A settler to be made ([`Live::settler_seed`](crate::live::Live::settler_seed)).
pub struct SettlerSeed {
    pub(crate) seed: spur_engine::ForkSeed,
    pub(crate) seq: i64,
    pub(crate) since_checkpoint: u64,
}

impl SettlerSeed {
    /// The settler: its engine restored, online and settled once (what
    /// costs; on the settler's own thread, the writer going on meanwhile).
    pub fn grow(self) -> Result<Settler, AppError> {
        Ok(Settler::new(
            self.seed.grow()?,
            self.seq,
            self.since_checkpoint,
        ))
    }
}

/// One settle of the settler: what to store, and what the writer adopts.
pub struct Settlement {
    pub changes: Settled,
    pub net: SettledNet,
}

impl Settler {
    pub(crate) fn new(mut engine: Engine, seq: i64, since_checkpoint: u64) -> Settler {
        // The writer checked each payment's time against its clock.
        engine.set_now(MAX_TIMESTAMP);
        Settler {
            engine,
            seq,
            since_checkpoint,
        }
    }

    /// Takes the payments the writer accepted in the group commit that
    /// ended at log chunk `seq`, in the writer's order. An error means the
    /// two engines no longer hold the same state (this one refused one):
    /// the settler must not be used any more.
    pub fn take<'a>(
        &mut self,
        payments: impl IntoIterator<Item = Payment<'a>>,
        seq: i64,
    ) -> Result<(), AppError> {
        for p in payments {
            self.engine.push(&p).map_err(|e| {
                AppError::Invalid(format!(
                    "the settler refused a payment the writer accepted ({}): its state is not the writer's",
                    e.field()
                ))
            })?;
            self.since_checkpoint += 1;
        }
        self.seq = seq;
        Ok(())
    }

    /// Takes the outside evidence the writer read anew
    /// ([`Live::refresh_outside`](crate::live::Live::refresh_outside)): the
    /// next settle runs the whole stage with it.
    pub fn update_outside(&mut self, outside: spur_engine::outside::Outside) {
        self.engine.update_outside(outside);
    }

    /// Payments taken since the last settle.
    pub fn unsettled(&self) -> u64 {
        self.engine.unsettled()
    }

    /// The network stage over what came since the last settle.
    pub fn settle(&mut self) -> Settlement {
        let changes = self.engine.settle();
        let net = self
            .engine
            .settled_net()
            .expect("an online engine that has just settled");
        Settlement { changes, net }
    }

    /// Payments taken since the last checkpoint.
    pub fn since_checkpoint(&self) -> u64 {
        self.since_checkpoint
    }

    /// Saves a checkpoint of its engine at the log chunk it has taken last,
    /// through `store` (a connection of its own: the writer goes on
    /// meanwhile). The bytes.
    pub fn checkpoint(&mut self, store: &mut dyn Store) -> Result<usize, AppError> {
        let state = self.engine.snapshot();
        store.save_checkpoint(self.seq, &state)?;
        self.since_checkpoint = 0;
        Ok(state.len())
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
