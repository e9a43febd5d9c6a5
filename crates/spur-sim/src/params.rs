//! The behavioural parameters of every population, and the ranges `--vary` draws
//! them from.
//!
//! [`Behaviour::default`] is the simulator's calibrated world (the figures in
//! `docs/simulator.md`; the same bytes as before these parameters existed).
//! [`Behaviour::varied`] draws every parameter from a range the domain brief
//! (`osec-typologies.md` in the shared docs) allows, the seed deciding, so that a
//! detector is measured on a family of worlds and not tuned to one. **The ranges live
//! in [`Behaviour::varied`] only**; each line names what in the brief bounds it.
//! "Inference" marks a range the brief does not give a figure for: it is then as wide
//! as the brief's wording allows ("some", "often", "typically").

use crate::rng::Rng;
use crate::sim::SenderMix;
use serde::Serialize;

/// A range `[lo, hi]` of a real parameter.
pub type Span = (f64, f64);

/// Customers of live-streamed abuse.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OffenderParams {
    /// Weights of light / medium / heavy buyers.
    pub classes: [f64; 3],
    /// Weights of 1, 2, 3, 4 payments for a light buyer.
    pub light_counts: [f64; 4],
    /// Payments per 90 days of a medium buyer (log-uniform).
    pub medium_payments: Span,
    /// Payments per week of a heavy buyer.
    pub heavy_per_week: Span,
    /// Share of light buyers paying two facilitators.
    pub light_two_facilitators: f64,
    /// Facilitator persons a heavy buyer pays.
    pub heavy_persons: (i64, i64),
    /// Median USD per payment of light / medium / heavy buyers.
    pub median_usd: [f64; 3],
    /// Spread of a buyer's median around its class's (log-normal sigma).
    pub median_sigma: f64,
    /// Spread of a payment around the buyer's median (log-normal sigma).
    pub amount_sigma: f64,
    /// Largest amount escalation over the window (fraction).
    pub escalation_max: f64,
    /// Share of buyers who mostly pay at night, and their night share.
    pub night_prone: f64,
    pub night_share: Span,
    /// Night share of the other buyers.
    pub day_night_share: Span,
    /// Share of a buyer's payments that are round amounts.
    pub round_share: Span,
    /// Share of buyers who split shows, and how often they do.
    pub splitters: f64,
    pub split_share: f64,
    /// Share of buyers who never write cover words, and the others' frequency.
    pub silent: f64,
    pub cover_share: Span,
    /// Share of cover messages that are the facilitator's social handle.
    pub handle_share: f64,
    /// Channel switchers among light / medium / heavy buyers.
    pub switchers: [f64; 3],
    /// Share of buyers with a Filipino name.
    pub filipino_name: f64,
    /// Share of receipts whose cash-out is known, and the median delay in minutes.
    pub cashout_known: f64,
    pub cashout_median_min: f64,
}

/// Facilitator persons, their rings and alias accounts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FacilitatorParams {
    /// Customers per facilitator person.
    pub customers_per_person: f64,
    /// Weights of rings of 1, 2, 3, 4 persons.
    pub ring_sizes: [f64; 4],
    /// Share of rings run by one family (shared surname).
    pub family_run: f64,
    /// Weights of 1, 2, 3, 4 alias accounts per person.
    pub aliases: [f64; 4],
    /// Weights of an alias showing the person's phone, another phone, none.
    pub alias_phone: [f64; 3],
    /// Pareto shape of ring popularity (smaller: a few rings draw most customers).
    pub ring_pareto: f64,
    /// Share of persons who also get family money from a relative abroad.
    pub with_family: f64,
}

