//! Synthetic names: embedded lists of common given names and surnames per naming
//! style, Filipino naming conventions, spelling variants and organisation names.
//!
//! Filipino convention: given name(s), middle name = mother's maiden surname, surname
//! ("Maria Lourdes Reyes Santos"); "Ma." abbreviates Maria; compound surnames like
//! "Dela Cruz" are common. Hispanic names carry two surnames (father's, mother's).

use crate::rng::Rng;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    English,
    Hispanic,
    German,
    Dutch,
    French,
    Italian,
    Spanish,
    Nordic,
    Japanese,
    Chinese,
    Arabic,
    Filipino,
    Thai,
    Indian,
    WestAfrican,
    Vietnamese,
    Malay,
}

pub(crate) static PH_FEMALE: &[&str] = &[
    "Maria Lourdes",
    "Maria Cristina",
    "Maria Theresa",
    "Maria Fe",
    "Maria",
    "Ana Marie",
    "Kristine",
    "Jocelyn",
    "Marites",
    "Rowena",
    "Analyn",
    "Jennifer",
    "Mary Grace",
    "Lovely",
    "Princess",
    "Angelica",
    "Rhea",
    "Mylene",
    "Gemma",
    "Luzviminda",
    "Divina",
    "Cherry",
    "Josephine",
    "Rosalie",
    "Evangeline",
    "Maricel",
    "Aileen",
    "Jessa",
    "Lea",
    "Rosario",
    "Girlie",
    "Joy",
    "Charmaine",
    "Shiela",
    "Marilou",
    "Erlinda",
];
pub(crate) static PH_MALE: &[&str] = &[
    "Juan",
    "Jose",
    "Mark Anthony",
    "John Paul",
    "Jericho",
    "Reynaldo",
    "Rodel",
    "Ramil",
    "Arnel",
    "Jomar",
    "Romeo",
    "Eduardo",
    "Ricardo",
    "Danilo",
    "Rolando",
    "Christian",
    "Jayson",
    "Rommel",
    "Noel",
    "Efren",
    "Ernesto",
    "Jun",
    "Alvin",
    "Ronaldo",
    "Edwin",
    "Bienvenido",
];
pub(crate) static PH_SURNAMES: &[&str] = &[
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Ocampo",
    "Garcia",
    "Mendoza",
    "Torres",
    "Tomas",
    "Andrada",
    "Castillo",
    "Flores",
    "Villanueva",
    "Ramos",
    "Castro",
    "Rivera",
    "Aquino",
    "Navarro",
    "Salazar",
    "Mercado",
    "Dela Cruz",
    "De Leon",
    "Delos Santos",
    "De Guzman",
    "Delos Reyes",
    "Dela Peña",
    "Peña",
    "Muñoz",
    "Gonzales",
    "Lopez",
    "Manalo",
    "Pascual",
    "Soriano",
    "Valdez",
    "Aguilar",
    "Dizon",
    "Lim",
    "Tan",
    "Macaraeg",
    "Magbanua",
    "Dimaculangan",
    "Panganiban",
    "Sison",
    "Lacson",
    "Bernardo",
    "Domingo",
    "Fernandez",
    "Francisco",
    "Gutierrez",
    "Hernandez",
    "Ignacio",
    "Javier",
    "Lagman",
    "Marquez",
    "Morales",
    "Natividad",
    "Padilla",
    "Quiambao",
    "Rosales",
    "Samonte",
    "Tolentino",
    "Umali",
    "Vergara",
    "Yap",
    "Zamora",
    "Cabrera",
    "Santiago",
    "Dela Rosa",
    "Abad",
    "Buenaventura",
    "Catapang",
    "Espiritu",
    "Galang",
    "Ilagan",
    "Lumbao",
    "Mangubat",
];

