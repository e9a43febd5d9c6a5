//! Customers and facilitators: facilitator persons with their alias accounts
//! and rings, and the offenders paying them.

use super::*;

/// Builds facilitator persons, their alias accounts and rings.
///
/// Facilitators sit in PH, TH, CO (FINTRAC 2020); most are a parent or relative of the
/// victim (IJM 2020: 8 in 10), so rings are often family-run and share a surname (AMLC
/// family-run and syndicate patterns). Each person holds 1-4 alias accounts whose names
/// are variants of one name, sometimes with the same phone (R-ALIAS).
pub(super) fn build_facilitators(
    w: &mut World,
    offenders: usize,
) -> (Vec<Facilitator>, Vec<Ring>, Cum) {
    if offenders == 0 {
        return (Vec::new(), Vec::new(), Cum(Vec::new()));
    }
    // Operation Endeavour: 11 facilitators for customers in 12 countries; one person per
    // 2.5 customers keeps customers shared across facilitators.
    let persons =
        ((offenders as f64 / w.b.facilitator.customers_per_person).round() as usize).max(1);
    let mut facs = Vec::with_capacity(persons);
    let mut rings = Vec::new();
    let mut weights = Vec::new();
    while facs.len() < persons {
        let size = [1usize, 2, 3, 4][w.rng.weighted(&w.b.facilitator.ring_sizes)]
            .min(persons - facs.len());
        let country = w.country(geo::FACILITATOR_COUNTRIES);
        let style = COUNTRIES[country as usize].style;
        let family_run = w.rng.chance(w.b.facilitator.family_run);
        let ring_surname = PersonName::draw(&mut w.rng, style, 0.5).surname;
        let mut members = Vec::with_capacity(size);
        for _ in 0..size {
            let mut p = PersonName::draw(&mut w.rng, style, 0.75);
            if family_run {
                p.surname = ring_surname;
                if p.middle == Some(ring_surname) {
                    p.middle = None;
                }
            }
            let n_alias = 1 + w.rng.weighted(&w.b.facilitator.aliases);
            let phone = w.phone(country);
            let mut variants: Vec<u32> = (0..9).collect();
            w.rng.shuffle(&mut variants[1..]);
            let mut aliases = Vec::with_capacity(n_alias);
            for v in variants.iter().take(n_alias) {
                let name = if *v == 0 && w.rng.chance(0.5) {
                    p.render(1)
                } else {
                    p.render(*v)
                };
                let alias_phone = match w.rng.weighted(&w.b.facilitator.alias_phone) {
                    0 => Some(phone.clone()),
                    1 => Some(w.phone(country)),
                    _ => None,
                };
                aliases.push(w.new_receiver(name, country, Label::OsecFacilitator, alias_phone));
            }
            let h = names::handle(&mut w.rng, p.given);
            let handle = w.own(h);
            members.push(facs.len());
            facs.push(Facilitator {
                aliases,
                surname: p.surname,
                handle,
            });
        }
        rings.push(Ring { members });
        // Some rings draw many more customers than others.
        weights.push(w.rng.pareto(w.b.facilitator.ring_pareto).min(50.0));
    }
    (facs, rings, Cum::new(weights.into_iter()))
}

