//! Dependency-graph facts: size, roots, depth, the most depended-upon
//! components, and where each component sits (direct, transitive, or not
//! known) with one shortest path from a root.
//!
//! The graph is the SBOM's dependency edges (`dependsOn`, SPDX
//! DEPENDS_ON / CONTAINS) plus CycloneDX nesting (an assembly contains its
//! nested components), between component references. Nothing is inferred:
//! a component on no path from a root is reported as unknown.

use std::collections::{HashMap, HashSet, VecDeque};

use medsec_sbom::Sbom;
use serde::Serialize;

/// How many components each "most depended-upon" list holds.
pub const TOP_DEPENDED_UPON: usize = 10;

/// One component of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphNode {
    pub reference: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownPosition {
    /// The SBOM has no dependency edges, or none touch this component.
    NoDependencyData,
    /// The component has edges, but no path leads to it from a root.
    NotReachableFromRoot,
}

/// Where a component sits relative to the roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "relation")]
pub enum DependencyPosition {
    Root,
    /// A dependency of a root; `path` is the root, then the component.
    Direct {
        path: Vec<GraphNode>,
    },
    /// Reached through other components; `path` is one shortest path from
    /// a root, root first, and `depth` its number of edges.
    Transitive {
        depth: usize,
        path: Vec<GraphNode>,
    },
    Unknown {
        reason: UnknownPosition,
    },
}

/// A component and how many components depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependedUpon {
    pub component: GraphNode,
    /// Components with an edge to it.
    pub direct_dependents: usize,
    /// Components with a path to it.
    pub transitive_dependents: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphFacts {
    /// Distinct component references.
    pub nodes: usize,
    /// Distinct (from, to) dependency pairs between components.
    pub edges: usize,
    /// Edges naming a reference that is no component (left out).
    pub dangling_edges: usize,
    /// The SBOM's subject when it has dependencies; otherwise every
    /// component that has dependencies and no dependents.
    pub roots: Vec<GraphNode>,
    /// Whether the root is the SBOM's subject (the product).
    pub root_is_subject: bool,
    /// Edges on the longest of the shortest paths from a root; none
    /// without roots.
    pub max_depth: Option<usize>,
    pub direct: usize,
    pub transitive: usize,
    pub unknown: usize,
    /// By transitive dependents, then direct ones, then document order.
    pub most_depended_upon: Vec<DependedUpon>,
    /// By direct dependents, then transitive ones, then document order.
    pub most_directly_depended_upon: Vec<DependedUpon>,
}

/// The graph of one SBOM, ready to answer positions.
pub struct DependencyGraph {
    nodes: Vec<GraphNode>,
    by_ref: HashMap<String, u32>,
    out: Vec<Vec<u32>>,
    in_degree: Vec<usize>,
    /// Shortest distance from a root and the predecessor on that path.
    depth: Vec<Option<usize>>,
    parent: Vec<Option<u32>>,
    roots: Vec<u32>,
    root_is_subject: bool,
    edges: usize,
    dangling: usize,
}