static EN_MALE: &[&str] = &[
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Mark",
    "Steven",
    "Paul",
    "Andrew",
    "Kevin",
    "Brian",
    "Gary",
    "Peter",
    "Scott",
    "Craig",
    "Gregory",
    "Wayne",
    "Dennis",
    "Keith",
    "Neil",
    "Trevor",
    "Graham",
    "Stephen",
    "Ronald",
];
static EN_FEMALE: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Nancy",
    "Emma",
    "Olivia",
    "Sophie",
    "Rachel",
    "Laura",
    "Helen",
    "Margaret",
    "Donna",
    "Michelle",
    "Deborah",
];
static EN_SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Murphy",
    "Cook",
    "Bell",
    "O'Brien",
    "MacDonald",
    "Kelly",
    "Walsh",
    "Hughes",
    "Fraser",
    "Ward",
];
static DE_MALE: &[&str] = &[
    "Thomas", "Michael", "Andreas", "Stefan", "Klaus", "Jürgen", "Wolfgang", "Peter", "Uwe",
    "Frank", "Markus", "Dieter", "Matthias", "Günter",
];
static DE_FEMALE: &[&str] = &[
    "Sabine", "Petra", "Monika", "Anja", "Katrin", "Ursula", "Claudia", "Birgit",
];
static DE_SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
];
static NL_MALE: &[&str] = &[
    "Jan", "Pieter", "Dirk", "Bram", "Sander", "Joost", "Henk", "Maarten", "Willem", "Kees",
];
static NL_FEMALE: &[&str] = &["Anouk", "Sanne", "Lotte", "Femke", "Ingrid", "Marieke"];
static NL_SURNAMES: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peeters",
    "Hendriks",
];
static FR_MALE: &[&str] = &[
    "Jean",
    "Pierre",
    "Philippe",
    "Alain",
    "Nicolas",
    "Laurent",
    "Stéphane",
    "Christophe",
    "Michel",
    "Patrick",
];
static FR_FEMALE: &[&str] = &[
    "Marie", "Nathalie", "Isabelle", "Sophie", "Céline", "Sandrine",
];
static FR_SURNAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Fontaine",
];
static IT_MALE: &[&str] = &[
    "Marco",
    "Giuseppe",
    "Luca",
    "Giovanni",
    "Antonio",
    "Francesco",
    "Alessandro",
    "Roberto",
];
static IT_FEMALE: &[&str] = &["Giulia", "Francesca", "Chiara", "Sara", "Elena", "Paola"];
static IT_SURNAMES: &[&str] = &[
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti",
];
static ES_MALE: &[&str] = &[
    "Juan Carlos",
    "Luis",
    "Carlos",
    "Andrés",
    "Jorge",
    "Diego",
    "Alejandro",
    "Miguel Ángel",
    "José Luis",
    "Javier",
    "Fernando",
    "Julián",
];
static ES_FEMALE: &[&str] = &[
    "Camila",
    "Valentina",
    "María José",
    "Daniela",
    "Luisa Fernanda",
    "Natalia",
    "Paola",
    "Sofía",
    "Yuliana",
    "Leidy",
    "Carolina",
    "Ana María",
];
static ES_SURNAMES: &[&str] = &[
    "García",
    "Rodríguez",
    "Martínez",
    "López",
    "González",
    "Hernández",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Gómez",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Rojas",
    "Vargas",
    "Castro",
    "Ortiz",
    "Jiménez",
    "Restrepo",
    "Ospina",
    "Cárdenas",
    "Gutiérrez",
    "Peña",
];
static NORDIC_MALE: &[&str] = &[
    "Lars", "Anders", "Erik", "Johan", "Magnus", "Per", "Nils", "Ole", "Mikkel", "Henrik", "Jukka",
    "Mikko", "Bjørn",
];
static NORDIC_FEMALE: &[&str] = &[
    "Karin", "Ingrid", "Anna", "Sofie", "Maja", "Liisa", "Astrid",
];
static NORDIC_SURNAMES: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Hansen",
    "Johansen",
    "Olsen",
    "Nielsen",
    "Jensen",
    "Pedersen",
    "Berg",
    "Lund",
    "Haugen",
    "Dahl",
    "Lindqvist",
    "Virtanen",
    "Korhonen",
    "Sørensen",
];
static JP_MALE: &[&str] = &[
    "Hiroshi", "Takashi", "Kenji", "Satoshi", "Haruto", "Daisuke", "Kazuo",
];
static JP_FEMALE: &[&str] = &["Yuki", "Naoko", "Akiko", "Yumi", "Sakura", "Keiko"];
static JP_SURNAMES: &[&str] = &[
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
];
static CN_MALE: &[&str] = &[
    "Wei Ming",
    "Kok Leong",
    "Chee Keong",
    "Kah Wai",
    "Jun Jie",
    "Ka Ho",
];
static CN_FEMALE: &[&str] = &[
    "Jia Hui", "Mei Ling", "Siew Lan", "Hui Min", "Wing Yan", "Li Na",
];
static CN_SURNAMES: &[&str] = &[
    "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Leung", "Cheung", "Lau",
];
static AR_MALE: &[&str] = &[
    "Mohammed", "Abdullah", "Ahmed", "Khalid", "Faisal", "Omar", "Saad", "Yousef",
];
static AR_FEMALE: &[&str] = &["Fatimah", "Noura", "Aisha", "Maryam", "Huda"];
static AR_SURNAMES: &[&str] = &[
    "Al-Qahtani",
    "Al-Ghamdi",
    "Al-Harbi",
    "Al-Otaibi",
    "Al-Zahrani",
    "Al-Shehri",
    "Al-Dosari",
    "Al-Mutairi",
    "Al-Mansoori",
    "Al-Hashimi",
];
static TH_MALE: &[&str] = &[
    "Somchai", "Somsak", "Anan", "Prasert", "Wichai", "Niran", "Chaiwat", "Surachai",
];
static TH_FEMALE: &[&str] = &[
    "Malee", "Siriporn", "Nattaya", "Pornthip", "Kanya", "Lamai", "Ratana", "Suda", "Apinya",
    "Wanida",
];
static TH_SURNAMES: &[&str] = &[
    "Saetang",
    "Srisuk",
    "Chaiyaporn",
    "Wongsawat",
    "Rattanakorn",
    "Phromma",
    "Kaewkla",
    "Boonmee",
    "Sukprasert",
    "Thongchai",
    "Chanthawong",
    "Inthasorn",
];
static IN_MALE: &[&str] = &[
    "Rahul", "Amit", "Suresh", "Rajesh", "Vikram", "Arjun", "Sanjay", "Manoj",
];
static IN_FEMALE: &[&str] = &["Priya", "Anjali", "Sunita", "Deepa", "Kavya", "Lakshmi"];
static IN_SURNAMES: &[&str] = &[
    "Sharma", "Patel", "Singh", "Kumar", "Reddy", "Nair", "Gupta", "Iyer", "Menon", "Das", "Rao",
    "Joshi",
];
static WA_MALE: &[&str] = &[
    "Chinedu",
    "Emeka",
    "Oluwaseun",
    "Tunde",
    "Ibrahim",
    "Kwame",
    "Kofi",
    "Yaw",
];
static WA_FEMALE: &[&str] = &["Ngozi", "Chioma", "Funmilayo", "Ama", "Abena", "Aisha"];
static WA_SURNAMES: &[&str] = &[
    "Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Mensah", "Owusu", "Boateng", "Nwosu",
    "Adebayo", "Asante", "Bello",
];
static VN_MALE: &[&str] = &["Minh", "Hung", "Tuan", "Duc", "Quang"];
static VN_FEMALE: &[&str] = &["Lan", "Huong", "Thao", "Dung", "Mai", "Linh"];
static VN_SURNAMES: &[&str] = &[
    "Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do",
];
static MY_MALE: &[&str] = &["Ahmad", "Mohd Faizal", "Hafiz", "Azlan", "Razak"];
static MY_FEMALE: &[&str] = &["Nurul", "Siti Aminah", "Farah", "Aisyah"];
static MY_SURNAMES: &[&str] = &[
    "bin Abdullah",
    "binti Ismail",
    "bin Hassan",
    "bin Omar",
    "binti Yusof",
    "bin Salleh",
];

