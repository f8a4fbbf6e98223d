//! Dependency-graph facts and licence issues over every SBOM of the shared
//! `sboms/` data, checked against counts made here from the raw JSON and
//! against the `spdx` crate's own evaluation of each expression.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use medsec_engine::{
    component_licences, ComponentRef, ConflictRule, CopyleftStrength, DependencyGraph,
    LicenceIssue, UnknownReason,
};
use medsec_sbom::{LicenseAcknowledgement, Sbom};
use serde_json::Value;

fn sboms(test: &str) -> Option<Vec<(PathBuf, Vec<u8>, Sbom)>> {
    let data = medsec_testdata::require(test)?;
    let mut out = Vec::new();
    for p in medsec_testdata::files_under(&data.join("sboms")) {
        let bytes = medsec_testdata::read(&p);
        if let Ok(sbom) = medsec_sbom::parse(&bytes) {
            out.push((p, bytes, sbom));
        }
    }
    assert!(!out.is_empty(), "no SBOM parsed under {}", data.display());
    Some(out)
}

/// The graph of a CycloneDX JSON document, read straight from the JSON:
/// node keys (bom-refs, or a placeholder for a component without one) and
/// distinct dependency pairs between known nodes, nesting included.
struct RawGraph {
    nodes: BTreeSet<String>,
    edges: BTreeSet<(String, String)>,
    subject: Option<String>,
}

fn raw_graph(doc: &Value) -> RawGraph {
    let mut g = RawGraph {
        nodes: BTreeSet::new(),
        edges: BTreeSet::new(),
        subject: None,
    };
    let mut unnamed = 0usize;
    fn walk(c: &Value, parent: Option<&str>, g: &mut RawGraph, unnamed: &mut usize) -> String {
        let key = match c.get("bom-ref").and_then(Value::as_str) {
            Some(r) => r.to_owned(),
            None => {
                *unnamed += 1;
                format!("\u{0}unnamed {unnamed}")
            }
        };
        g.nodes.insert(key.clone());
        if let Some(p) = parent {
            g.edges.insert((p.to_owned(), key.clone()));
        }
        for n in c
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(n, Some(&key), g, unnamed);
        }
        key
    }
    if let Some(m) = doc.pointer("/metadata/component") {
        let key = walk(m, None, &mut g, &mut unnamed);
        g.subject = Some(key);
    }
    for c in doc
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(c, None, &mut g, &mut unnamed);
    }
    for d in doc
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(from) = d.get("ref").and_then(Value::as_str) else {
            continue;
        };
        for to in d
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if g.nodes.contains(from) && g.nodes.contains(to) {
                g.edges.insert((from.to_owned(), to.to_owned()));
            }
        }
    }
    g
}

