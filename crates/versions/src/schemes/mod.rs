//! One module per version scheme.

pub(crate) mod apk;
pub(crate) mod conan;
pub(crate) mod datetime;
pub(crate) mod debian;
pub(crate) mod gem;
pub(crate) mod generic;
pub(crate) mod gentoo;
pub(crate) mod maven;
pub(crate) mod openssl;
pub(crate) mod rpm;
pub(crate) mod semver;