fn lists(
    style: Style,
) -> (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
) {
    match style {
        Style::English => (EN_MALE, EN_FEMALE, EN_SURNAMES),
        Style::Hispanic | Style::Spanish => (ES_MALE, ES_FEMALE, ES_SURNAMES),
        Style::German => (DE_MALE, DE_FEMALE, DE_SURNAMES),
        Style::Dutch => (NL_MALE, NL_FEMALE, NL_SURNAMES),
        Style::French => (FR_MALE, FR_FEMALE, FR_SURNAMES),
        Style::Italian => (IT_MALE, IT_FEMALE, IT_SURNAMES),
        Style::Nordic => (NORDIC_MALE, NORDIC_FEMALE, NORDIC_SURNAMES),
        Style::Japanese => (JP_MALE, JP_FEMALE, JP_SURNAMES),
        Style::Chinese => (CN_MALE, CN_FEMALE, CN_SURNAMES),
        Style::Arabic => (AR_MALE, AR_FEMALE, AR_SURNAMES),
        Style::Filipino => (PH_MALE, PH_FEMALE, PH_SURNAMES),
        Style::Thai => (TH_MALE, TH_FEMALE, TH_SURNAMES),
        Style::Indian => (IN_MALE, IN_FEMALE, IN_SURNAMES),
        Style::WestAfrican => (WA_MALE, WA_FEMALE, WA_SURNAMES),
        Style::Vietnamese => (VN_MALE, VN_FEMALE, VN_SURNAMES),
        Style::Malay => (MY_MALE, MY_FEMALE, MY_SURNAMES),
    }
}

