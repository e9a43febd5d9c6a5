//! The other look-alikes: partners abroad, freelancers' clients, donors,
//! romance-scam victims and ordinary senders.

use super::*;

/// A non-Filipino partner abroad paying one recurring beneficiary (sometimes her
/// family): steady amounts weekly, bi-weekly or monthly, affectionate remarks, any hour.
pub(super) fn gen_partner(w: &mut World) {
    let pp = w.b.partner.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = w.western_person(country, 0.12);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::PartnerSender);
    let offset = w.senders[s as usize].offset_min;
    let rc = w.country(geo::FACILITATOR_COUNTRIES);
    let her = w.person(rc, 0.95);
    let her_name = her.render_any(&mut w.rng, w.b.names.canonical);
    let phone = w.maybe_phone(rc, 0.5);
    let r = w.new_receiver(her_name, rc, Label::PartnerReceiver, phone);
    let cadence = w.rng.weighted(&pp.cadence);
    let base = match cadence {
        0 => w.rng.log_uniform(pp.weekly_usd.0, pp.weekly_usd.1),
        1 => w.rng.log_uniform(pp.biweekly_usd.0, pp.biweekly_usd.1),
        _ => w.rng.log_uniform(pp.monthly_usd.0, pp.monthly_usd.1),
    };
    let from = if w.rng.chance(pp.from_start) {
        0
    } else {
        w.rng.below((w.days as usize * 6 / 10).max(1)) as i64
    };
    // Issue 11's irregular partners: a few payments a month on no fixed day, amounts
    // spread around one level — still one recurring beneficiary.
    let irregular = if w.maybe(pp.irregular) {
        let per_month = w
            .rng
            .uniform(pp.irregular_per_month.0, pp.irregular_per_month.1);
        let level = w.rng.log_uniform(pp.irregular_usd.0, pp.irregular_usd.1);
        let sigma = w.rng.uniform(pp.irregular_sigma.0, pp.irregular_sigma.1);
        Some((per_month, level, sigma))
    } else {
        None
    };
    let days = if let Some((per_month, _, _)) = irregular {
        let span = (w.days - from).max(1);
        let n = ((span as f64 / 30.0 * per_month).round() as usize).max(1);
        let mut d: Vec<i64> = (0..n)
            .map(|_| w.d0 + from + w.rng.below(span as usize) as i64)
            .collect();
        d.sort_unstable();
        d
    } else {
        match cadence {
            0 => w.periodic_days(7, 1, from),
            1 => w.periodic_days(14, 1, from),
            _ => {
                let dom = w.rng.int(1, 28) as u32;
                let mut d = w.monthly_days(dom, 1);
                d.retain(|x| *x >= w.d0 + from);
                d
            }
        }
    };
    let fixed = w.rng.chance(pp.fixed);
    let round = w.rng.chance(pp.round);
    let primary = w.rng.weighted_pick(PARTNER_CHANNELS);
    let switcher = w.rng.chance(pp.switchers);
    let msg_p = w.rng.uniform(pp.message_share.0, pp.message_share.1);
    for day in days {
        let secs = if w.maybe(pp.late_evening) {
            w.day_secs(21, 24)
        } else {
            w.any_secs()
        };
        let ts = w.at(day, secs, offset);
        let usd = match irregular {
            Some((_, level, sigma)) => w.rng.lognormal(level, sigma).clamp(10.0, 2000.0),
            None if fixed => base,
            None => base * w.rng.uniform(1.0 - pp.spread, 1.0 + pp.spread),
        };
        let cents = w.local_cents(s, usd, round);
        let channel = if switcher && w.rng.chance(0.3) {
            w.rng.weighted_pick(PARTNER_CHANNELS)
        } else {
            primary
        };
        let msg = if w.maybe(pp.cover_words) {
            w.maybe_text(msg_p, PARTNER_COVER_MSGS)
        } else {
            w.maybe_text(msg_p, PARTNER_MSGS)
        };
        let payout = w.payout(0.5, 6.0 * 3600.0, 1.5, 10.0 * 86_400.0);
        w.pay(ts, s, r, cents, channel, msg, payout);
    }
    if w.rng.chance(pp.kin) {
        let kin = PersonName::draw(&mut w.rng, COUNTRIES[rc as usize].style, 0.6);
        let kin = PersonName {
            surname: her.surname,
            ..kin
        };
        let kin_name = kin.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(rc, 0.5);
        let k = w.new_receiver(kin_name, rc, Label::PartnerReceiver, phone);
        for _ in 0..w.rng.int(1, 3) {
            let day = w.random_day();
            let secs = w.any_secs();
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(50.0, 200.0);
            let cents = w.local_cents(s, usd, true);
            let msg = w.maybe_text(
                0.5,
                &[
                    "for mama",
                    "for your family",
                    "for the house",
                    "help for tatay",
                ],
            );
            let payout = w.payout(0.5, 6.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, k, cents, primary, msg, payout);
        }
    }
}

