//! What the core keeps while streaming: one [`Scope`] per level (group
//! header, batch, entry, transaction), each a fixed set of reused text
//! [`Slot`]s, so memory does not grow with the file.

/// The nesting levels of a message that carry payment data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    /// `GrpHdr`.
    Group = 0,
    /// pain.001 `PmtInf`; camt `Stmt` / `Ntfctn` (the account).
    Batch = 1,
    /// camt `Ntry`.
    Entry = 2,
    /// `CdtTrfTxInf`; camt `TxDtls`.
    Transaction = 3,
}

pub(crate) const LEVELS: [Level; 4] =
    [Level::Group, Level::Batch, Level::Entry, Level::Transaction];

/// Whose party data a slot holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Debtor = 0,
    Creditor = 1,
    /// The account a camt statement or notification is about.
    Account = 2,
}

/// One datum of a party.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PartyField {
    Name = 0,
    /// `PstlAdr/Ctry`.
    Country = 1,
    /// `CtryOfRes`.
    Residence = 2,
    /// The account's `Id/IBAN`.
    Iban = 3,
    /// The account's `Id/Othr/Id`.
    OtherId = 4,
    /// The party's agent's `BICFI` (or `BIC` in older versions).
    Bic = 5,
    /// `CtctDtls/MobNb` or `PhneNb`.
    Phone = 6,
}

const PARTY_FIELDS: usize = 7;

/// A value the families read. Amounts have a twin holding their `Ccy`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Slot {
    MsgId,
    CreDtTm,
    InstrId,
    EndToEndId,
    TxId,
    Uetr,
    AcctSvcrRef,
    NtryRef,
    InstdAmt,
    InstdCcy,
    SttlmAmt,
    SttlmCcy,
    TxAmt,
    TxCcy,
    Amt,
    AmtCcy,
    EntryAmt,
    EntryCcy,
    AccptncDtTm,
    SttlmDt,
    ReqdExctnDt,
    BookgDt,
    ValDt,
    Ustrd,
    CdtDbtInd,
    Status,
    Domain,
    Family,
    Reversal,
    Party(Role, PartyField),
}

const SIMPLE: usize = 29;
pub(crate) const SLOT_COUNT: usize = SIMPLE + 3 * PARTY_FIELDS;
const _: () = assert!(SLOT_COUNT <= 64, "the set mask is a u64");

impl Slot {
    /// Names and remittance lines: free text whose XML white space is layout.
    fn is_free_text(self) -> bool {
        matches!(self, Slot::Ustrd | Slot::Party(_, PartyField::Name))
    }

    fn index(self) -> usize {
        match self {
            Slot::Party(role, field) => SIMPLE + role as usize * PARTY_FIELDS + field as usize,
            Slot::MsgId => 0,
            Slot::CreDtTm => 1,
            Slot::InstrId => 2,
            Slot::EndToEndId => 3,
            Slot::TxId => 4,
            Slot::Uetr => 5,
            Slot::AcctSvcrRef => 6,
            Slot::NtryRef => 7,
            Slot::InstdAmt => 8,
            Slot::InstdCcy => 9,
            Slot::SttlmAmt => 10,
            Slot::SttlmCcy => 11,
            Slot::TxAmt => 12,
            Slot::TxCcy => 13,
            Slot::Amt => 14,
            Slot::AmtCcy => 15,
            Slot::EntryAmt => 16,
            Slot::EntryCcy => 17,
            Slot::AccptncDtTm => 18,
            Slot::SttlmDt => 19,
            Slot::ReqdExctnDt => 20,
            Slot::BookgDt => 21,
            Slot::ValDt => 22,
            Slot::Ustrd => 23,
            Slot::CdtDbtInd => 24,
            Slot::Status => 25,
            Slot::Domain => 26,
            Slot::Family => 27,
            Slot::Reversal => 28,
        }
    }

    /// The slot holding this amount's currency.
    pub(crate) fn currency(self) -> Option<Slot> {
        Some(match self {
            Slot::InstdAmt => Slot::InstdCcy,
            Slot::SttlmAmt => Slot::SttlmCcy,
            Slot::TxAmt => Slot::TxCcy,
            Slot::Amt => Slot::AmtCcy,
            Slot::EntryAmt => Slot::EntryCcy,
            _ => return None,
        })
    }
}

/// The longest value a slot takes; a longer one rejects its transaction
/// rather than being cut (ISO 20022 texts are at most 350 characters, a
/// message of many `Ustrd` lines a few thousand).
pub(crate) const MAX_VALUE: usize = 16 * 1024;