/// A person's name before rendering; `middle` is the Filipino mother's maiden surname or
/// the Hispanic second surname.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PersonName {
    pub given: &'static str,
    pub middle: Option<&'static str>,
    pub surname: &'static str,
    pub style: Style,
}

impl PersonName {
    /// Draws a person; `female` is the probability of a female given name.
    pub(crate) fn draw(rng: &mut Rng, style: Style, female: f64) -> Self {
        let (m, f, s) = lists(style);
        let given = if rng.chance(female) {
            *rng.pick(f)
        } else {
            *rng.pick(m)
        };
        let surname = *rng.pick(s);
        let middle = match style {
            Style::Filipino => Some(*rng.pick(s)).filter(|x| *x != surname),
            Style::Hispanic | Style::Spanish => Some(*rng.pick(s)),
            _ => None,
        };
        PersonName {
            given,
            middle,
            surname,
            style,
        }
    }

    /// A Filipino person with a given surname (a relative).
    pub(crate) fn filipino_with_surname(rng: &mut Rng, surname: &'static str, female: f64) -> Self {
        let mut p = Self::draw(rng, Style::Filipino, female);
        p.surname = surname;
        if p.middle == Some(surname) {
            p.middle = None;
        }
        p
    }

    /// The canonical written form: "Maria Lourdes Reyes Santos", "Juan Carlos Gómez Restrepo".
    pub(crate) fn full(&self) -> String {
        let mut s = String::with_capacity(32);
        s.push_str(self.given);
        if let Some(m) = self.middle {
            s.push(' ');
            s.push_str(m);
        }
        s.push(' ');
        s.push_str(self.surname);
        s
    }