fn id(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl DependencyGraph {
    pub fn new(sbom: &Sbom) -> DependencyGraph {
        let mut nodes = Vec::with_capacity(sbom.components.len());
        let mut by_ref: HashMap<String, u32> = HashMap::with_capacity(sbom.components.len());
        for c in &sbom.components {
            if !by_ref.contains_key(&c.reference) {
                by_ref.insert(c.reference.clone(), id(nodes.len()));
                nodes.push(GraphNode {
                    reference: c.reference.clone(),
                    name: c.name.clone(),
                });
            }
        }
        let n = nodes.len();
        let mut pairs: HashSet<(u32, u32)> = HashSet::with_capacity(sbom.edges.len());
        let mut dangling = 0;
        let nesting = sbom
            .components
            .iter()
            .filter_map(|c| c.parent.as_deref().map(|p| (p, c.reference.as_str())));
        let edges = sbom
            .edges
            .iter()
            .filter(|e| e.kind.is_dependency())
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .chain(nesting);
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut in_degree = vec![0usize; n];
        for (from, to) in edges {
            match (by_ref.get(from), by_ref.get(to)) {
                (Some(&f), Some(&t)) => {
                    if pairs.insert((f, t)) {
                        out[f as usize].push(t);
                        in_degree[t as usize] += 1;
                    }
                }
                _ => dangling += 1,
            }
        }
        let subject = sbom
            .subject
            .as_deref()
            .and_then(|s| by_ref.get(s).copied())
            .filter(|&s| !out[s as usize].is_empty());
        let roots: Vec<u32> = match subject {
            Some(s) => vec![s],
            None => (0..n)
                .filter(|&i| in_degree[i] == 0 && !out[i].is_empty())
                .map(id)
                .collect(),
        };
        let mut depth: Vec<Option<usize>> = vec![None; n];
        let mut parent: Vec<Option<u32>> = vec![None; n];
        let mut queue: VecDeque<u32> = VecDeque::new();
        for &r in &roots {
            depth[r as usize] = Some(0);
            queue.push_back(r);
        }
        while let Some(u) = queue.pop_front() {
            let d = depth[u as usize].unwrap_or(0) + 1;
            for &v in &out[u as usize] {
                if depth[v as usize].is_none() {
                    depth[v as usize] = Some(d);
                    parent[v as usize] = Some(u);
                    queue.push_back(v);
                }
            }
        }
        DependencyGraph {
            nodes,
            by_ref,
            out,
            in_degree,
            depth,
            parent,
            roots,
            root_is_subject: subject.is_some(),
            edges: pairs.len(),
            dangling,
        }
    }

    /// Where the component with this reference sits.
    pub fn position(&self, reference: &str) -> DependencyPosition {
        let Some(&i) = self.by_ref.get(reference) else {
            return DependencyPosition::Unknown {
                reason: UnknownPosition::NoDependencyData,
            };
        };
        self.position_of(i)
    }

    fn position_of(&self, i: u32) -> DependencyPosition {
        let iu = i as usize;
        match self.depth[iu] {
            Some(0) => DependencyPosition::Root,
            Some(depth) => {
                let mut path = vec![self.nodes[iu].clone()];
                let mut at = i;
                while let Some(p) = self.parent[at as usize] {
                    path.push(self.nodes[p as usize].clone());
                    at = p;
                }
                path.reverse();
                if depth == 1 {
                    DependencyPosition::Direct { path }
                } else {
                    DependencyPosition::Transitive { depth, path }
                }
            }
            None => DependencyPosition::Unknown {
                reason: if self.out[iu].is_empty() && self.in_degree[iu] == 0 {
                    UnknownPosition::NoDependencyData
                } else {
                    UnknownPosition::NotReachableFromRoot
                },
            },
        }
    }

    /// The graph's summary facts.
    pub fn facts(&self) -> GraphFacts {
        let (mut direct, mut transitive, mut unknown) = (0, 0, 0);
        for d in &self.depth {
            match d {
                Some(0) => {}
                Some(1) => direct += 1,
                Some(_) => transitive += 1,
                None => unknown += 1,
            }
        }
        let dependents = self.transitive_dependents();
        let entry = |i: usize| DependedUpon {
            component: self.nodes[i].clone(),
            direct_dependents: self.in_degree[i],
            transitive_dependents: dependents[i],
        };
        let mut order: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.in_degree[i] > 0)
            .collect();
        order.sort_by_key(|&i| {
            (
                std::cmp::Reverse(dependents[i]),
                std::cmp::Reverse(self.in_degree[i]),
                i,
            )
        });
        let most_depended_upon = order
            .iter()
            .take(TOP_DEPENDED_UPON)
            .map(|&i| entry(i))
            .collect();
        order.sort_by_key(|&i| {
            (
                std::cmp::Reverse(self.in_degree[i]),
                std::cmp::Reverse(dependents[i]),
                i,
            )
        });
        let most_directly_depended_upon = order
            .iter()
            .take(TOP_DEPENDED_UPON)
            .map(|&i| entry(i))
            .collect();
        GraphFacts {
            nodes: self.nodes.len(),
            edges: self.edges,
            dangling_edges: self.dangling,
            roots: self
                .roots
                .iter()
                .map(|&r| self.nodes[r as usize].clone())
                .collect(),
            root_is_subject: self.root_is_subject,
            max_depth: self.depth.iter().flatten().max().copied(),
            direct,
            transitive,
            unknown,
            most_depended_upon,
            most_directly_depended_upon,
        }
    }

    /// For every node, how many other nodes have a path to it.
    ///
    /// Strongly connected components first (members reach each other),
    /// then reachability over the acyclic condensation as bit sets, one
    /// chunk of source nodes at a time so memory stays bounded.
    fn transitive_dependents(&self) -> Vec<usize> {
        let n = self.nodes.len();
        let (comp, order) = strongly_connected(&self.out);
        let ncomp = order.len();
        let mut cout: Vec<Vec<u32>> = vec![Vec::new(); ncomp];
        for (u, succ) in self.out.iter().enumerate() {
            for &v in succ {
                let (cu, cv) = (comp[u], comp[v as usize]);
                if cu != cv {
                    cout[cu as usize].push(cv);
                }
            }
        }
        for c in &mut cout {
            c.sort_unstable();
            c.dedup();
        }
        const CHUNK_WORDS: usize = 64;
        const CHUNK: usize = CHUNK_WORDS * 64;
        let mut count = vec![0usize; ncomp];
        let mut bits = vec![0u64; ncomp * CHUNK_WORDS];
        for start in (0..n).step_by(CHUNK) {
            bits.fill(0);
            for u in start..n.min(start + CHUNK) {
                let k = u - start;
                bits[comp[u] as usize * CHUNK_WORDS + k / 64] |= 1 << (k % 64);
            }
            // `order` is topological: sources first.
            for &c in &order {
                let c = c as usize;
                for &s in &cout[c] {
                    let s = s as usize;
                    for w in 0..CHUNK_WORDS {
                        let x = bits[c * CHUNK_WORDS + w];
                        bits[s * CHUNK_WORDS + w] |= x;
                    }
                }
                count[c] += bits[c * CHUNK_WORDS..(c + 1) * CHUNK_WORDS]
                    .iter()
                    .map(|w| w.count_ones() as usize)
                    .sum::<usize>();
            }
        }
        // Every node reaches itself once; that is not a dependent.
        (0..n)
            .map(|u| count[comp[u] as usize].saturating_sub(1))
            .collect()
    }
}

