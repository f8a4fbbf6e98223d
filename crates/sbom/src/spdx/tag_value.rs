//! SPDX tag-value into the raw form.
//!
//! The format is a sequence of `Tag: value` lines; a value may instead be a
//! `<text>...</text>` block spanning lines. Empty lines and lines starting
//! with `#` are comments. Which element a tag belongs to follows from
//! position: `PackageName` opens a package, `FileName` a file,
//! `SnippetSPDXID` a snippet, `LicenseID` an extracted licence; document,
//! relationship and annotation tags may appear anywhere.
//!
//! Values are slices of the input until they are kept, and every kept value
//! is checked against `max_string_bytes` first, so nothing is allocated
//! without bound; an unterminated `<text>` block is an error naming the
//! line where it began.

use super::raw::{Loc, RawChecksum, RawDoc, RawExternalRef, RawPackage, RawRelationship};
use crate::{Encoding, Limits, Location, SbomError};

const FORMAT: &str = "SPDX tag-value";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Document,
    Package,
    File,
    Snippet,
    License,
}

impl Section {
    fn describe(self) -> &'static str {
        match self {
            Section::Document => "document creation information",
            Section::Package => "a package (after PackageName)",
            Section::File => "a file (after FileName)",
            Section::Snippet => "a snippet (after SnippetSPDXID)",
            Section::License => "an extracted licence (after LicenseID)",
        }
    }
}

/// The element a tag belongs to, for the tags this reader keeps or checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Document, relationship, annotation and review tags.
    Anywhere,
    In(Section),
}

fn scope(tag: &str) -> Option<Scope> {
    use Scope::{Anywhere, In};
    use Section::{File, License, Package, Snippet};
    Some(match tag {
        "SPDXVersion"
        | "DataLicense"
        | "DocumentName"
        | "DocumentNamespace"
        | "ExternalDocumentRef"
        | "LicenseListVersion"
        | "Creator"
        | "Created"
        | "CreatorComment"
        | "DocumentComment"
        | "SPDXID" => Anywhere,
        "Relationship" | "RelationshipComment" => Anywhere,
        "Annotator" | "AnnotationDate" | "AnnotationType" | "SPDXREF" | "AnnotationComment" => {
            Anywhere
        }
        // Deprecated review information (SPDX 2.0), still allowed in 2.x.
        "Reviewer" | "ReviewDate" | "ReviewComment" => Anywhere,
        "PackageName" | "FileName" | "SnippetSPDXID" | "LicenseID" => Anywhere,
        "PackageVersion"
        | "PackageFileName"
        | "PackageSupplier"
        | "PackageOriginator"
        | "PackageDownloadLocation"
        | "FilesAnalyzed"
        | "PackageVerificationCode"
        | "PackageChecksum"
        | "PackageHomePage"
        | "PackageSourceInfo"
        | "PackageLicenseConcluded"
        | "PackageLicenseInfoFromFiles"
        | "PackageLicenseDeclared"
        | "PackageLicenseComments"
        | "PackageCopyrightText"
        | "PackageSummary"
        | "PackageDescription"
        | "PackageComment"
        | "ExternalRef"
        | "ExternalRefComment"
        | "PackageAttributionText"
        | "PrimaryPackagePurpose"
        | "ReleaseDate"
        | "BuiltDate"
        | "ValidUntilDate" => In(Package),
        "FileType"
        | "FileChecksum"
        | "LicenseConcluded"
        | "LicenseInfoInFile"
        | "LicenseComments"
        | "FileCopyrightText"
        | "FileComment"
        | "FileNotice"
        | "FileContributor"
        | "FileAttributionText"
        | "FileDependency"
        | "ArtifactOfProjectName"
        | "ArtifactOfProjectHomePage"
        | "ArtifactOfProjectURI" => In(File),
        "SnippetFromFileSPDXID"
        | "SnippetByteRange"
        | "SnippetLineRange"
        | "SnippetLicenseConcluded"
        | "LicenseInfoInSnippet"
        | "SnippetLicenseComments"
        | "SnippetCopyrightText"
        | "SnippetComment"
        | "SnippetName"
        | "SnippetAttributionText" => In(Snippet),
        "ExtractedText" | "LicenseName" | "LicenseCrossReference" | "LicenseComment" => In(License),
        _ => return None,
    })
}