/// Overseas Filipino workers and diaspora, and (when varied) families in other corridors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyParams {
    /// Weights of monthly / weekly / bi-weekly senders.
    pub cadence: [f64; 3],
    pub monthly_usd: Span,
    pub weekly_usd: Span,
    pub biweekly_usd: Span,
    /// Days either side of the payday.
    pub payday_jitter: i64,
    /// Share paying exactly the same amount, and the others' spread (±).
    pub exact: f64,
    pub spread: f64,
    /// Night-shift workers (half their payments at night).
    pub night_shift: f64,
    /// Share of payments with a message.
    pub message_share: Span,
    /// Share of new senders joining an existing household.
    pub join_household: f64,
    /// Weights of a relative's surname: the sender's, the mother's, another (in-laws).
    pub relative_surname: [f64; 3],
    /// Women married abroad carrying a foreign surname.
    pub married_abroad: f64,
    /// Share adding one-off payments, and at most how many.
    pub extras: f64,
    pub extras_max: i64,
    /// Share with an emergency: several payments within days ("for the hospital").
    pub emergency: f64,
    /// Share of family senders in other corridors (US→MX, GB→NG, JP→VN, ...).
    pub other_corridors: f64,
    /// Share paying on no fixed day (a few times a month at random).
    pub irregular: f64,
}

/// Partners abroad.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartnerParams {
    /// Weights of weekly / bi-weekly / monthly partners.
    pub cadence: [f64; 3],
    pub weekly_usd: Span,
    pub biweekly_usd: Span,
    pub monthly_usd: Span,
    /// Share paying from the window's start (the others start later).
    pub from_start: f64,
    /// Share paying a fixed amount, and the others' spread (±).
    pub fixed: f64,
    pub spread: f64,
    /// Share of round amounts.
    pub round: f64,
    /// Channel switchers.
    pub switchers: f64,
    /// Share of payments with a message.
    pub message_share: Span,
    /// Share also paying her relative.
    pub kin: f64,
    /// Share paying a few times a month on no fixed day.
    pub irregular: f64,
    /// Their payments per month, level in USD and spread (log-normal sigma).
    pub irregular_per_month: Span,
    pub irregular_usd: Span,
    pub irregular_sigma: Span,
    /// Share of payments sent late in the evening (21:00-23:59).
    pub late_evening: f64,
    /// Share of messages that are cover-like words ("gift", "for school").
    pub cover_words: f64,
}

/// Business clients of freelancers and virtual assistants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientParams {
    /// Clients per freelancer, and the Pareto shape of freelancer popularity.
    pub per_freelancer: f64,
    pub popularity_pareto: f64,
    /// Share of clients paying one freelancer (the others: two).
    pub one_freelancer: f64,
    /// Share of clients that are companies.
    pub companies: f64,
    /// Weights of invoice numbers / "<month> retainer" / service words / no message.
    pub styles: [f64; 4],
    /// Weights of monthly / bi-weekly / weekly.
    pub cadence: [f64; 3],
    pub monthly_usd: Span,
    pub biweekly_usd: Span,
    pub weekly_usd: Span,
    /// Share paying fixed amounts, the others' spread (±).
    pub fixed: f64,
    pub spread: f64,
}

/// Donors and child sponsors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DonorParams {
    pub per_charity: f64,
    pub popularity_pareto: f64,
    /// Share of recurring donors (the rest give one-off gifts).
    pub recurring: f64,
    /// Share of recurring donors auto-debited at night.
    pub auto_debit: f64,
    /// Weights of a donation word / "sponsor child #N" / no message.
    pub messages: [f64; 3],
    /// Share giving from the window's start (the others start later).
    pub from_start: f64,
    pub oneoff_usd: Span,
}

/// Romance-scam victims.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RomanceParams {
    pub per_scammer: f64,
    pub payments: (i64, i64),
    pub first_usd: Span,
    pub growth: Span,
    pub second_receiver: f64,
}

/// Everyone else.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrdinaryParams {
    /// Weights of domestic / other corridors / gifts abroad / tourists / e-commerce.
    pub kinds: [f64; 5],
    pub gift_usd: Span,
    pub gifts_max: i64,
    /// Share of gifts and remittances abroad that go to an acquaintance (gifts
    /// through one channel); the rest go to a stranger from the country's pool
    /// (gifts through a channel per payment).
    pub gift_to_acquaintance: f64,
}

/// How names are written on ordinary accounts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NameParams {
    /// Share of accounts written in the canonical form (the rest: variants).
    pub canonical: f64,
    /// Share of Hispanic names among US senders.
    pub us_hispanic: f64,
}

