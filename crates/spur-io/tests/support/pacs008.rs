//! A small pacs.008 writer for tests, the bench and the example: canonical
//! payments out as pacs.008.001.08 business messages (AppHdr + Document) in
//! a clearing wrapper, `per_message` transactions each. The shapes vary on
//! purpose, so one file exercises the reader's fallbacks: messages alternate
//! between a default and a prefixed namespace; transactions give the
//! party's country by postal address, by residence or only through the
//! agent's BIC, and the amount as InstdAmt or as the settlement amount.
//! It carries what pacs.008 can: no channel (every one reads as bank), no
//! mcc, payout time, birth year or sex.

use std::io::{self, Write};

use spur_engine::model::Payment;
use spur_io::time::rfc3339;

pub struct Pacs008Writer<W: Write> {
    out: W,
    per_message: usize,
    in_message: usize,
    messages: usize,
    written: usize,
}

/// `s` with XML's special characters escaped.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML would normalise a raw CR away; a reference keeps it.
            '\r' => o.push_str("&#13;"),
            c => o.push(c),
        }
    }
    o
}

impl<W: Write> Pacs008Writer<W> {
    pub fn new(mut out: W, per_message: usize) -> io::Result<Self> {
        out.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clr:Batch xmlns:clr=\"urn:example:spur:clearing:1\">\n",
        )?;
        Ok(Pacs008Writer {
            out,
            per_message: per_message.max(1),
            in_message: 0,
            messages: 0,
            written: 0,
        })
    }

    /// The element prefix of the current message: `""` or `"p:"`.
    fn p(&self) -> &'static str {
        if self.messages % 2 == 1 {
            "p:"
        } else {
            ""
        }
    }

    fn open_message(&mut self) -> io::Result<()> {
        self.messages += 1;
        let ns = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08";
        let (p, decl) = if self.messages % 2 == 1 {
            ("p:", format!("xmlns:p=\"{ns}\""))
        } else {
            ("", format!("xmlns=\"{ns}\""))
        };
        writeln!(
            self.out,
            "<clr:Msg><AppHdr xmlns=\"urn:iso:std:iso:20022:tech:xsd:head.001.001.02\"><BizMsgIdr>SPUR-{0}</BizMsgIdr>\
             <MsgDefIdr>pacs.008.001.08</MsgDefIdr></AppHdr>\n<{p}Document {decl}><{p}FIToFICstmrCdtTrf>\
             <{p}GrpHdr><{p}MsgId>SPUR-{0}</{p}MsgId><{p}CreDtTm>2026-01-01T00:00:00Z</{p}CreDtTm>\
             <{p}NbOfTxs>{1}</{p}NbOfTxs><{p}SttlmInf><{p}SttlmMtd>CLRG</{p}SttlmMtd></{p}SttlmInf></{p}GrpHdr>",
            self.messages, self.per_message
        )
    }

    fn close_message(&mut self) -> io::Result<()> {
        let p = self.p();
        writeln!(self.out, "</{p}FIToFICstmrCdtTrf></{p}Document></clr:Msg>")
    }

    pub fn push(&mut self, pay: &Payment<'_>) -> io::Result<()> {
        if self.in_message == 0 {
            self.open_message()?;
        }
        let p = self.p();
        let i = self.written;
        let amount = format!("{}", pay.amount);
        let (instd, sttlm) = if i.is_multiple_of(2) {
            (
                format!(
                    "<{p}InstdAmt Ccy=\"{}\">{amount}</{p}InstdAmt>",
                    pay.currency
                ),
                // What the banks settled in: another currency, not the payment's amount.
                format!("<{p}IntrBkSttlmAmt Ccy=\"EUR\">1.00</{p}IntrBkSttlmAmt>"),
            )
        } else {
            (
                String::new(),
                format!(
                    "<{p}IntrBkSttlmAmt Ccy=\"{}\">{amount}</{p}IntrBkSttlmAmt>",
                    pay.currency
                ),
            )
        };
        let party = |el: &str, name: &str, country: &str, phone: &str| -> String {
            let nm = if name.is_empty() {
                String::new()
            } else {
                format!("<{p}Nm>{}</{p}Nm>", esc(name))
            };
            let ctry = match i % 3 {
                0 => format!("<{p}PstlAdr><{p}Ctry>{country}</{p}Ctry></{p}PstlAdr>"),
                1 => format!("<{p}CtryOfRes>{country}</{p}CtryOfRes>"),
                // Only the agent's BIC tells the country.
                _ => String::new(),
            };
            let phone = if phone.is_empty() {
                String::new()
            } else {
                format!(
                    "<{p}CtctDtls><{p}MobNb>{}</{p}MobNb></{p}CtctDtls>",
                    esc(phone)
                )
            };
            format!("<{p}{el}>{nm}{ctry}{phone}</{p}{el}>")
        };
        let acct = |el: &str, id: &str| {
            format!(
                "<{p}{el}><{p}Id><{p}Othr><{p}Id>{}</{p}Id></{p}Othr></{p}Id></{p}{el}>",
                esc(id)
            )
        };
        let agent = |el: &str, country: &str| {
            format!("<{p}{el}><{p}FinInstnId><{p}BICFI>SPUR{country}22</{p}BICFI></{p}FinInstnId></{p}{el}>")
        };
        let rmt = if pay.message.is_empty() {
            String::new()
        } else {
            format!(
                "<{p}RmtInf><{p}Ustrd>{}</{p}Ustrd></{p}RmtInf>",
                esc(pay.message)
            )
        };
        writeln!(
            self.out,
            "<{p}CdtTrfTxInf><{p}PmtId><{p}InstrId>I{i}</{p}InstrId><{p}EndToEndId>{}</{p}EndToEndId></{p}PmtId>\
             {sttlm}<{p}IntrBkSttlmDt>2026-01-01</{p}IntrBkSttlmDt><{p}AccptncDtTm>{}</{p}AccptncDtTm>{instd}\
             <{p}ChrgBr>SHAR</{p}ChrgBr>{}{}{}{}{}{}{rmt}</{p}CdtTrfTxInf>",
            esc(pay.txn_id),
            rfc3339(pay.timestamp),
            party("Dbtr", pay.sender_name, pay.sender_country.as_str(), ""),
            acct("DbtrAcct", pay.sender_id),
            agent("DbtrAgt", pay.sender_country.as_str()),
            agent("CdtrAgt", pay.receiver_country.as_str()),
            party(
                "Cdtr",
                pay.receiver_name,
                pay.receiver_country.as_str(),
                pay.extra.receiver_phone
            ),
            acct("CdtrAcct", pay.receiver_id),
        )?;
        self.written += 1;
        self.in_message += 1;
        if self.in_message == self.per_message {
            self.close_message()?;
            self.in_message = 0;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.in_message > 0 {
            self.close_message()?;
        }
        self.out.write_all(b"</clr:Batch>\n")?;
        Ok(self.out)
    }
}
