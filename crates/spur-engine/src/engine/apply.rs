//! Applying one payment's record to both parties' windowed state: what the
//! sender's and the receiver's indicators read later. The hot path: no
//! allocation beyond a party's first links, no string work.

use super::*;

/// What applying a record reads besides the side's own state.
pub(super) struct ApplyCtx<'a> {
    pub(super) cfg: &'a EngineConfig,
    pub(super) purchase_mcc: &'a [u16],
    pub(super) purchase_mcc_dest: &'a [u16],
    pub(super) senders: &'a [PartyInfo],
    pub(super) receivers: &'a [PartyInfo],
}

/// What both sides read of one record.
struct Seen<'a> {
    usd: f64,
    hi: f64,
    cross: bool,
    in_band: bool,
    remark: Remark,
    /// Business or donation, by its message.
    explained: bool,
    /// A card payment to a shop is a purchase; to a person, a transfer.
    purchase: bool,
    s_info: &'a PartyInfo,
    r_info: &'a PartyInfo,
}

impl<'a> ApplyCtx<'a> {
    /// Starts loading what applying `r` will read: both parties' names and
    /// three places (picked by `lines`) in the side's state, which spans
    /// several cache lines.
    #[inline]
    pub(super) fn prefetch<S, A, B, C>(
        &self,
        r: &Record,
        state: &S,
        lines: impl Fn(&S) -> (&A, &B, &C),
    ) {
        prefetch(&self.senders[r.sender as usize].key);
        prefetch(&self.receivers[r.receiver as usize].key);
        let (a, b, c) = lines(state);
        prefetch(a);
        prefetch(b);
        prefetch(c);
    }

    fn see(&self, r: &Record) -> Seen<'a> {
        let [lo, hi] = self.cfg.risk.low_value_usd;
        let usd = f64::from(r.usd);
        let remark = Remark(r.remark);
        let r_info = &self.receivers[r.receiver as usize];
        Seen {
            usd,
            hi,
            cross: r.has(Record::CROSS_BORDER),
            in_band: usd >= lo && usd <= hi,
            remark,
            explained: remark.has(Remark::BUSINESS) || remark.has(Remark::DONATION),
            purchase: r.has(Record::HAS_MCC)
                || (r.has(Record::PURCHASE) && r_info.key.organisation),
            s_info: &self.senders[r.sender as usize],
            r_info,
        }
    }
}

pub(super) fn apply_sender(c: &ApplyCtx<'_>, senders: &mut [SenderState], r: &Record) {
    let Seen {
        usd,
        hi,
        cross,
        in_band,
        remark,
        explained,
        purchase,
        s_info,
        r_info,
    } = c.see(r);
    let max_ev = c.cfg.max_evidence;
    let s_org = s_info.key.organisation;
    let r_org = r_info.key.organisation;

    // Paying side.
    let s = &mut senders[r.sender as usize];
    if s.payments == 0 {
        s.first_seen = r.ts;
    }
    s.payments += 1;
    s.last_seen = r.ts;
    let link = match s.links.iter().position(|l| l.receiver == r.receiver) {
        Some(i) => Some(i),
        None if s.links.len() < MAX_SENDER_LINKS => {
            let related = s_info.key.related(&r_info.key);
            grow_by_one(&mut s.links);
            s.links.push(SenderLink {
                receiver: r.receiver,
                related,
                channels: 0,
                business: 0,
                risk: Cadence::new(),
            });
            Some(s.links.len() - 1)
        }
        None => {
            s.links_overflow += 1;
            None
        }
    };
    let related = link.is_some_and(|i| s.links[i].related);
    if cross && related {
        s.family += 1;
    }
    if let Some(i) = link.filter(|_| cross && remark.has(Remark::BUSINESS)) {
        s.links[i].business = s.links[i].business.saturating_add(1);
    }
    if cross && remark.has(Remark::FILIPINO) {
        s.filipino_words += 1;
    }
    if r.has(Record::HAS_MCC) {
        let anywhere = c.purchase_mcc.contains(&r.mcc);
        let there = r.has(Record::HIGH_RISK_DEST) && c.purchase_mcc_dest.contains(&r.mcc);
        if anywhere || there {
            s.purchases += 1;
            keep_evidence(&mut s.evidence, r.txn, max_ev);
        }
    }
    let high_risk = cross && r.has(Record::HIGH_RISK_DEST) && !purchase;
    if high_risk {
        s.to_high_risk += 1;
    }
    if high_risk && !related && !r_org && !explained {
        // Romance-scam pattern: stories and escalating amounts.
        if s.unrelated_first_usd == 0.0 {
            s.unrelated_first_usd = usd;
        }
        s.unrelated_max_usd = s.unrelated_max_usd.max(usd);
        if usd > hi {
            s.large += 1;
        }
        if remark.has(Remark::ROMANCE) {
            s.romance_words += 1;
        }
    }
    if high_risk && in_band && !related && !s_org && !r_org && !explained {
        if s.risk == 0 {
            s.first_risk = Some(r.ts);
            s.risk_country = r_info.country;
        }
        s.risk += 1;
        s.risk_usd += usd;
        s.window_add(r.ts);
        if s.first_risk.is_some_and(|t| r.ts < t + 30 * DAY) {
            s.first_30d += 1;
        }
        if s.first_amounts.1 < 5 {
            s.first_amounts.0 += usd;
            s.first_amounts.1 += 1;
        }
        if s.risk_usd_sq >= 0.0 {
            s.risk_usd_sq += usd * usd;
        }
        s.last_amounts[(s.risk as usize - 1) % 5] = r.usd;
        let [nf, nt] = c.cfg.risk.night_hours;
        if hour_in(r.sender_hour, nf, nt) {
            s.night += 1;
        }
        if remark.has(Remark::COVER) {
            s.cover += 1;
        }
        if remark.has(Remark::HANDLE) {
            s.handles += 1;
        }
        if r.has(Record::ROUND) {
            s.round += 1;
        }
        if let Some(i) = link {
            let l = &mut s.links[i];
            if r.has(Record::HAS_CHANNEL) {
                l.channels |= 1 << r.channel;
            }
            let split_within = i64::from(c.cfg.indicators.p_shape.split_minutes) * MINUTE;
            if let Some(gap) = l.risk.add(r.ts, r.usd) {
                if gap <= split_within {
                    s.split += 1;
                }
            }
        }
        keep_evidence(&mut s.evidence, r.txn, max_ev);
    }
}