/// Freelancers and virtual assistants: a fan-in of regular, larger, invoice-like payments
/// from several foreign clients in business hours.
pub(super) fn build_freelancers(w: &mut World, clients: usize) -> (Vec<u32>, Cum) {
    let n = ((clients as f64 / w.b.client.per_freelancer).round() as usize)
        .max(usize::from(clients > 0));
    let mut out = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for _ in 0..n {
        let country = cc(w
            .rng
            .weighted_pick(&[("PH", 85.0), ("CO", 8.0), ("TH", 7.0)]));
        let p = w.person(country, 0.6);
        let name = if w.rng.chance(0.15) {
            format!(
                "{} {}",
                p.surname,
                w.rng.pick(&[
                    "Virtual Solutions",
                    "Creative Studio",
                    "Digital Services",
                    "Outsourcing"
                ])
            )
        } else {
            p.render_any(&mut w.rng, w.b.names.canonical)
        };
        let phone = w.maybe_phone(country, 0.5);
        out.push(w.new_receiver(name, country, Label::FreelancerReceiver, phone));
        weights.push(w.rng.pareto(w.b.client.popularity_pareto).min(20.0));
    }
    (out, Cum::new(weights.into_iter()))
}

pub(super) fn gen_client(w: &mut World, freelancers: &[u32], cum: &Cum) {
    let c = w.b.client.clone();
    let country = w.country(&[
        ("US", 45.0),
        ("AU", 15.0),
        ("GB", 12.0),
        ("CA", 8.0),
        ("SG", 5.0),
        ("DE", 5.0),
        ("NL", 3.0),
        ("NZ", 2.0),
        ("IE", 2.0),
        ("SE", 1.0),
        ("HK", 2.0),
    ]);
    let name = if w.rng.chance(c.companies) {
        names::business(&mut w.rng)
    } else {
        let p = w.western_person(country, 0.4);
        p.render_any(&mut w.rng, w.b.names.canonical)
    };
    let s = w.new_sender(name, country, Label::ClientSender);
    let offset = w.senders[s as usize].offset_min;
    let k = if w.rng.chance(c.one_freelancer) { 1 } else { 2 };
    let mut mine = Vec::with_capacity(k);
    for _ in 0..k {
        let f = freelancers[cum.pick(&mut w.rng)];
        if !mine.contains(&f) {
            mine.push(f);
        }
    }
    let mut invoice = w.rng.int(1000, 5000) as u32;
    let style = w.rng.weighted(&c.styles);
    let channel = w.rng.weighted_pick(&[
        (Channel::Bank, 50.0),
        (Channel::Wallet, 45.0),
        (Channel::Remittance, 5.0),
    ]);
    for f in mine {
        let cadence = w.rng.weighted(&c.cadence);
        let base = match cadence {
            0 => w.rng.log_uniform(c.monthly_usd.0, c.monthly_usd.1),
            1 => w.rng.log_uniform(c.biweekly_usd.0, c.biweekly_usd.1),
            _ => w.rng.log_uniform(c.weekly_usd.0, c.weekly_usd.1),
        };
        let days = match cadence {
            0 => {
                let dom = w.rng.pick_copy(&[1u32, 2, 3, 5, 25, 28, 30]);
                w.monthly_days(dom, 1)
            }
            1 => w.periodic_days(14, 0, 0),
            _ => w.periodic_days(7, 0, 0),
        };
        let fixed = w.rng.chance(c.fixed);
        let round = w.rng.chance(0.5);
        for mut day in days {
            let wd = weekday(day);
            if wd >= 5 {
                day -= wd as i64 - 4;
            }
            let secs = w.day_secs(9, 17);
            let ts = w.at(day, secs, offset);
            let usd = if fixed {
                base
            } else {
                base * w.rng.uniform(1.0 - c.spread, 1.0 + c.spread)
            };
            let cents = w.local_cents(s, usd, round);
            let msg = match style {
                0 => {
                    invoice += 1;
                    Msg::Invoice(invoice)
                }
                1 => Msg::Retainer,
                2 => Msg::Text(w.rng.pick_copy(CLIENT_MSGS)),
                _ => Msg::Empty,
            };
            let payout = w.payout(0.4, 2.0 * 86_400.0, 0.8, 20.0 * 86_400.0);
            w.pay(ts, s, f, cents, channel, msg, payout);
        }
    }
}

