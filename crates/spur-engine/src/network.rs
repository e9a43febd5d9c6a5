//! The network stage: alias accounts, suspicion propagated both ways over the
//! sender–receiver graph, rings, and the final scores.
//!
//! Order, each step reading only what the steps before it wrote:
//! 1. local sender scores (each sender's own payments);
//! 2. alias groups of receivers (shared phone, or name variants with a shared
//!    unrelated payer) and their pooled fan-in;
//! 3. receiver scores: local indicators, R-ALIAS, and R-SENDERS (senders whose
//!    local score reaches `r_senders.sender_score`);
//! 4. R-RING: receivers sharing payers with other receivers that scored at or
//!    at least `r_ring.partner_score` in step 3;
//! 5. P-SHARED: for each sender, the receiver (with its score after step 4)
//!    that gives the strongest finding, then the final sender scores;
//! 6. R-SENDERS once more, from the senders' final scores, except where a
//!    sender's score came through the same person (account or alias), then
//!    the final receiver scores.
//!
//! A fixed number of passes, no iteration to a fixed point, and no finding
//! echoing back through the person it came from (step 6) keep every
//! propagated finding explainable by the parties named in it. (Step 5 reads a
//! receiver's score with the sender's own local suspicion in it, by choice:
//! see docs/network.md.)

//!
//! The stage keeps what it computed per party ([`Net`]) so that an online
//! engine can settle again after new payments by recomputing only the
//! parties those payments can reach (`Net::update`, network/update.rs), with
//! the very same functions, so that the result is bit-equal to a full stage
//! over the same state (checked by `Net::differs_from`, network/compare.rs).

use crate::alert::Finding;
use crate::scoring::{round3, top_findings};
use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::alert::Alert;
use crate::config::EngineConfig;
use crate::facts::{Conduct, ReceiverFacts, SenderFacts, SharedReceiver};
use crate::indicators::{Role, Stage, Subject};
use crate::intern::PartyInfo;
use crate::model::Country;
use crate::scoring::{
    alerted, combine, conduct, make_alert, raw_score, receiver_facts, score_of, sender_facts,
    shown_score, sole_payer, View,
};
use crate::state::SenderState;

mod compare;
mod update;

/// Most ring partners R-RING lists for one receiver.
const RING_PARTNERS: usize = 32;

/// Alias groups; a group's root is its lowest receiver index, whatever the
/// order the links were joined in, so groups kept across settles equal
/// groups built from scratch.
#[derive(Clone, Default)]
pub(crate) struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = p;
            x = p;
        }
        x
    }
    /// Joins the groups of `a` and `b`; true when they were apart.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
        a != b
    }
    fn grow(&mut self, n: usize) {
        while self.0.len() < n {
            self.0.push(self.0.len() as u32);
        }
    }
}

/// Receivers of a sender's risk payments.
pub(crate) fn risk_receivers(s: &SenderState) -> impl Iterator<Item = u32> + '_ {
    s.links.iter().filter(|l| l.risk.n > 0).map(|l| l.receiver)
}

/// `f` over `0..n`, in order, on two threads when `n` is large.
fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    par_map_from(n, 8192, f)
}

/// `f` over `0..n`, in order, on two threads from `min` on.
fn par_map_from<T: Send>(n: usize, min: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if n < min {
        return (0..n).map(f).collect();
    }
    let mid = n / 2;
    let (mut left, right) = std::thread::scope(|s| {
        let right = s.spawn(|| (mid..n).map(&f).collect::<Vec<T>>());
        let left: Vec<T> = (0..mid).map(&f).collect();
        (left, right.join())
    });
    match right {
        Ok(r) => {
            left.extend(r);
            left
        }
        // A panic in the scoring code is a bug; surface it as one.
        Err(e) => std::panic::resume_unwind(e),
    }
}

