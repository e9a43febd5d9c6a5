//! Family senders: households supported from abroad, in the Philippines
//! corridor and in others.

use super::*;

/// An overseas Filipino worker or diaspora member supporting relatives in PH.
///
/// Brief, "What looks similar": regular (monthly, around paydays), often the same
/// surname, larger amounts, daytime; some send small weekly amounts. A household may be
/// supported by several relatives abroad (family fan-in); a sender may support 2-3
/// relatives. `attach` makes this sender a relative of a facilitator (facilitators also
/// receive some legitimate family money).
pub(super) fn gen_family(w: &mut World, attach: Option<(u32, &'static str)>) {
    if attach.is_none() && w.maybe(w.b.family.other_corridors) {
        return gen_corridor_family(w);
    }
    let country = w.country(geo::FAMILY_COUNTRIES);
    let household = match attach {
        Some(h) => Some(h),
        None if !w.family_households.is_empty() && w.rng.chance(w.b.family.join_household) => {
            let i = w.rng.below(w.family_households.len());
            Some(w.family_households[i])
        }
        None => None,
    };
    let mut p = PersonName::draw(&mut w.rng, Style::Filipino, 0.6);
    if let Some((_, surname)) = household {
        if w.rng.chance(0.7) {
            p.surname = surname;
        } else {
            // Related through the mother: her maiden name is the sender's middle name.
            p.middle = Some(surname);
        }
    }
    // Some women abroad married a foreigner and carry his surname; their maiden name
    // remains as middle name.
    if w.rng.chance(w.b.family.married_abroad) {
        let maiden = p.surname;
        p.middle = Some(maiden);
        p.surname = PersonName::draw(&mut w.rng, COUNTRIES[country as usize].style, 0.0).surname;
        p.given = w.rng.pick_copy(names::PH_FEMALE);
    }
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::FamilySender);
    let n_rel = if attach.is_some() {
        1
    } else {
        1 + w.rng.weighted(&[60.0, 30.0, 10.0])
    };
    let kin_surname = p
        .middle
        .filter(|_| p.surname != household.map_or("", |h| h.1))
        .unwrap_or(p.surname);
    let mut relatives = Vec::with_capacity(n_rel);
    if let Some((r, _)) = household {
        relatives.push(r);
    }
    let ph = cc("PH");
    while relatives.len() < n_rel {
        let surname = match w.rng.weighted(&w.b.family.relative_surname) {
            0 => kin_surname,
            1 => p.middle.unwrap_or(kin_surname),
            _ => w.rng.pick_copy(names::PH_SURNAMES),
        };
        let rel = PersonName::filipino_with_surname(&mut w.rng, surname, 0.65);
        let name = rel.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(ph, 0.5);
        let r = w.new_receiver(name, ph, Label::FamilyReceiver, phone);
        w.family_households.push((r, surname));
        relatives.push(r);
    }
    pay_family(w, s, &relatives, attach.is_some());
}

/// Emergencies: several payments to one relative within days, at any hour.
pub(super) const EMERGENCY_MSGS: &[&str] = &[
    "for the hospital",
    "emergency",
    "medicine",
    "hospital bill",
    "medical bills",
    "for the operation",
    "",
];

