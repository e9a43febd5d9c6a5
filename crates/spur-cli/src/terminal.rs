//! Payment data on the terminal: ids, names and messages come from other
//! systems and may hold control or escape characters. They are shown made
//! visible (`\x1b`, `\u{202e}`), never interpreted by the terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (C0, DEL, C1) and every bidirectional
/// override or isolate written as an escape; a backslash stays as it is.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !hidden(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// Like [`visible`] for text of several lines: line ends stay line ends.
pub fn visible_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(body) => format!("{}\n", visible(body)),
            None => visible(line).into_owned(),
        })
        .collect()
}

/// Characters a terminal would act on or that reorder the text around them.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        let check = |input: &str, expected: &str| assert_eq!(visible(input), expected, "{input:?}");
        check("R010531", "R010531");
        check("Maria Dela Cruz", "Maria Dela Cruz");
        check("Zoë Ñuñez 山田", "Zoë Ñuñez 山田");
        check("a\x1b[2Jb", "a\\x1b[2Jb");
        check("line\nbreak\ttab\r", "line\\x0abreak\\x09tab\\x0d");
        check("bell\x07 del\x7f", "bell\\x07 del\\x7f");
        check("c1\u{9b}31m", "c1\\u{9b}31m");
        check("abc\u{202e}fed", "abc\\u{202e}fed");
        check("back\\slash", "back\\slash");
        assert_eq!(visible_lines("a\x1b\nb\r\n"), "a\\x1b\nb\\x0d\n");
    }
}
