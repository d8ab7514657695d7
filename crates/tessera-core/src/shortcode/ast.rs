//! The compiled form of a template and its evaluation.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::parse;
use super::{Roots, ShortcodeError};

static NULL: Value = Value::Null;

/// One compiled JSON value of the template.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Anything without a shortcode (including whole subtrees without one): cloned as it is.
    Literal(Value),
    /// A string that is exactly one `{{ expr }}`: the expression's typed value.
    Whole(Expr),
    /// Text mixed with expressions: always a string.
    Interp(Vec<Segment>),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Text(String),
    Expr(Expr),
}

/// `operand ( "||" operand )*`; never empty.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub(crate) operands: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Path),
    Literal(Value),
}

#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub(crate) root: &'static str,
    pub(crate) segments: Vec<PathSegment>,
}

/// A key, and the array index it stands for when it is a canonical decimal number.
#[derive(Debug, Clone)]
pub(crate) struct PathSegment {
    pub(crate) key: String,
    pub(crate) index: Option<usize>,
}

impl PathSegment {
    pub(crate) fn new(key: String) -> Self {
        let canonical =
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) && (key.len() == 1 || !key.starts_with('0'));
        let index = if canonical { key.parse().ok() } else { None };
        PathSegment { key, index }
    }
}

/// Compiles one template value; `path` is its claim path and is restored before returning.
pub(crate) fn compile_value(value: &Value, path: &mut String) -> Result<Node, ShortcodeError> {
    let node = match value {
        Value::String(s) => parse::parse_string(s).map_err(|message| ShortcodeError { path: path.clone(), message })?,
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                let node = compile_value(item, path);
                path.truncate(len);
                nodes.push(node?);
            }
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                let node = compile_value(item, path);
                path.truncate(len);
                entries.push((key.clone(), node?));
            }
            if entries.iter().all(|(_, n)| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Object(entries)
            }
        }
        other => Node::Literal(other.clone()),
    };
    Ok(node)
}

impl Node {
    pub(crate) fn render<R: Roots + ?Sized>(&self, ctx: &R) -> Value {
        match self {
            Node::Literal(v) => v.clone(),
            Node::Whole(expr) => expr.eval(ctx).clone(),
            Node::Interp(segments) => {
                let mut out = String::new();
                for segment in segments {
                    match segment {
                        Segment::Text(t) => out.push_str(t),
                        Segment::Expr(e) => interpolate(&mut out, e.eval(ctx)),
                    }
                }
                Value::String(out)
            }
            Node::Array(nodes) => Value::Array(nodes.iter().map(|n| n.render(ctx)).collect()),
            Node::Object(entries) => {
                Value::Object(entries.iter().map(|(k, n)| (k.clone(), n.render(ctx))).collect::<Map<String, Value>>())
            }
        }
    }
}

/// Appends a value's text form: strings as they are, everything else as compact JSON (`null`,
/// `true`, `30`, `1.5`, `{"a":1}`).
fn interpolate(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // Writing into a String cannot fail.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Array(_) | Value::Object(_) => {
            let _ = write!(out, "{value}");
        }
    }
}

impl Expr {
    /// The first operand that is neither null nor false, else the last one.
    pub(crate) fn eval<'a, R: Roots + ?Sized>(&'a self, ctx: &'a R) -> &'a Value {
        let mut last = &NULL;
        for operand in &self.operands {
            last = operand.eval(ctx);
            if !matches!(last, Value::Null | Value::Bool(false)) {
                return last;
            }
        }
        last
    }
}

impl Operand {
    fn eval<'a, R: Roots + ?Sized>(&'a self, ctx: &'a R) -> &'a Value {
        match self {
            Operand::Literal(v) => v,
            Operand::Path(p) => p.resolve(ctx).unwrap_or(&NULL),
        }
    }
}

impl Path {
    fn resolve<'a, R: Roots + ?Sized>(&self, ctx: &'a R) -> Option<&'a Value> {
        let mut current = ctx.root(self.root)?;
        for segment in &self.segments {
            current = match current {
                Value::Object(map) => map.get(&segment.key)?,
                Value::Array(items) => items.get(segment.index?)?,
                _ => return None,
            };
        }
        Some(current)
    }
}
