//! The online mode: every payment is applied to both parties' state when it
//! is pushed, a party's score can be read at any time
//! ([`Engine::party_score`]), and [`Engine::settle`] runs the network stage
//! over what changed and says which alerts it raised, changed or cleared.
//!
//! The invariant (test `online_settles_to_the_batch_alerts`): pushing a
//! file's payments online, one by one or in batches of any size with a
//! settle after each, ends after a last settle with exactly the alerts of a
//! batch `finish` over the same file.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{apply_receiver, apply_sender, sort_alerts};
use super::{ApplyCtx, ConfigError, DisplayTime, Engine, Record, RecordError};
use crate::alert::{Alert, Finding};
use crate::indicators::Role;
use crate::model::Payment;
use crate::network::{Key, Net};

/// What the last settle left, and what was pushed since.
pub(crate) struct Settlement {
    pub net: Net,
    /// The current alerts, by role and party index.
    alerts: FxHashMap<Key, Alert>,
    /// The same, in the order `finish` gives.
    pub alert_list: Vec<Alert>,
    /// Payments pushed since the last settle.
    unsettled: u64,
    /// Parties pushed since the last settle, each once.
    touched_senders: Vec<u32>,
    touched_receivers: Vec<u32>,
    marked_senders: Vec<bool>,
    marked_receivers: Vec<bool>,
    /// A receiver got its first name since: its name key changed, which
    /// alias groups read, so the next settle runs the whole stage.
    renamed: bool,
}

impl Settlement {
    fn touch(&mut self, sender: u32, receiver: u32) {
        mark(&mut self.marked_senders, &mut self.touched_senders, sender);
        mark(
            &mut self.marked_receivers,
            &mut self.touched_receivers,
            receiver,
        );
        self.unsettled += 1;
    }
}

fn mark(marked: &mut Vec<bool>, list: &mut Vec<u32>, i: u32) {
    if marked.len() <= i as usize {
        marked.resize(i as usize + 1, false);
    }
    if !marked[i as usize] {
        marked[i as usize] = true;
        list.push(i);
    }
}

/// What one settle changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settled {
    /// Alerts new or changed since the last settle (score, findings,
    /// evidence, counts), in the order `finish` gives.
    pub raised: Vec<Alert>,
    /// Parties (subject, role) alerted at the last settle that no longer are.
    pub cleared: Vec<(String, Role)>,
    /// Payments pushed since the last settle, now settled.
    pub payments: u64,
    /// Parties (senders and receivers) whose network-stage values were
    /// computed again.
    pub recomputed: u64,
    /// Whether the whole stage ran (first settle, a receiver renamed, or
    /// the changed region a large share of the parties).
    pub full: bool,
}

/// A party's current score in one role.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyScore {
    pub subject: String,
    pub role: Role,
    /// In [0, 1], rounded as in alerts.
    pub score: f64,
    /// The score reaches `alert_threshold`.
    pub alerted: bool,
    /// No payment of the party was pushed since the last settle. When
    /// false, its local findings are current and its network findings
    /// (and its neighbours' scores) those of the last settle.
    pub settled: bool,
    /// Highest contribution first; contributions add up to the score.
    pub indicators: Vec<Finding>,
}

impl Engine {
    /// A new engine in online mode: see [`Engine::go_online`].
    pub fn online(cfg: crate::EngineConfig) -> Result<Engine, ConfigError> {
        let mut e = Engine::new(cfg)?;
        e.go_online()?;
        Ok(e)
    }

    /// Switches to online mode, for good: what is buffered is applied, the
    /// network stage runs once over everything, and from now on every
    /// [`push`](Engine::push) applies its payment to both parties' state at
    /// once, so that [`party_score`](Engine::party_score) reads it; the
    /// network stage runs on [`settle`](Engine::settle). A payment older
    /// than one already applied for either of its parties is refused
    /// ([`RecordError::LateForParty`]): the windows only go forward, and
    /// online there is no buffer to put it in its place, so
    /// `reorder_tolerance_seconds` (the batch mode's buffer) must be unset.
    /// Call it on a fresh engine or on one restored from a snapshot.
    pub fn go_online(&mut self) -> Result<(), ConfigError> {
        if self.online {
            return Ok(());
        }
        if self.cfg.reorder_tolerance_seconds.is_some() {
            return Err(ConfigError(
                "reorder_tolerance_seconds must be unset online: payments are applied when pushed, \
                 each party's in time order"
                    .into(),
            ));
        }
        self.apply_everything();
        self.seal();
        // Per party from now on (`push_online`).
        self.intake.settled_until = None;
        self.intake.refuse_before = None;
        self.online = true;
        self.settle();
        Ok(())
    }

    pub fn is_online(&self) -> bool {
        self.online
    }