fn json_of(bytes: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    (v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX")).then_some(v)
}

fn bfs(out: &HashMap<&str, Vec<&str>>, roots: &[&str]) -> HashMap<String, usize> {
    let mut dist: HashMap<String, usize> = HashMap::new();
    let mut q = VecDeque::new();
    for r in roots {
        dist.insert((*r).to_owned(), 0);
        q.push_back(*r);
    }
    while let Some(u) = q.pop_front() {
        let d = dist[u] + 1;
        for v in out.get(u).into_iter().flatten() {
            if !dist.contains_key(*v) {
                dist.insert((*v).to_owned(), d);
                q.push_back(v);
            }
        }
    }
    dist
}

#[test]
fn graph_facts_agree_with_the_raw_cyclonedx_json() {
    let Some(all) = sboms("graph_facts_agree_with_the_raw_cyclonedx_json") else {
        return;
    };
    let mut checked = 0;
    let mut with_edges = 0;
    for (path, bytes, sbom) in &all {
        let Some(doc) = json_of(bytes) else { continue };
        let name = path.display();
        let raw = raw_graph(&doc);
        let facts = DependencyGraph::new(sbom).facts();
        assert_eq!(facts.nodes, raw.nodes.len(), "{name}: nodes");
        assert_eq!(facts.edges, raw.edges.len(), "{name}: edges");

        let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut into: HashMap<&str, Vec<&str>> = HashMap::new();
        for (a, b) in &raw.edges {
            out.entry(a).or_default().push(b);
            into.entry(b).or_default().push(a);
        }
        // Roots: the subject when it has dependencies, else every node
        // with dependencies and no dependents.
        let roots: Vec<&str> = match raw.subject.as_deref().filter(|s| out.contains_key(s)) {
            Some(s) => vec![s],
            None => raw
                .nodes
                .iter()
                .map(String::as_str)
                .filter(|n| out.contains_key(n) && !into.contains_key(n))
                .collect(),
        };
        let got: BTreeSet<&str> = facts.roots.iter().map(|r| r.reference.as_str()).collect();
        assert_eq!(got, roots.iter().copied().collect(), "{name}: roots");
        let dist = bfs(&out, &roots);
        assert_eq!(
            facts.max_depth,
            dist.values().max().copied(),
            "{name}: depth"
        );
        assert_eq!(
            facts.direct,
            dist.values().filter(|d| **d == 1).count(),
            "{name}: direct"
        );
        assert_eq!(
            facts.unknown,
            raw.nodes.len() - dist.len(),
            "{name}: unknown"
        );
        // The most depended-upon: in-degrees from the raw edges, and
        // dependents counted by a reverse search from each listed node.
        let top_in = into.values().map(Vec::len).max().unwrap_or(0);
        if let Some(first) = facts.most_directly_depended_upon.first() {
            assert_eq!(first.direct_dependents, top_in, "{name}: top in-degree");
        }
        for e in facts
            .most_depended_upon
            .iter()
            .chain(&facts.most_directly_depended_upon)
        {
            let r = e.component.reference.as_str();
            assert_eq!(
                e.direct_dependents,
                into.get(r).map_or(0, Vec::len),
                "{name}: {r} in-degree"
            );
            let reached = bfs(&into, &[r]);
            assert_eq!(
                e.transitive_dependents,
                reached.len() - 1,
                "{name}: {r} dependents"
            );
        }
        // No node outside the list has more dependents than its last.
        if let Some(last) = facts.most_depended_upon.last() {
            if facts.most_depended_upon.len() == medsec_engine::TOP_DEPENDED_UPON {
                let listed: HashSet<&str> = facts
                    .most_depended_upon
                    .iter()
                    .map(|e| e.component.reference.as_str())
                    .collect();
                for n in into.keys().filter(|n| !listed.contains(*n)).take(200) {
                    assert!(
                        bfs(&into, &[n]).len() - 1 <= last.transitive_dependents,
                        "{name}: {n} has more dependents than the list's last"
                    );
                }
            }
        }
        checked += 1;
        if facts.edges > 0 {
            with_edges += 1;
        }
    }
    eprintln!("graph facts: {checked} CycloneDX JSON SBOMs, {with_edges} with dependency edges");
    assert!(
        with_edges >= 5,
        "too few SBOMs with dependency data checked"
    );
}

#[test]
fn every_position_follows_real_edges_from_a_root() {
    let Some(all) = sboms("every_position_follows_real_edges_from_a_root") else {
        return;
    };
    let mut paths = 0;
    for (path, _, sbom) in &all {
        let name = path.display();
        let graph = DependencyGraph::new(sbom);
        let facts = graph.facts();
        let roots: HashSet<&str> = facts.roots.iter().map(|r| r.reference.as_str()).collect();
        let refs: HashSet<&str> = sbom
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        let mut edges: HashSet<(&str, &str)> = sbom
            .edges
            .iter()
            .filter(|e| e.kind.is_dependency())
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        edges.extend(
            sbom.components
                .iter()
                .filter_map(|c| c.parent.as_deref().map(|p| (p, c.reference.as_str()))),
        );
        edges.retain(|(a, b)| refs.contains(a) && refs.contains(b));
        let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
        for (a, b) in &edges {
            out.entry(a).or_default().push(b);
        }
        let root_list: Vec<&str> = roots.iter().copied().collect();
        let dist = bfs(&out, &root_list);
        for c in &sbom.components {
            let r = c.reference.as_str();
            match graph.position(r) {
                medsec_engine::DependencyPosition::Root => assert!(roots.contains(r), "{name} {r}"),
                medsec_engine::DependencyPosition::Direct { path }
                | medsec_engine::DependencyPosition::Transitive { path, .. } => {
                    let first = path.first().map(|n| n.reference.as_str()).unwrap_or("");
                    assert!(roots.contains(first), "{name} {r}: path starts at {first}");
                    assert_eq!(path.last().map(|n| n.reference.as_str()), Some(r));
                    for w in path.windows(2) {
                        let pair = (w[0].reference.as_str(), w[1].reference.as_str());
                        assert!(edges.contains(&pair), "{name} {r}: {pair:?} is no edge");
                    }
                    assert_eq!(Some(&(path.len() - 1)), dist.get(r), "{name} {r}: shortest");
                    paths += 1;
                }
                medsec_engine::DependencyPosition::Unknown { .. } => {
                    assert!(!dist.contains_key(r), "{name} {r} is reachable");
                }
            }
        }
    }
    eprintln!("positions: {paths} paths followed");
    assert!(paths > 1000);
}

fn copyleft_id(req: &spdx::LicenseReq) -> bool {
    req.license.id().is_some_and(|id| id.is_copyleft())
}

#[test]
fn licence_issues_agree_with_the_spdx_crate() {
    let Some(all) = sboms("licence_issues_agree_with_the_spdx_crate") else {
        return;
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, _, sbom) in &all {
        let name = path.display();
        for c in &sbom.components {
            let l = component_licences(c, ComponentRef::of(c));
            let r = &c.reference;
            if c.licenses.is_empty() {
                assert!(
                    l.issues.iter().any(|i| matches!(
                        i,
                        LicenceIssue::Unknown {
                            reason: UnknownReason::NoLicence,
                            ..
                        }
                    )),
                    "{name} {r}: no licence, not reported"
                );
                *counts.entry("no licence").or_default() += 1;
                continue;
            }
            for ack in [
                LicenseAcknowledgement::Declared,
                LicenseAcknowledgement::Concluded,
            ] {
                let entries: Vec<_> = c
                    .licenses
                    .iter()
                    .filter(|x| {
                        (x.acknowledgement == LicenseAcknowledgement::Concluded)
                            == (ack == LicenseAcknowledgement::Concluded)
                    })
                    .collect();
                // Statements of exactly one expression the crate parses.
                let [entry] = entries.as_slice() else {
                    continue;
                };
                let Some(text) = &entry.expression else {
                    continue;
                };
                let Ok(expr) = spdx::Expression::parse_mode(text, spdx::ParseMode::LAX) else {
                    continue;
                };
                let statement = if ack == LicenseAcknowledgement::Concluded {
                    medsec_engine::Statement::Concluded
                } else {
                    medsec_engine::Statement::Declared
                };
                // The crate's own evaluation: can the expression be met
                // without a copyleft licence (among SPDX-listed choices
                // when there are any)?
                let listed_choice = expr.evaluate(|q| q.license.id().is_some());
                let copyleft = if listed_choice {
                    !expr.evaluate(|q| q.license.id().is_some() && !copyleft_id(q))
                } else {
                    !expr.evaluate(|q| !copyleft_id(q))
                };
                let issue = l.issues.iter().find_map(|i| match i {
                    LicenceIssue::Copyleft {
                        statement: s,
                        strength,
                        licences,
                    } if *s == statement => Some((strength, licences)),
                    _ => None,
                });
                assert_eq!(issue.is_some(), copyleft, "{name} {r}: `{text}` copyleft");
                if let Some((strength, licences)) = issue {
                    *counts.entry("copyleft").or_default() += 1;
                    for id in licences {
                        let base = id.split(" WITH ").next().unwrap_or(id);
                        let lid = spdx::license_id(
                            base.trim_end_matches("-or-later").trim_end_matches("-only"),
                        )
                        .or_else(|| spdx::license_id(base))
                        .unwrap_or_else(|| panic!("{name} {r}: {id} is no SPDX id"));
                        assert!(lid.is_copyleft(), "{name} {r}: {id}");
                    }
                    // Network strength exactly when the least demanding
                    // choice still needs an AGPL licence (crate's base).
                    let agpl =
                        |q: &spdx::LicenseReq| q.license.id().is_some_and(|id| id.base() == "AGPL");
                    let needs_agpl = !expr
                        .evaluate(|q| !agpl(q) && (!listed_choice || q.license.id().is_some()));
                    assert_eq!(
                        *strength == CopyleftStrength::Network,
                        needs_agpl,
                        "{name} {r}: `{text}` strength {strength:?}"
                    );
                }
                let only_refs = !listed_choice;
                let unknown_ref = l.issues.iter().any(|i| {
                    matches!(
                        i,
                        LicenceIssue::Unknown { statement: Some(s), reason: UnknownReason::LicenseRef, .. } if *s == statement
                    )
                });
                assert_eq!(unknown_ref, only_refs, "{name} {r}: `{text}` LicenseRef");
                if only_refs {
                    *counts.entry("licenseref").or_default() += 1;
                }
                *counts.entry("statements checked").or_default() += 1;
            }
            // Declared vs concluded: equivalent by the crate's evaluation
            // over every assignment of their requirements -> no conflict.
            let one = |concluded: bool| {
                let e: Vec<_> = c
                    .licenses
                    .iter()
                    .filter(|x| {
                        (x.acknowledgement == LicenseAcknowledgement::Concluded) == concluded
                    })
                    .collect();
                match e.as_slice() {
                    [x] => x
                        .expression
                        .as_deref()
                        .and_then(|t| spdx::Expression::parse_mode(t, spdx::ParseMode::LAX).ok()),
                    _ => None,
                }
            };
            if let (Some(d), Some(k)) = (one(false), one(true)) {
                let reqs: Vec<String> = d
                    .requirements()
                    .chain(k.requirements())
                    .map(|q| q.req.to_string())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if reqs.len() <= 12 {
                    let equivalent = (0u32..1 << reqs.len()).all(|bits| {
                        let on = |q: &spdx::LicenseReq| {
                            let i = reqs.iter().position(|x| *x == q.to_string()).unwrap();
                            bits & (1 << i) != 0
                        };
                        d.evaluate(on) == k.evaluate(on)
                    });
                    let differ = l.issues.iter().any(|i| {
                        matches!(
                            i,
                            LicenceIssue::Conflicting {
                                rule: ConflictRule::DeclaredConcludedDiffer,
                                ..
                            }
                        )
                    });
                    if equivalent {
                        assert!(!differ, "{name} {r}: {d} vs {k} are equivalent");
                    }
                    let deprecated_gnu = d.requirements().chain(k.requirements()).any(|q| {
                        q.req
                            .license
                            .id()
                            .is_some_and(|i| i.is_gnu() && i.is_deprecated())
                    });
                    if !equivalent && !deprecated_gnu {
                        assert!(differ, "{name} {r}: {d} vs {k} differ");
                    }
                    *counts
                        .entry(if differ {
                            "declared/concluded differ"
                        } else {
                            "declared/concluded agree"
                        })
                        .or_default() += 1;
                }
            }
        }
    }
    eprintln!("licences: {counts:?}");
    assert!(counts.get("copyleft").copied().unwrap_or(0) > 0);
    assert!(counts.get("statements checked").copied().unwrap_or(0) > 1000);
}