/// Suspicion from senders: their scores combined as independent evidence.
fn suspect<'a>(
    f: &mut ReceiverFacts<'a>,
    senders: &[u32],
    q: &dyn Fn(u32) -> f64,
    info: &'a [PartyInfo],
    floor: f64,
) {
    let mut clean = 1.0;
    f.suspicious_sender_ids.clear();
    for &s in senders {
        let qs = q(s);
        if qs >= floor {
            clean *= 1.0 - qs;
            f.suspicious_sender_ids.push(&*info[s as usize].id);
        }
    }
    f.suspicious_sender_ids.sort_unstable();
    f.suspicious_senders = f.suspicious_sender_ids.len() as u32;
    f.sender_suspicion = 1.0 - clean;
}

/// Relationship context on the receiving side: an organisation (by name or
/// conduct), or a household paid by its providers abroad.
fn receiver_weight(cfg: &EngineConfig, f: &ReceiverFacts<'_>) -> f64 {
    if f.organisation {
        cfg.risk.organisation_factor
    } else if f.household_payers > 0 {
        cfg.conduct.household_factor
    } else {
        1.0
    }
}

/// An exclusive one-to-one relationship without a network finding: before
/// step 5 no sender has one; after it, P-SHARED found the beneficiary paid
/// by suspicious others (through her alias accounts too), and the
/// relationship is not exclusive after all.
fn exclusive_alone(f: &SenderFacts<'_>) -> bool {
    f.exclusive && f.shared.is_none()
}

/// The weight of a sender's findings of one stage: relationship context and
/// routing weigh the paying side down.
fn weigh(cfg: &EngineConfig, routed: bool, f: &SenderFacts<'_>, stage: Stage) -> f64 {
    let mut d = 1.0;
    if f.diaspora.any() {
        d *= cfg.risk.diaspora_factor;
    }
    if routed {
        d *= cfg.risk.romance_factor;
    }
    if stage == Stage::Local {
        if exclusive_alone(f) || f.business_client {
            // Weighed like a relationship, not a purchase; a partner-like
            // sender is not weighed twice.
            d *= cfg.conduct.exclusive_factor;
        } else if f.partner_like {
            d *= cfg.risk.partner_factor;
        }
    }
    if f.household_gap_days.is_some() && stage == Stage::Local {
        d *= cfg.conduct.household_factor;
    }
    if f.pays_organisations {
        d *= cfg.risk.organisation_factor;
    }
    d
}

/// A sender's raw score over the given stages.
fn sender_raw(v: &View<'_>, routed: bool, f: &SenderFacts<'_>, stages: &[Stage]) -> f64 {
    stages
        .iter()
        .map(|&st| {
            weigh(v.cfg, routed, f, st)
                * raw_score(v.indicators, Subject::Sender(f), Role::Sender, Some(st))
        })
        .sum()
}

/// A receiver's raw score. Organisations (charities, schools, shops) are not
/// facilitators by name alone; their receiving-side score is weighed down.
fn receiver_raw(v: &View<'_>, f: &ReceiverFacts<'_>) -> f64 {
    receiver_weight(v.cfg, f) * raw_score(v.indicators, Subject::Receiver(f), Role::Receiver, None)
}

/// The receiver a sender's P-SHARED comes through, as the stage settled it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Shared {
    pub receiver: u32,
    pub score: f64,
    pub others: u32,
    pub suspicious: u32,
}