    /// One of the ways the name shows up on an account. `variant` 0 is the canonical form;
    /// others drop the middle name, abbreviate "Maria" to "Ma.", use initials, change
    /// case, strip diacritics, or put the surname first.
    pub(crate) fn render(&self, variant: u32) -> String {
        let mut s = String::with_capacity(32);
        let initials = |s: &mut String, words: &str| {
            for w in words.split(' ') {
                if let Some(c) = w.chars().next() {
                    s.push(c);
                    s.push_str(". ");
                }
            }
        };
        let given_ma = |s: &mut String| match self.given.strip_prefix("Maria") {
            Some(rest) => {
                s.push_str("Ma.");
                s.push_str(rest);
            }
            None => s.push_str(self.given),
        };
        match variant % 9 {
            0 => return self.full(),
            1 => {
                s.push_str(self.given);
                s.push(' ');
                s.push_str(self.surname);
            }
            2 => {
                given_ma(&mut s);
                s.push(' ');
                s.push_str(self.surname);
            }
            3 => {
                initials(&mut s, self.given);
                if let Some(m) = self.middle {
                    initials(&mut s, m);
                }
                s.push_str(self.surname);
            }
            4 => return self.full().to_uppercase(),
            5 => {
                s.push_str(self.given);
                if let Some(m) = self.middle {
                    s.push(' ');
                    initials(&mut s, m);
                } else {
                    s.push(' ');
                }
                s.push_str(self.surname);
            }
            6 => {
                s.push_str(self.surname);
                s.push_str(", ");
                s.push_str(self.given);
            }
            7 => return strip_diacritics(&self.full()),
            _ => {
                given_ma(&mut s);
                if let Some(m) = self.middle {
                    s.push(' ');
                    s.push_str(m);
                }
                s.push(' ');
                s.push_str(self.surname);
                return s.to_lowercase();
            }
        }
        s
    }

    /// Rendering for an ordinary account: mostly canonical, sometimes a variant, so that
    /// variants and capitals are not a facilitator tell.
    /// `canonical` is the share written in full (0.75 in the calibrated world).
    pub(crate) fn render_any(&self, rng: &mut Rng, canonical: f64) -> String {
        if rng.chance(canonical) {
            if self.style == Style::Filipino && rng.chance(0.4) {
                self.render(1)
            } else {
                self.full()
            }
        } else {
            self.render(1 + rng.below(8) as u32)
        }
    }
}

pub(crate) fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ñ' => 'n',
            'Ñ' => 'N',
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' | 'ë' => 'e',
            'í' => 'i',
            'ó' | 'ö' | 'ø' => 'o',
            'ú' | 'ü' => 'u',
            'Á' => 'A',
            'É' => 'E',
            _ => c,
        })
        .collect()
}

static BIZ_A: &[&str] = &[
    "Brightpath",
    "Bluewave",
    "Northstar",
    "Summit",
    "Crescent",
    "Ironwood",
    "Silverline",
    "Keystone",
    "Harbor",
    "Redfern",
    "Clearview",
    "Oakridge",
    "Pinnacle",
    "Lumen",
    "Evergreen",
    "Atlas",
    "Copperleaf",
    "Tidewater",
];
static BIZ_B: &[&str] = &[
    "Digital",
    "Media",
    "Consulting",
    "Logistics",
    "Analytics",
    "Commerce",
    "Labs",
    "Solutions",
    "Marketing",
    "Realty",
    "Health",
    "Software",
    "Trading",
    "Studio",
];
static BIZ_FORM: &[&str] = &[
    "LLC", "Inc.", "Ltd", "Pty Ltd", "GmbH", "B.V.", "Corp.", "Co.", "AB", "ApS",
];

/// A company name such as "Brightpath Digital LLC".
pub(crate) fn business(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(32);
    let _ = write!(
        s,
        "{} {} {}",
        rng.pick(BIZ_A),
        rng.pick(BIZ_B),
        rng.pick(BIZ_FORM)
    );
    s
}

static CHARITY_CORE: &[&str] = &[
    "Hope for Children",
    "Bright Futures",
    "Little Lambs",
    "Bahay Kalinga",
    "Tahanan ng Pag-asa",
    "Kids First",
    "Child Hope Asia",
    "Seeds of Hope",
    "Open Hands",
    "Kalinga ng Bata",
    "Safe Haven",
    "Sunshine Kids",
    "Brighter Tomorrow",
    "New Horizons",
    "Gift of Education",
    "Shelter of Grace",
];
static CHARITY_FORM: &[&str] = &[
    "Foundation Inc.",
    "Foundation",
    "Child Sponsorship",
    "Mission",
    "Children's Home",
    "Learning Center Inc.",
    "Outreach",
];

