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
//!    above the alert threshold in step 3;
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

use rustc_hash::{FxHashMap, FxHashSet};

/// Most ring partners R-RING lists for one receiver.
const RING_PARTNERS: usize = 32;

use crate::engine::{
    combine, conduct, make_alert, raw_score, receiver_facts, score_of, sender_facts, Engine,
    Outcome, PartyInfo,
};
use crate::facts::SharedReceiver;
use crate::facts::{Conduct, ReceiverFacts};
use crate::indicators::{Role, Stage, Subject};

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = p;
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// Receivers of a sender's risk payments.
fn risk_receivers(s: &crate::state::SenderState) -> impl Iterator<Item = u32> + '_ {
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
fn receiver_weight(cfg: &crate::config::EngineConfig, f: &ReceiverFacts<'_>) -> f64 {
    if f.organisation {
        cfg.risk.organisation_factor
    } else if f.household_payers > 0 {
        cfg.conduct.household_factor
    } else {
        1.0
    }
}

pub(crate) fn score(e: &Engine) -> Outcome {
    let parts = e.parts();
    let cfg = parts.cfg;
    let threshold = cfg.alert_threshold;
    let ns = parts.senders.len();
    let nr = parts.receivers.len();

    // How each receiver is paid, where that reads like an organisation.
    let conducts: Vec<Conduct> = parts
        .receivers
        .state
        .iter()
        .map(|v| conduct(&cfg.conduct, v))
        .collect();

    // 1. Local sender scores.
    let mut sfacts: Vec<_> = par_map(ns, |i| sender_facts(&parts, i, &conducts));
    // Relationship context and routing weigh the paying side down.
    let routed: Vec<bool> = parts
        .senders
        .state
        .iter()
        .map(|s| s.romance_pattern())
        .collect();
    // The weight of a sender's findings of one stage.
    let weigh = |i: usize, f: &crate::facts::SenderFacts<'_>, stage: Stage| {
        let mut d = 1.0;
        if f.diaspora.any() {
            d *= cfg.risk.diaspora_factor;
        }
        if routed[i] {
            d *= cfg.risk.romance_factor;
        }
        if f.partner_like && stage == Stage::Local {
            d *= cfg.risk.partner_factor;
        }
        if f.household_gap_days.is_some() && stage == Stage::Local {
            d *= cfg.conduct.household_factor;
        }
        if f.pays_organisations {
            d *= cfg.risk.organisation_factor;
        }
        d
    };
    // Organisations (charities, schools, shops) are not facilitators by name
    // alone; their receiving-side score is weighed down.
    let receiver_raw = |f: &ReceiverFacts<'_>| {
        let w = receiver_weight(cfg, f);
        w * raw_score(parts.indicators, Subject::Receiver(f), Role::Receiver, None)
    };
    let sender_raw = |i: usize, f: &crate::facts::SenderFacts<'_>, stages: &[Stage]| -> f64 {
        stages
            .iter()
            .map(|&st| {
                weigh(i, f, st)
                    * raw_score(parts.indicators, Subject::Sender(f), Role::Sender, Some(st))
            })
            .sum()
    };
    let s_local: Vec<f64> = par_map(ns, |i| score_of(sender_raw(i, &sfacts[i], &[Stage::Local])));

    // 2. Alias groups.
    let mut uf = UnionFind((0..nr as u32).collect());
    let mut by_phone: FxHashMap<(crate::model::Country, u64), u32> = FxHashMap::default();
    for (i, info) in parts.receivers.info.iter().enumerate() {
        if let Some(p) = info.phone {
            match by_phone.get(&(info.country, p)) {
                Some(&j) => uf.union(i as u32, j),
                None => {
                    by_phone.insert((info.country, p), i as u32);
                }
            }
        }
    }
    let rinfo = &parts.receivers.info;
    for s in &parts.senders.state {
        let risky = || risk_receivers(s);
        for (k, a) in risky().enumerate() {
            for b in risky().skip(k + 1) {
                if rinfo[a as usize]
                    .key
                    .same_person_variant(&rinfo[b as usize].key)
                {
                    uf.union(a, b);
                }
            }
        }
    }
    let roots: Vec<u32> = (0..nr as u32).map(|i| uf.find(i)).collect();
    let mut group_size = vec![0u32; nr];
    for &r in &roots {
        group_size[r as usize] += 1;
    }
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (i, &r) in roots.iter().enumerate() {
        if group_size[r as usize] > 1 {
            members.entry(r).or_default().push(i as u32);
        }
    }
    // Pooled fan-in senders per group.
    let fanin_of = |r: u32| {
        parts.receivers.state[r as usize]
            .links
            .iter()
            .filter(|l| l.fanin.n > 0 && !routed[l.sender as usize])
            .map(|l| l.sender)
    };
    let mut group_senders: FxHashMap<u32, FxHashSet<u32>> = FxHashMap::default();
    for (&root, m) in &members {
        let set = group_senders.entry(root).or_default();
        for &r in m {
            set.extend(fanin_of(r));
        }
    }

    // 3. Receiver scores with R-ALIAS and R-SENDERS.
    let floor = cfg.indicators.r_senders.sender_score;
    let mut rfacts: Vec<_> = par_map(nr, |i| receiver_facts(&parts, i, &routed, conducts[i]));
    // Each receiver's fan-in senders (its alias group's, pooled), one after
    // the other in one list: receiver i's are pooled[pooled_at[i]..pooled_at[i + 1]].
    let mut pooled: Vec<u32> = Vec::new();
    let mut pooled_at: Vec<usize> = Vec::with_capacity(nr + 1);
    pooled_at.push(0);
    for (i, f) in rfacts.iter_mut().enumerate() {
        let root = roots[i];
        let start = pooled.len();
        match group_senders.get(&root) {
            Some(set) => {
                f.group_fanin_senders = f.group_fanin_senders.max(set.len() as u32);
                f.alias_accounts = members[&root]
                    .iter()
                    .filter(|&&r| r as usize != i)
                    .map(|&r| &*rinfo[r as usize].id)
                    .collect();
                // By id, so that the output does not depend on input order.
                f.alias_accounts.sort_unstable();
                pooled.extend(set.iter().copied());
            }
            None => pooled.extend(fanin_of(i as u32)),
        }
        pooled[start..].sort_unstable();
        pooled_at.push(pooled.len());
    }
    let pooled_of = |i: usize| &pooled[pooled_at[i]..pooled_at[i + 1]];
    let senders_info = &parts.senders.info[..];
    for (i, f) in rfacts.iter_mut().enumerate() {
        suspect(
            f,
            pooled_of(i),
            &|s| s_local[s as usize],
            senders_info,
            floor,
        );
    }
    let r_first: Vec<f64> = par_map(nr, |i| score_of(receiver_raw(&rfacts[i])));

    // 4. Rings: other suspicious receivers (not alias accounts) sharing a payer.
    // At most RING_PARTNERS each, the strongest (then the first by id), so
    // that the list does not depend on the order the payments came in.
    let mut ring: Vec<Vec<u32>> = vec![Vec::new(); nr];
    let stronger = |b: u32, than: u32| {
        let (sb, st) = (r_first[b as usize], r_first[than as usize]);
        sb > st || (sb == st && rinfo[b as usize].id < rinfo[than as usize].id)
    };
    for s in &parts.senders.state {
        let paid = || risk_receivers(s);
        if paid().nth(1).is_none() {
            continue;
        }
        for a in paid() {
            for b in paid() {
                if roots[a as usize] == roots[b as usize] || r_first[b as usize] < threshold {
                    continue;
                }
                let partners = &mut ring[a as usize];
                if partners.contains(&b) {
                    continue;
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
        }
    }
    for (i, f) in rfacts.iter_mut().enumerate() {
        f.ring_receivers = ring[i].iter().map(|&r| &*rinfo[r as usize].id).collect();
        f.ring_receivers.sort_unstable();
    }
    let r_scored: Vec<f64> = par_map(nr, |i| receiver_raw(&rfacts[i]));

    // 5. P-SHARED and final sender scores.
    // The receiver each sender's P-SHARED comes through.
    let mut shared_via: Vec<Option<u32>> = vec![None; ns];
    for (i, f) in sfacts.iter_mut().enumerate() {
        let s = &parts.senders.state[i];
        let mut best: Option<(SharedReceiver<'_>, u32)> = None;
        let mut best_key = 0.0;
        for l in s.links.iter().filter(|l| l.risk.n > 0) {
            let r = l.receiver as usize;
            let rf = &rfacts[r];
            let others = rf
                .group_fanin_senders
                .max(rf.fanin_senders)
                .saturating_sub(1);
            let self_sus = u32::from(s_local[i] >= floor);
            let cand = SharedReceiver {
                id: rf.id,
                score: score_of(r_scored[r]),
                other_senders: others,
                other_suspicious: rf.suspicious_senders.saturating_sub(self_sus),
            };
            // The strongest finding, as the network indicators read it.
            f.shared = Some(cand.clone());
            let key = raw_score(
                parts.indicators,
                Subject::Sender(f),
                Role::Sender,
                Some(Stage::Network),
            );
            if key > best_key {
                best_key = key;
                best = Some((cand, r as u32));
            }
        }
        shared_via[i] = best.as_ref().map(|(_, r)| *r);
        f.shared = best.map(|(c, _)| c);
    }

    let s_final: Vec<f64> = par_map(ns, |i| {
        sender_raw(i, &sfacts[i], &[Stage::Local, Stage::Network])
    });

    // 6. Back to the receivers once more: suspicion from the senders' final
    // scores, except a score a sender owes to this very person (P-SHARED
    // through this account or one of its alias accounts), where the sender's
    // local score stands: no finding echoes back to where it came from.
    for (r, f) in rfacts.iter_mut().enumerate() {
        let root = roots[r];
        suspect(
            f,
            pooled_of(r),
            &|s| {
                if shared_via[s as usize].is_some_and(|v| roots[v as usize] == root) {
                    s_local[s as usize]
                } else {
                    score_of(s_final[s as usize])
                }
            },
            senders_info,
            floor,
        );
    }
    let r_final: Vec<f64> = par_map(nr, |i| receiver_raw(&rfacts[i]));

    // Alerts and scores.
    let mut out = Outcome::default();
    out.stats.payments = parts.payments;
    out.stats.senders = ns as u64;
    out.stats.receivers = nr as u64;
    out.stats.possible_romance_victims = routed.iter().filter(|&&r| r).count() as u64;
    // Alerts are built on two threads: evidence and reasons take their time.
    let alerted = |raw: &[f64]| -> Vec<usize> {
        (0..raw.len())
            .filter(|&i| raw[i] > 0.0 && score_of(raw[i]) >= threshold)
            .collect()
    };
    let senders_alerted = alerted(&s_final);
    let sender_alert = |i: usize| {
        let f = &sfacts[i];
        let subject = Subject::Sender(f);
        let (_, mut p) = combine(parts.indicators, subject, Role::Sender, None);
        p.iter_mut()
            .for_each(|(k, w)| *w *= weigh(i, f, parts.indicators[*k].stage()));
        let mut context = Vec::new();
        if f.diaspora.any() {
            context.push(format!(
                "diaspora ties to {} ({}): score weighed by {}",
                f.risk_country,
                f.diaspora.describe(),
                cfg.risk.diaspora_factor
            ));
        }
        if f.partner_like {
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
        if routed[i] {
            context.push(format!(
                "romance-scam pattern (emergency or travel stories, rising amounts): another crime, route to fraud; score weighed by {}",
                cfg.risk.romance_factor
            ));
        }
        let evidence = &parts.senders.state[i].evidence;
        make_alert(e, subject, s_final[i], &p, evidence, context)
    };
    out.alerts = par_map_from(senders_alerted.len(), 256, |k| {
        sender_alert(senders_alerted[k])
    });
    let receivers_alerted = alerted(&r_final);
    let receiver_alert = |i: usize| {
        let f = &rfacts[i];
        let subject = Subject::Receiver(f);
        let (_, mut p) = combine(parts.indicators, subject, Role::Receiver, None);
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
        let evidence = &parts.receivers.state[i].evidence;
        make_alert(e, subject, r_final[i], &p, evidence, context)
    };
    out.alerts
        .extend(par_map_from(receivers_alerted.len(), 256, |k| {
            receiver_alert(receivers_alerted[k])
        }));
    out.alerts.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.role.cmp(&b.role))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out.stats.alerts_senders = out.alerts.iter().filter(|a| a.role == Role::Sender).count() as u64;
    out.stats.alerts_receivers = out.alerts.len() as u64 - out.stats.alerts_senders;
    out
}