/// Charities and child sponsorship: many donors to one organisation, fixed monthly
/// amounts (USD 25-50), remarks like "donation" or "sponsor a child".
pub(super) fn build_charities(w: &mut World, donors: usize) -> (Vec<u32>, Cum) {
    let n = ((donors as f64 / w.b.donor.per_charity).round() as usize).max(usize::from(donors > 0));
    let mut out = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for _ in 0..n {
        let country = w.country(geo::FACILITATOR_COUNTRIES);
        let name = names::charity(&mut w.rng, COUNTRIES[country as usize].code);
        let phone = w.maybe_phone(country, 0.7);
        out.push(w.new_receiver(name, country, Label::CharityReceiver, phone));
        weights.push(w.rng.pareto(w.b.donor.popularity_pareto).min(30.0));
    }
    (out, Cum::new(weights.into_iter()))
}

pub(super) fn gen_donor(w: &mut World, charities: &[u32], cum: &Cum) {
    let dp = w.b.donor.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = if w.rng.chance(0.1) {
        PersonName::draw(&mut w.rng, Style::Filipino, 0.55)
    } else {
        w.western_person(country, 0.55)
    };
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::DonorSender);
    let offset = w.senders[s as usize].offset_min;
    let c = charities[cum.pick(&mut w.rng)];
    let channel = w.rng.weighted_pick(&[
        (Channel::Card, 55.0),
        (Channel::Bank, 40.0),
        (Channel::Wallet, 5.0),
    ]);
    if w.rng.chance(dp.recurring) {
        let usd = w.rng.pick_copy(&[25.0, 30.0, 35.0, 40.0, 45.0, 50.0]);
        let cents = w.local_cents(s, usd, true);
        let dom = w.rng.int(1, 28) as u32;
        let auto_secs = if w.rng.chance(dp.auto_debit) {
            Some(w.day_secs(2, 7))
        } else {
            None
        };
        let msg = match w.rng.weighted(&dp.messages) {
            0 => Msg::Text(w.rng.pick_copy(DONOR_MSGS)),
            1 => {
                let text = format!("sponsor child #{}", w.rng.int(1000, 9999));
                Msg::Owned(w.own(text))
            }
            _ => Msg::Empty,
        };
        let from = if w.rng.chance(dp.from_start) {
            0
        } else {
            w.rng.below((w.days as usize * 2 / 3).max(1)) as i64
        };
        let mut days = w.monthly_days(dom, 0);
        days.retain(|d| *d >= w.d0 + from);
        for day in days {
            let secs = match auto_secs {
                Some(x) => x,
                None => w.day_secs(8, 22),
            };
            let ts = w.at(day, secs, offset);
            w.pay(ts, s, c, cents, channel, msg, None);
        }
    } else {
        for _ in 0..w.rng.int(1, 3) {
            let day = w.random_day();
            let secs = w.day_secs(8, 23);
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(dp.oneoff_usd.0, dp.oneoff_usd.1);
            let cents = w.local_cents(s, usd, true);
            let msg = w.maybe_text(0.7, DONOR_ONEOFF_MSGS);
            w.pay(ts, s, c, cents, channel, msg, None);
        }
    }
}

/// Romance-scam victims: escalating larger amounts ("hospital", "visa", "customs fee")
/// to one or two receivers — suspicious, but another crime.
pub(super) fn build_scammers(w: &mut World, victims: usize) -> Vec<u32> {
    let n =
        ((victims as f64 / w.b.romance.per_scammer).round() as usize).max(usize::from(victims > 0));
    (0..n)
        .map(|_| {
            let country = w.country(&[
                ("PH", 35.0),
                ("NG", 30.0),
                ("GH", 15.0),
                ("MY", 10.0),
                ("TH", 5.0),
                ("CO", 5.0),
            ]);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let phone = w.maybe_phone(country, 0.6);
            w.new_receiver(name, country, Label::RomanceScammerReceiver, phone)
        })
        .collect()
}