pub(super) fn apply_receiver(c: &ApplyCtx<'_>, receivers: &mut [ReceiverState], r: &Record) {
    let Seen {
        usd,
        cross,
        in_band,
        remark,
        explained,
        purchase,
        s_info,
        r_info,
        ..
    } = c.see(r);
    let max_ev = c.cfg.max_evidence;
    let s_org = s_info.key.organisation;

    // Receiving side.
    let band = c.cfg.indicators.r_band.band_usd;
    let v = &mut receivers[r.receiver as usize];
    if v.payments == 0 {
        v.first_seen = r.ts;
    }
    v.payments += 1;
    v.usd += usd;
    v.last_seen = r.ts;
    if usd >= band[0] && usd <= band[1] {
        v.band += 1;
        v.band_usd += usd;
    }
    let link = match v.links.iter().position(|l| l.sender == r.sender) {
        Some(i) => Some(i),
        None if v.links.len() < MAX_RECEIVER_LINKS => {
            let related = s_info.key.related(&r_info.key);
            grow_by_one(&mut v.links);
            v.links.push(ReceiverLink {
                sender: r.sender,
                related,
                purchase: false,
                business: 0,
                fanin: Cadence::new(),
            });
            Some(v.links.len() - 1)
        }
        None => {
            v.links_overflow += 1;
            None
        }
    };
    let related = match link {
        Some(i) => v.links[i].related,
        None => s_info.key.related(&r_info.key),
    };
    if let Some(i) = link.filter(|_| r.has(Record::PURCHASE)) {
        v.links[i].purchase = true;
    }
    if let Some(i) = link.filter(|_| cross && remark.has(Remark::BUSINESS)) {
        v.links[i].business = v.links[i].business.saturating_add(1);
    }
    if cross && in_band && !related && !s_org && !explained && !purchase {
        v.fanin += 1;
        let [ef, et] = c.cfg.risk.evening_hours;
        if hour_in(r.receiver_hour, ef, et) {
            v.evening += 1;
        }
        if let Some(i) = link {
            v.links[i].fanin.add(r.ts, r.usd);
        }
        let d = v.distinct_30d(r.ts);
        v.max_30d = v.max_30d.max(d);
        if r.payout_delay >= 0 {
            v.payouts += 1;
            let minutes = (r.payout_delay / MINUTE).min(u32::MAX as i64) as u32;
            if minutes <= c.cfg.indicators.r_cashout.fast_minutes {
                v.fast_payouts += 1;
            }
            if v.delays_min.len() < MAX_DELAYS {
                v.delays_min.push(minutes);
            }
        }
        keep_evidence(&mut v.evidence, r.txn, max_ev);
    }
}
