//! Reading feed files straight into the index builder (`db import
//! --snapshot`), deciding between copies of a record the way the store's
//! importer does, so the snapshot equals the one exported from PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use medsec_index::IndexBuilder;
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::cwe::CweEntry;
use medsec_kb::epss::{EpssMeta, EpssReader, EpssScore};
use medsec_kb::kev::KevEntry;
use medsec_kb::{FeedRead, Timestamp, Vulnerability};
use medsec_store::kb_import::{
    csaf_record_key, csaf_supersedes, date_in_name, list_files, supersedes, FeedInput, FeedKind,
    Progress,
};
use medsec_store::kb_read::{EpssDay, KbRecords};

use super::{RejectedLine, SourceLine, Summary};

/// One record per key, decided as the store decides.
#[derive(Default)]
pub struct RecordSet {
    vulns: BTreeMap<(&'static str, String), Vulnerability>,
    kev: BTreeMap<String, KevEntry>,
    epss: BTreeMap<(NaiveDate, String), (Option<String>, EpssScore)>,
    cwe: BTreeMap<u32, CweEntry>,
    csaf: BTreeMap<(String, String), CsafAdvisory>,
}

impl RecordSet {
    /// The store's rule: the newer `modified` wins, then the greater
    /// content hash, so the winner does not depend on order.
    pub fn add_vulnerability(&mut self, v: Vulnerability) {
        let key = (v.source.as_str(), v.id.clone());
        match self.vulns.get(&key) {
            Some(old) if !supersedes(&v, old) => {}
            _ => {
                self.vulns.insert(key, v);
            }
        }
    }

    /// The later entry of a CVE replaces the earlier one (an upsert).
    pub fn add_kev(&mut self, e: KevEntry) {
        self.kev.insert(e.cve_id.clone(), e);
    }

    pub fn add_epss(&mut self, date: NaiveDate, model: Option<String>, s: EpssScore) {
        self.epss.insert((date, s.cve.clone()), (model, s));
    }

    pub fn add_cwe(&mut self, c: CweEntry) {
        self.cwe.insert(c.id, c);
    }

    /// Keyed and decided as the store does: publisher and tracking id; the
    /// newer current release wins, then the greater content hash.
    pub fn add_csaf(&mut self, a: CsafAdvisory) {
        let key = csaf_record_key(&a);
        match self.csaf.get(&key) {
            Some(old) if !csaf_supersedes(&a, old) => {}
            _ => {
                self.csaf.insert(key, a);
            }
        }
    }

    /// The chosen records in the store's read-back shape, for filters that
    /// rebuild a set from them (`db import --snapshot --facts-only`).
    pub fn into_records(self, generation: i64) -> KbRecords {
        let mut epss: Vec<EpssDay> = Vec::new();
        for ((date, _), (model_version, s)) in self.epss {
            match epss.last_mut() {
                Some(day) if day.date == date => day.scores.push(s),
                _ => epss.push(EpssDay {
                    date,
                    model_version,
                    scores: vec![s],
                }),
            }
        }
        KbRecords {
            generation,
            vulnerabilities: self.vulns.into_values().collect(),
            kev: self.kev.into_values().collect(),
            epss,
            cwes: self.cwe.into_values().collect(),
            csaf: self.csaf.into_values().collect(),
        }
    }

    pub fn into_builder(self) -> IndexBuilder {
        let mut b = IndexBuilder::new();
        b.add_vulnerabilities(self.vulns.into_values());
        for e in self.kev.into_values() {
            b.add_kev(e);
        }
        for ((date, _), (model_version, s)) in self.epss {
            let meta = EpssMeta {
                model_version,
                score_date: Some(Timestamp(date.and_time(NaiveTime::MIN).and_utc())),
            };
            b.add_epss(&meta, s);
        }
        for c in self.cwe.into_values() {
            b.add_cwe(c);
        }
        for a in self.csaf.into_values() {
            b.add_csaf(a);
        }
        b
    }
}

pub struct Read {
    pub records: RecordSet,
    pub summary: Summary,
}

struct Reader<'p> {
    records: RecordSet,
    summary: Summary,
    progress: &'p mut dyn FnMut(&Progress),
    current: Progress,
}

/// Reads every input; bad files and records go to the summary's
/// rejections, as in the store's import.
pub fn read_inputs(inputs: &[FeedInput], progress: &mut dyn FnMut(&Progress)) -> Read {
    let mut r = Reader {
        records: RecordSet::default(),
        summary: Summary::default(),
        progress,
        current: Progress {
            kind: "",
            files_done: 0,
            files_total: None,
            records_read: 0,
            records_done: 0,
        },
    };
    for input in inputs {
        r.input(input);
    }
    Read {
        records: r.records,
        summary: r.summary,
    }
}