/// What the network stage computed per party, kept between settles. Every
/// vector is indexed by party; `f64` scores are compared bit for bit when an
/// update decides what changed.
#[derive(Clone, Default)]
pub(crate) struct Net {
    /// Per receiver: how it is paid.
    pub conduct: Vec<Conduct>,
    /// Per receiver: at most one payer abroad (`scoring::sole_payer`), which
    /// its payers' exclusive relationship reads.
    sole: Vec<bool>,
    /// Per sender: the romance-scam pattern (left out of every fan-in).
    pub routed: Vec<bool>,
    /// Per sender: step 1's local score.
    pub s_local: Vec<f64>,
    uf: UnionFind,
    /// Per receiver: its alias group's root.
    roots: Vec<u32>,
    by_phone: FxHashMap<(Country, u64), u32>,
    /// Groups of two or more accounts by root, members by index.
    members: FxHashMap<u32, Vec<u32>>,
    /// Their pooled fan-in senders, sorted.
    pool: FxHashMap<u32, Vec<u32>>,
    /// Per receiver: step 3's score, pooled fan-in count and suspicious senders.
    r_first: Vec<f64>,
    gf: Vec<u32>,
    susp3: Vec<u32>,
    /// Per receiver: R-RING partners (step 4) and the raw score with them.
    ring: Vec<Vec<u32>>,
    r_scored: Vec<f64>,
    /// Per sender: step 5's P-SHARED receiver and final raw score.
    shared: Vec<Option<Shared>>,
    s_final: Vec<f64>,
    /// Per receiver: step 6's final raw score.
    r_final: Vec<f64>,
    /// Payers of a receiver that it keeps no link to (its links are full),
    /// and receivers of a sender that it keeps none to: neighbours an
    /// update must reach that the links do not name.
    extra_senders: FxHashMap<u32, Vec<u32>>,
    extra_receivers: FxHashMap<u32, Vec<u32>>,
}

/// An alert's key: role and party index.
pub(crate) type Key = (Role, u32);

impl Net {
    /// The whole stage over every party: the kept values and every alert.
    pub fn full(v: &View<'_>) -> (Net, Vec<(Key, Alert)>) {
        let cfg = v.cfg;
        let ns = v.senders.len();
        let nr = v.receivers.len();
        let mut net = Net {
            conduct: v
                .receivers
                .state
                .iter()
                .map(|x| conduct(&cfg.conduct, x))
                .collect(),
            sole: v.receivers.state.iter().map(sole_payer).collect(),
            routed: v
                .senders
                .state
                .iter()
                .map(|s| s.romance_pattern())
                .collect(),
            ..Net::default()
        };

        // 1. Local sender scores.
        let mut sfacts: Vec<_> = par_map(ns, |i| net.sender_local(v, i));
        net.s_local = par_map(ns, |i| net.local_score(v, i, &sfacts[i]));

        // 2. Alias groups.
        net.uf.grow(nr);
        for (i, info) in v.receivers.info.iter().enumerate() {
            net.join_phone(i as u32, info);
        }
        for s in &v.senders.state {
            net.join_variants(v, s);
        }
        net.roots = (0..nr as u32).map(|i| net.uf.find(i)).collect();
        let mut group_size = vec![0u32; nr];
        for &r in &net.roots {
            group_size[r as usize] += 1;
        }
        for (i, &r) in net.roots.iter().enumerate() {
            if group_size[r as usize] > 1 {
                net.members.entry(r).or_default().push(i as u32);
            }
        }
        let roots: Vec<u32> = net.members.keys().copied().collect();
        for root in roots {
            let pool = net.pool_of_group(v, root);
            net.pool.insert(root, pool);
        }

        // 3. Receiver scores with R-ALIAS and R-SENDERS.
        let mut rfacts: Vec<_> = par_map(nr, |r| net.receiver_first(v, r));
        net.r_first = par_map(nr, |r| score_of(receiver_raw(v, &rfacts[r])));
        net.gf = rfacts.iter().map(|f| f.group_fanin_senders).collect();
        net.susp3 = rfacts.iter().map(|f| f.suspicious_senders).collect();

        // 4. Rings: other suspicious receivers (not alias accounts) sharing a payer.
        net.ring = vec![Vec::new(); nr];
        for s in &v.senders.state {
            let paid = || risk_receivers(s);
            if paid().nth(1).is_none() {
                continue;
            }
            for a in paid() {
                for b in paid() {
                    net.offer_partner(v, a, b);
                }
            }
        }
        for (r, f) in rfacts.iter_mut().enumerate() {
            net.set_ring(v, r, f);
        }
        net.r_scored = par_map(nr, |r| receiver_raw(v, &rfacts[r]));

        // 5. P-SHARED and final sender scores.
        net.shared = sfacts
            .iter_mut()
            .enumerate()
            .map(|(i, f)| net.shared_for(v, i, f))
            .collect();
        net.s_final = par_map(ns, |i| net.final_raw(v, i, &sfacts[i]));

        // 6. Back to the receivers once more.
        for (r, f) in rfacts.iter_mut().enumerate() {
            net.suspect_final(v, r, f);
        }
        net.r_final = par_map(nr, |r| receiver_raw(v, &rfacts[r]));
        net.find_one_sided(v);

        // Alerts are built on two threads: evidence and reasons take their time.
        let senders: Vec<usize> = (0..ns)
            .filter(|&i| alerted(cfg, Role::Sender, net.s_final[i]))
            .collect();
        let mut alerts = par_map_from(senders.len(), 256, |k| {
            let i = senders[k];
            ((Role::Sender, i as u32), net.sender_alert(v, i, &sfacts[i]))
        });
        let receivers: Vec<usize> = (0..nr)
            .filter(|&r| alerted(cfg, Role::Receiver, net.r_final[r]))
            .collect();
        alerts.extend(par_map_from(receivers.len(), 256, |k| {
            let r = receivers[k];
            (
                (Role::Receiver, r as u32),
                net.receiver_alert(v, r, &rfacts[r]),
            )
        }));
        (net, alerts)
    }