pub(super) fn gen_romance_victim(w: &mut World, scammers: &[u32]) {
    let rp = w.b.romance.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = w.western_person(country, 0.5);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::RomanceVictimSender);
    let offset = w.senders[s as usize].offset_min;
    let mut mine = vec![w.rng.pick_copy(scammers)];
    if w.rng.chance(rp.second_receiver) {
        mine.push(w.rng.pick_copy(scammers));
    }
    let n = w.rng.int(rp.payments.0, rp.payments.1) as usize;
    let from = w.rng.uniform(0.0, 0.5);
    let mut times: Vec<f64> = (0..n).map(|_| w.rng.f64().sqrt()).collect();
    times.sort_by(f64::total_cmp);
    let a0 = w.rng.log_uniform(rp.first_usd.0, rp.first_usd.1);
    let growth = w.rng.uniform(rp.growth.0, rp.growth.1);
    for (i, t) in times.into_iter().enumerate() {
        let day = w.d0 + (w.days as f64 * (from + (1.0 - from) * t)).floor() as i64;
        let secs = w.any_secs();
        let ts = w.at(day, secs, offset);
        let usd = (a0 * growth.powi(i as i32)).min(8000.0) * w.rng.uniform(0.9, 1.1);
        let round = w.rng.chance(0.7);
        let cents = w.local_cents(s, usd, round);
        let r = mine[if i * 2 >= n { mine.len() - 1 } else { 0 }];
        let channel = w.rng.weighted_pick(&[
            (Channel::Remittance, 50.0),
            (Channel::Wallet, 25.0),
            (Channel::Crypto, 20.0),
            (Channel::Bank, 5.0),
        ]);
        let msg = w.maybe_text(0.7, ROMANCE_MSGS);
        let payout = w.payout(0.5, 2.0 * 3600.0, 1.2, 5.0 * 86_400.0);
        w.pay(ts, s, r, cents, channel, msg, payout);
    }
}

