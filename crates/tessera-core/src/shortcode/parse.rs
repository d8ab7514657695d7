//! The parser: one template string into a [`Node`]. Errors are messages; the caller adds the claim path.

use serde_json::{Number, Value};

use super::ast::{Expr, Node, Operand, Path, PathSegment, Segment};

const ROOTS: [&str; 4] = ["user", "org", "org_membership", "session"];

/// Parses one string value of a template.
pub(crate) fn parse_string(s: &str) -> Result<Node, String> {
    if !s.contains("{{") {
        return Ok(Node::Literal(Value::String(s.to_owned())));
    }
    let mut segments = Vec::new();
    let mut pos = 0;
    while let Some(offset) = s[pos..].find("{{") {
        let open = pos + offset;
        if open > pos {
            segments.push(Segment::Text(s[pos..open].to_owned()));
        }
        let mut cursor = Cursor { s, pos: open + 2, open };
        if !cursor.rest().contains("}}") {
            return Err(cursor.unterminated());
        }
        let expr = cursor.expr()?;
        segments.push(Segment::Expr(expr));
        pos = cursor.pos;
    }
    if pos < s.len() {
        segments.push(Segment::Text(s[pos..].to_owned()));
    }
    if let [Segment::Expr(_)] = segments.as_slice()
        && let Some(Segment::Expr(expr)) = segments.pop()
    {
        return Ok(Node::Whole(expr));
    }
    Ok(Node::Interp(segments))
}

/// 1-based character column of byte offset `pos` in `s`.
fn column(s: &str, pos: usize) -> usize {
    s.get(..pos).map_or(0, |prefix| prefix.chars().count()) + 1
}

fn is_key_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '.' | '|' | '\'' | '"' | '{' | '}' | '[' | ']' | '(' | ')' | ',')
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads one expression, from just after its `{{` to just after its `}}`.
struct Cursor<'s> {
    s: &'s str,
    pos: usize,
    /// Byte offset of the `{{` that opened this expression.
    open: usize,
}

impl<'s> Cursor<'s> {
    fn rest(&self) -> &'s str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    /// Advances while `pred` holds and returns the consumed text.
    fn take_while(&mut self, mut pred: impl FnMut(char) -> bool) -> &'s str {
        let start = self.pos;
        let rest = self.rest();
        let len = rest.find(|c: char| !pred(c)).unwrap_or(rest.len());
        self.pos += len;
        self.s.get(start..self.pos).unwrap_or("")
    }

    fn col(&self, pos: usize) -> usize {
        column(self.s, pos)
    }

    fn unterminated(&self) -> String {
        format!("unterminated \"{{{{\" at column {}", self.col(self.open))
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut operands = Vec::new();
        let mut last_or = None;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.unterminated()),
                Some('}') if self.rest().starts_with("}}") => {
                    return Err(match last_or {
                        None => format!("empty expression at column {}", self.col(self.open)),
                        Some(at) => format!("dangling \"||\" at column {}", self.col(at)),
                    });
                }
                Some(_) => {}
            }
            operands.push(self.operand()?);
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("}}") {
                self.pos += 2;
                return Ok(Expr { operands });
            }
            if rest.starts_with("||") {
                last_or = Some(self.pos);
                self.pos += 2;
                continue;
            }
            return Err(match self.peek() {
                Some(c) if rest.contains("}}") => {
                    format!("expected \"||\" or \"}}}}\" at column {}, found \"{c}\"", self.col(self.pos))
                }
                _ => self.unterminated(),
            });
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let start = self.pos;
        match self.peek() {
            Some('\'') => {
                self.pos += 1;
                let rest = self.rest();
                let Some(len) = rest.find('\'') else {
                    return Err(format!("unterminated string literal at column {}", self.col(start)));
                };
                let text = rest[..len].to_owned();
                self.pos += len + 1;
                Ok(Operand::Literal(Value::String(text)))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => self.path_or_keyword(),
            Some(c) => Err(format!(
                "expected an operand at column {}, found \"{c}\" (operands are paths, 'strings', numbers, true and false)",
                self.col(start)
            )),
            None => Err(self.unterminated()),
        }
    }

    fn number(&mut self) -> Result<Operand, String> {
        let start = self.pos;
        let mut prev = '\0';
        let mut first = true;
        let token = self.take_while(|c| {
            let ok = first
                || c.is_ascii_alphanumeric()
                || c == '.'
                || c == '_'
                || (matches!(c, '+' | '-') && matches!(prev, 'e' | 'E'));
            first = false;
            prev = c;
            ok
        });
        let invalid = || format!("invalid number \"{token}\" at column {}", column(self.s, start));
        if !is_number(token) {
            return Err(invalid());
        }
        let number = if token.contains(['.', 'e', 'E']) {
            None
        } else if let Ok(i) = token.parse::<i64>() {
            Some(Number::from(i))
        } else if let Ok(u) = token.parse::<u64>() {
            Some(Number::from(u))
        } else {
            None
        };
        let number = match number {
            Some(n) => n,
            None => token.parse::<f64>().ok().and_then(Number::from_f64).ok_or_else(invalid)?,
        };
        Ok(Operand::Literal(Value::Number(number)))
    }

    fn path_or_keyword(&mut self) -> Result<Operand, String> {
        let start = self.pos;
        let ident = self.take_while(is_ident_char);
        match ident {
            "true" => return Ok(Operand::Literal(Value::Bool(true))),
            "false" => return Ok(Operand::Literal(Value::Bool(false))),
            "null" => {
                return Err(format!(
                    "null is not a literal at column {} (literals are 'strings', numbers, true and false)",
                    self.col(start)
                ));
            }
            _ => {}
        }
        let Some(root) = ROOTS.into_iter().find(|r| *r == ident) else {
            return Err(format!(
                "unknown identifier \"{ident}\" at column {} (expected user, org, org_membership or session)",
                self.col(start)
            ));
        };
        let mut segments = Vec::new();
        while self.peek() == Some('.') {
            self.pos += 1;
            let at = self.pos;
            let key = self.take_while(is_key_char);
            if key.is_empty() {
                return Err(format!("empty path segment at column {}", self.col(at)));
            }
            segments.push(PathSegment::new(key.to_owned()));
        }
        Ok(Operand::Path(Path { root, segments }))
    }
}

/// `-? digit+ ( . digit+ )? ( [eE] [+-]? digit+ )?`
fn is_number(token: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let b = token.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let n = digits(&b[i..]);
    if n == 0 {
        return false;
    }
    i += n;
    if b.get(i) == Some(&b'.') {
        let n = digits(&b[i + 1..]);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(&b[i..]);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}
