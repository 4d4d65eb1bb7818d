//! Python's simple values in one enum, printed the way Python prints them.
//!
//! The notes' managed dict takes keys and values of mixed types — `d[1] = '1'`, `d['2'] = 2`,
//! `d[0.25] = None` — and a pipe carries a list one way and an int the other. Rust's containers
//! and channels hold one type, so what travels is a [`PyValue`]: `None`, a bool, an int, a float,
//! a str, a list or a dict. Its `Display` is Python's `print`/`str()`, [`PyValue::repr`] is
//! `repr()`: `{1: '1', '2': 2, 0.25: None}`, `[666]`, `b'a'` for a byte (see [`CChar`](crate::CChar)).
//!
//! `==` compares structurally (`1 != 1.0`). Dict keys compare as Python compares them
//! ([`PyValue::py_eq`]): `d[1]` and `d[1.0]` are the same entry, and a list cannot be a key.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};

/// One of Python's simple values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True`, `False`.
    Bool(bool),
    /// An `int` (here at most 64 bits).
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(PyList),
    /// A `dict`.
    Dict(PyDict),
}

/// A Python `list`: a `Vec` that prints as Python prints a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyList(pub Vec<PyValue>);

/// A Python `dict`: keys in insertion order, compared as Python compares them, found by their
/// hash as in Python (a lookup does not scan the entries).
#[derive(Clone, Default)]
pub struct PyDict {
    entries: Vec<(PyValue, PyValue)>,
    /// A key's hash → the first entry whose key has it.
    index: HashMap<u64, usize>,
    /// For each entry, the next entry whose key has the same hash ([`NONE`] at the end).
    next: Vec<usize>,
    /// Hashes keyed at random, as Python's: a client cannot craft keys that all collide.
    hasher: RandomState,
}

/// The end of a chain of entries in [`PyDict::next`].
const NONE: usize = usize::MAX;

/// How deeply lists and dicts may nest in a value that arrives from another process. Decoding
/// recurses once per level: without a bound, a crafted message of a few hundred kilobytes of
/// nested lists would overflow the stack — a crash, where it must be an error.
pub const MAX_DEPTH: usize = 100;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Decodes one more level of nesting, refusing to go deeper than [`MAX_DEPTH`].
fn nested<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let depth = DEPTH.with(|d| d.get());
    if depth >= MAX_DEPTH {
        return Err(serde::de::Error::custom(format!(
            "lists and dicts nested more than {MAX_DEPTH} deep"
        )));
    }
    DEPTH.with(|d| d.set(depth + 1));
    let value = T::deserialize(deserializer);
    DEPTH.with(|d| d.set(depth));
    value
}

/// A list travels as its items.
impl Serialize for PyList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// A dict travels as its entries, in order.
impl Serialize for PyDict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PyList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        nested(deserializer).map(PyList)
    }
}

impl<'de> Deserialize<'de> for PyDict {
    /// Entries as they arrive, each key checked as `insert` checks it: a list or dict as a
    /// key, or a key twice, is refused.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries: Vec<(PyValue, PyValue)> = nested(deserializer)?;
        let mut dict = PyDict::new();
        for (key, value) in entries {
            if dict.get(&key).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "the key {} twice in one dict",
                    key.repr()
                )));
            }
            dict.insert(key, value).map_err(serde::de::Error::custom)?;
        }
        Ok(dict)
    }
}

