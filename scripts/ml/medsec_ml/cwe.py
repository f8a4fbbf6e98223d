"""CWE ids grouped into categories through MITRE's view 1003.

View 1003 ("Weaknesses for Simplified Mapping of Published Vulnerabilities")
is the two-level set NVD maps CVEs to: about 130 weaknesses, a few dozen of
them top-level (no parent inside the view). Each CWE id is first mapped to its
nearest view-1003 member by following ChildOf links of the research view 1000
upwards; members too rare in the training data are then rolled up to their
view-1003 parent, so every group has enough examples to learn from. The result
is a partition of the known CWE ids, written into the manifest as explicit
lists so that the inference side needs no CWE hierarchy of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from . import data as d

_CHILD_OF = re.compile(r"NATURE:ChildOf:CWE ID:(\d+):VIEW ID:(\d+)(:ORDINAL:Primary)?")

# Ids NVD and CNAs use for "no usable CWE"; they count as no CWE at all.
PLACEHOLDERS = {"NVD-CWE-NOINFO", "NVD-CWE-OTHER"}


def _parents(related: str, view: str) -> list[tuple[int, bool]]:
    return [
        (int(m.group(1)), bool(m.group(3)))
        for m in _CHILD_OF.finditer(related or "")
        if m.group(2) == view
    ]


class CweHierarchy:
    def __init__(self, data: Path):
        cwe_dir = data / d.CWE_DIR
        self.parent_1000: dict[int, int] = {}
        self.known: set[int] = set()
        self.names: dict[int, str] = {}
        for name in ["cwe-view-1000.csv.gz", "cwe-view-699.csv.gz", "cwe-view-1194.csv"]:
            for row in d.read_cwe_csv(cwe_dir / name):
                cid = int(row["CWE-ID"])
                self.known.add(cid)
                self.names.setdefault(cid, row["Name"])
                parents = _parents(row.get("Related Weaknesses", ""), "1000")
                # The primary ChildOf link is the one the view's tree uses.
                primary = [p for p, is_primary in parents if is_primary] or [p for p, _ in parents]
                if primary and cid not in self.parent_1000:
                    self.parent_1000[cid] = primary[0]
        self.members: set[int] = set()
        self.parent_1003: dict[int, int] = {}
        for row in d.read_cwe_csv(cwe_dir / "cwe-view-1003.csv"):
            cid = int(row["CWE-ID"])
            self.members.add(cid)
            self.known.add(cid)
            self.names.setdefault(cid, row["Name"])
            parents = _parents(row.get("Related Weaknesses", ""), "1003")
            if parents:
                self.parent_1003[cid] = parents[0][0]

    def nearest_member(self, cid: int) -> int | None:
        """The first view-1003 member on the ChildOf chain from `cid` (itself
        included). Some pillars NVD uses (CWE-284, CWE-693, CWE-703) are not
        in view 1003: a chain that ends outside it ends at its view-1000 root,
        which then stands as a top-level group of its own. None for ids that
        are in no view (categories such as CWE-264, typos)."""
        if cid not in self.known:
            return None
        seen: set[int] = set()
        cur = cid
        while cur not in seen:
            if cur in self.members:
                return cur
            seen.add(cur)
            nxt = self.parent_1000.get(cur)
            if nxt is None or nxt not in self.known:
                return cur
            cur = nxt
        return None

    def top(self, member: int) -> int:
        seen: set[int] = set()
        cur = member
        while cur in self.parent_1003 and cur not in seen:
            seen.add(cur)
            cur = self.parent_1003[cur]
        return cur


def parse_ids(*fields: str) -> list[str]:
    """Union of the `;`-joined CWE id lists, normalised to `CWE-<n>`, without
    placeholders, in first-seen order."""
    out: list[str] = []
    for field in fields:
        for raw in (field or "").split(";"):
            s = raw.strip().upper()
            if not s or s in PLACEHOLDERS:
                continue
            m = re.fullmatch(r"CWE-(\d+)", s)
            if m:
                s = f"CWE-{int(m.group(1))}"
            if s not in out:
                out.append(s)
    return out


def numeric(cwe: str) -> int | None:
    m = re.fullmatch(r"CWE-(\d+)", cwe)
    return int(m.group(1)) if m else None


def build_groups(
    h: CweHierarchy, train_cwe_lists: list[list[str]], min_rows: int, min_group_rows: int
) -> list[dict]:
    """Partition the known CWE ids into groups with at least `min_rows`
    training rows at the member level (else rolled up to the view-1003 top
    level); groups below `min_group_rows` are dropped (they read as "no group
    matched"). Returns [{"key", "label", "cwes", "train_rows"}] sorted by key."""
    member_rows: Counter[int] = Counter()
    for ids in train_cwe_lists:
        members = {h.nearest_member(n) for n in (numeric(c) for c in ids) if n is not None}
        for m in members - {None}:
            member_rows[m] += 1

    def group_of(member: int) -> int:
        return member if member_rows[member] >= min_rows else h.top(member)

    universe = sorted(h.known)
    by_group: dict[int, list[int]] = {}
    for cid in universe:
        m = h.nearest_member(cid)
        if m is None:
            continue
        by_group.setdefault(group_of(m), []).append(cid)

    group_rows: Counter[int] = Counter()
    for ids in train_cwe_lists:
        gs = set()
        for c in ids:
            n = numeric(c)
            m = h.nearest_member(n) if n is not None else None
            if m is not None:
                gs.add(group_of(m))
        for g in gs:
            group_rows[g] += 1

    groups = []
    for g in sorted(by_group):
        if group_rows[g] < min_group_rows:
            continue
        groups.append(
            {
                "key": g,
                "label": h.names.get(g, f"CWE-{g}"),
                "cwes": [f"CWE-{c}" for c in by_group[g]],
                "train_rows": group_rows[g],
            }
        )
    return groups
