//! OpenSSL release numbers: `MAJOR.MINOR.PATCH` followed, before 3.0, by
//! letters (`1.0.2`, `1.0.2a` ... `1.0.2z`, `1.0.2za` ...); from 3.0 an
//! optional `-alphaN`/`-betaN` pre-release.

use crate::num::{all_digits, Num};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenSslKey {
    nums: Vec<Num>,
    letters: String,
    pre: Option<String>,
}

impl Ord for OpenSslKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Num::new("");
        let n = self.nums.len().max(other.nums.len());
        for i in 0..n {
            let o = self
                .nums
                .get(i)
                .unwrap_or(&zero)
                .cmp(other.nums.get(i).unwrap_or(&zero));
            if o != Ordering::Equal {
                return o;
            }
        }
        // Letter releases follow in order a..z, za..zz: plain string order.
        self.letters
            .cmp(&other.letters)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => crate::schemes::generic::compare(a, b),
            })
    }
}

impl PartialOrd for OpenSslKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) fn parse(s: &str) -> Result<OpenSslKey, String> {
    let (main, pre) = match s.split_once('-') {
        Some((m, p)) if !p.is_empty() => (m, Some(p.to_ascii_lowercase())),
        Some(_) => return Err("empty pre-release after '-'".into()),
        None => (s, None),
    };
    let digits_end = main
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let (nums, letters) = main.split_at(digits_end);
    if !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(format!("{letters:?} is not a lowercase letter suffix"));
    }
    let nums: Vec<Num> = nums
        .split('.')
        .map(|p| {
            if all_digits(p) {
                Ok(Num::new(p))
            } else {
                Err(format!("{p:?} is not a number"))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(OpenSslKey {
        nums,
        letters: letters.to_string(),
        pre,
    })
}