impl PyValue {
    /// Python's `repr()`: strings in quotes, as inside a printed list or dict.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut impl Write) -> fmt::Result {
        match self {
            PyValue::None => out.write_str("None"),
            PyValue::Bool(true) => out.write_str("True"),
            PyValue::Bool(false) => out.write_str("False"),
            PyValue::Int(n) => write!(out, "{n}"),
            PyValue::Float(x) => out.write_str(&float_repr(*x)),
            PyValue::Str(s) => out.write_str(&str_repr(s)),
            PyValue::List(list) => write!(out, "{list}"),
            PyValue::Dict(dict) => write!(out, "{dict}"),
        }
    }

    /// Python's `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            PyValue::None => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Str(_) => "str",
            PyValue::List(_) => "list",
            PyValue::Dict(_) => "dict",
        }
    }

    /// Python's `==`: numbers compare by value across bool, int and float (`1 == 1.0 == True`).
    pub fn py_eq(&self, other: &PyValue) -> bool {
        match (self.as_number(), other.as_number()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => match (self, other) {
                (PyValue::List(a), PyValue::List(b)) => {
                    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.py_eq(y))
                }
                (PyValue::Dict(a), PyValue::Dict(b)) => a == b,
                (a, b) => a == b,
            },
            _ => false,
        }
    }

    /// Whether Python could use it as a dict key (lists and dicts are unhashable).
    pub fn is_hashable(&self) -> bool {
        !matches!(self, PyValue::List(_) | PyValue::Dict(_))
    }

    fn as_number(&self) -> Option<Number> {
        match self {
            PyValue::Bool(b) => Some(Number::Int(i64::from(*b))),
            PyValue::Int(n) => Some(Number::Int(*n)),
            PyValue::Float(x) => Some(Number::Float(*x)),
            _ => None,
        }
    }
}

/// A number, for Python's cross-type comparison.
#[derive(Clone, Copy)]
enum Number {
    Int(i64),
    Float(f64),
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (*self, *other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Int(i), Number::Float(x)) | (Number::Float(x), Number::Int(i)) => {
                // Exact: the float must be a whole number that is this int.
                whole(x) == Some(i)
            }
        }
    }
}

/// The int a float is equal to, if it is a whole number within an int's range.
fn whole(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x >= i64::MIN as f64 && x < i64::MAX as f64).then_some(x as i64)
}

/// Python's `print(x)` / `str(x)`: a str as its text, everything else as its `repr()`.
impl fmt::Display for PyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyValue::Str(s) => f.write_str(s),
            other => other.write_repr(f),
        }
    }
}

impl PyList {
    /// An empty list.
    pub fn new() -> Self {
        PyList(Vec::new())
    }
}

impl Deref for PyList {
    type Target = Vec<PyValue>;
    fn deref(&self) -> &Vec<PyValue> {
        &self.0
    }
}

impl DerefMut for PyList {
    fn deref_mut(&mut self) -> &mut Vec<PyValue> {
        &mut self.0
    }
}

/// `[1, 'a', None]`.
impl fmt::Display for PyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('[')?;
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            item.write_repr(f)?;
        }
        f.write_char(']')
    }
}

impl PyDict {
    /// An empty dict.
    pub fn new() -> Self {
        PyDict::default()
    }

    /// `d[key] = value`: replaces the value of an equal key (keeping the key first inserted, as
    /// Python does), or appends. A list or dict as key is Python's `TypeError`.
    pub fn insert(&mut self, key: PyValue, value: PyValue) -> Result<(), String> {
        if !key.is_hashable() {
            return Err(format!("TypeError: unhashable type: '{}'", key.type_name()));
        }
        let hash = self.hash(&key);
        let at = self.entries.len();
        match self.index.get(&hash) {
            None => {
                self.index.insert(hash, at);
            }
            Some(&first) => {
                let mut i = first;
                loop {
                    if self.entries[i].0.py_eq(&key) {
                        self.entries[i].1 = value;
                        return Ok(());
                    }
                    if self.next[i] == NONE {
                        break;
                    }
                    i = self.next[i];
                }
                self.next[i] = at;
            }
        }
        self.entries.push((key, value));
        self.next.push(NONE);
        Ok(())
    }

    /// `d.get(key)`: the value of an equal key.
    pub fn get(&self, key: &PyValue) -> Option<&PyValue> {
        let mut i = *self.index.get(&self.hash(key))?;
        while i != NONE {
            let (k, v) = &self.entries[i];
            if k.py_eq(key) {
                return Some(v);
            }
            i = self.next[i];
        }
        None
    }

