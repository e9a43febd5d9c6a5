//! The incremental network stage (`Net::update`): after new payments, only
//! the parties those payments can reach are computed again, with the very
//! functions of the whole stage, so that the result is bit-equal to it.

use super::*;

/// Parties as a set with a stable order: marks by index and the list.
struct Set {
    marked: Vec<bool>,
    list: Vec<u32>,
}

impl Set {
    fn new(n: usize) -> Set {
        Set {
            marked: vec![false; n],
            list: Vec::new(),
        }
    }
    fn insert(&mut self, i: u32) -> bool {
        let fresh = !self.marked[i as usize];
        if fresh {
            self.marked[i as usize] = true;
            self.list.push(i);
        }
        fresh
    }
    fn contains(&self, i: u32) -> bool {
        self.marked[i as usize]
    }
    fn len(&self) -> usize {
        self.list.len()
    }
}

/// What an update recomputed: the parties and their alerts now (`None`:
/// not alerted).
pub(crate) struct Update {
    pub alerts: Vec<(Key, Option<Alert>)>,
    pub recomputed: usize,
}

impl Net {
    /// Notes a payment between `s` and `r` that only one side keeps a link
    /// for (the other's links are full), so that an update finds the
    /// neighbours the links do not name.
    pub fn note_pair(&mut self, v: &View<'_>, s: u32, r: u32) {
        let (ss, rs) = (&v.senders.state[s as usize], &v.receivers.state[r as usize]);
        if ss.links_overflow == 0 && rs.links_overflow == 0 {
            return;
        }
        let s_has = ss.links.iter().any(|l| l.receiver == r);
        let r_has = rs.links.iter().any(|l| l.sender == s);
        if s_has && !r_has {
            let list = self.extra_senders.entry(r).or_default();
            if !list.contains(&s) {
                list.push(s);
            }
        } else if r_has && !s_has {
            let list = self.extra_receivers.entry(s).or_default();
            if !list.contains(&r) {
                list.push(r);
            }
        }
    }

    /// The pairs one side links and the other does not, for a state built
    /// without `note_pair` (a batch, a restored snapshot).
    pub(super) fn find_one_sided(&mut self, v: &View<'_>) {
        self.extra_senders.clear();
        self.extra_receivers.clear();
        for (s, st) in v.senders.state.iter().enumerate() {
            for l in &st.links {
                let rs = &v.receivers.state[l.receiver as usize];
                if rs.links_overflow > 0 && !rs.links.iter().any(|k| k.sender == s as u32) {
                    self.extra_senders
                        .entry(l.receiver)
                        .or_default()
                        .push(s as u32);
                }
            }
        }
        for (r, rs) in v.receivers.state.iter().enumerate() {
            for l in &rs.links {
                let ss = &v.senders.state[l.sender as usize];
                if ss.links_overflow > 0 && !ss.links.iter().any(|k| k.receiver == r as u32) {
                    self.extra_receivers
                        .entry(l.sender)
                        .or_default()
                        .push(r as u32);
                }
            }
        }
    }