/// The values of one open element of a level, reused from one element to the next.
pub(crate) struct Scope {
    values: Vec<String>,
    /// Where each value came from: its element path below the message root.
    paths: Vec<String>,
    set: u64,
    /// The line where the scope's element starts.
    pub line: u64,
    /// Transactions closed inside this scope so far.
    pub children: u64,
    /// The first problem with a value's text (an undefined entity, bad
    /// UTF-8, too long): the transaction is rejected with it.
    pub problem: Option<(Slot, String)>,
}

impl Scope {
    pub(crate) fn new() -> Scope {
        Scope {
            values: vec![String::new(); SLOT_COUNT],
            paths: vec![String::new(); SLOT_COUNT],
            set: 0,
            line: 0,
            children: 0,
            problem: None,
        }
    }

    pub(crate) fn reset(&mut self, line: u64) {
        let mut set = self.set;
        while set != 0 {
            let i = set.trailing_zeros() as usize;
            self.values[i].clear();
            set &= set - 1;
        }
        self.set = 0;
        self.line = line;
        self.children = 0;
        self.problem = None;
    }

    /// The value, trimmed; `None` when absent or blank.
    pub(crate) fn get(&self, slot: Slot) -> Option<&str> {
        let i = slot.index();
        if self.set & (1 << i) == 0 {
            return None;
        }
        match self.values[i].trim_ascii() {
            "" => None,
            s => Some(s),
        }
    }

    pub(crate) fn path(&self, slot: Slot) -> &str {
        &self.paths[slot.index()]
    }

    /// Starts a value for `slot` found at `path`; `false` when the slot
    /// already holds one (the first occurrence wins) and this text is to be
    /// ignored. A `Ustrd` line is appended to the ones before.
    pub(crate) fn begin(&mut self, slot: Slot, path: &str) -> bool {
        let i = slot.index();
        let had = self.set & (1 << i) != 0 && !self.values[i].trim_ascii().is_empty();
        if had && slot != Slot::Ustrd {
            return false;
        }
        if had {
            self.values[i].push(' ');
        } else {
            self.values[i].clear();
            self.paths[i].clear();
            self.paths[i].push_str(path);
        }
        self.set |= 1 << i;
        true
    }

    /// Appends text to `slot`'s value.
    pub(crate) fn push(&mut self, slot: Slot, text: &str) {
        let v = &self.values[slot.index()];
        if v.len() + text.len() > MAX_VALUE {
            self.fail(slot, &format!("is longer than {MAX_VALUE} bytes"));
            return;
        }
        let value = &mut self.values[slot.index()];
        if slot.is_free_text() {
            // Names and messages are free text that XML files wrap and
            // indent: each run of XML white space is one space (a line
            // break inside a name is layout, not part of it). Ids are never
            // altered; a control character in one is a reject (field.rs).
            for c in text.chars() {
                if matches!(c, ' ' | '\t' | '\n' | '\r') {
                    if !value.ends_with(' ') {
                        value.push(' ');
                    }
                } else {
                    value.push(c);
                }
            }
        } else {
            value.push_str(text);
        }
    }

    /// Records a problem with `slot`'s text, naming its element.
    pub(crate) fn fail(&mut self, slot: Slot, reason: &str) {
        if self.problem.is_none() {
            let path = &self.paths[slot.index()];
            self.problem = Some((slot, format!("{path}: {reason}")));
        }
    }
}

/// The scopes a transaction is read in: its own, and the open ones around it.
pub(crate) struct View<'a> {
    pub(crate) scopes: &'a [Scope; 4],
    pub(crate) open: [bool; 4],
    /// The transaction's own scope (possibly a held one, not `scopes[3]`).
    pub(crate) tx: Option<&'a Scope>,
    /// 1-based number of the transaction in the file, and in its message.
    pub(crate) number: u64,
    pub(crate) number_in_message: u64,
    /// Whether the transaction is the only one in its entry (camt: the
    /// entry's amount is then the transaction's).
    pub(crate) only_child: bool,
}

impl<'a> View<'a> {
    fn scopes_inner_first(&self) -> impl Iterator<Item = &'a Scope> + '_ {
        self.tx.into_iter().chain(
            LEVELS[..3]
                .iter()
                .rev()
                .filter(|l| self.open[**l as usize])
                .map(|l| &self.scopes[*l as usize]),
        )
    }

    /// The innermost value of `slot`.
    pub(crate) fn get(&self, slot: Slot) -> Option<&'a str> {
        self.scopes_inner_first().find_map(|s| s.get(slot))
    }

    /// Where the innermost value of `slot` came from.
    pub(crate) fn path(&self, slot: Slot) -> &'a str {
        self.scopes_inner_first()
            .find(|s| s.get(slot).is_some())
            .map_or("", |s| s.path(slot))
    }

    /// The first problem in any scope of the transaction.
    pub(crate) fn problem(&self) -> Option<&'a (Slot, String)> {
        self.scopes_inner_first().find_map(|s| s.problem.as_ref())
    }
}