    /// Bytes held, roughly (vectors by capacity, maps by entries).
    pub fn bytes(&self) -> usize {
        let per_receiver = 1 + 4 + 8 + 4 + 4 + 24 + 8 + 8;
        let per_sender = 1 + 8 + std::mem::size_of::<Option<Shared>>() + 8;
        let lists = |m: &FxHashMap<u32, Vec<u32>>| {
            m.values().map(|v| 4 + 24 + v.capacity() * 4).sum::<usize>()
        };
        self.r_first.capacity() * per_receiver
            + self.s_local.capacity() * per_sender
            + self.uf.0.capacity() * 4
            + self.by_phone.len() * 24
            + self.ring.iter().map(|r| r.capacity() * 4).sum::<usize>()
            + lists(&self.members)
            + lists(&self.pool)
            + lists(&self.extra_senders)
            + lists(&self.extra_receivers)
    }

    /// Senders now routed away as romance-scam victims.
    pub fn routed_count(&self) -> u64 {
        self.routed.iter().filter(|&&r| r).count() as u64
    }

    /// Step 1's facts of sender `i`, before P-SHARED.
    fn sender_local<'e>(&self, v: &View<'e>, i: usize) -> SenderFacts<'e> {
        sender_facts(v, i, |r| self.conduct[r])
    }

    fn local_score(&self, v: &View<'_>, i: usize, f: &SenderFacts<'_>) -> f64 {
        score_of(sender_raw(v, self.routed[i], f, &[Stage::Local]))
    }

    fn final_raw(&self, v: &View<'_>, i: usize, f: &SenderFacts<'_>) -> f64 {
        sender_raw(v, self.routed[i], f, &[Stage::Local, Stage::Network])
    }

    /// A receiver's phone joins it to the first account with the same one.
    fn join_phone(&mut self, r: u32, info: &PartyInfo) -> Option<(u32, u32)> {
        let p = info.phone?;
        match self.by_phone.get(&(info.country, p)) {
            Some(&j) if j != r => {
                let apart = self.uf.find(r) != self.uf.find(j);
                self.uf.union(r, j);
                apart.then_some((r, j))
            }
            Some(_) => None,
            None => {
                self.by_phone.insert((info.country, p), r);
                None
            }
        }
    }

    /// Name variants among one sender's risk receivers are joined; the
    /// pairs that were apart are returned.
    fn join_variants(&mut self, v: &View<'_>, s: &SenderState) -> Vec<(u32, u32)> {
        let rinfo = &v.receivers.info;
        let mut joined = Vec::new();
        let risky = || risk_receivers(s);
        for (k, a) in risky().enumerate() {
            for b in risky().skip(k + 1) {
                if rinfo[a as usize]
                    .key
                    .same_person_variant(&rinfo[b as usize].key)
                    && self.uf.union(a, b)
                {
                    joined.push((a, b));
                }
            }
        }
        joined
    }

    /// A receiver's own fan-in senders, routed senders left out.
    fn fanin_of<'v>(&'v self, v: &'v View<'_>, r: u32) -> impl Iterator<Item = u32> + 'v {
        v.receivers.state[r as usize]
            .links
            .iter()
            .filter(|l| l.fanin.n > 0 && !self.routed[l.sender as usize])
            .map(|l| l.sender)
    }

    /// The pooled fan-in senders of the group with this root, sorted.
    fn pool_of_group(&self, v: &View<'_>, root: u32) -> Vec<u32> {
        let mut pool: Vec<u32> = self.members[&root]
            .iter()
            .flat_map(|&m| self.fanin_of(v, m))
            .collect();
        pool.sort_unstable();
        pool.dedup();
        pool
    }

    /// The fan-in senders receiver `r` reads R-SENDERS over: its alias
    /// group's, pooled, or its own; sorted.
    fn pool_of<'s>(&'s self, v: &View<'_>, r: usize) -> Cow<'s, [u32]> {
        match self.pool.get(&self.roots[r]) {
            Some(p) => Cow::Borrowed(p),
            None => {
                let mut own: Vec<u32> = self.fanin_of(v, r as u32).collect();
                own.sort_unstable();
                Cow::Owned(own)
            }
        }
    }

    /// Step 3's facts of receiver `r`: local, R-ALIAS, and R-SENDERS from
    /// the senders' local scores.
    fn receiver_first<'e>(&self, v: &View<'e>, r: usize) -> ReceiverFacts<'e> {
        let mut f = receiver_facts(v, r, |s| self.routed[s], self.conduct[r]);
        let root = self.roots[r];
        if let Some(m) = self.members.get(&root) {
            let pooled = self.pool[&root].len() as u32;
            f.group_fanin_senders = f.group_fanin_senders.max(pooled);
            f.alias_accounts = m
                .iter()
                .filter(|&&x| x as usize != r)
                .map(|&x| &*v.receivers.info[x as usize].id)
                .collect();
            // By id, so that the output does not depend on input order.
            f.alias_accounts.sort_unstable();
        }
        let floor = v.cfg.indicators.r_senders.sender_score;
        suspect(
            &mut f,
            &self.pool_of(v, r),
            &|s| self.s_local[s as usize],
            &v.senders.info,
            floor,
        );
        f
    }

    /// Step 4 for one pair: `b` becomes a ring partner of `a` when it is in
    /// another alias group and scored at least `r_ring.partner_score` in step 3. At
    /// most RING_PARTNERS each, the strongest (then the first by id), so
    /// that the list does not depend on the order the pairs come in.
    fn offer_partner(&mut self, v: &View<'_>, a: u32, b: u32) {
        let threshold = v.cfg.indicators.r_ring.partner_score;
        if self.roots[a as usize] == self.roots[b as usize] || self.r_first[b as usize] < threshold
        {
            return;
        }
        let r_first = &self.r_first;
        let rinfo = &v.receivers.info;
        let stronger = |b: u32, than: u32| {
            let (sb, st) = (r_first[b as usize], r_first[than as usize]);
            sb > st || (sb == st && rinfo[b as usize].id < rinfo[than as usize].id)
        };
        let partners = &mut self.ring[a as usize];
        if partners.contains(&b) {
            return;
        }
        if partners.len() < RING_PARTNERS {
            partners.push(b);
        } else if let Some(weakest) = (0..partners.len())
            .reduce(|w, k| {
                if stronger(partners[w], partners[k]) {
                    k
                } else {
                    w
                }
            })
            .filter(|&w| stronger(b, partners[w]))
        {
            partners[weakest] = b;
        }
    }

    fn set_ring<'e>(&self, v: &View<'e>, r: usize, f: &mut ReceiverFacts<'e>) {
        let rinfo = &v.receivers.info;
        f.ring_receivers = self.ring[r]
            .iter()
            .map(|&x| &*rinfo[x as usize].id)
            .collect();
        f.ring_receivers.sort_unstable();
    }

    /// Step 5 for sender `i`: the receiver giving the strongest P-SHARED
    /// finding (the first paid on a tie), set into `f`. Receivers the stage
    /// has not scored yet are no candidates.
    fn shared_for<'e>(&self, v: &View<'e>, i: usize, f: &mut SenderFacts<'e>) -> Option<Shared> {
        let floor = v.cfg.indicators.r_senders.sender_score;
        let self_sus = u32::from(self.s_local[i] >= floor);
        // The beneficiary is a person, not an account: paid by others through
        // her alias accounts, she is not his alone (step 2's pooled senders).
        if f.exclusive {
            f.exclusive = risk_receivers(&v.senders.state[i])
                .all(|r| self.gf.get(r as usize).is_none_or(|&n| n <= 1));
        }
        self.pick_shared(v, i, f, self_sus)
    }

    /// Step 5's choice for sender `i`, whose own local suspicion (0 or 1)
    /// is left out of its receivers' suspicious senders.
    fn pick_shared<'e>(
        &self,
        v: &View<'e>,
        i: usize,
        f: &mut SenderFacts<'e>,
        self_sus: u32,
    ) -> Option<Shared> {
        let s = &v.senders.state[i];
        let mut best: Option<Shared> = None;
        let mut best_key = 0.0;
        for l in s.links.iter().filter(|l| l.risk.n > 0) {
            let r = l.receiver as usize;
            if r >= self.r_scored.len() {
                continue;
            }
            let cand = Shared {
                receiver: l.receiver,
                score: score_of(self.r_scored[r]),
                others: self.gf[r].saturating_sub(1),
                suspicious: self.susp3[r].saturating_sub(self_sus),
            };
            // The strongest finding, as the network indicators read it.
            f.shared = Some(shared_receiver(v, &cand));
            let key = raw_score(
                v.indicators,
                Subject::Sender(f),
                Role::Sender,
                Some(Stage::Network),
            );
            if key > best_key {
                best_key = key;
                best = Some(cand);
            }
        }
        f.shared = best.as_ref().map(|c| shared_receiver(v, c));
        best
    }

    /// Step 6 for receiver `r`: suspicion from the senders' final scores,
    /// except a score a sender owes to this very person (P-SHARED through
    /// this account or one of its alias accounts), where the sender's local
    /// score stands: no finding echoes back to where it came from.
    fn suspect_final<'e>(&self, v: &View<'e>, r: usize, f: &mut ReceiverFacts<'e>) {
        let root = self.roots[r];
        let floor = v.cfg.indicators.r_senders.sender_score;
        suspect(
            f,
            &self.pool_of(v, r),
            &|s| {
                let s = s as usize;
                match self.shared[s] {
                    Some(c) if self.roots[c.receiver as usize] == root => self.s_local[s],
                    _ => score_of(self.s_final[s]),
                }
            },
            &v.senders.info,
            floor,
        );
    }

    /// The alert of sender `i`, from its facts with P-SHARED set.
    fn sender_alert(&self, v: &View<'_>, i: usize, f: &SenderFacts<'_>) -> Alert {
        sender_alert(v, i, f, self.routed[i])
    }

    /// Sender `i` now: its facts from its current state (and its receivers'
    /// current conduct), P-SHARED from the receivers' values of the last
    /// settle; the alert it would have and whether it is alerted.
    /// Its score as in its alert, whether alerted, and the `top` strongest
    /// findings of the alert it would have.
    pub fn sender_now(&self, v: &View<'_>, i: usize, top: usize) -> (f64, bool, Vec<Finding>) {
        let cfg = v.cfg;
        let mut f = sender_facts(v, i, |r| conduct(&cfg.conduct, &v.receivers.state[r]));
        let routed = v.senders.state[i].romance_pattern();
        let local = score_of(sender_raw(v, routed, &f, &[Stage::Local]));
        let floor = cfg.indicators.r_senders.sender_score;
        self.pick_shared(v, i, &mut f, u32::from(local >= floor));
        let raw = sender_raw(v, routed, &f, &[Stage::Local, Stage::Network]);
        // As `sender_alert` weighs them, without the context and evidence.
        let subject = Subject::Sender(&f);
        let (_, mut p) = combine(v.indicators, subject, Role::Sender, None);
        p.iter_mut()
            .for_each(|(k, w)| *w *= weigh(cfg, routed, &f, v.indicators[*k].stage()));
        (
            round3(shown_score(cfg, subject.role(), raw)),
            alerted(cfg, subject.role(), raw),
            top_findings(v, subject, raw, &p, top),
        )
    }

    /// Receiver `r` now: its facts from its current state (its senders'
    /// routing read now), its alias group, ring partners and its senders'
    /// scores as of the last settle (senders not settled yet count 0).
    pub fn receiver_now(&self, v: &View<'_>, r: usize, top: usize) -> (f64, bool, Vec<Finding>) {
        let cfg = v.cfg;
        let own = conduct(&cfg.conduct, &v.receivers.state[r]);
        let mut f = receiver_facts(v, r, |s| v.senders.state[s].romance_pattern(), own);
        let known = r < self.roots.len();
        let root = if known { self.roots[r] } else { r as u32 };
        let pooled: Cow<'_, [u32]> = match self.pool.get(&root).filter(|_| known) {
            Some(p) => {
                f.group_fanin_senders = f.group_fanin_senders.max(p.len() as u32);
                f.alias_accounts = self.members[&root]
                    .iter()
                    .filter(|&&x| x as usize != r)
                    .map(|&x| &*v.receivers.info[x as usize].id)
                    .collect();
                f.alias_accounts.sort_unstable();
                Cow::Borrowed(p)
            }
            None => {
                let mut own: Vec<u32> = v.receivers.state[r]
                    .links
                    .iter()
                    .filter(|l| {
                        l.fanin.n > 0 && !v.senders.state[l.sender as usize].romance_pattern()
                    })
                    .map(|l| l.sender)
                    .collect();
                own.sort_unstable();
                Cow::Owned(own)
            }
        };
        if known {
            self.set_ring(v, r, &mut f);
        }
        let floor = cfg.indicators.r_senders.sender_score;
        let settled = |s: u32| (s as usize) < self.s_final.len();
        suspect(
            &mut f,
            &pooled,
            &|s| {
                if !settled(s) {
                    return 0.0;
                }
                let s = s as usize;
                match self.shared[s] {
                    Some(c) if self.roots[c.receiver as usize] == root => self.s_local[s],
                    _ => score_of(self.s_final[s]),
                }
            },
            &v.senders.info,
            floor,
        );
        let raw = receiver_raw(v, &f);
        // As `receiver_alert` weighs them, without the context and evidence.
        let subject = Subject::Receiver(&f);
        let (_, mut p) = combine(v.indicators, subject, Role::Receiver, None);
        let w = receiver_weight(cfg, &f);
        p.iter_mut().for_each(|(_, c)| *c *= w);
        (
            round3(shown_score(cfg, subject.role(), raw)),
            alerted(cfg, subject.role(), raw),
            top_findings(v, subject, raw, &p, top),
        )
    }
}

