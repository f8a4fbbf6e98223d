//! The metric tables each version is defined by, and the one strict parser
//! they share.

use crate::error::{echo, CvssError};
use crate::Version;

/// One metric of a version: its abbreviation, the abbreviated values the
/// specification allows, and whether a vector must carry it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct MetricDef {
    pub key: &'static str,
    pub values: &'static [&'static str],
    pub mandatory: bool,
}

/// Shorthand for the version tables.
pub(crate) const fn def(
    key: &'static str,
    values: &'static [&'static str],
    mandatory: bool,
) -> MetricDef {
    MetricDef {
        key,
        values,
        mandatory,
    }
}

/// The metrics a vector carries: for each metric of its version's table, in
/// specification order, the index of its value, or `None` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Metrics {
    defs: &'static [MetricDef],
    values: Vec<Option<u8>>,
}

impl Metrics {
    /// Parses the `/`-separated `METRIC:VALUE` components of `body` (the
    /// vector without its prefix) against `defs`.
    ///
    /// `ordered` makes a metric that comes after a metric the table places
    /// later an error. Explicit "Not Defined" values are kept as written.
    pub(crate) fn parse(
        body: &str,
        defs: &'static [MetricDef],
        version: Version,
        ordered: bool,
    ) -> Result<Self, CvssError> {
        let mut values: Vec<Option<u8>> = vec![None; defs.len()];
        // Table index of the last metric seen, for the order check.
        let mut last: Option<usize> = None;
        for (i, component) in body.split('/').enumerate() {
            let position = i + 1;
            let malformed = || CvssError::MalformedComponent {
                version,
                position,
                component: echo(component),
            };
            let (key, value) = component.split_once(':').ok_or_else(malformed)?;
            if key.is_empty() || value.is_empty() || value.contains(':') {
                return Err(malformed());
            }
            let (index, metric) = defs
                .iter()
                .enumerate()
                .find(|(_, d)| d.key == key)
                .ok_or_else(|| CvssError::UnknownMetric {
                    version,
                    position,
                    metric: echo(key),
                })?;
            let value_index = metric
                .values
                .iter()
                .position(|v| *v == value)
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| CvssError::InvalidValue {
                    version,
                    position,
                    metric: metric.key,
                    value: echo(value),
                    allowed: metric.values.join("/"),
                })?;
            let slot = values.get_mut(index).ok_or_else(malformed)?;
            if slot.is_some() {
                return Err(CvssError::DuplicateMetric {
                    version,
                    position,
                    metric: metric.key,
                });
            }
            *slot = Some(value_index);
            if ordered {
                if let Some(prev) = last.filter(|&prev| prev > index) {
                    return Err(CvssError::OutOfOrder {
                        version,
                        position,
                        metric: metric.key,
                        after: defs.get(prev).map_or("", |d| d.key),
                    });
                }
            }
            last = Some(index);
        }
        if let Some(missing) = defs
            .iter()
            .zip(&values)
            .find(|(d, v)| d.mandatory && v.is_none())
        {
            return Err(CvssError::MissingMetric {
                version,
                metric: missing.0.key,
            });
        }
        Ok(Self { defs, values })
    }

    /// The value of `key` as written, or `None` when the vector omits it.
    pub(crate) fn get(&self, key: &str) -> Option<&'static str> {
        self.defs
            .iter()
            .zip(&self.values)
            .find(|(d, _)| d.key == key)
            .and_then(|(d, v)| v.and_then(|v| d.values.get(usize::from(v)).copied()))
    }

    /// The metrics present, in specification order, as `(metric, value)`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.defs.iter().zip(&self.values).filter_map(|(d, v)| {
            v.and_then(|v| d.values.get(usize::from(v)).map(|value| (d.key, *value)))
        })
    }

    /// `METRIC:VALUE/...` of the metrics present, in specification order.
    pub(crate) fn body(&self) -> String {
        let mut out = String::new();
        for (key, value) in self.iter() {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(key);
            out.push(':');
            out.push_str(value);
        }
        out
    }

    /// Whether any of `keys` is present with a value other than `not_defined`.
    pub(crate) fn any_defined(&self, keys: &[&str], not_defined: &str) -> bool {
        keys.iter()
            .any(|k| self.get(k).is_some_and(|v| v != not_defined))
    }
}
