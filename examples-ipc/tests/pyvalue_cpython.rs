//! `PyValue` against CPython: what §9.2's and §9.3's programs print is what Python prints.
//!
//! Random values of the kinds the examples use — ints (big ones too), floats (`0.25`, `1e16`,
//! `1e-5`, `inf`, `nan`, `-0.0`, the edges where Python switches to an exponent), strings with
//! quotes, backslashes, control characters, Chinese and astral characters and the invisible
//! ones, `None`, bools, lists, dicts with keys of mixed types — are printed by `PyValue`
//! (`Display` is `print`, [`PyValue::repr`] is `repr`) and by the real `python3`, and compared;
//! so are `==` between pairs of them (Python's `==`, [`PyValue::py_eq`]) and the one-byte
//! `bytes` of `Value('c')` ([`CChar`]). Each value is built on the Python side from its bits
//! (a float's eight bytes, a string's UTF-8), never from a repr, so that the two sides cannot
//! agree by both being wrong. All values go to one `python3` per test; a run's values come from
//! a seed that a failure names (`PYVALUE_SEED=… cargo test` replays it).
//!
//! Without `python3` the tests say on stderr that they skipped, and pass.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use examples_ipc::{CChar, PyDict, PyList, PyValue};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Reads the lines of stdin and answers each on a line of stdout:
/// `V <expr>` → the hex of `repr(v)` and of `str(v)` (UTF-8); `E <expr>\t<expr>` → `1` if the
/// two values are `==`, else `0`; `B <n>` → the hex of `repr(bytes([n]))`; `U` → Python's
/// version of Unicode, then a line `FIRST LAST PRINTABLE` per run of assigned code points that
/// `repr` shows as they are (`1`) or escapes (`0`), and `.`.
const PYTHON: &str = r#"
import struct, sys, unicodedata
F = lambda h: struct.unpack('<d', bytes.fromhex(h))[0]
S = lambda h: bytes.fromhex(h).decode('utf-8')
hx = lambda s: s.encode('utf-8').hex()
for line in sys.stdin:
    kind, _, rest = line.rstrip('\n').partition(' ')
    if kind == 'V':
        v = eval(rest)
        print(hx(repr(v)), hx(str(v)))
    elif kind == 'E':
        a, b = rest.split('\t')
        print(int(eval(a) == eval(b)))
    elif kind == 'B':
        print(hx(repr(bytes([int(rest)]))))
    elif kind == 'U':
        print(unicodedata.unidata_version)
        run = None
        for code in range(0x110000):
            c = chr(code)
            if unicodedata.category(c) in ('Cn', 'Cs'):
                shown = None
            else:
                shown = int(c.isprintable())
            if run is not None and shown == run[2] and code == run[1] + 1:
                run[1] = code
                continue
            if run is not None and run[2] is not None:
                print(*run)
            run = [code, code, shown]
        if run[2] is not None:
            print(*run)
        print('.')
"#;

/// The version of Unicode of PyValue's table of what Python escapes (Python 3.11's).
const UNICODE: &str = "14.0.0";

/// How a value is built: the same recipe makes the `PyValue` and the Python expression.
#[derive(Debug, Clone)]
enum Recipe {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Recipe>),
    /// A dict literal: its entries in order, a key repeated or not — Python keeps the first key
    /// and the last value, as `PyDict::insert` must.
    Dict(Vec<(Recipe, Recipe)>),
}

impl Recipe {
    fn value(&self) -> PyValue {
        match self {
            Recipe::None => PyValue::None,
            Recipe::Bool(b) => PyValue::Bool(*b),
            Recipe::Int(n) => PyValue::Int(*n),
            Recipe::Float(x) => PyValue::Float(*x),
            Recipe::Str(s) => PyValue::Str(s.clone()),
            Recipe::List(items) => PyValue::List(PyList(items.iter().map(Recipe::value).collect())),
            Recipe::Dict(entries) => {
                let mut dict = PyDict::new();
                for (key, value) in entries {
                    dict.insert(key.value(), value.value())
                        .expect("the keys of a recipe are hashable");
                }
                PyValue::Dict(dict)
            }
        }
    }