/// A charity name such as "Hope for Children Foundation Inc.".
pub(crate) fn charity(rng: &mut Rng, country: &str) -> String {
    let mut s = String::with_capacity(40);
    match country {
        "CO" if rng.chance(0.6) => {
            let _ = write!(
                s,
                "Fundación {}",
                rng.pick(&[
                    "Niños de Colombia",
                    "Semillas de Esperanza",
                    "Hogar Infantil",
                    "Futuro Brillante"
                ])
            );
        }
        "TH" if rng.chance(0.5) => {
            let _ = write!(
                s,
                "{} Children's Foundation",
                rng.pick(&["Baan Dek", "Sang Sawang", "Chiang Mai", "Isan"])
            );
        }
        _ => {
            let _ = write!(s, "{} {}", rng.pick(CHARITY_CORE), rng.pick(CHARITY_FORM));
        }
    }
    s
}

static SHOP_PH: &[&str] = &[
    "Sari-Sari ni Aling Nena",
    "Jollimart Convenience",
    "Island Hopper Tours",
    "Mang Inasal Grill",
    "Puregold Express",
    "Boracay Dive Center",
    "Lucky Pawnshop",
    "Tindahan ni Rosa",
    "Cebu Pasalubong Center",
    "Palawan Adventure Tours",
];
static SHOP_TH: &[&str] = &[
    "Bangkok Street Eats Co.",
    "Siam Travel Services",
    "Phuket Island Tours",
    "Chiang Mai Guesthouse",
    "7 Star Minimart",
];
static SHOP_CO: &[&str] = &[
    "Tienda Doña Rosa",
    "Medellín Tours S.A.S.",
    "Café La Candelaria",
    "Droguería Central",
    "Hostal El Poblado",
];
static SHOP_ANY: &[&str] = &[
    "Corner Market",
    "City Pharmacy",
    "Metro Grocers",
    "Urban Fitness",
    "Quick Fuel",
    "Fresh Bakery",
    "Home Supplies",
    "Tech Store",
    "Book Nook",
    "Sunrise Hotel",
];

/// A merchant name; numbered branches keep many merchants distinct.
pub(crate) fn merchant(rng: &mut Rng, country: &str) -> String {
    let base = match country {
        "PH" => *rng.pick(SHOP_PH),
        "TH" => *rng.pick(SHOP_TH),
        "CO" => *rng.pick(SHOP_CO),
        _ => *rng.pick(SHOP_ANY),
    };
    if rng.chance(0.3) {
        return business(rng);
    }
    let mut s = String::with_capacity(40);
    let _ = write!(s, "{} #{}", base, rng.int(1, 400));
    s
}

/// A social-media handle such as "@ana_23".
pub(crate) fn handle(rng: &mut Rng, given: &str) -> String {
    let first = given.split(' ').next().unwrap_or("user");
    let mut s = String::with_capacity(16);
    s.push('@');
    s.push_str(&strip_diacritics(&first.to_lowercase()));
    let _ = match rng.below(3) {
        0 => write!(s, "_{}", rng.int(1, 99)),
        1 => write!(s, ".{}", rng.pick(&["cute", "baby", "ph", "love", "xx"])),
        _ => write!(s, "{}", rng.int(1990, 2012)),
    };
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filipino_variants() {
        let p = PersonName {
            given: "Maria Cristina",
            middle: Some("Reyes"),
            surname: "Santos",
            style: Style::Filipino,
        };
        let got: Vec<String> = (0..9).map(|v| p.render(v)).collect();
        assert_eq!(
            got,
            [
                "Maria Cristina Reyes Santos",
                "Maria Cristina Santos",
                "Ma. Cristina Santos",
                "M. C. R. Santos",
                "MARIA CRISTINA REYES SANTOS",
                "Maria Cristina R. Santos",
                "Santos, Maria Cristina",
                "Maria Cristina Reyes Santos",
                "ma. cristina reyes santos",
            ]
        );
        let q = PersonName {
            given: "Rowena",
            middle: None,
            surname: "Dela Peña",
            style: Style::Filipino,
        };
        assert_eq!(q.render(7), "Rowena Dela Pena");
        assert_eq!(q.render(5), "Rowena Dela Peña");
    }
}