/// An OSEC customer.
///
/// Calibration (brief, "Prices and volumes"): a show costs USD 20-150 (IJM 2019), median
/// AUD 51 per payment (AIC 639) — about USD 34; amounts are often round in the sender's
/// currency (FATF 2025). Volumes are heavy-tailed (AIC 589: 3% of offenders made half of
/// the payments, 25% made 3%): 65% light buyers with 1-4 payments over the whole window,
/// 29% medium (5-15 per 90 days), 6% heavy paying 2.5-7 times a week. Heavier buyers pay
/// higher medians at shorter gaps and escalate (AIC 589). Mostly late evening and night
/// in local time (P-HOURS), cover words in about a third of messages (P-REMARK), some
/// shows split in two payments minutes apart (P-SHAPE), some switch channel or alias for
/// the same beneficiary (P-CHANNEL); light buyers pay one facilitator, heavier ones
/// several, across rings (P-MULTIBEN, R-RING).
pub(super) fn gen_offender(w: &mut World, facs: &[Facilitator], rings: &[Ring], ring_cum: &Cum) {
    let country = w.country(geo::OFFENDER_COUNTRIES);
    let o = w.b.offender.clone();
    let p = if w.rng.chance(o.filipino_name) {
        PersonName::draw(&mut w.rng, Style::Filipino, 0.05)
    } else {
        w.western_person(country, 0.05)
    };
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::OsecOffender);
    let offset = w.senders[s as usize].offset_min;
    let class = [Buyer::Light, Buyer::Medium, Buyer::Heavy][w.rng.weighted(&o.classes)];
    let scale = w.days as f64 / 90.0;
    let n = match class {
        Buyer::Light => 1 + w.rng.weighted(&o.light_counts),
        Buyer::Medium => {
            let (lo, hi) = o.medium_payments;
            ((w.rng.log_uniform(lo, hi) * scale).round() as usize).max(5)
        }
        Buyer::Heavy => {
            let (lo, hi) = o.heavy_per_week;
            ((w.rng.uniform(lo, hi) * w.days as f64 / 7.0).round() as usize).max(5)
        }
    };
    // Beneficiaries: (facilitator person, preferred alias).
    let (n_persons, n_rings) = match class {
        Buyer::Light => (
            if w.rng.chance(o.light_two_facilitators) {
                2
            } else {
                1
            },
            1,
        ),
        Buyer::Medium => (
            w.rng.int(1, 3) as usize,
            if w.rng.chance(0.2) { 2 } else { 1 },
        ),
        Buyer::Heavy => (
            w.rng.int(o.heavy_persons.0, o.heavy_persons.1) as usize,
            w.rng.int(1, 3) as usize,
        ),
    };
    let mut bens: Vec<(usize, u32)> = Vec::with_capacity(n_persons);
    let mut tries = 0;
    while bens.len() < n_persons && tries < 50 {
        tries += 1;
        let ring = &rings[ring_cum.pick(&mut w.rng)];
        let person = w.rng.pick_copy(&ring.members);
        if bens.iter().any(|b| b.0 == person) {
            continue;
        }
        let alias = w.rng.pick_copy(&facs[person].aliases);
        bens.push((person, alias));
        // Stay in the same ring for the next beneficiary unless this buyer spans rings.
        if bens.len() < n_persons && (bens.len() >= n_persons / n_rings.max(1)) {
            continue;
        }
        for m in &ring.members {
            if bens.len() >= n_persons {
                break;
            }
            if w.rng.chance(0.6) && !bens.iter().any(|b| b.0 == *m) {
                let a = w.rng.pick_copy(&facs[*m].aliases);
                bens.push((*m, a));
            }
        }
    }
    let ben_cum = Cum::new((0..bens.len()).map(|i| 0.6f64.powi(i as i32)));

    let primary = w.rng.weighted_pick(OFFENDER_CHANNELS);
    let switch_p = o.switchers[class as usize];
    let secondary = if w.rng.chance(switch_p) {
        let mut c = w.rng.weighted_pick(OFFENDER_CHANNELS);
        if c == primary {
            c = if primary == Channel::Remittance {
                Channel::Wallet
            } else {
                Channel::Remittance
            };
        }
        Some(c)
    } else {
        None
    };
    let night_p = if w.rng.chance(o.night_prone) {
        w.rng.uniform(o.night_share.0, o.night_share.1)
    } else {
        w.rng.uniform(o.day_night_share.0, o.day_night_share.1)
    };
    let median_usd = o.median_usd[class as usize] * w.rng.lognormal(1.0, o.median_sigma);
    let escalation = if class == Buyer::Light {
        0.0
    } else {
        w.rng.uniform(0.0, o.escalation_max)
    };
    let round_p = w.rng.uniform(o.round_share.0, o.round_share.1);
    let split_p = if w.rng.chance(o.splitters) {
        o.split_share
    } else {
        0.02
    };
    let cover_p = if w.rng.chance(o.silent) {
        0.0
    } else {
        w.rng.uniform(o.cover_share.0, o.cover_share.1)
    };
    let (from, escalate_freq) = match class {
        Buyer::Light => (0.0, false),
        Buyer::Medium => (w.rng.uniform(0.0, 0.6), w.rng.chance(0.6)),
        Buyer::Heavy => (w.rng.uniform(0.0, 0.2), w.rng.chance(0.6)),
    };
    let span = w.days as f64 * (1.0 - from);
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let u = w.rng.f64();
            // Density rising over time = shortening gaps (AIC 589).
            if escalate_freq {
                u.sqrt()
            } else {
                u
            }
        })
        .collect();
    times.sort_by(f64::total_cmp);
    for t in times {
        let day = w.d0 + (w.days as f64 * from + span * t).floor() as i64;
        let secs = if w.rng.chance(night_p) {
            w.night_secs()
        } else {
            w.day_secs(7, 21)
        };
        let ts = w.at(day, secs, offset);
        let usd = (median_usd * w.rng.lognormal(1.0, o.amount_sigma) * (1.0 + escalation * t))
            .clamp(20.0, 150.0);
        let round = w.rng.chance(round_p);
        let mut cents = w.local_cents(s, usd, round);
        let v = w.usd_of(s, cents);
        if !(20.0..=150.0).contains(&v) {
            cents = w.local_cents(s, usd, false);
        }
        let b = bens[ben_cum.pick(&mut w.rng)];
        let channel = match secondary {
            Some(c) if w.rng.chance(0.35) => c,
            _ => primary,
        };
        let receiver = if channel != primary || w.rng.chance(0.2) {
            w.rng.pick_copy(&facs[b.0].aliases)
        } else {
            b.1
        };
        let msg = if w.rng.chance(cover_p) {
            if w.rng.chance(o.handle_share) {
                Msg::Owned(facs[b.0].handle)
            } else {
                Msg::Text(w.rng.pick_copy(COVER))
            }
        } else if w.rng.chance(0.15) {
            Msg::Text(w.rng.pick_copy(PLAIN))
        } else {
            Msg::Empty
        };
        // R-CASHOUT: facilitators often cash out within minutes to hours.
        let payout = w.payout(
            o.cashout_known,
            o.cashout_median_min * 60.0,
            1.0,
            3.0 * 86_400.0,
        );
        if w.usd_of(s, cents) >= 50.0 && w.rng.chance(split_p) {
            // Both parts in the currency's own unit: whole yen where the
            // sender pays whole amounts (`local_cents`), never 4311.63 JPY.
            let unit = w.unit_cents(s);
            let first =
                ((cents as f64 * w.rng.uniform(0.4, 0.6)) / unit as f64).round() as i64 * unit;
            let first = if w.usd_of(s, first) < 20.0 || w.usd_of(s, cents - first) < 20.0 {
                cents / 2 / unit * unit
            } else {
                first
            };
            w.pay(ts, s, receiver, first, channel, msg, payout);
            let gap = w.rng.int(120, 900);
            let payout2 = payout.map(|d| (d - gap).max(60));
            w.pay(
                (ts + gap).min(w.end - 1),
                s,
                receiver,
                cents - first,
                channel,
                Msg::Empty,
                payout2,
            );
        } else {
            w.pay(ts, s, receiver, cents, channel, msg, payout);
        }
    }
}