/// Every behavioural parameter of every population.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Behaviour {
    pub offender: OffenderParams,
    pub facilitator: FacilitatorParams,
    pub family: FamilyParams,
    pub partner: PartnerParams,
    pub client: ClientParams,
    pub donor: DonorParams,
    pub romance: RomanceParams,
    pub ordinary: OrdinaryParams,
    pub names: NameParams,
}

impl Default for Behaviour {
    /// The calibrated world of `docs/simulator.md`.
    fn default() -> Self {
        Behaviour {
            offender: OffenderParams {
                classes: [65.0, 29.0, 6.0],
                light_counts: [40.0, 27.0, 19.0, 14.0],
                medium_payments: (5.0, 15.0),
                heavy_per_week: (2.5, 7.0),
                light_two_facilitators: 0.1,
                heavy_persons: (2, 6),
                median_usd: [26.0, 29.0, 33.0],
                median_sigma: 0.2,
                amount_sigma: 0.3,
                escalation_max: 0.6,
                night_prone: 0.8,
                night_share: (0.6, 0.95),
                day_night_share: (0.1, 0.5),
                round_share: (0.3, 0.9),
                splitters: 0.25,
                split_share: 0.15,
                silent: 0.4,
                cover_share: (0.3, 0.9),
                handle_share: 0.12,
                switchers: [0.05, 0.3, 0.5],
                filipino_name: 0.03,
                cashout_known: 0.65,
                cashout_median_min: 45.0,
            },
            facilitator: FacilitatorParams {
                customers_per_person: 2.5,
                ring_sizes: [30.0, 30.0, 25.0, 15.0],
                family_run: 0.7,
                aliases: [35.0, 35.0, 20.0, 10.0],
                alias_phone: [50.0, 15.0, 35.0],
                ring_pareto: 1.3,
                with_family: 0.3,
            },
            family: FamilyParams {
                cadence: [60.0, 20.0, 20.0],
                monthly_usd: (100.0, 600.0),
                weekly_usd: (20.0, 60.0),
                biweekly_usd: (60.0, 300.0),
                payday_jitter: 2,
                exact: 0.5,
                spread: 0.15,
                night_shift: 0.15,
                message_share: (0.2, 0.8),
                join_household: 0.22,
                relative_surname: [70.0, 20.0, 10.0],
                married_abroad: 0.08,
                extras: 0.3,
                extras_max: 2,
                emergency: 0.0,
                other_corridors: 0.0,
                irregular: 0.0,
            },
            partner: PartnerParams {
                cadence: [30.0, 30.0, 40.0],
                weekly_usd: (40.0, 150.0),
                biweekly_usd: (80.0, 300.0),
                monthly_usd: (150.0, 700.0),
                from_start: 0.85,
                fixed: 0.6,
                spread: 0.1,
                round: 0.6,
                switchers: 0.15,
                message_share: (0.2, 0.8),
                kin: 0.12,
                irregular: 0.0,
                irregular_per_month: (1.5, 5.0),
                irregular_usd: (60.0, 250.0),
                irregular_sigma: (0.1, 0.35),
                late_evening: 0.0,
                cover_words: 0.0,
            },
            client: ClientParams {
                per_freelancer: 2.2,
                popularity_pareto: 1.5,
                one_freelancer: 0.85,
                companies: 0.65,
                styles: [35.0, 20.0, 30.0, 15.0],
                cadence: [50.0, 30.0, 20.0],
                monthly_usd: (300.0, 2000.0),
                biweekly_usd: (200.0, 1000.0),
                weekly_usd: (100.0, 450.0),
                fixed: 0.6,
                spread: 0.25,
            },
            donor: DonorParams {
                per_charity: 150.0,
                popularity_pareto: 1.2,
                recurring: 0.75,
                auto_debit: 0.6,
                messages: [50.0, 15.0, 35.0],
                from_start: 0.8,
                oneoff_usd: (50.0, 250.0),
            },
            romance: RomanceParams {
                per_scammer: 3.5,
                payments: (3, 12),
                first_usd: (80.0, 300.0),
                growth: (1.15, 1.5),
                second_receiver: 0.25,
            },
            ordinary: OrdinaryParams {
                kinds: [60.0, 15.0, 8.0, 10.0, 7.0],
                gift_usd: (20.0, 200.0),
                gifts_max: 2,
                gift_to_acquaintance: 0.0,
            },
            names: NameParams {
                canonical: 0.75,
                us_hispanic: 0.10,
            },
        }
    }
}