/// Everything else: domestic payments in every country, remittances in other corridors,
/// one-off gifts abroad (including small ones to PH/TH/CO), tourists, e-commerce.
pub(super) fn gen_ordinary(w: &mut World) {
    match w.rng.weighted(&w.b.ordinary.kinds) {
        0 => {
            let country = w.country(geo::ORDINARY_COUNTRIES);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let n = w.rng.log_uniform(1.0, 13.0) as usize;
            let ph = COUNTRIES[country as usize].code == "PH";
            for _ in 0..n.max(1) {
                let day = w.random_day();
                let secs = if w.rng.chance(0.9) {
                    w.day_secs(7, 22)
                } else {
                    w.any_secs()
                };
                let ts = w.at(day, secs, offset);
                let usd = w.rng.lognormal(35.0, 1.0).clamp(1.0, 3000.0);
                let round = w.rng.chance(0.4);
                let cents = w.local_cents(s, usd, round);
                let (r, channel) = if w.rng.chance(0.5) {
                    let m = w.merchant_in(country);
                    (
                        m,
                        w.rng.weighted_pick(&[
                            (Channel::Card, 70.0),
                            (Channel::Wallet, 20.0),
                            (Channel::Cash, 10.0),
                        ]),
                    )
                } else {
                    let i = w.individual_in(country);
                    (
                        i,
                        w.rng.weighted_pick(&[
                            (Channel::Bank, 40.0),
                            (Channel::Wallet, 45.0),
                            (Channel::Cash, 15.0),
                        ]),
                    )
                };
                let msg = w.maybe_text(0.4, if ph { PH_DOMESTIC_MSGS } else { ORDINARY_MSGS });
                let payout = w.payout(0.3, 86_400.0, 1.5, 20.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        1 => {
            let (src, dst) = w.rng.pick_copy(geo::CORRIDORS);
            let (src, dst) = (cc(src), cc(dst));
            let p = w.person(dst, 0.45);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, src, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            // Money home goes to someone the sender knows (see gifts below).
            let r = if w.maybe(w.b.ordinary.gift_to_acquaintance) {
                w.new_individual(dst)
            } else {
                w.individual_in(dst)
            };
            let base = w.rng.log_uniform(100.0, 500.0);
            let days = if w.rng.chance(0.6) {
                let dom = w.rng.int(1, 28) as u32;
                w.monthly_days(dom, 2)
            } else {
                w.periodic_days(14, 2, 0)
            };
            let channel = w.rng.weighted_pick(&[
                (Channel::Remittance, 70.0),
                (Channel::Wallet, 20.0),
                (Channel::Bank, 10.0),
            ]);
            for day in days {
                let secs = w.day_secs(8, 21);
                let ts = w.at(day, secs, offset);
                let usd = base * w.rng.uniform(0.85, 1.15);
                let cents = w.local_cents(s, usd, true);
                let msg = w.maybe_text(
                    0.4,
                    &["family support", "for mom", "household", "school fees", ""],
                );
                let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        2 => {
            let country = w.country(geo::WESTERN_COUNTRIES);
            let p = w.western_person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let dst = w.country(geo::FACILITATOR_COUNTRIES);
            pub(super) const GIFT_CHANNELS: ChannelMix = &[
                (Channel::Remittance, 50.0),
                (Channel::Wallet, 40.0),
                (Channel::Bank, 10.0),
            ];
            // A gift goes to someone the giver knows, through the channel it
            // uses; the calibrated world draws a stranger from the country's
            // pool and a channel per payment.
            let acquaintance = w.maybe(w.b.ordinary.gift_to_acquaintance);
            let r = if acquaintance {
                w.new_individual(dst)
            } else {
                w.individual_in(dst)
            };
            let own_channel = acquaintance.then(|| w.rng.weighted_pick(GIFT_CHANNELS));
            let (lo, hi) = w.b.ordinary.gift_usd;
            for _ in 0..w.rng.int(1, w.b.ordinary.gifts_max) {
                let day = w.random_day();
                let secs = w.any_secs();
                let ts = w.at(day, secs, offset);
                let usd = w.rng.log_uniform(lo, hi);
                let round = w.rng.chance(0.6);
                let cents = w.local_cents(s, usd, round);
                let channel = match own_channel {
                    Some(c) => c,
                    None => w.rng.weighted_pick(GIFT_CHANNELS),
                };
                let msg = w.maybe_text(0.5, GIFT_MSGS);
                let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        3 => {
            // Tourists pay in the destination's local time, which may be night at home.
            let country = w.country(geo::WESTERN_COUNTRIES);
            let p = w.western_person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let dst = cc(w
                .rng
                .weighted_pick(&[("PH", 50.0), ("TH", 35.0), ("CO", 15.0)]));
            let dst_offset = COUNTRIES[dst as usize].offsets[0].0;
            let trip = w.random_day();
            let len = w.rng.int(3, 14);
            for _ in 0..w.rng.int(1, 6) {
                let day = trip + w.rng.int(0, len);
                let secs = w.day_secs(9, 24);
                let ts = w.at(day, secs, dst_offset);
                let usd = w.rng.lognormal(40.0, 0.8).clamp(5.0, 600.0);
                let round = w.rng.chance(0.3);
                let cents = w.local_cents(s, usd, round);
                let r = w.merchant_in(dst);
                let channel = w.rng.weighted_pick(&[
                    (Channel::Card, 80.0),
                    (Channel::Wallet, 10.0),
                    (Channel::Cash, 10.0),
                ]);
                w.pay(ts, s, r, cents, channel, Msg::Empty, None);
            }
        }
        _ => {
            let country = w.country(geo::ORDINARY_COUNTRIES);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let shop = cc(w.rng.pick_copy(&["US", "SG", "HK", "JP", "GB", "DE"]));
            for _ in 0..w.rng.int(1, 5) {
                let day = w.random_day();
                let secs = w.any_secs();
                let ts = w.at(day, secs, offset);
                let usd = w.rng.log_uniform(10.0, 200.0);
                let cents = w.local_cents(s, usd, false);
                let r = w.merchant_in(shop);
                let text = format!("order {}", w.rng.int(100_000, 999_999));
                let msg = if w.rng.chance(0.3) {
                    Msg::Owned(w.own(text))
                } else {
                    Msg::Empty
                };
                w.pay(ts, s, r, cents, Channel::Card, msg, None);
            }
        }
    }
}