/// Tarjan's algorithm, iterative: each node's component, and the
/// components in topological order (a component before those it reaches).
fn strongly_connected(out: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>) {
    let n = out.len();
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut emitted: Vec<u32> = Vec::new();
    let mut next = 0u32;
    let mut ncomp = 0u32;
    // (node, next successor to visit)
    let mut call: Vec<(u32, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        call.push((id(root), 0));
        while let Some(top) = call.last_mut() {
            let v = top.0;
            let vu = v as usize;
            if top.1 == 0 && index[vu] == NONE {
                index[vu] = next;
                low[vu] = next;
                next += 1;
                stack.push(v);
                on_stack[vu] = true;
            }
            if let Some(&w) = out[vu].get(top.1) {
                top.1 += 1;
                let wu = w as usize;
                if index[wu] == NONE {
                    call.push((w, 0));
                } else if on_stack[wu] {
                    low[vu] = low[vu].min(index[wu]);
                }
                continue;
            }
            call.pop();
            if let Some(&(p, _)) = call.last() {
                low[p as usize] = low[p as usize].min(low[vu]);
            }
            if low[vu] == index[vu] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = ncomp;
                    if w == v {
                        break;
                    }
                }
                emitted.push(ncomp);
                ncomp += 1;
            }
        }
    }
    // Tarjan emits a component after every component it reaches.
    emitted.reverse();
    (comp, emitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_and_diamonds() {
        // 0 -> 1 -> 2 -> 1 (cycle 1,2), 0 -> 3 -> 4, 2 -> 4
        let out = vec![vec![1, 3], vec![2], vec![1, 4], vec![4], vec![]];
        let (comp, order) = strongly_connected(&out);
        assert_eq!(comp[1], comp[2]);
        assert_ne!(comp[0], comp[1]);
        assert_eq!(order.len(), 4);
        let pos = |c: u32| order.iter().position(|&x| x == c).unwrap();
        assert!(pos(comp[0]) < pos(comp[1]));
        assert!(pos(comp[1]) < pos(comp[4]));
        assert!(pos(comp[3]) < pos(comp[4]));
    }
}
