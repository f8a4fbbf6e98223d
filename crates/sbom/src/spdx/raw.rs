//! The document as read, before validation, with where each part came from.

use std::fmt::Write;

use crate::{Encoding, Location};

/// Where an element was read: a tag-value line, or a position in the JSON
/// tree. JSON positions are kept as indices and only turned into a path
/// string when an error or warning needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Loc {
    Line(u64),
    /// The JSON document root.
    #[default]
    JsonRoot,
    /// `$.{array}[{index}]`, optionally followed by `.{sub}[{sub_index}]`.
    Json {
        array: &'static str,
        index: usize,
        sub: Option<(&'static str, usize)>,
    },
}

impl Loc {
    pub(crate) fn json(array: &'static str, index: usize) -> Loc {
        Loc::Json {
            array,
            index,
            sub: None,
        }
    }

    pub(crate) fn json_sub(
        array: &'static str,
        index: usize,
        sub: &'static str,
        sub_index: usize,
    ) -> Loc {
        Loc::Json {
            array,
            index,
            sub: Some((sub, sub_index)),
        }
    }

    /// The location of `field` of this element (JSON), or of the element's
    /// line (tag-value, where the field has no line of its own).
    pub(crate) fn at(&self, field: &str) -> Location {
        match *self {
            Loc::Line(line) => Location::line(line),
            Loc::JsonRoot => {
                if field.is_empty() {
                    Location::path("$")
                } else {
                    Location::path(format!("$.{field}"))
                }
            }
            Loc::Json { array, index, sub } => {
                let mut path = format!("$.{array}[{index}]");
                if let Some((sub, sub_index)) = sub {
                    let _ = write!(path, ".{sub}[{sub_index}]");
                }
                if !field.is_empty() {
                    path.push('.');
                    path.push_str(field);
                }
                Location::path(path)
            }
        }
    }

    pub(crate) fn here(&self) -> Location {
        self.at("")
    }
}

pub(crate) struct RawDoc {
    pub encoding: Encoding,
    /// "2.2" or "2.3".
    pub version: &'static str,
    /// Where document-level problems are reported.
    pub root: Loc,
    pub spdxid: Option<String>,
    pub data_license: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// JSON: `creationInfo` was present. Tag-value: always true (its fields
    /// are top-level tags and are checked one by one).
    pub creation_info: bool,
    pub created: Option<String>,
    pub creators: Vec<(String, Loc)>,
    /// JSON `documentDescribes`.
    pub describes: Vec<(String, Loc)>,
    pub packages: Vec<RawPackage>,
    /// SPDXIDs of files and snippets.
    pub other_elements: Vec<(String, Loc)>,
    pub relationships: Vec<RawRelationship>,
}

impl RawDoc {
    pub(crate) fn new(encoding: Encoding, version: &'static str, root: Loc) -> RawDoc {
        RawDoc {
            encoding,
            version,
            root,
            spdxid: None,
            data_license: None,
            name: None,
            namespace: None,
            creation_info: false,
            created: None,
            creators: Vec::new(),
            describes: Vec::new(),
            packages: Vec::new(),
            other_elements: Vec::new(),
            relationships: Vec::new(),
        }
    }
}

#[derive(Default)]
pub(crate) struct RawPackage {
    pub loc: Loc,
    pub spdxid: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub supplier: Option<String>,
    pub originator: Option<String>,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub download_location: Option<String>,
    pub homepage: Option<String>,
    pub license_concluded: Option<String>,
    pub license_declared: Option<String>,
    pub copyright: Option<String>,
    pub purpose: Option<String>,
    pub checksums: Vec<RawChecksum>,
    pub external_refs: Vec<RawExternalRef>,
    /// Files the package contains: JSON `hasFiles`, or in tag-value the
    /// files that follow the package.
    pub files: Vec<(String, Loc)>,
}

pub(crate) struct RawChecksum {
    pub algorithm: String,
    pub value: String,
    pub loc: Loc,
}

pub(crate) struct RawExternalRef {
    pub category: String,
    pub kind: String,
    pub locator: String,
    pub comment: Option<String>,
    pub loc: Loc,
}

pub(crate) struct RawRelationship {
    pub element: String,
    pub kind: String,
    pub related: String,
    pub loc: Loc,
}

/// An optional value with blank text treated as absent.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}