    pub(super) fn push_online(&mut self, p: &Payment<'_>) -> Result<(), RecordError> {
        let (senders, receivers) = (&self.senders.state, &self.receivers.state);
        let ts = p.timestamp;
        let behind = |last: Option<crate::model::Timestamp>, side: &'static str| match last {
            Some(last) if ts < last => Err(RecordError::LateForParty(
                last - ts,
                side,
                DisplayTime(last),
            )),
            _ => Ok(()),
        };
        let a = self.intake.admit(p, |s, r| {
            let s = s.and_then(|s| senders.get(s as usize)).map(|s| s.last_seen);
            let r = r
                .and_then(|r| receivers.get(r as usize))
                .map(|r| r.last_seen);
            behind(s, "sender")?;
            behind(r, "receiver")
        })?;
        let rec = self.record(p, &a);
        self.apply_one(&rec);
        if let Some(st) = self.settlement.as_deref_mut() {
            st.renamed |= a.receiver.renamed;
            st.touch(rec.sender, rec.receiver);
        }
        Ok(())
    }

    /// Applies one record to both sides at once.
    fn apply_one(&mut self, r: &Record) {
        self.senders.read_names(&self.names);
        self.receivers.read_names(&self.names);
        let (ns, nr) = (self.senders.info.len(), self.receivers.info.len());
        self.senders.state.resize_with(ns, Default::default);
        self.receivers.state.resize_with(nr, Default::default);
        let c = ApplyCtx {
            cfg: &self.cfg,
            purchase_mcc: &self.purchase_mcc,
            purchase_mcc_dest: &self.purchase_mcc_dest,
            senders: &self.senders.info,
            receivers: &self.receivers.info,
        };
        apply_sender(&c, &mut self.senders.state, r);
        apply_receiver(&c, &mut self.receivers.state, r);
        self.applied_until = Some(self.applied_until.map_or(r.ts, |u| u.max(r.ts)));
    }

    /// Runs the network stage over what was pushed since the last settle and
    /// says what changed. Online, every alert then equals what a batch
    /// `finish` over the same payments gives. In batch mode it applies what
    /// is buffered first (as `finish` does) and runs the whole stage.
    pub fn settle(&mut self) -> Settled {
        if !self.online {
            self.apply_everything();
            self.seal();
        }
        let old = self.settlement.take();
        let payments = old.as_ref().map_or(0, |o| o.unsettled);
        let (net, fresh) = Net::full(&self.view());
        let mut alerts: FxHashMap<Key, Alert> = fresh.into_iter().collect();
        let mut out = Settled {
            payments,
            recomputed: (self.senders.len() + self.receivers.len()) as u64,
            full: true,
            ..Settled::default()
        };
        let old_alerts = old.map(|o| o.alerts).unwrap_or_default();
        for (key, a) in &alerts {
            if old_alerts.get(key) != Some(a) {
                out.raised.push(a.clone());
            }
        }
        for (key, a) in &old_alerts {
            if !alerts.contains_key(key) {
                out.cleared.push((a.subject.clone(), a.role));
            }
        }
        sort_alerts(&mut out.raised);
        out.cleared
            .sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut alert_list: Vec<Alert> = alerts.values().cloned().collect();
        sort_alerts(&mut alert_list);
        alerts.shrink_to_fit();
        self.settlement = Some(Box::new(Settlement {
            net,
            alerts,
            alert_list,
            unsettled: 0,
            touched_senders: Vec::new(),
            touched_receivers: Vec::new(),
            marked_senders: Vec::new(),
            marked_receivers: Vec::new(),
            renamed: false,
        }));
        out
    }

    /// Whether every pushed payment is settled (nothing pushed since the
    /// last settle). False before the first settle.
    pub fn is_settled(&self) -> bool {
        self.settlement.as_ref().is_some_and(|s| s.unsettled == 0) && self.pending.is_empty()
    }

    /// Payments pushed since the last settle.
    pub fn unsettled(&self) -> u64 {
        match &self.settlement {
            Some(s) => s.unsettled,
            None => self.payments,
        }
    }

    /// Every alert as of the last settle, in the order `finish` gives
    /// (highest score first); empty before the first settle.
    pub fn alerts(&self) -> &[Alert] {
        self.settlement
            .as_ref()
            .map_or(&[][..], |s| &s.alert_list[..])
    }

    /// The current score of a party in one role, or `None` for a party
    /// never seen in it (or, in batch mode, before the first settle). Its
    /// own (local) findings are read from its current state; its network
    /// findings from the neighbours' values of the last settle. Cheap: one
    /// party's facts, no stage.
    pub fn party_score(&self, id: &str, role: Role) -> Option<PartyScore> {
        let st = self.settlement.as_deref()?;
        let v = self.view();
        let (alert, alerted, touched) = match role {
            Role::Sender => {
                let i = self.intake.senders.get(id)? as usize;
                if i >= v.senders.state.len() {
                    return None;
                }
                let (a, alerted) = st.net.sender_now(&v, i);
                (
                    a,
                    alerted,
                    st.marked_senders.get(i).copied().unwrap_or(false),
                )
            }
            Role::Receiver => {
                let r = self.intake.receivers.get(id)? as usize;
                if r >= v.receivers.state.len() {
                    return None;
                }
                let (a, alerted) = st.net.receiver_now(&v, r);
                (
                    a,
                    alerted,
                    st.marked_receivers.get(r).copied().unwrap_or(false),
                )
            }
        };
        Some(PartyScore {
            subject: alert.subject,
            role,
            score: alert.score,
            alerted,
            settled: !touched,
            indicators: alert.indicators,
        })
    }
}