fn syntax(line: u64, message: impl Into<String>) -> SbomError {
    SbomError::syntax(FORMAT, Location::line(line), message)
}

fn invalid(line: u64, rule: &str, message: impl Into<String>) -> SbomError {
    SbomError::invalid(FORMAT, Location::line(line), rule, message)
}

struct Reader<'l> {
    limits: &'l Limits,
    raw: RawDoc,
    version_seen: bool,
    section: Section,
    /// The current file has its SPDXID already.
    file_has_id: bool,
    /// Line of the current file's FileName.
    file_line: u64,
    files: usize,
    snippets: usize,
}

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<RawDoc, SbomError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| {
        let (line, column) = crate::detect::line_column(body, e.valid_up_to());
        SbomError::syntax(
            FORMAT,
            Location::line_column(line, column),
            "the document is not valid UTF-8",
        )
    })?;
    // The version is set when SPDXVersion is read.
    let mut raw = RawDoc::new(Encoding::TagValue, "", Loc::Line(1));
    // Creation information is top-level tags here, each checked on its own.
    raw.creation_info = true;
    let mut reader = Reader {
        limits,
        raw,
        version_seen: false,
        section: Section::Document,
        file_has_id: false,
        file_line: 0,
        files: 0,
        snippets: 0,
    };

    let mut pos = 0usize;
    let mut line_no = 0u64;
    while pos < text.len() {
        line_no += 1;
        let rest = text.get(pos..).unwrap_or_default();
        let end = rest.find('\n').map_or(text.len(), |i| pos + i);
        let line = text.get(pos..end).unwrap_or_default();
        let mut next = end.saturating_add(1);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            pos = next;
            continue;
        }
        let Some((tag, after)) = trimmed.split_once(':') else {
            return Err(syntax(
                line_no,
                format!("expected \"Tag: value\", found \"{}\"", excerpt(trimmed)),
            ));
        };
        if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(syntax(
                line_no,
                format!("expected \"Tag: value\", found \"{}\"", excerpt(trimmed)),
            ));
        }
        let Some(scope) = scope(tag) else {
            return Err(syntax(line_no, format!("unknown tag \"{}\"", excerpt(tag))));
        };
        let tag_line = line_no;
        let value_text = after.trim_start();
        let value = if let Some(block) = value_text.strip_prefix("<text>") {
            // Offset of the block's content in the whole input.
            let start = block.as_ptr() as usize - text.as_ptr() as usize;
            let tail = text.get(start..).unwrap_or_default();
            let Some(len) = tail.find("</text>") else {
                return Err(syntax(
                    tag_line,
                    format!(
                        "<text> block of {tag} begun at line {tag_line} is never closed by </text>"
                    ),
                ));
            };
            if len > limits.max_string_bytes {
                return Err(SbomError::limit(
                    "max_string_bytes",
                    limits.max_string_bytes,
                    Some(Location::line(tag_line)),
                ));
            }
            let content = tail.get(..len).unwrap_or_default();
            line_no += content.bytes().filter(|&b| b == b'\n').count() as u64;
            let after_close = start + len + "</text>".len();
            let tail = text.get(after_close..).unwrap_or_default();
            let close_end = tail.find('\n').map_or(text.len(), |i| after_close + i);
            let trailing = text.get(after_close..close_end).unwrap_or_default();
            if !trailing.trim().is_empty() {
                return Err(syntax(
                    line_no,
                    format!("unexpected \"{}\" after </text>", excerpt(trailing.trim())),
                ));
            }
            next = close_end.saturating_add(1);
            content.trim()
        } else {
            let value = value_text.trim_end();
            if value.len() > limits.max_string_bytes {
                return Err(SbomError::limit(
                    "max_string_bytes",
                    limits.max_string_bytes,
                    Some(Location::line(tag_line)),
                ));
            }
            value
        };
        if let Scope::In(section) = scope {
            if reader.section != section {
                return Err(invalid(
                    tag_line,
                    "tag inside its element",
                    format!(
                        "{tag} belongs to {}, but appears in {}",
                        section.describe(),
                        reader.section.describe()
                    ),
                ));
            }
        }
        reader.tag(tag, value, tag_line)?;
        pos = next;
    }
    reader.close_file()?;
    if !reader.version_seen {
        return Err(invalid(
            1,
            "SPDXVersion required",
            "the document has no SPDXVersion",
        ));
    }
    Ok(reader.raw)
}