    /// The Python expression that builds the value (with `F` and `S` of [`PYTHON`]).
    fn python(&self) -> String {
        match self {
            Recipe::None => "None".into(),
            Recipe::Bool(b) => if *b { "True" } else { "False" }.into(),
            Recipe::Int(n) => format!("({n})"),
            Recipe::Float(x) => format!("F('{}')", hex(&x.to_le_bytes())),
            Recipe::Str(s) => format!("S('{}')", hex(s.as_bytes())),
            Recipe::List(items) => {
                let items: Vec<String> = items.iter().map(Recipe::python).collect();
                format!("[{}]", items.join(", "))
            }
            Recipe::Dict(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.python(), v.python()))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
        }
    }

    /// A value Python may well find equal, built differently: numbers as another of bool, int
    /// and float, a dict's entries in the reverse order.
    fn twin(&self) -> Recipe {
        match self {
            Recipe::Bool(b) => Recipe::Int(i64::from(*b)),
            Recipe::Int(n) => Recipe::Float(*n as f64),
            Recipe::Float(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Recipe::Int(*x as i64),
            Recipe::List(items) => Recipe::List(items.iter().map(Recipe::twin).collect()),
            Recipe::Dict(entries) => Recipe::Dict(
                entries
                    .iter()
                    .rev()
                    .map(|(k, v)| (k.twin(), v.twin()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(text: &str) -> String {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("python3 prints hex"))
        .collect();
    String::from_utf8(bytes).expect("python3 prints UTF-8")
}

fn ints() -> impl Strategy<Value = i64> {
    prop_oneof![
        -1000_i64..1000,
        any::<i64>(),
        // Where a float stops holding every int, and the ends of the range.
        prop::sample::select(vec![
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            (1 << 53) + 1,
            1 << 53,
            -(1 << 53) - 1,
            1 << 62,
        ]),
    ]
}

fn floats() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        (-1e6..1e6_f64),
        (-1000_i32..1000).prop_map(f64::from),
        prop::sample::select(vec![
            0.25,
            0.0,
            -0.0,
            1e16,
            1e-5,
            1e-4,
            1e16 - 2.0, // the largest float below 1e16: still without an exponent
            1e-4 - 1e-20,
            0.1 + 0.2,
            1.5e-7,
            1e22,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9007199254740993.0,
            9.223372036854776e18,
            -9.223372036854776e18,
        ]),
    ]
}

/// Characters of every kind that Python's `repr` treats in its own way.
fn chars() -> impl Strategy<Value = char> {
    let code = |range: std::ops::RangeInclusive<u32>| {
        range.prop_map(|c| char::from_u32(c).expect("no surrogate in these ranges"))
    };
    prop_oneof![
        4 => code(0x20..=0x7e),                  // ASCII that prints
        2 => prop::sample::select(vec!['\'', '"', '\\']),
        2 => code(0x00..=0x1f),                  // control characters, \t \n \r among them
        1 => code(0x7f..=0xff),                  // DEL, C1 controls, Latin-1
        4 => code(0x4e00..=0x9fff),              // Chinese
        1 => code(0x3000..=0x303f),              // CJK punctuation, the ideographic space first
        1 => code(0xff01..=0xff5e),              // fullwidth forms
        1 => prop::sample::select(vec![           // invisible, and separators
            '\u{ad}', '\u{200b}', '\u{200d}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{2060}',
            '\u{feff}', '\u{e000}', '\u{f8ff}', '\u{fffe}', '\u{10ffff}', '\u{1680}',
        ]),
        1 => code(0x1f600..=0x1f64f),            // emoji: astral
        1 => code(0x20000..=0x2a6df),            // CJK extension B: astral
    ]
}

fn strings() -> impl Strategy<Value = String> {
    prop::collection::vec(chars(), 0..12).prop_map(|chars| chars.into_iter().collect())
}

/// What can be a dict key: everything but a list or a dict.
fn hashable() -> impl Strategy<Value = Recipe> {
    prop_oneof![
        Just(Recipe::None),
        any::<bool>().prop_map(Recipe::Bool),
        ints().prop_map(Recipe::Int),
        floats().prop_map(Recipe::Float),
        strings().prop_map(Recipe::Str),
    ]
}

fn recipes() -> impl Strategy<Value = Recipe> {
    hashable().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Recipe::List),
            // Small ints and bools as keys too, so that 1, 1.0 and True meet in one dict.
            prop::collection::vec(
                (
                    prop_oneof![hashable(), (-2_i64..3).prop_map(Recipe::Int)],
                    inner
                ),
                0..5
            )
            .prop_map(Recipe::Dict),
        ]
    })
}

/// A pair to compare with `==`: the same value built twice, a twin, or another value.
fn pairs() -> impl Strategy<Value = (Recipe, Recipe)> {
    recipes().prop_flat_map(|a| {
        let b = prop_oneof![Just(a.clone()), Just(a.twin()), recipes(),];
        (Just(a), b)
    })
}

