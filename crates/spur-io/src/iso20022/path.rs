//! The element path below the message root (`"PmtInf/CdtTrfTxInf/Amt"`),
//! by local names, so prefixes (`ns2:Dbtr`) and namespaces do not matter.

pub(crate) struct Path {
    text: String,
    /// `text`'s length before each element was pushed.
    marks: Vec<usize>,
}

impl Path {
    pub(crate) fn new() -> Path {
        Path {
            text: String::with_capacity(256),
            marks: Vec::with_capacity(32),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.marks.clear();
    }

    /// Enters an element; a name that is not UTF-8 enters as `?`, which no
    /// family maps.
    pub(crate) fn push(&mut self, local_name: &[u8]) {
        self.marks.push(self.text.len());
        if !self.text.is_empty() {
            self.text.push('/');
        }
        self.text
            .push_str(std::str::from_utf8(local_name).unwrap_or("?"));
    }

    pub(crate) fn pop(&mut self) {
        if let Some(m) = self.marks.pop() {
            self.text.truncate(m);
        }
    }

    /// Elements below the message root.
    pub(crate) fn depth(&self) -> usize {
        self.marks.len()
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The path below the element at `depth` (1 = the first below the root).
    pub(crate) fn below(&self, depth: usize) -> &str {
        if depth == 0 {
            return &self.text;
        }
        match self.marks.get(depth) {
            // The mark of the next element sits on its '/'.
            Some(&m) => &self.text[m + 1..],
            None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn paths_below_an_element() {
        let mut p = Path::new();
        for n in ["PmtInf", "CdtTrfTxInf", "Amt", "InstdAmt"] {
            p.push(n.as_bytes());
        }
        assert_eq!(p.as_str(), "PmtInf/CdtTrfTxInf/Amt/InstdAmt");
        assert_eq!(p.below(1), "CdtTrfTxInf/Amt/InstdAmt");
        assert_eq!(p.below(2), "Amt/InstdAmt");
        assert_eq!(p.below(4), "");
        assert_eq!(p.below(0), p.as_str());
        p.pop();
        p.pop();
        assert_eq!(p.as_str(), "PmtInf/CdtTrfTxInf");
        assert_eq!(p.depth(), 2);
        p.push(b"\xff");
        assert_eq!(p.as_str(), "PmtInf/CdtTrfTxInf/?");
    }
}
