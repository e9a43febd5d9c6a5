//! The shared streaming core: quick-xml events in, payments and rejects out.
//!
//! Memory stays bounded whatever the file: the core keeps the element path,
//! one [`Scope`] per level and at most one finished transaction held back
//! (camt: until it is known whether it was its entry's only one); an
//! element or text longer than [`MAX_EVENT`] or nesting deeper than
//! [`MAX_DEPTH`] ends the reading with one reject. Entities are never
//! expanded: quick-xml resolves only the five predefined ones and character
//! references, and a DOCTYPE declaring entities is refused.

use std::io::{self, BufRead, BufReader, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::field::{build, Field, Value, Values, FIELD_COUNT};
use crate::input::{InputError, OnRecord, PaymentReader, ReadStats, Reject, WHOLE_RECORD};
use crate::iso20022::assemble::{self, Out, Source};
use crate::iso20022::path::Path;
use crate::iso20022::slots::{Level, Scope, Slot, View, LEVELS};
use crate::iso20022::{Family, Message, NotAPayment};

/// The longest element tag or text spur reads (4 MiB); ISO 20022 values
/// are a few hundred bytes, so only a damaged or hostile file comes near.
pub(crate) const MAX_EVENT: u64 = 4 << 20;

/// The deepest nesting spur follows; messages inside their envelopes are
/// about 15 deep.
pub(crate) const MAX_DEPTH: usize = 100;

/// The namespace every ISO 20022 message's is under.
const ISO_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:";

/// Counts the lines read (for rejects) and the bytes of the current event
/// (to refuse a runaway one before it fills memory).
struct Counted<R> {
    inner: BufReader<R>,
    lines: u64,
    event: u64,
    over: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.event > MAX_EVENT {
            self.over = true;
            return Err(io::Error::other("an element or text is longer than 4 MiB"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        // The consumed bytes are the front of the buffer.
        let b = self.inner.buffer();
        self.lines += memchr::memchr_iter(b'\n', &b[..n.min(b.len())]).count() as u64;
        self.event += n as u64;
        self.inner.consume(n);
    }
}

/// Reads ISO 20022 credit transfers (see the module docs of `iso20022`).
pub struct Iso20022Reader<R> {
    xml: Reader<Counted<R>>,
    /// The message type `--format` named: read whatever its version.
    forced: Option<Message>,
    buf: Vec<u8>,
}

impl<R: Read> Iso20022Reader<R> {
    /// A reader of every supported message in `input`; with `message`,
    /// only that type, in any version.
    pub fn new(input: R, message: Option<Message>) -> Self {
        let counted = Counted {
            inner: BufReader::with_capacity(1 << 16, input),
            lines: 0,
            event: 0,
            over: false,
        };
        let mut xml = Reader::from_reader(counted);
        xml.config_mut().trim_markup_names_in_closing_tags = true;
        Iso20022Reader {
            xml,
            forced: message,
            buf: Vec::with_capacity(4096),
        }
    }
}

/// The message being read.
struct Active {
    family: &'static dyn Family,
    /// Document depth of its root element.
    depth: usize,
}

/// Everything one pass keeps besides the reader.
struct Walk {
    stats: ReadStats,
    scopes: [Scope; 4],
    /// Elements of a level now open (where slots are mapped).
    open: [bool; 4],
    /// Levels whose values count for the transaction at hand (the group
    /// header's stays after its element closed).
    valid: [bool; 4],
    /// Path depth of each open level's element.
    scope_depth: [usize; 4],
    /// A finished transaction not yet handed on (camt), in `spare`.
    held: Option<(u64, u64)>,
    spare: Scope,
    out: Out,
    path: Path,
    msg: Option<Active>,
    /// Document depth of an unsupported message being skipped.
    skip: Option<usize>,
    /// The slot being filled, in the scope of a level, by the element at this document depth.
    capture: Option<(Slot, Level, usize)>,
    depth: usize,
    number: u64,
    number_in_message: u64,
    seen_message: bool,
    first_element: Option<String>,
    /// Namespace declarations (document depth, prefix, URI) on the elements
    /// open outside a message: all a message root's namespace can come from.
    /// quick-xml's namespace-resolving reader would track them on every
    /// element of every transaction, for nothing.
    namespaces: Vec<(usize, Vec<u8>, String)>,
    stop: bool,
}

impl<R: Read> PaymentReader for Iso20022Reader<R> {
    fn read_all(&mut self, on: &mut OnRecord<'_>) -> Result<ReadStats, InputError> {
        let mut w = Walk {
            stats: ReadStats::default(),
            scopes: std::array::from_fn(|_| Scope::new()),
            open: [false; 4],
            valid: [false; 4],
            scope_depth: [0; 4],
            held: None,
            spare: Scope::new(),
            out: Out::new(),
            path: Path::new(),
            msg: None,
            skip: None,
            capture: None,
            depth: 0,
            number: 0,
            number_in_message: 0,
            seen_message: false,
            first_element: None,
            namespaces: Vec::new(),
            stop: false,
        };
        loop {
            let line = self.xml.get_ref().lines + 1;
            self.xml.get_mut().event = 0;
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    let over = self.xml.get_ref().over;
                    let reason = match e {
                        _ if over => {
                            format!("an element or text is longer than {} MiB", MAX_EVENT >> 20)
                        }
                        quick_xml::Error::Io(io) => {
                            return Err(InputError::Io(io::Error::new(io.kind(), io.to_string())))
                        }
                        e => e.to_string(),
                    };
                    let line = self.xml.get_ref().lines + 1;
                    w.broken(line, &reason, on)?;
                    break;
                }
            };
            match event {
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = String::from_utf8_lossy(&enc).into_owned();
                        if !["utf-8", "utf8", "us-ascii", "ascii"]
                            .iter()
                            .any(|u| enc.eq_ignore_ascii_case(u))
                        {
                            return Err(InputError::Encoding(enc));
                        }
                    }
                }
                Event::DocType(t) => {
                    let t: &[u8] = &t;
                    if t.windows(8).any(|x| x.eq_ignore_ascii_case(b"<!ENTITY")) {
                        return Err(InputError::XmlEntities);
                    }
                }
                Event::Start(e) => w.start(line, &e, self.forced, on)?,
                Event::Empty(e) => {
                    w.start(line, &e, self.forced, on)?;
                    if !w.stop {
                        w.end(on);
                    }
                }
                Event::End(_) => w.end(on),
                Event::Text(t) => {
                    if let Some((slot, level, d)) = w.capture {
                        if d == w.depth {
                            let scope = &mut w.scopes[level as usize];
                            match t.unescape() {
                                Ok(s) => scope.push(slot, &s),
                                Err(e) => scope.fail(slot, &text_problem(&e)),
                            }
                        }
                    }
                }
                Event::CData(c) => {
                    if let Some((slot, level, d)) = w.capture {
                        if d == w.depth {
                            let scope = &mut w.scopes[level as usize];
                            match std::str::from_utf8(&c) {
                                Ok(s) => scope.push(slot, s),
                                Err(_) => scope.fail(slot, "is not valid UTF-8"),
                            }
                        }
                    }
                }
                Event::Eof => {
                    if w.depth > 0 {
                        let line = self.xml.get_ref().lines + 1;
                        let reason = format!(
                            "the file ends inside <{}>: is it cut short?",
                            w.path.as_str().rsplit('/').next().unwrap_or("")
                        );
                        w.broken(line, &reason, on)?;
                    }
                    break;
                }
                Event::Comment(_) | Event::PI(_) => {}
            }
            if w.stop {
                break;
            }
        }
        if !w.seen_message && !w.stop {
            return Err(InputError::NotIso20022 {
                first_element: w.first_element,
            });
        }
        Ok(w.stats)
    }

    /// ISO 20022 has no columns; elements spur does not map are simply not read.
    fn unknown_columns(&self) -> &[String] {
        &[]
    }
}

