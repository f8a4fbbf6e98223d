//! Package identity checks shared by every reader: each purl is parsed and
//! canonicalized, each CPE read, and what does not parse becomes a warning
//! (the component is kept: an unreadable identifier is a finding about the
//! SBOM, not a reason to drop the component).

use medsec_ident::{cpe::Wfn, purl::PackageUrl};

use crate::{Location, Sbom, Warning};

pub(crate) fn resolved(mut sbom: Sbom) -> Sbom {
    let mut warnings = Vec::new();
    for component in &mut sbom.components {
        let at = || Some(Location::path(format!("component {}", component.reference)));
        if let Some(purl) = component.purl.as_deref() {
            match PackageUrl::parse(purl) {
                Ok(parsed) => component.purl_canonical = Some(parsed.to_string()),
                Err(strict) => match PackageUrl::parse_lenient(purl) {
                    Ok(parsed) => {
                        component.purl_canonical = Some(parsed.to_string());
                        warnings.push(Warning {
                            location: at(),
                            message: format!("purl {purl:?} read leniently: {strict}"),
                        });
                    }
                    Err(_) => warnings.push(Warning {
                        location: at(),
                        message: format!("purl {purl:?} ignored: {strict}"),
                    }),
                },
            }
        }
        for cpe in &component.cpes {
            if let Err(e) = Wfn::parse(cpe) {
                warnings.push(Warning {
                    location: at(),
                    message: format!("CPE {cpe:?} unreadable: {e}"),
                });
            }
        }
    }
    sbom.warnings.extend(warnings);
    sbom
}