/// A family sender's payments to its relatives: regular, around a payday or every
/// week or two (or, when varied, a few times a month on no fixed day), a few one-offs
/// and, for some, an emergency.
pub(super) fn pay_family(w: &mut World, s: u32, relatives: &[u32], attached: bool) {
    let f = w.b.family.clone();
    let offset = w.senders[s as usize].offset_min;
    let cadence = w.rng.weighted(&f.cadence);
    let primary = w.rng.weighted_pick(FAMILY_CHANNELS);
    let night_shift = w.rng.chance(f.night_shift);
    let msg_p = w.rng.uniform(f.message_share.0, f.message_share.1);
    let payday = w.rng.pick_copy(&[1u32, 2, 5, 10, 15, 15, 16, 25, 28, 30]);
    let irregular = w.maybe(f.irregular);
    for (i, r) in relatives.iter().enumerate() {
        let base = match cadence {
            0 if attached => w.rng.log_uniform(80.0, 300.0),
            0 => w.rng.log_uniform(f.monthly_usd.0, f.monthly_usd.1),
            1 => w.rng.log_uniform(f.weekly_usd.0, f.weekly_usd.1),
            _ => w.rng.log_uniform(f.biweekly_usd.0, f.biweekly_usd.1),
        } / if i > 0 { 1.5 } else { 1.0 };
        let days = if irregular {
            // "When they can": 1-4 a month on no fixed day, smaller each.
            let per_month = w.rng.uniform(1.0, 4.0);
            let n = ((w.days as f64 / 30.0 * per_month).round() as usize).max(1);
            let mut d: Vec<i64> = (0..n).map(|_| w.random_day()).collect();
            d.sort_unstable();
            d
        } else {
            match cadence {
                0 => w.monthly_days(payday, f.payday_jitter),
                1 => w.periodic_days(7, 1, 0),
                _ => w.periodic_days(14, 2, 0),
            }
        };
        let base = if irregular && cadence == 0 {
            base / 2.0
        } else {
            base
        };
        let exact = w.rng.chance(f.exact);
        let round = w.rng.chance(0.7);
        for day in days {
            let secs = if night_shift && w.rng.chance(0.5) {
                w.night_secs()
            } else {
                w.day_secs(8, 21)
            };
            let ts = w.at(day, secs, offset);
            let usd = if exact {
                base
            } else {
                base * w.rng.uniform(1.0 - f.spread, 1.0 + f.spread)
            };
            let cents = w.local_cents(s, usd, round);
            let channel = if w.rng.chance(0.9) {
                primary
            } else {
                w.rng.weighted_pick(FAMILY_CHANNELS)
            };
            let msg = w.maybe_text(msg_p, FAMILY_MSGS);
            let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, *r, cents, channel, msg, payout);
        }
    }
    if w.rng.chance(f.extras) {
        for _ in 0..w.rng.int(1, f.extras_max) {
            let r = w.rng.pick_copy(relatives);
            let day = w.random_day();
            let secs = w.day_secs(8, 22);
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(50.0, 300.0);
            let cents = w.local_cents(s, usd, true);
            let msg = Msg::Text(w.rng.pick_copy(FAMILY_EXTRA_MSGS));
            let payout = w.payout(0.5, 3.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, r, cents, primary, msg, payout);
        }
    }
    if w.maybe(f.emergency) {
        let r = w.rng.pick_copy(relatives);
        let day0 = w.random_day();
        for _ in 0..w.rng.int(2, 5) {
            let day = day0 + w.rng.int(0, 10);
            let secs = w.any_secs();
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(40.0, 400.0);
            let round = w.rng.chance(0.6);
            let cents = w.local_cents(s, usd, round);
            let msg = Msg::Text(w.rng.pick_copy(EMERGENCY_MSGS));
            let payout = w.payout(0.5, 1.0 * 3600.0, 1.5, 2.0 * 86_400.0);
            let channel = w.rng.weighted_pick(FAMILY_CHANNELS);
            w.pay(ts, s, r, cents, channel, msg, payout);
        }
    }
}

/// Family money in other corridors (US→MX/CO/VN/GH, GB→NG, ES→CO, JP→VN, ...): a
/// diaspora sender named in the destination's style pays 1-3 relatives there, most
/// with its surname or its second family name, some in-laws with neither.
pub(super) fn gen_corridor_family(w: &mut World) {
    let (src, dst) = w.rng.pick_copy(geo::CORRIDORS);
    let (src, dst) = (cc(src), cc(dst));
    let p = w.person(dst, 0.55);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, src, Label::FamilySender);
    let n_rel = 1 + w.rng.weighted(&[60.0, 30.0, 10.0]);
    let style = COUNTRIES[dst as usize].style;
    let mut relatives = Vec::with_capacity(n_rel);
    for _ in 0..n_rel {
        let mut rel = PersonName::draw(&mut w.rng, style, 0.6);
        match w.rng.weighted(&w.b.family.relative_surname) {
            0 => rel.surname = p.surname,
            1 => rel.surname = p.middle.unwrap_or(p.surname),
            _ => {}
        }
        if rel.middle == Some(rel.surname) {
            rel.middle = None;
        }
        let name = rel.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(dst, 0.5);
        relatives.push(w.new_receiver(name, dst, Label::FamilyReceiver, phone));
    }
    pay_family(w, s, &relatives, false);
}