/// Why a text could not be read, in words for a reject.
fn text_problem(e: &quick_xml::Error) -> String {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            format!(
                "&{name}; is not one of XML's five predefined entities, and spur expands no other"
            )
        }
        quick_xml::Error::Encoding(_) => "is not valid UTF-8".into(),
        e => e.to_string(),
    }
}

impl Walk {
    fn start(
        &mut self,
        line: u64,
        e: &BytesStart<'_>,
        forced: Option<Message>,
        on: &mut OnRecord<'_>,
    ) -> Result<(), InputError> {
        let local = e.local_name();
        let local = local.as_ref();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let reason = format!("elements nest deeper than {MAX_DEPTH}");
            return self.broken(line, &reason, on);
        }
        if self.skip.is_some() {
            return Ok(());
        }
        let Some(active) = &self.msg else {
            if self.first_element.is_none() {
                self.first_element = Some(String::from_utf8_lossy(local).into_owned());
            }
            self.declare(e);
            if let Some(m) = Message::from_root(local) {
                let ns = self.namespace(e);
                self.begin_message(line, m, ns.as_deref(), forced, on);
            }
            return Ok(());
        };
        let family = active.family;
        self.path.push(local);
        if let Some(level) = family.level(self.path.as_str()) {
            let l = level as usize;
            if level == Level::Transaction {
                self.number += 1;
                self.number_in_message += 1;
            }
            self.scopes[l].reset(line);
            self.open[l] = true;
            self.valid[l] = true;
            self.scope_depth[l] = self.path.depth();
            return Ok(());
        }
        let Some(level) = LEVELS
            .iter()
            .rev()
            .copied()
            .find(|l| self.open[*l as usize])
        else {
            return Ok(());
        };
        let below = self.path.below(self.scope_depth[level as usize]);
        let Some(slot) = family.slot(level, below) else {
            return Ok(());
        };
        let scope = &mut self.scopes[level as usize];
        if !scope.begin(slot, self.path.as_str()) {
            return Ok(());
        }
        self.capture = Some((slot, level, self.depth));
        if let Some(ccy) = slot.currency() {
            if let Ok(Some(a)) = e.try_get_attribute("Ccy") {
                let path = format!("{}/@Ccy", self.path.as_str());
                if scope.begin(ccy, &path) {
                    match a.unescape_value() {
                        Ok(v) => scope.push(ccy, &v),
                        Err(err) => scope.fail(ccy, &text_problem(&err)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Notes the namespaces `e` declares (`xmlns`, `xmlns:p`).
    fn declare(&mut self, e: &BytesStart<'_>) {
        for a in e.attributes().with_checks(false).flatten() {
            let key = a.key.as_ref();
            let prefix = match key.strip_prefix(b"xmlns") {
                Some([]) => &[][..],
                Some([b':', p @ ..]) => p,
                _ => continue,
            };
            let uri = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_default();
            self.namespaces.push((self.depth, prefix.to_vec(), uri));
        }
    }

    /// The namespace `e`'s prefix (or the default) is bound to, if any.
    fn namespace(&self, e: &BytesStart<'_>) -> Option<String> {
        let name = e.name();
        let prefix = name.prefix().map_or(&[][..], |p| p.into_inner());
        self.namespaces
            .iter()
            .rev()
            .find(|(_, p, _)| p == prefix)
            .map(|(_, _, uri)| uri.clone())
            .filter(|uri| !uri.is_empty())
    }

    fn begin_message(
        &mut self,
        line: u64,
        m: Message,
        ns: Option<&str>,
        forced: Option<Message>,
        on: &mut OnRecord<'_>,
    ) {
        self.seen_message = true;
        // `pacs.008.001.08` from `urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08`.
        let id = ns.and_then(|n| n.strip_prefix(ISO_NAMESPACE));
        let refusal = match (forced, id) {
            (Some(f), _) if f != m => Some(format!(
                "this message is {m} ({}), not the {f} --format names; skipped",
                m.root()
            )),
            (Some(_), _) | (None, None) => None,
            (None, Some(id)) => match id.strip_prefix(m.id()).and_then(|v| v.strip_prefix('.')) {
                Some(v) if m.versions().contains(&v) => None,
                Some(_) => Some(format!(
                    "{id} is not a version spur reads ({m}.{}); --format {} reads it anyway; skipped",
                    m.versions().join(", ."),
                    m.id().replace('.', ""),
                )),
                None => Some(format!(
                    "<{}> in namespace {id} is not {m}; skipped",
                    m.root()
                )),
            },
        };
        if let Some(reason) = refusal {
            self.skip = Some(self.depth);
            self.reject(line, WHOLE_RECORD, reason, on);
            return;
        }
        self.msg = Some(Active {
            family: m.family(),
            depth: self.depth,
        });
        self.number_in_message = 0;
        self.path.clear();
        self.open = [false; 4];
        self.valid = [false; 4];
        self.capture = None;
    }

    fn end(&mut self, on: &mut OnRecord<'_>) {
        while self.namespaces.last().is_some_and(|n| n.0 == self.depth) {
            self.namespaces.pop();
        }
        if self.capture.is_some_and(|(_, _, d)| d == self.depth) {
            self.capture = None;
        }
        if self.skip == Some(self.depth) {
            self.skip = None;
        } else if let Some(active) = &self.msg {
            if self.depth == active.depth {
                self.flush_held(false, on);
                self.msg = None;
                self.path.clear();
            } else {
                let here = self.path.depth();
                for level in LEVELS.into_iter().rev() {
                    let l = level as usize;
                    if self.open[l] && self.scope_depth[l] == here {
                        self.close(level, on);
                    }
                }
                self.path.pop();
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn close(&mut self, level: Level, on: &mut OnRecord<'_>) {
        let l = level as usize;
        self.open[l] = false;
        let Some(family) = self.msg.as_ref().map(|a| a.family) else {
            return;
        };
        let holds = family.childless_payment().is_some();
        match level {
            Level::Transaction => {
                self.valid[l] = false;
                if let Some(parent) = LEVELS[..3].iter().rev().find(|p| self.open[**p as usize]) {
                    self.scopes[*parent as usize].children += 1;
                }
                if holds {
                    // The one before was not its entry's only transaction.
                    self.flush_held(false, on);
                    std::mem::swap(&mut self.scopes[l], &mut self.spare);
                    self.held = Some((self.number, self.number_in_message));
                } else {
                    let (n, m) = (self.number, self.number_in_message);
                    self.emit(Some(Tx::Current), n, m, false, on);
                }
            }
            Level::Group => {}
            _ => {
                let children = self.scopes[l].children;
                self.flush_held(children == 1, on);
                if family.childless_payment() == Some(level) && children == 0 {
                    self.number += 1;
                    self.number_in_message += 1;
                    let (n, m) = (self.number, self.number_in_message);
                    self.emit(None, n, m, true, on);
                }
                self.valid[l] = false;
            }
        }
    }

    fn flush_held(&mut self, only_child: bool, on: &mut OnRecord<'_>) {
        if let Some((n, m)) = self.held.take() {
            self.emit(Some(Tx::Held), n, m, only_child, on);
        }
    }

    /// Hands on the transaction in view as a payment, a reject or nothing (skipped).
    fn emit(
        &mut self,
        tx: Option<Tx>,
        number: u64,
        in_message: u64,
        only_child: bool,
        on: &mut OnRecord<'_>,
    ) {
        if self.stop {
            return;
        }
        let Some(family) = self.msg.as_ref().map(|a| a.family) else {
            return;
        };
        let tx_scope = match tx {
            Some(Tx::Current) => Some(&self.scopes[Level::Transaction as usize]),
            Some(Tx::Held) => Some(&self.spare),
            None => None,
        };
        let mut valid = self.valid;
        valid[Level::Transaction as usize] = false;
        let view = View {
            scopes: &self.scopes,
            open: valid,
            tx: tx_scope,
            number,
            number_in_message: in_message,
            only_child,
        };
        // The line of the transaction's element, else of the entry's.
        let line = tx_scope.map_or(self.scopes[Level::Entry as usize].line, |s| s.line);
        self.out.clear();
        let assembled = match assemble::problem(&view) {
            Some(p) => Err(p),
            None => family.assemble(&view, &mut self.out),
        };
        let result = match assembled {
            Err(NotAPayment::Skip) => {
                self.stats.skipped += 1;
                return;
            }
            Err(NotAPayment::Reject(field, why)) => Err(Reject {
                line,
                field: field.name(),
                reason: assemble::reason(&view, Source::None, &why),
            }),
            Ok(()) => {
                let mut values: Values<'_> = [Value::Missing; FIELD_COUNT];
                for (v, t) in values.iter_mut().zip(self.out.text.iter()) {
                    if !t.is_empty() {
                        *v = Value::Text(t);
                    }
                }
                let mut naive = false;
                let built = build(&values, line, &mut naive).map_err(|r| {
                    let source = Field::from_name(r.field)
                        .map_or(Source::None, |f| self.out.source[f as usize]);
                    Reject {
                        reason: assemble::reason(&view, source, &r.reason),
                        ..r
                    }
                });
                if built.is_ok() {
                    self.stats.naive_times += u64::from(naive);
                }
                built
            }
        };
        match &result {
            Ok(_) => self.stats.accepted += 1,
            Err(_) => self.stats.rejected += 1,
        }
        if on(line, result).is_break() {
            self.stop = true;
        }
    }

    fn reject(&mut self, line: u64, field: &'static str, reason: String, on: &mut OnRecord<'_>) {
        if self.stop {
            return;
        }
        self.stats.rejected += 1;
        if on(
            line,
            Err(Reject {
                line,
                field,
                reason,
            }),
        )
        .is_break()
        {
            self.stop = true;
        }
    }

    /// The XML cannot be read on: what was read stands, the rest is one
    /// reject; before any message, the file is not ISO 20022 at all.
    fn broken(&mut self, line: u64, reason: &str, on: &mut OnRecord<'_>) -> Result<(), InputError> {
        if !self.seen_message {
            return Err(InputError::Xml {
                line,
                reason: reason.to_string(),
            });
        }
        self.flush_held(false, on);
        let read = match self.stats.accepted + self.stats.rejected + self.stats.skipped {
            0 => "no transaction before it".to_string(),
            1 => "the transaction before it stands".to_string(),
            n => format!("the {n} transactions before it stand"),
        };
        self.reject(
            line,
            WHOLE_RECORD,
            format!("malformed XML ({reason}); nothing from here on was read, {read}"),
            on,
        );
        self.stop = true;
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Tx {
    Current,
    Held,
}