/// At most 80 characters of `s`, for error messages.
fn excerpt(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(80).collect();
        out.push_str("...");
        out
    }
}

fn owned(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Stores a value that may be given once.
fn set_once(slot: &mut Option<String>, tag: &str, value: &str, line: u64) -> Result<(), SbomError> {
    if slot.is_some() {
        return Err(invalid(
            line,
            "tag given at most once",
            format!("{tag} is given more than once for the same element"),
        ));
    }
    *slot = owned(value);
    Ok(())
}

impl Reader<'_> {
    fn package(&mut self) -> Option<&mut RawPackage> {
        self.raw.packages.last_mut()
    }

    /// A file ends where the next element begins; it must have had its
    /// SPDXID by then.
    fn close_file(&mut self) -> Result<(), SbomError> {
        if self.section == Section::File && !self.file_has_id {
            return Err(invalid(
                self.file_line,
                "file SPDXID required",
                "the file has no SPDXID",
            ));
        }
        Ok(())
    }

    fn tag(&mut self, tag: &str, value: &str, line: u64) -> Result<(), SbomError> {
        let max_items = self.limits.max_array_items;
        if matches!(
            tag,
            "PackageName" | "FileName" | "SnippetSPDXID" | "LicenseID"
        ) {
            self.close_file()?;
        }
        match tag {
            "SPDXVersion" => {
                if self.version_seen {
                    return Err(invalid(
                        line,
                        "tag given at most once",
                        "SPDXVersion is given more than once (one document per file)",
                    ));
                }
                self.raw.version = super::supported_version(value)?;
                self.raw.root = Loc::Line(line);
                self.version_seen = true;
            }
            "DataLicense" => set_once(&mut self.raw.data_license, tag, value, line)?,
            "DocumentName" => set_once(&mut self.raw.name, tag, value, line)?,
            "DocumentNamespace" => set_once(&mut self.raw.namespace, tag, value, line)?,
            "Created" => set_once(&mut self.raw.created, tag, value, line)?,
            "Creator" => {
                if self.raw.creators.len() >= max_items {
                    return Err(limit("max_array_items", max_items, line));
                }
                self.raw.creators.push((value.to_owned(), Loc::Line(line)));
            }
            "SPDXID" => match self.section {
                Section::Document => set_once(&mut self.raw.spdxid, tag, value, line)?,
                Section::Package => {
                    if let Some(p) = self.package() {
                        set_once(&mut p.spdxid, tag, value, line)?;
                    }
                }
                Section::File => {
                    if self.file_has_id {
                        return Err(invalid(
                            line,
                            "tag given at most once",
                            "SPDXID is given more than once for the same file",
                        ));
                    }
                    self.file_has_id = true;
                    self.raw
                        .other_elements
                        .push((value.to_owned(), Loc::Line(line)));
                    // SPDX 2.x tag-value: the files that follow a package
                    // are the files it contains.
                    if let Some(p) = self.package() {
                        p.files.push((value.to_owned(), Loc::Line(line)));
                    }
                }
                section => {
                    return Err(invalid(
                        line,
                        "tag inside its element",
                        format!("SPDXID cannot appear in {}", section.describe()),
                    ))
                }
            },
            "PackageName" => {
                if self.raw.packages.len() >= self.limits.max_components {
                    return Err(limit("max_components", self.limits.max_components, line));
                }
                self.section = Section::Package;
                self.raw.packages.push(RawPackage {
                    loc: Loc::Line(line),
                    name: owned(value),
                    ..RawPackage::default()
                });
            }
            "FileName" => {
                if self.files >= max_items {
                    return Err(limit("max_array_items", max_items, line));
                }
                self.files += 1;
                self.section = Section::File;
                self.file_has_id = false;
                self.file_line = line;
            }
            "SnippetSPDXID" => {
                if self.snippets >= max_items {
                    return Err(limit("max_array_items", max_items, line));
                }
                self.snippets += 1;
                self.section = Section::Snippet;
                self.raw
                    .other_elements
                    .push((value.to_owned(), Loc::Line(line)));
            }
            "LicenseID" => self.section = Section::License,
            "Relationship" => {
                if self.raw.relationships.len() >= self.limits.max_edges {
                    return Err(limit("max_edges", self.limits.max_edges, line));
                }
                let mut parts = value.split_whitespace();
                let (Some(element), Some(kind), Some(related), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(syntax(
                        line,
                        format!(
                            "Relationship must be \"<element> <TYPE> <element>\", found \"{}\"",
                            excerpt(value)
                        ),
                    ));
                };
                self.raw.relationships.push(RawRelationship {
                    element: element.to_owned(),
                    kind: kind.to_owned(),
                    related: related.to_owned(),
                    loc: Loc::Line(line),
                });
            }
            _ => self.package_tag(tag, value, line)?,
        }
        Ok(())
    }

    /// Package tags; the section was checked by the caller. Tags this
    /// reader does not keep fall through.
    fn package_tag(&mut self, tag: &str, value: &str, line: u64) -> Result<(), SbomError> {
        let max_items = self.limits.max_array_items;
        let Some(p) = self.package() else {
            return Ok(());
        };
        match tag {
            "PackageVersion" => set_once(&mut p.version, tag, value, line)?,
            "PackageSupplier" => set_once(&mut p.supplier, tag, value, line)?,
            "PackageOriginator" => set_once(&mut p.originator, tag, value, line)?,
            "PackageDownloadLocation" => set_once(&mut p.download_location, tag, value, line)?,
            "PackageHomePage" => set_once(&mut p.homepage, tag, value, line)?,
            "PackageLicenseConcluded" => set_once(&mut p.license_concluded, tag, value, line)?,
            "PackageLicenseDeclared" => set_once(&mut p.license_declared, tag, value, line)?,
            "PackageCopyrightText" => set_once(&mut p.copyright, tag, value, line)?,
            "PackageSummary" => set_once(&mut p.summary, tag, value, line)?,
            "PackageDescription" => set_once(&mut p.description, tag, value, line)?,
            "PrimaryPackagePurpose" => set_once(&mut p.purpose, tag, value, line)?,
            "PackageChecksum" => {
                if p.checksums.len() >= max_items {
                    return Err(limit("max_array_items", max_items, line));
                }
                let Some((algorithm, digest)) = value.split_once(':') else {
                    return Err(syntax(
                        line,
                        format!(
                            "PackageChecksum must be \"<ALGORITHM>: <hex>\", found \"{}\"",
                            excerpt(value)
                        ),
                    ));
                };
                p.checksums.push(RawChecksum {
                    algorithm: algorithm.trim().to_owned(),
                    value: digest.trim().to_owned(),
                    loc: Loc::Line(line),
                });
            }
            "ExternalRef" => {
                if p.external_refs.len() >= max_items {
                    return Err(limit("max_array_items", max_items, line));
                }
                let mut parts = value.split_whitespace();
                let (Some(category), Some(kind), Some(locator), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(syntax(
                        line,
                        format!(
                            "ExternalRef must be \"<CATEGORY> <type> <locator>\", found \"{}\"",
                            excerpt(value)
                        ),
                    ));
                };
                p.external_refs.push(RawExternalRef {
                    category: category.to_owned(),
                    kind: kind.to_owned(),
                    locator: locator.to_owned(),
                    comment: None,
                    loc: Loc::Line(line),
                });
            }
            "ExternalRefComment" => {
                let Some(r) = p.external_refs.last_mut() else {
                    return Err(invalid(
                        line,
                        "ExternalRefComment follows an ExternalRef",
                        "ExternalRefComment with no ExternalRef before it in the package",
                    ));
                };
                let mut comment = r.comment.take();
                set_once(&mut comment, tag, value, line)?;
                r.comment = comment;
            }
            _ => {}
        }
        Ok(())
    }
}

fn limit(name: &'static str, max: usize, line: u64) -> SbomError {
    SbomError::limit(name, max, Some(Location::line(line)))
}