/// The alert of sender `i`, from its facts with P-SHARED set.
fn sender_alert(v: &View<'_>, i: usize, f: &SenderFacts<'_>, routed: bool) -> Alert {
    {
        let cfg = v.cfg;
        let subject = Subject::Sender(f);
        let (_, mut p) = combine(v.indicators, subject, Role::Sender, None);
        p.iter_mut()
            .for_each(|(k, w)| *w *= weigh(cfg, routed, f, v.indicators[*k].stage()));
        let mut context = Vec::new();
        if f.diaspora.any() {
            context.push(format!(
                "diaspora ties to {} ({}): score weighed by {}",
                f.risk_country,
                f.diaspora.describe(),
                cfg.risk.diaspora_factor
            ));
        }
        if exclusive_alone(f) {
            context.push(format!(
                "pays one beneficiary (or her family), her only payer abroad, hardly any split payments, amounts not rising, not mostly at night (an exclusive relationship, like a partner abroad): its own indicators weighed by {}",
                cfg.conduct.exclusive_factor
            ));
        } else if f.business_client {
            context.push(format!(
                "writes an invoice-like remark on at least as many of its payments to each beneficiary as not (a business client, like a freelancer's): its own indicators weighed by {}",
                cfg.conduct.exclusive_factor
            ));
        } else if f.partner_like {
            context.push(format!(
                "one beneficiary, steady amounts, mostly not at night (partner-like): its own indicators weighed by {}",
                cfg.risk.partner_factor
            ));
        }
        if let Some(days) = f.household_gap_days {
            context.push(format!(
                "pays the same receivers at regular gaps (every {days:.0} days on average), mostly not at night (like a household's provider): its own indicators weighed by {}",
                cfg.conduct.household_factor
            ));
        }
        if f.pays_organisations {
            context.push(format!(
                "every risk payment went to receivers paid like shops or sponsorships: score weighed by {}",
                cfg.risk.organisation_factor
            ));
        }
        if routed {
            context.push(format!(
                "romance-scam pattern (emergency or travel stories, rising amounts): another crime, route to fraud; score weighed by {}",
                cfg.risk.romance_factor
            ));
        }
        let evidence = &v.senders.state[i].evidence;
        let raw = sender_raw(v, routed, f, &[Stage::Local, Stage::Network]);
        make_alert(v, subject, raw, &p, evidence, context)
    }
}