    /// A hash that equal keys share (`hash(1) == hash(1.0) == hash(True)`, as in Python).
    fn hash(&self, key: &PyValue) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        match key.as_number() {
            Some(Number::Int(i)) => {
                hasher.write_u8(1);
                hasher.write_i64(i);
            }
            Some(Number::Float(x)) => match whole(x) {
                Some(i) => {
                    hasher.write_u8(1);
                    hasher.write_i64(i);
                }
                // Unequal floats that are not whole have different bits (NaN equals nothing).
                None => {
                    hasher.write_u8(2);
                    hasher.write_u64(x.to_bits());
                }
            },
            None => match key {
                PyValue::Str(s) => {
                    hasher.write_u8(3);
                    hasher.write(s.as_bytes());
                }
                // None; and a list or dict, which is no key: looked up, it finds nothing.
                other => hasher.write_u8(other.type_name().len() as u8),
            },
        }
        hasher.finish()
    }

    /// `len(d)` (for the manager's server).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, in insertion order.
    fn iter(&self) -> impl Iterator<Item = (&PyValue, &PyValue)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// Shows the entries, in order.
impl fmt::Debug for PyDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PyDict")
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// Python's dict equality: the same keys with equal values, in any order.
impl PartialEq for PyDict {
    fn eq(&self, other: &PyDict) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v.py_eq(w)))
    }
}

/// `{1: '1', '2': 2, 0.25: None}`.
impl fmt::Display for PyDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, (key, value)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            key.write_repr(f)?;
            f.write_str(": ")?;
            value.write_repr(f)?;
        }
        f.write_char('}')
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same; an exponent (`1e+16`,
/// `1e-05`) outside 1e-4 ≤ |x| < 1e16.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        // `inf`, `-inf`: as Rust prints them.
        return x.to_string();
    }
    let abs = x.abs();
    if abs == 0.0 || (1e-4..1e16).contains(&abs) {
        // Rust's Debug is the shortest round-trip form with a `.0` on whole numbers, as Python's.
        return format!("{x:?}");
    }
    let scientific = format!("{x:e}");
    match scientific.split_once('e') {
        Some((mantissa, exponent)) => {
            let exponent: i32 = exponent.parse().unwrap_or(0);
            // A sign always, and at least two digits: `e+16`, `e-05`, `e-324`.
            format!("{mantissa}e{exponent:+03}")
        }
        None => scientific,
    }
}

/// Python's `repr(str)`: single quotes unless the text holds a `'` and no `"`; a character
/// that Python does not print as it is (see [`is_printable`]) as `\xa0`, `\u3000` or
/// `\U0010ffff`.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let code = u32::from(c);
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether Python's `repr` shows `c` as it is — `c.isprintable()` — or as an escape: a
/// control character, a space other than `' '` (the ideographic space U+3000 of Chinese text,
/// the no-break space), a line or paragraph separator, an invisible format character (the
/// zero-width space, the byte order mark), a private-use character, and an unassigned one.
///
/// `char::is_control` knows only the first kind. The others, beyond ASCII, are
/// [`NOT_PRINTABLE`]: Unicode 14.0's (Python 3.11's) spaces, separators, format and
/// private-use characters, with the unassigned code points between them, the noncharacters and
/// the unassigned planes 4 to 13. Unassigned code points elsewhere — which Python also escapes,
/// as its own version of Unicode decides — are shown as they are.
fn is_printable(c: char) -> bool {
    let code = u32::from(c);
    !c.is_control()
        && NOT_PRINTABLE
            .binary_search_by(|&(first, last)| {
                if last < code {
                    std::cmp::Ordering::Less
                } else if first > code {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_err()
}

/// The characters beyond the control characters that Python 3.11's `repr` escapes (see
/// [`is_printable`]), as sorted ranges `(first, last)`: generated from Python 3.11's
/// `str.isprintable` and `unicodedata.category`.
const NOT_PRINTABLE: [(u32, u32); 28] = [
    (0x00a0, 0x00a0),    // no-break space
    (0x00ad, 0x00ad),    // soft hyphen
    (0x0600, 0x0605),    // Arabic number signs
    (0x061c, 0x061c),    // Arabic letter mark
    (0x06dd, 0x06dd),    // Arabic end of ayah
    (0x070f, 0x070f),    // Syriac abbreviation mark
    (0x0890, 0x0891),    // Arabic pound and piastre marks above
    (0x08e2, 0x08e2),    // Arabic disputed end of ayah
    (0x1680, 0x1680),    // Ogham space mark
    (0x180e, 0x180e),    // Mongolian vowel separator
    (0x2000, 0x200f),    // spaces, zero-width space and joiners, direction marks
    (0x2028, 0x202f),    // line and paragraph separators, embeddings, narrow no-break space
    (0x205f, 0x206f),    // medium mathematical space, word joiner, invisible operators, isolates
    (0x3000, 0x3000),    // ideographic space
    (0xe000, 0xf8ff),    // private use
    (0xfdd0, 0xfdef),    // noncharacters
    (0xfeff, 0xfeff),    // zero-width no-break space (byte order mark)
    (0xfff9, 0xfffb),    // interlinear annotation
    (0xfffe, 0xffff),    // noncharacters
    (0x110bd, 0x110bd),  // Kaithi number sign
    (0x110cd, 0x110cd),  // Kaithi number sign above
    (0x13430, 0x13438),  // Egyptian hieroglyph format controls
    (0x1bca0, 0x1bca3),  // shorthand format controls
    (0x1d173, 0x1d17a),  // musical symbol format controls
    (0x1fffe, 0x1ffff),  // noncharacters
    (0x2fffe, 0x2ffff),  // noncharacters
    (0x3fffe, 0xe007f),  // noncharacters, planes 4 to 13 (unassigned), tags
    (0xefffe, 0x10ffff), // noncharacters, private use planes 15 and 16
];

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for PyValue {
            fn from(n: $t) -> Self {
                PyValue::Int(i64::from(n))
            }
        }
    )*};
}