    /// Every sender that pays receiver `r` (a superset: its links' senders
    /// and those whose own links name it).
    fn senders_of<'s>(&'s self, v: &'s View<'_>, r: u32) -> impl Iterator<Item = u32> + 's {
        v.receivers.state[r as usize]
            .links
            .iter()
            .map(|l| l.sender)
            .chain(self.extra_senders.get(&r).into_iter().flatten().copied())
    }

    /// Every receiver sender `s` pays (a superset, as `senders_of`).
    fn receivers_of<'s>(&'s self, v: &'s View<'_>, s: u32) -> impl Iterator<Item = u32> + 's {
        v.senders.state[s as usize]
            .links
            .iter()
            .map(|l| l.receiver)
            .chain(self.extra_receivers.get(&s).into_iter().flatten().copied())
    }

    /// Receiver `r` and the other accounts of its alias group.
    fn group_of(&self, r: u32, out: &mut Set) {
        match self.members.get(&self.roots[r as usize]) {
            Some(m) => m.iter().for_each(|&x| {
                out.insert(x);
            }),
            None => {
                out.insert(r);
            }
        }
    }

    /// Senders paying `b` by risk payments: their other risk receivers may
    /// have `b` as a ring partner.
    fn co_paid(&self, v: &View<'_>, b: u32, out: &mut Set) {
        for s in self.senders_of(v, b) {
            let st = &v.senders.state[s as usize];
            if st.links.iter().any(|l| l.receiver == b && l.risk.n > 0) {
                risk_receivers(st).for_each(|a| {
                    out.insert(a);
                });
            }
        }
    }

    /// Step 4 for receiver `a` alone: the same partners the whole stage
    /// gives it (the strongest, whatever the order the pairs come in).
    fn ring_of(&mut self, v: &View<'_>, a: u32) {
        self.ring[a as usize].clear();
        let mut payers: Vec<u32> = self.senders_of(v, a).collect();
        payers.sort_unstable();
        payers.dedup();
        for s in payers {
            let st = &v.senders.state[s as usize];
            let paid = || risk_receivers(st);
            if paid().nth(1).is_none() || !paid().any(|x| x == a) {
                continue;
            }
            for b in paid() {
                self.offer_partner(v, a, b);
            }
        }
    }

    /// The stage again after payments of the `senders` and `receivers`
    /// given (new parties included): only the values those payments can
    /// reach are computed again, each by the function the whole stage uses,
    /// so the result is the whole stage's, bit for bit. The reach is found
    /// step by step from what actually changed (a score compared bit for
    /// bit): a party's local facts, then its neighbours' steps 3 to 6 (see
    /// docs/network.md, "Settling online"). `None` once more than `limit`
    /// parties are reached: the whole stage is cheaper then (and `self` is
    /// left half updated, to be replaced by it).
    pub fn update(
        &mut self,
        v: &View<'_>,
        senders: &[u32],
        receivers: &[u32],
        limit: usize,
    ) -> Option<Update> {
        let cfg = v.cfg;
        let (ns, nr) = (v.senders.len(), v.receivers.len());
        let (old_ns, old_nr) = (self.s_local.len(), self.r_first.len());
        // New parties: their values are computed below.
        self.conduct.resize(nr, Conduct::default());
        self.sole.resize(nr, false);
        self.routed.resize(ns, false);
        self.s_local.resize(ns, 0.0);
        self.uf.grow(nr);
        self.roots.extend(old_nr as u32..nr as u32);
        self.r_first.resize(nr, 0.0);
        self.gf.resize(nr, 0);
        self.susp3.resize(nr, 0);
        self.ring.resize(nr, Vec::new());
        self.r_scored.resize(nr, 0.0);
        self.shared.resize(ns, None);
        self.s_final.resize(ns, 0.0);
        self.r_final.resize(nr, 0.0);
        let new_s = |s: u32| s as usize >= old_ns;
        let new_r = |r: u32| r as usize >= old_nr;
        let over = |n: usize| n > limit;

        // 1. Conduct, routing and local sender scores.
        let mut s_loc = Set::new(ns);
        for &s in senders {
            s_loc.insert(s);
        }
        let mut routed_now = Vec::new();
        for &s in senders {
            let r = v.senders.state[s as usize].romance_pattern();
            if r != self.routed[s as usize] || new_s(s) {
                self.routed[s as usize] = r;
                routed_now.push(s);
            }
        }
        for &r in receivers {
            let c = conduct(&cfg.conduct, &v.receivers.state[r as usize]);
            let sole = sole_payer(&v.receivers.state[r as usize]);
            let sole_changed = sole != self.sole[r as usize];
            self.sole[r as usize] = sole;
            if c != self.conduct[r as usize] || sole_changed || new_r(r) {
                self.conduct[r as usize] = c;
                let payers: Vec<u32> = self.senders_of(v, r).collect();
                payers.into_iter().for_each(|s| {
                    s_loc.insert(s);
                });
            }
        }
        if over(s_loc.len()) {
            return None;
        }
        let mut local_now = Vec::new();
        for &s in &s_loc.list {
            let f = self.sender_local(v, s as usize);
            let q = self.local_score(v, s as usize, &f);
            if q.to_bits() != self.s_local[s as usize].to_bits() || new_s(s) {
                self.s_local[s as usize] = q;
                local_now.push(s);
            }
        }

        // 2. Alias groups only ever join: accounts that joined, whole groups.
        let mut joined = Vec::new();
        for &r in receivers {
            joined.extend(self.join_phone(r, &v.receivers.info[r as usize]));
        }
        for &s in senders {
            joined.extend(self.join_variants(v, &v.senders.state[s as usize]));
        }
        let mut moved = Set::new(nr);
        for (a, b) in joined {
            for x in [a, b] {
                match self.members.remove(&self.roots[x as usize]) {
                    Some(m) => m.into_iter().for_each(|m| {
                        moved.insert(m);
                    }),
                    None => {
                        moved.insert(x);
                    }
                }
                self.pool.remove(&self.roots[x as usize]);
            }
        }
        for &m in &moved.list {
            let root = self.uf.find(m);
            self.roots[m as usize] = root;
            self.members.entry(root).or_default().push(m);
        }
        let mut dirty_groups: Vec<u32> = Vec::new();
        for &m in &moved.list {
            let root = self.roots[m as usize];
            if let Some(list) = self.members.get_mut(&root) {
                if !list.is_sorted() {
                    list.sort_unstable();
                }
                list.dedup();
            }
            dirty_groups.push(root);
        }
        // Receivers whose own fan-in changed: their payments, or a payer's routing.
        let mut r1 = Set::new(nr);
        for &r in receivers {
            r1.insert(r);
        }
        for &s in &routed_now {
            let paid: Vec<u32> = self.receivers_of(v, s).collect();
            paid.into_iter().for_each(|r| {
                r1.insert(r);
            });
        }
        for &r in &r1.list {
            dirty_groups.push(self.roots[r as usize]);
        }
        dirty_groups.sort_unstable();
        dirty_groups.dedup();
        for &root in &dirty_groups {
            if self.members.contains_key(&root) {
                let pool = self.pool_of_group(v, root);
                self.pool.insert(root, pool);
            }
        }
        for &root in &dirty_groups {
            if let Some(m) = self.members.get(&root) {
                m.iter().for_each(|&x| {
                    r1.insert(x);
                });
            }
        }
        for &m in &moved.list {
            r1.insert(m);
        }
        // Receivers pooling a sender whose local score changed.
        for &s in &local_now {
            let paid: Vec<u32> = self.receivers_of(v, s).collect();
            for r in paid {
                self.group_of(r, &mut r1);
            }
        }
        if over(s_loc.len() + r1.len()) {
            return None;
        }

        // 3. First receiver scores.
        let mut rfacts: FxHashMap<u32, ReceiverFacts<'_>> = FxHashMap::default();
        let mut first_now = Vec::new();
        let mut counts_now = Set::new(nr);
        for &r in &r1.list {
            let f = self.receiver_first(v, r as usize);
            let q = score_of(receiver_raw(v, &f));
            let i = r as usize;
            if q.to_bits() != self.r_first[i].to_bits() || new_r(r) {
                self.r_first[i] = q;
                first_now.push(r);
            }
            if f.group_fanin_senders != self.gf[i] || f.suspicious_senders != self.susp3[i] {
                self.gf[i] = f.group_fanin_senders;
                self.susp3[i] = f.suspicious_senders;
                counts_now.insert(r);
            }
            rfacts.insert(r, f);
        }

        // 4. Rings: receivers co-paid with one whose first score or group
        // changed, and every risk receiver of a sender that paid.
        let mut r2 = Set::new(nr);
        r1.list.iter().for_each(|&r| {
            r2.insert(r);
        });
        for &s in senders {
            risk_receivers(&v.senders.state[s as usize]).for_each(|a| {
                r2.insert(a);
            });
        }
        for &b in first_now.iter().chain(&moved.list) {
            self.co_paid(v, b, &mut r2);
        }
        if over(s_loc.len() + r2.len()) {
            return None;
        }
        for &a in &r2.list {
            self.ring_of(v, a);
        }
        let mut scored_now = counts_now;
        for &r in &r2.list {
            let f = rfacts
                .entry(r)
                .or_insert_with(|| self.receiver_first(v, r as usize));
            self.set_ring(v, r as usize, f);
            let raw = receiver_raw(v, f);
            if raw.to_bits() != self.r_scored[r as usize].to_bits() || new_r(r) {
                self.r_scored[r as usize] = raw;
                scored_now.insert(r);
            }
        }

        // 5. P-SHARED: senders of a receiver whose values changed.
        let mut s5 = s_loc;
        for &r in &scored_now.list {
            let payers: Vec<u32> = self.senders_of(v, r).collect();
            payers.into_iter().for_each(|s| {
                s5.insert(s);
            });
        }
        if over(s5.len() + r2.len()) {
            return None;
        }
        let mut sfacts: Vec<(u32, SenderFacts<'_>)> = Vec::with_capacity(s5.len());
        let mut final_now = Vec::new();
        for &s in &s5.list {
            let i = s as usize;
            let mut f = self.sender_local(v, i);
            let shared = self.shared_for(v, i, &mut f);
            let raw = self.final_raw(v, i, &f);
            if raw.to_bits() != self.s_final[i].to_bits() || shared != self.shared[i] || new_s(s) {
                self.s_final[i] = raw;
                self.shared[i] = shared;
                final_now.push(s);
            }
            sfacts.push((s, f));
        }

        // 6. Receivers pooling a sender whose final or local score changed.
        let mut r6 = r2;
        for &s in final_now.iter().chain(&local_now) {
            let paid: Vec<u32> = self.receivers_of(v, s).collect();
            for r in paid {
                self.group_of(r, &mut r6);
            }
        }
        if over(s5.len() + r6.len()) {
            return None;
        }
        let mut out = Vec::with_capacity(s5.len() + r6.len());
        for &r in &r6.list {
            let i = r as usize;
            let mut f = match rfacts.remove(&r) {
                Some(f) => f,
                None => {
                    let mut f = self.receiver_first(v, i);
                    self.set_ring(v, i, &mut f);
                    f
                }
            };
            self.suspect_final(v, i, &mut f);
            let raw = receiver_raw(v, &f);
            self.r_final[i] = raw;
            let alert = alerted(cfg, Role::Receiver, raw).then(|| self.receiver_alert(v, i, &f));
            out.push(((Role::Receiver, r), alert));
        }
        for (s, f) in &sfacts {
            let i = *s as usize;
            let alert =
                alerted(cfg, Role::Sender, self.s_final[i]).then(|| self.sender_alert(v, i, f));
            out.push(((Role::Sender, *s), alert));
        }
        debug_assert!(r6.list.iter().all(|&r| r6.contains(r)));
        Some(Update {
            alerts: out,
            recomputed: s5.len() + r6.len(),
        })
    }
}