impl Net {
    /// The alert of receiver `r`, from its final facts.
    fn receiver_alert(&self, v: &View<'_>, r: usize, f: &ReceiverFacts<'_>) -> Alert {
        let cfg = v.cfg;
        let subject = Subject::Receiver(f);
        let (_, mut p) = combine(v.indicators, subject, Role::Receiver, None);
        let mut context = Vec::new();
        let w = receiver_weight(cfg, f);
        p.iter_mut().for_each(|(_, c)| *c *= w);
        if f.organisation {
            let why = match f.conduct {
                Conduct::Shop => "most of its payers paid it by card, like a shop",
                Conduct::Sponsored => {
                    "most of its payers give one fixed amount monthly, like a charity or sponsorship"
                }
                Conduct::Person => "organisation-like name (charity, school, shop, company)",
            };
            context.push(format!(
                "{why}: score weighed by {}",
                cfg.risk.organisation_factor
            ));
        } else if f.household_payers > 0 {
            context.push(format!(
                "{} of its payers abroad pay it again and again at regular gaps (like a household's providers): score weighed by {}",
                f.household_payers, cfg.conduct.household_factor
            ));
        }
        let evidence = &v.receivers.state[r].evidence;
        make_alert(v, subject, receiver_raw(v, f), &p, evidence, context)
    }
}

fn shared_receiver<'e>(v: &View<'e>, c: &Shared) -> SharedReceiver<'e> {
    SharedReceiver {
        id: &v.receivers.info[c.receiver as usize].id,
        score: c.score,
        other_senders: c.others,
        other_suspicious: c.suspicious,
    }
}