from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<f64> for PyValue {
    fn from(x: f64) -> Self {
        PyValue::Float(x)
    }
}

impl From<f32> for PyValue {
    fn from(x: f32) -> Self {
        PyValue::Float(f64::from(x))
    }
}

impl From<bool> for PyValue {
    fn from(b: bool) -> Self {
        PyValue::Bool(b)
    }
}

impl From<&str> for PyValue {
    fn from(s: &str) -> Self {
        PyValue::Str(s.to_string())
    }
}

impl From<String> for PyValue {
    fn from(s: String) -> Self {
        PyValue::Str(s)
    }
}

/// `()` is `None`.
impl From<()> for PyValue {
    fn from(_: ()) -> Self {
        PyValue::None
    }
}

/// `None` is `None`, `Some(x)` is `x`.
impl<T: Into<PyValue>> From<Option<T>> for PyValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(PyValue::None, Into::into)
    }
}

impl<T: Into<PyValue>> From<Vec<T>> for PyValue {
    fn from(items: Vec<T>) -> Self {
        PyValue::List(PyList(items.into_iter().map(Into::into).collect()))
    }
}

impl From<PyList> for PyValue {
    fn from(list: PyList) -> Self {
        PyValue::List(list)
    }
}

impl From<PyDict> for PyValue {
    fn from(dict: PyDict) -> Self {
        PyValue::Dict(dict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_notes_dict_and_list_as_python_does() {
        let mut d = PyDict::new();
        d.insert(1.into(), "1".into()).expect("hashable");
        d.insert("2".into(), 2.into()).expect("hashable");
        d.insert(0.25.into(), PyValue::None).expect("hashable");
        assert_eq!(d.to_string(), "{1: '1', '2': 2, 0.25: None}");
        assert_eq!(PyValue::from(vec![666]).to_string(), "[666]");
        assert_eq!(
            PyValue::from(vec![111, 22, 33, 44]).to_string(),
            "[111, 22, 33, 44]"
        );
    }

    #[test]
    fn str_prints_bare_but_reprs_quoted() {
        let s = PyValue::from("武沛齐");
        assert_eq!(s.to_string(), "武沛齐");
        assert_eq!(s.repr(), "'武沛齐'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("'\""), "'\\'\"'");
        assert_eq!(str_repr("a\nb\\\u{7}"), "'a\\nb\\\\\\x07'");
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (x, python) in [
            (0.25, "0.25"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(x), python, "{x}");
        }
    }

    #[test]
    fn keys_compare_as_in_python() {
        let mut d = PyDict::new();
        d.insert(1.into(), "int".into()).expect("hashable");
        d.insert(1.0.into(), "float".into()).expect("hashable");
        d.insert(true.into(), "bool".into()).expect("hashable");
        // One entry: the first key stays, the last value wins.
        assert_eq!(d.to_string(), "{1: 'bool'}");
        assert_eq!(d.get(&PyValue::Float(1.0)), Some(&PyValue::from("bool")));
        assert_eq!(d.get(&PyValue::from("1")), None);
        assert_eq!(
            d.insert(vec![1].into(), PyValue::None),
            Err("TypeError: unhashable type: 'list'".to_string())
        );
        assert!(PyValue::Int(2).py_eq(&PyValue::Float(2.0)));
        assert!(!PyValue::Int(2).py_eq(&PyValue::Float(2.5)));
        assert_ne!(PyValue::Int(2), PyValue::Float(2.0));
    }

    #[test]
    fn many_keys_are_found_by_hash_across_number_types() {
        let mut d = PyDict::new();
        for i in 0..10_000 {
            d.insert(i.into(), (i * 2).into()).expect("hashable");
        }
        d.insert("7".into(), "str".into()).expect("hashable");
        d.insert(0.5.into(), "half".into()).expect("hashable");
        // Each replaced once more, through an equal key of another type.
        for i in 0..10_000 {
            d.insert(PyValue::Float(f64::from(i)), i.into())
                .expect("hashable");
        }
        d.insert(false.into(), "False".into()).expect("hashable");
        assert_eq!(d.len(), 10_002);
        assert_eq!(d.get(&PyValue::Int(9_999)), Some(&PyValue::Int(9_999)));
        assert_eq!(d.get(&PyValue::Int(0)), Some(&PyValue::from("False")));
        assert_eq!(d.get(&PyValue::from("7")), Some(&PyValue::from("str")));
        assert_eq!(d.get(&PyValue::Float(0.5)), Some(&PyValue::from("half")));
        assert_eq!(d.get(&PyValue::Float(7.5)), None);
        assert_eq!(d.get(&PyValue::Int(10_000)), None);
        assert_eq!(d.get(&vec![1].into()), None);
        // The first key inserted stays, as in Python.
        assert_eq!(d.iter().next().map(|(k, _)| k.repr()), Some("0".into()));
        // NaN equals nothing, itself included: each is a new entry, as for distinct NaN objects.
        d.insert(f64::NAN.into(), 1.into()).expect("hashable");
        d.insert(f64::NAN.into(), 2.into()).expect("hashable");
        assert_eq!(d.len(), 10_004);
        assert_eq!(d.get(&f64::NAN.into()), None);
    }

    #[test]
    fn equality_is_pythons_across_numbers_lists_and_dicts() {
        let one = [PyValue::Int(1), PyValue::Float(1.0), PyValue::Bool(true)];
        for a in &one {
            for b in &one {
                assert!(a.py_eq(b), "{a:?} == {b:?}");
            }
        }
        assert!(PyValue::None.py_eq(&PyValue::None));
        assert!(PyValue::from("a").py_eq(&"a".into()));
        for (a, b) in [
            (PyValue::None, PyValue::Int(0)),
            (PyValue::Bool(false), PyValue::None),
            (PyValue::from("1"), PyValue::Int(1)),
            (PyValue::from("a"), PyValue::from("b")),
            (PyValue::Float(f64::NAN), PyValue::Float(f64::NAN)),
            // Exactly: 2⁵³ + 1 is no float, 2⁶³ no i64.
            (
                PyValue::Int((1 << 53) + 1),
                PyValue::Float(9007199254740992.0),
            ),
            (PyValue::Int(i64::MAX), PyValue::Float(9.223372036854776e18)),
            (PyValue::Float(-1e19), PyValue::Int(i64::MIN)),
            (PyValue::Float(2.5), PyValue::Int(2)),
        ] {
            assert!(!a.py_eq(&b), "{a:?} != {b:?}");
            assert!(!b.py_eq(&a), "{b:?} != {a:?}");
        }
        assert!(PyValue::Int(i64::MIN).py_eq(&PyValue::Float(-9.223372036854776e18)));
        assert!(PyValue::Float(-0.0).py_eq(&PyValue::Int(0)));

        let list = |items: Vec<PyValue>| PyValue::from(items);
        assert!(list(vec![1.into(), "a".into()]).py_eq(&list(vec![1.0.into(), "a".into()])));
        assert!(!list(vec![1.into()]).py_eq(&list(vec![1.into(), 2.into()])));
        assert!(!list(vec![1.into(), 2.into()]).py_eq(&list(vec![2.into(), 1.into()])));
        assert!(!list(vec![]).py_eq(&PyDict::new().into()));

        let dict = |entries: Vec<(PyValue, PyValue)>| {
            let mut d = PyDict::new();
            for (k, v) in entries {
                d.insert(k, v).expect("hashable");
            }
            PyValue::from(d)
        };
        let d = dict(vec![(1.into(), "a".into()), ("b".into(), PyValue::None)]);
        // In any order, keys and values compared as Python compares them.
        assert!(d.py_eq(&dict(vec![
            ("b".into(), PyValue::None),
            (1.0.into(), "a".into())
        ])));
        assert!(!d.py_eq(&dict(vec![(1.into(), "a".into())])));
        assert!(!dict(vec![(1.into(), "a".into())]).py_eq(&d));
        assert!(!d.py_eq(&dict(vec![
            (1.into(), "b".into()),
            ("b".into(), PyValue::None)
        ])));
        assert!(!d.py_eq(&dict(vec![
            (2.into(), "a".into()),
            ("b".into(), PyValue::None)
        ])));
        assert!(dict(vec![]).py_eq(&dict(vec![])));
    }

    #[test]
    fn a_dict_counts_its_keys_as_python_does() {
        let mut d = PyDict::new();
        assert_eq!(d.len(), 0);
        d.insert(1.into(), "a".into()).expect("hashable");
        d.insert(true.into(), "b".into()).expect("hashable");
        d.insert("1".into(), "c".into()).expect("hashable");
        assert_eq!(d.len(), 2, "{d}");
    }

    #[test]
    fn floats_switch_to_an_exponent_where_python_does() {
        for (x, python) in [
            (1e16 - 2.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (-1e16, "-1e+16"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (1e-4, "0.0001"),
            (-1e-4, "-0.0001"),
            (9.999999999999999e-5, "9.999999999999999e-05"),
            (1e-5, "1e-05"),
            (5e-324, "5e-324"),
            (0.0, "0.0"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(float_repr(x), python, "{x:e}");
        }
    }

    #[test]
    fn characters_python_does_not_show_are_escaped_in_its_three_widths() {
        for (c, python) in [
            ('\u{7f}', "'\\x7f'"),
            ('\u{85}', "'\\x85'"),
            ('\u{a0}', "'\\xa0'"),
            ('\u{ad}', "'\\xad'"),
            ('\u{2000}', "'\\u2000'"),
            ('\u{200b}', "'\\u200b'"),
            ('\u{200f}', "'\\u200f'"),
            ('\u{2028}', "'\\u2028'"),
            ('\u{3000}', "'\\u3000'"),
            ('\u{e000}', "'\\ue000'"),
            ('\u{f8ff}', "'\\uf8ff'"),
            ('\u{feff}', "'\\ufeff'"),
            ('\u{e0001}', "'\\U000e0001'"),
            ('\u{10ffff}', "'\\U0010ffff'"),
        ] {
            assert_eq!(str_repr(&c.to_string()), python, "U+{:04X}", u32::from(c));
        }
        for shown in [
            'é',
            '中',
            '、',
            'ｑ',
            '😀',
            '\u{20000}',
            '\u{1ffd}',
            '\u{2010}',
            '\u{f900}',
        ] {
            assert_eq!(str_repr(&shown.to_string()), format!("'{shown}'"));
        }
    }

    #[test]
    fn nested_values_and_none() {
        let mut inner = PyDict::new();
        inner
            .insert("k".into(), vec![PyValue::None, true.into()].into())
            .expect("hashable");
        let list = PyValue::from(vec![
            PyValue::from(inner),
            PyValue::from(Some(3)),
            ().into(),
        ]);
        assert_eq!(list.to_string(), "[{'k': [None, True]}, 3, None]");
        assert_eq!(PyDict::new().to_string(), "{}");
        assert_eq!(PyList::new().to_string(), "[]");
    }
}