/// Runs [`PYTHON`] on `input`; its output lines, or `None` (said on stderr) without python3.
fn python3(input: String) -> Option<Vec<String>> {
    let mut child = match Command::new("python3")
        .args(["-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            // Straight to stderr, not through the test's captured output: seen in every run.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: PyValue is not compared with CPython: python3 cannot be started ({e})"
            );
            return None;
        }
    };
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("python3 runs");
    writer
        .join()
        .expect("the writer")
        .expect("python3 reads its input");
    assert!(output.status.success(), "python3 failed: {}", output.status);
    let text = String::from_utf8(output.stdout).expect("python3 prints UTF-8");
    Some(text.lines().map(str::to_string).collect())
}

/// The seed of this run's values: `PYVALUE_SEED` to replay a run, else a new one each run.
fn seed() -> u64 {
    if let Some(seed) = std::env::var("PYVALUE_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return seed;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs() ^ (u64::from(now.subsec_nanos()) << 32) ^ u64::from(std::process::id())
}

#[test]
fn values_print_and_compare_as_in_cpython() {
    // proptest only makes the values: one batch, sent to one python3, every answer checked.
    // (Shrinking would start a python3 per attempt; the cases that differ are listed instead.)
    let seed = seed();
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed.to_le_bytes(); 4].concat());
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let (values, pairs) = (
        prop::collection::vec(recipes(), 300),
        prop::collection::vec(pairs(), 300),
    )
        .new_tree(&mut runner)
        .expect("the strategies always make a value")
        .current();
    let mut input = String::new();
    for recipe in &values {
        let _ = writeln!(input, "V {}", recipe.python());
    }
    for (a, b) in &pairs {
        let _ = writeln!(input, "E {}\t{}", a.python(), b.python());
    }
    let Some(answers) = python3(input) else {
        return; // said on stderr
    };
    assert_eq!(
        answers.len(),
        values.len() + pairs.len(),
        "python3 answers each line"
    );
    let (printed, equal) = answers.split_at(values.len());
    let mut differences = Vec::new();
    for (recipe, line) in values.iter().zip(printed) {
        let (repr, str) = line.split_once(' ').expect("two fields");
        let value = recipe.value();
        for (what, ours, python) in [
            ("repr", value.repr(), unhex(repr)),
            ("str", value.to_string(), unhex(str)),
        ] {
            if ours != python {
                differences.push(format!(
                    "{what}({value:?}): PyValue gives {ours}, python3 gives {python}"
                ));
            }
        }
    }
    for ((a, b), line) in pairs.iter().zip(equal) {
        let (a, b) = (a.value(), b.value());
        let (ours, python) = (a.py_eq(&b), line == "1");
        if ours != python {
            differences.push(format!(
                "{a:?} == {b:?}: PyValue says {ours}, python3 says {python}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "PyValue and CPython disagree on {} of {} cases (replay: PYVALUE_SEED={seed}); the first:\n{}",
        differences.len(),
        values.len() * 2 + pairs.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}

#[test]
fn every_byte_prints_as_cpython_prints_a_one_byte_bytes() {
    let input: String = (0..=255).map(|b| format!("B {b}\n")).collect();
    let Some(answers) = python3(input) else {
        return;
    };
    for (byte, line) in (0..=255_u8).zip(&answers) {
        assert_eq!(CChar(byte).to_string(), unhex(line), "byte {byte:#04x}");
    }
}

#[test]
fn every_character_is_shown_or_escaped_as_cpython_does() {
    let Some(answers) = python3("U\n".to_string()) else {
        return;
    };
    let (version, runs) = answers.split_first().expect("the version first");
    if version != UNICODE {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: python3's Unicode is {version}, PyValue's table is Unicode {UNICODE}'s: \
             characters assigned since would differ"
        );
        return;
    }
    let mut checked = 0;
    for run in runs.iter().take_while(|line| *line != ".") {
        let fields: Vec<u32> = run
            .split(' ')
            .map(|f| f.parse().expect("numbers"))
            .collect();
        let [first, last, shown] = fields[..] else {
            panic!("a run is three numbers: {run:?}");
        };
        for code in first..=last {
            let c = char::from_u32(code).expect("no surrogates");
            if c == '\'' || c == '\\' {
                continue; // printable, but escaped in a repr
            }
            let repr = PyValue::Str(c.to_string()).repr();
            assert_eq!(
                repr == format!("'{c}'"),
                shown == 1,
                "U+{code:04X} ({}): PyValue's repr is {repr}",
                if shown == 1 {
                    "Python shows it"
                } else {
                    "Python escapes it"
                }
            );
            checked += 1;
        }
    }
    assert!(checked > 280_000, "only {checked} characters checked");
}
