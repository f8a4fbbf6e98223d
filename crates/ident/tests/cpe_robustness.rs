//! Arbitrary input never panics, and whatever reads as a name binds and
//! reads back to the same name.

use medsec_ident::cpe::Wfn;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    ":", ":", ":", "\\", "*", "?", "-", ".", "_", "~", "%", "%01", "%02", "%2a", "%3A", "%7e",
    "%0", "%zz", "a", "b", "A", "o", "h", "1", "0", "en", "us", "\\:", "\\\\", "\\*", "\\?", "\\!",
    "!", "@", "/", " ", "\t", "\u{e9}", "\"", ",", "[", "]", "=", "ANY", "NA",
];

fn random_body(rng: &mut Rng) -> String {
    let len = rng.below(24);
    (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

fn check(input: &str) -> bool {
    let Ok(w) = Wfn::parse(input) else {
        return false;
    };
    let fs = w.to_fs();
    assert_eq!(Wfn::parse_fs(&fs).as_ref(), Ok(&w), "{input:?} -> {fs}");
    let uri = w.to_uri();
    assert_eq!(
        Wfn::parse_uri(&uri),
        Ok(w.normalized()),
        "{input:?} -> {uri}"
    );
    let notation = w.to_wfn_notation();
    assert_eq!(
        Wfn::parse_wfn(&notation).as_ref(),
        Ok(&w),
        "{input:?} -> {notation}"
    );
    assert!(
        w.matches(&w) && w.is_equal(&w)
            || w.values()
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.has_wildcards()))
    );
    true
}

#[test]
fn random_input_never_panics_and_round_trips() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    let total = 200_000;
    for i in 0..total {
        let prefix = ["cpe:2.3:", "cpe:/", "wfn:[", "CPE:2.3:", "cpe:", ""][i % 6];
        let input = if prefix == "cpe:2.3:" && i % 12 == 0 {
            // Eleven fields, so that more inputs get as far as the values.
            let fields: Vec<String> = (0..11).map(|_| random_body(&mut rng)).collect();
            format!("cpe:2.3:{}", fields.join(":"))
        } else {
            format!("{prefix}{}", random_body(&mut rng))
        };
        parsed += usize::from(check(&input));
    }
    println!("{parsed} of {total} random inputs read as names");
    assert!(
        parsed > 100,
        "too few random inputs read as names to exercise the round trip"
    );
}

#[test]
fn pathological_lengths() {
    let long_q = format!("cpe:2.3:a:v:{}p:1:*:*:*:*:*:*:*", "?".repeat(100_000));
    assert!(check(&long_q));
    let escapes = format!("cpe:2.3:a:v:p{}:1:*:*:*:*:*:*:*", "\\:".repeat(50_000));
    assert!(check(&escapes));
    let colons = format!("cpe:2.3:{}", ":".repeat(100_000));
    assert!(Wfn::parse(&colons).is_err());
    let uri = format!("cpe:/a:{}", "%01".repeat(30_000));
    assert!(check(&uri));
}