/// Draws from the ranges: small helpers so that each range reads as one line.
struct Draw(Rng);

impl Draw {
    fn u(&mut self, lo: f64, hi: f64) -> f64 {
        self.0.uniform(lo, hi)
    }
    fn i(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.int(lo, hi)
    }
    /// Weights each scaled by a factor in [1/k, k] around `base`.
    fn around<const N: usize>(&mut self, base: [f64; N], k: f64) -> [f64; N] {
        base.map(|w| w * self.u(1.0 / k, k))
    }
}

impl Behaviour {
    /// Every parameter drawn from the range the brief allows; `seed` decides.
    ///
    /// Whatever the draw, an offender's payment stays within the brief's USD 20-150
    /// show price (IJM 2019; the simulator clamps to it), a facilitator stays in the
    /// brief's facilitator countries, and every look-alike keeps what the brief says
    /// defines it (a partner pays one beneficiary, a client pays invoices in business
    /// hours, a donor pays an organisation): only *how* they do it moves.
    pub fn varied(seed: u64) -> Behaviour {
        // Its own stream: the world's stream is the simulation's.
        let mut d = Draw(Rng::new(seed ^ 0x5EED_0F7A_21ED));
        let offender = OffenderParams {
            // AIC 589: heavily skewed, "25% made 3%" — most buyers are light.
            classes: [d.u(50.0, 80.0), d.u(15.0, 35.0), d.u(3.0, 10.0)],
            // Light = at most 4 payments (the brief's "handful"); the split moves.
            light_counts: d.around([40.0, 27.0, 19.0, 14.0], 1.8),
            // AIC 589 heavy tail; "a few heavy buyers paying several times a week".
            medium_payments: (d.u(4.0, 6.0), d.u(10.0, 20.0)),
            heavy_per_week: (d.u(1.5, 3.0), d.u(4.0, 8.0)),
            // Inference: light buyers mostly pay one facilitator.
            light_two_facilitators: d.u(0.03, 0.25),
            // Westpac typology: several beneficiaries for heavy buyers.
            heavy_persons: (d.i(1, 2), d.i(3, 7)),
            // AIC 639: median AUD 51 (about USD 34); IJM USD 20-150; NCA GBP 10-20 at
            // the low end, a French case EUR 50-100 at the high end. AIC 589: heavier
            // buyers pay higher medians.
            median_usd: {
                let m = d.u(22.0, 45.0);
                [m * d.u(0.8, 0.95), m, m * d.u(1.05, 1.3)]
            },
            median_sigma: d.u(0.1, 0.35),
            amount_sigma: d.u(0.15, 0.5),
            // AIC 589: amounts rise with buying.
            escalation_max: d.u(0.2, 0.9),
            // FATF 2025 "late at night or early morning"; not every buyer.
            night_prone: d.u(0.5, 0.9),
            night_share: (d.u(0.45, 0.7), d.u(0.8, 0.98)),
            day_night_share: (d.u(0.0, 0.15), d.u(0.3, 0.55)),
            // FATF 2025: even round amounts in the sender's currency.
            round_share: (d.u(0.1, 0.4), d.u(0.6, 0.95)),
            // FATF 2025: one show split into two payments minutes apart (some buyers).
            splitters: d.u(0.05, 0.4),
            split_share: d.u(0.05, 0.3),
            // AUSTRAC, FATF, ACAMS: cover words "weak on its own"; many write none.
            silent: d.u(0.2, 0.7),
            cover_share: (d.u(0.15, 0.4), d.u(0.6, 0.95)),
            handle_share: d.u(0.0, 0.25),
            // AUSTRAC channel switching, more with volume.
            switchers: [d.u(0.0, 0.1), d.u(0.1, 0.4), d.u(0.3, 0.7)],
            // AMLC: customers abroad; the brief's diaspora contrast. Inference: few.
            filipino_name: d.u(0.0, 0.08),
            // R-CASHOUT: inference, no source gives a threshold.
            cashout_known: d.u(0.3, 0.8),
            cashout_median_min: d.u(15.0, 180.0),
        };
        let facilitator = FacilitatorParams {
            // Operation Endeavour: 11 facilitators, customers in 12 countries.
            customers_per_person: d.u(1.5, 4.0),
            // AMLC family-run and syndicate patterns; IJM 2020: 8 in 10 related.
            ring_sizes: d.around([30.0, 30.0, 25.0, 15.0], 2.0),
            family_run: d.u(0.5, 0.9),
            // AMLC syndicate pattern: several accounts per person.
            aliases: d.around([35.0, 35.0, 20.0, 10.0], 2.0),
            alias_phone: d.around([50.0, 15.0, 35.0], 2.0),
            ring_pareto: d.u(1.1, 2.0),
            // IJM 2020: facilitators are parents or relatives — families like others.
            with_family: d.u(0.1, 0.5),
        };
        let family = FamilyParams {
            // Brief: "regular (monthly, around paydays) ... some send small weekly".
            cadence: [d.u(40.0, 75.0), d.u(10.0, 35.0), d.u(10.0, 30.0)],
            // Brief: "typically larger amounts"; weekly small ones inside the band.
            monthly_usd: (d.u(70.0, 150.0), d.u(400.0, 900.0)),
            weekly_usd: (d.u(15.0, 30.0), d.u(45.0, 90.0)),
            biweekly_usd: (d.u(40.0, 80.0), d.u(200.0, 400.0)),
            // "around paydays": a few days either side.
            payday_jitter: d.i(0, 5),
            exact: d.u(0.2, 0.7),
            spread: d.u(0.05, 0.3),
            // Brief: "sent in daytime" — night-shift workers are the exception.
            night_shift: d.u(0.05, 0.3),
            // Brief (P-REMARK): families write the same words.
            message_share: (d.u(0.05, 0.4), d.u(0.5, 0.95)),
            join_household: d.u(0.1, 0.35),
            // Brief: "often the same surname" — often, not always (in-laws).
            relative_surname: [d.u(55.0, 80.0), d.u(10.0, 25.0), d.u(5.0, 25.0)],
            married_abroad: d.u(0.03, 0.15),
            extras: d.u(0.2, 0.5),
            extras_max: d.i(1, 4),
            // Issue 11: families with emergencies (medical bills in P-REMARK's list).
            emergency: d.u(0.03, 0.15),
            // FINTRAC's receiving countries beyond PH (CO, GH, VN, ...): diaspora
            // money flows in every corridor.
            other_corridors: d.u(0.1, 0.35),
            // Inference from "regular": most are; some pay when they can.
            irregular: d.u(0.0, 0.25),
        };
        let partner = PartnerParams {
            // Brief: "one recurring beneficiary, steady amounts".
            cadence: d.around([30.0, 30.0, 40.0], 2.0),
            weekly_usd: (d.u(30.0, 60.0), d.u(100.0, 200.0)),
            biweekly_usd: (d.u(60.0, 100.0), d.u(200.0, 400.0)),
            monthly_usd: (d.u(100.0, 200.0), d.u(400.0, 900.0)),
            from_start: d.u(0.7, 0.95),
            fixed: d.u(0.2, 0.8),
            spread: d.u(0.05, 0.25),
            round: d.u(0.3, 0.9),
            switchers: d.u(0.0, 0.3),
            message_share: (d.u(0.1, 0.4), d.u(0.5, 0.95)),
            // Brief: "sometimes her family".
            kin: d.u(0.05, 0.35),
            // Issue 11's independent traffic: a few payments a month on no fixed day,
            // amounts spread around USD 140 — "recurring" need not mean periodic.
            irregular: d.u(0.2, 0.8),
            irregular_per_month: (d.u(1.0, 2.0), d.u(3.0, 6.0)),
            irregular_usd: (d.u(50.0, 100.0), d.u(150.0, 300.0)),
            irregular_sigma: (d.u(0.05, 0.15), d.u(0.2, 0.4)),
            // Brief: partners' hours are not a tell; the customers' night is FATF's.
            late_evening: d.u(0.0, 0.3),
            // Brief: "sometimes 'for the baby' or 'for school'"; "gift" is P-REMARK's.
            cover_words: d.u(0.0, 0.5),
        };
        let client = ClientParams {
            // Brief: "paid by several foreign clients" — a fan-in.
            per_freelancer: d.u(1.5, 5.0),
            popularity_pareto: d.u(1.1, 2.5),
            one_freelancer: d.u(0.5, 0.95),
            companies: d.u(0.3, 0.8),
            // Brief: "invoice-like remarks" — some clients write none.
            styles: [
                d.u(20.0, 45.0),
                d.u(10.0, 30.0),
                d.u(15.0, 40.0),
                d.u(5.0, 35.0),
            ],
            // Brief: "regular, larger".
            cadence: d.around([50.0, 30.0, 20.0], 2.0),
            monthly_usd: (d.u(200.0, 400.0), d.u(1000.0, 3000.0)),
            biweekly_usd: (d.u(120.0, 250.0), d.u(600.0, 1500.0)),
            weekly_usd: (d.u(60.0, 120.0), d.u(300.0, 600.0)),
            fixed: d.u(0.3, 0.8),
            spread: d.u(0.1, 0.35),
        };
        let donor = DonorParams {
            // Brief: "many donors to one organisation".
            per_charity: d.u(40.0, 300.0),
            popularity_pareto: d.u(1.0, 2.0),
            // Brief: "fixed monthly amounts".
            recurring: d.u(0.6, 0.9),
            auto_debit: d.u(0.3, 0.8),
            // Brief: remarks like "donation" or "sponsor a child" — not always.
            messages: [d.u(30.0, 60.0), d.u(5.0, 25.0), d.u(20.0, 55.0)],
            from_start: d.u(0.65, 0.9),
            oneoff_usd: (d.u(20.0, 60.0), d.u(150.0, 400.0)),
        };
        let romance = RomanceParams {
            per_scammer: d.u(2.0, 6.0),
            // Brief: "escalating larger amounts".
            payments: (d.i(2, 4), d.i(8, 16)),
            first_usd: (d.u(50.0, 120.0), d.u(200.0, 400.0)),
            growth: (d.u(1.05, 1.2), d.u(1.3, 1.7)),
            // Brief: "to one or a few receivers".
            second_receiver: d.u(0.1, 0.4),
        };
        let ordinary = OrdinaryParams {
            kinds: d.around([60.0, 15.0, 8.0, 10.0, 7.0], 1.6),
            // Inference: small gifts abroad exist at every price.
            gift_usd: (d.u(15.0, 30.0), d.u(150.0, 300.0)),
            gifts_max: d.i(1, 3),
            // Inference: a gift goes to someone the giver knows, mostly through
            // the one provider it uses; strangers paid by many givers abroad
            // are the facilitator pattern itself (AMLC red flag), not gifts.
            gift_to_acquaintance: d.u(0.7, 1.0),
        };
        let names = NameParams {
            canonical: d.u(0.55, 0.9),
            us_hispanic: d.u(0.05, 0.2),
        };
        Behaviour {
            offender,
            facilitator,
            family,
            partner,
            client,
            donor,
            romance,
            ordinary,
            names,
        }
    }
}

/// The sender mix of a varied world, from the same seed as its behaviour.
pub(crate) fn varied_mix(seed: u64) -> SenderMix {
    let mut d = Draw(Rng::new(seed ^ 0x3111_C0DE));
    SenderMix {
        // The brief gives no population share for offenders: rare, 1-5%.
        osec_offender: d.u(0.01, 0.05),
        // AMLC: remittances dominate; family money is the bulk of the corridor.
        family: d.u(0.3, 0.5),
        // Issue 11's independent world: about 2,500 partners — a large look-alike.
        partner: d.u(0.04, 0.14),
        client: d.u(0.03, 0.08),
        donor: d.u(0.04, 0.1),
        romance_victim: d.u(0.005, 0.025),
    }
}
