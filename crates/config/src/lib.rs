//! Service configuration: a file plus MEDSEC_* environment variables, validated at start.