impl Reader<'_> {
    fn source(&mut self, name: &str) -> &mut SourceLine {
        self.summary.sources.entry(name.to_owned()).or_default()
    }

    fn reject(&mut self, source: &str, file: &str, record: Option<String>, reason: String) {
        self.source(source).rejected += 1;
        self.summary.rejected.push(RejectedLine {
            source: source.to_owned(),
            file: file.to_owned(),
            record,
            reason,
        });
    }

    fn take<T>(&mut self, source: &str, read: &mut FeedRead<T>) {
        for e in read.rejected.drain(..) {
            let reason = e.to_string();
            self.reject(source, &e.file, e.record.clone(), reason);
        }
        self.source(source).warnings += read.warnings.len() as u64;
    }

    fn read_one(&mut self, n: u64) {
        self.current.records_read += n;
        self.current.records_done += n;
    }

    fn input(&mut self, input: &FeedInput) {
        let kind = input.kind;
        self.current = Progress {
            kind: kind.as_str(),
            files_done: 0,
            files_total: None,
            records_read: 0,
            records_done: 0,
        };
        let files = match list_files(&input.path, kind) {
            Ok(f) => f,
            Err(reason) => {
                let path = input.path.display().to_string();
                self.reject(kind.as_str(), &path, None, reason);
                return;
            }
        };
        self.current.files_total = Some(files.len() as u64);
        (self.progress)(&self.current);
        for path in &files {
            let name = path.display().to_string();
            self.current.files_done += 1;
            if let Err(reason) = self.file(kind, path, &name, input.score_date) {
                self.reject(kind.as_str(), &name, None, reason);
            }
            (self.progress)(&self.current);
        }
    }

    fn file(
        &mut self,
        kind: FeedKind,
        path: &Path,
        name: &str,
        score_date: Option<NaiveDate>,
    ) -> Result<(), String> {
        let bytes = || std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"));
        let lower = name.to_ascii_lowercase();
        match kind {
            FeedKind::Nvd | FeedKind::Cve5 | FeedKind::Osv => {
                let b = bytes()?;
                let mut read = match kind {
                    FeedKind::Nvd => medsec_kb::nvd::read(&b, name),
                    FeedKind::Cve5 => medsec_kb::cve5::read(&b, name),
                    _ if lower.ends_with(".json") || lower.ends_with(".json.gz") => {
                        medsec_kb::osv::read_json(&b, name)
                    }
                    _ => medsec_kb::osv::read_yaml(&b, name),
                }
                .map_err(|e| e.to_string())?;
                self.take(kind.as_str(), &mut read);
                for v in read.records {
                    self.source(v.source.as_str()).read += 1;
                    self.read_one(1);
                    self.records.add_vulnerability(v);
                }
            }
            FeedKind::Csaf => {
                let b = bytes()?;
                let mut read = medsec_kb::csaf::read(&b, name).map_err(|e| e.to_string())?;
                self.take("csaf", &mut read);
                for a in read.records {
                    self.source("csaf").read += 1;
                    self.read_one(1);
                    self.records.add_csaf(a);
                }
            }
            FeedKind::Kev => {
                let b = bytes()?;
                let mut read = if lower.contains(".csv") {
                    medsec_kb::kev::read_csv(&b[..], name)
                } else {
                    medsec_kb::kev::read_json(&b, name).map(|(_, r)| r)
                }
                .map_err(|e| e.to_string())?;
                self.take("kev", &mut read);
                // Read counts once per CVE of the file, as the store does.
                let mut unique = BTreeMap::new();
                for e in read.records {
                    unique.insert(e.cve_id.clone(), e);
                }
                self.source("kev").read += unique.len() as u64;
                self.read_one(unique.len() as u64);
                for e in unique.into_values() {
                    self.records.add_kev(e);
                }
            }
            FeedKind::Cwe => {
                let f =
                    std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
                let mut read = medsec_kb::cwe::read_csv(f, name).map_err(|e| e.to_string())?;
                self.take("cwe", &mut read);
                let mut unique = BTreeMap::new();
                for c in read.records {
                    unique.insert(c.id, c);
                }
                self.source("cwe").read += unique.len() as u64;
                self.read_one(unique.len() as u64);
                for c in unique.into_values() {
                    self.records.add_cwe(c);
                }
            }
            FeedKind::CveSummary | FeedKind::IcsAdvisories | FeedKind::KevEpss => {
                return Err(format!(
                    "{}: the snapshot has no place for this table; import it into PostgreSQL",
                    kind.as_str()
                ));
            }
            FeedKind::Epss => {
                let f =
                    std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
                let reader = EpssReader::new(f, name).map_err(|e| e.to_string())?;
                let meta = reader.meta().clone();
                let day = meta
                    .score_date
                    .map(|t| t.0.date_naive())
                    .or(score_date)
                    .or_else(|| date_in_name(path))
                    .ok_or_else(|| {
                        "no score date: the file states none, none was given and the file name holds no YYYY-MM-DD".to_owned()
                    })?;
                let model = meta.model_version.filter(|m| !m.is_empty());
                for row in reader {
                    match row {
                        Ok(s) => {
                            self.source("epss").read += 1;
                            self.read_one(1);
                            self.records.add_epss(day, model.clone(), s);
                        }
                        Err(e) => {
                            let reason = e.to_string();
                            self.reject("epss", &e.file, e.record.clone(), reason);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
