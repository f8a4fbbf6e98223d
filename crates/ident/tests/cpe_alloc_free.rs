//! The matcher compares millions of pairs: comparing parsed names must not
//! allocate.

use medsec_ident::cpe::{compare_values, Wfn};

#[test]
fn comparing_parsed_names_does_not_allocate() {
    let names: Vec<Wfn> = [
        "cpe:2.3:a:apache:log4net:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:apache:log4net:2.0.8:*:*:*:*:*:*:*",
        "cpe:2.3:a:Apache:Log4Net:2.0.?:*:*:*:*:*:*:*",
        "cpe:2.3:a:*:*:*2.0*:-:*:*:*:*:*:*",
        r"cpe:2.3:a:\@popperjs\/core:\@popperjs\/core:2.9.2:*:*:*:*:*:*:*",
        "cpe:2.3:o:freertos:freertos:10.0.1:*:*:*:*:*:*:*",
        "cpe:2.3:o:freertos:freertos:10.*:*:*:*:*:*:*:*",
        "cpe:2.3:h:hp:laserjet:-:-:-:-:-:-:-:-",
    ]
    .iter()
    .map(|s| Wfn::parse_fs(s).unwrap())
    .collect();
    let mut hits = 0usize;
    let info = allocation_counter::measure(|| {
        for s in &names {
            for t in &names {
                hits += usize::from(s.matches(t));
                hits += usize::from(s.is_subset(t) || s.is_disjoint(t) || s.is_equal(t));
                hits += s.compare(t).len();
                hits += usize::from(matches!(
                    s.relation(t),
                    medsec_ident::cpe::NameRelation::Equal
                ));
                for (a, b) in s.values().iter().zip(t.values()) {
                    hits +=
                        usize::from(compare_values(a, b) == medsec_ident::cpe::Relation::Superset);
                }
            }
        }
    });
    assert!(hits > 0);
    assert_eq!(
        info.count_total, 0,
        "comparisons allocated {} times",
        info.count_total
    );
    // The version pattern matches the concrete version, ignoring case.
    assert!(names[2].matches(&names[1]));
    assert!(names[0].matches(&names[1]) && !names[1].matches(&names[0]));
}
