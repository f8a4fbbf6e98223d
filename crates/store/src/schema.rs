//! Diesel table definitions, written to match `migrations/` exactly (the
//! diesel CLI's `print-schema` needs libpq, which this project does not link).
//! `tests/schema.rs` checks every column's name, type and nullability against
//! the migrated database.

/// The vulnerability knowledge base (PostgreSQL schema `kb`).
pub mod kb {
    diesel::table! {
        kb.generations (generation) {
            generation -> Int8,
            source -> Text,
            started_at -> Timestamptz,
            finished_at -> Nullable<Timestamptz>,
            inserted -> Int4,
            updated -> Int4,
            withdrawn -> Int4,
        }
    }

    diesel::table! {
        kb.vulnerabilities (id) {
            id -> Text,
            source -> Text,
            aliases -> Array<Text>,
            related -> Array<Text>,
            published -> Nullable<Timestamptz>,
            modified -> Timestamptz,
            withdrawn -> Nullable<Timestamptz>,
            summary -> Nullable<Text>,
            details -> Nullable<Text>,
            record_hash -> Bytea,
            generation -> Int8,
            imported_at -> Timestamptz,
        }
    }

    diesel::table! {
        kb.severities (vulnerability_id, ordinal) {
            vulnerability_id -> Text,
            ordinal -> Int4,
            source -> Text,
            source_type -> Nullable<Text>,
            score_type -> Text,
            vector -> Text,
            base_score -> Nullable<Float8>,
            base_severity -> Nullable<Text>,
            exploitability_score -> Nullable<Float8>,
            impact_score -> Nullable<Float8>,
            computed_base_score -> Nullable<Float8>,
            computed_threat_score -> Nullable<Float8>,
            computed_environmental_score -> Nullable<Float8>,
            computed_severity -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.vulnerability_references (vulnerability_id, ordinal) {
            vulnerability_id -> Text,
            ordinal -> Int4,
            url -> Text,
            ref_type -> Nullable<Text>,
            tags -> Array<Text>,
            source -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.cwes (id) {
            id -> Text,
            name -> Text,
            abstraction -> Nullable<Text>,
            status -> Nullable<Text>,
            description -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.vulnerability_cwes (vulnerability_id, source, cwe_id) {
            vulnerability_id -> Text,
            source -> Text,
            cwe_id -> Text,
        }
    }

    diesel::table! {
        kb.affected_packages (vulnerability_id, ordinal) {
            vulnerability_id -> Text,
            ordinal -> Int4,
            ecosystem -> Text,
            package_name -> Text,
            purl -> Nullable<Text>,
            versions -> Array<Text>,
            ecosystem_specific -> Nullable<Jsonb>,
            database_specific -> Nullable<Jsonb>,
        }
    }

    diesel::table! {
        kb.affected_ranges (vulnerability_id, affected_ordinal, ordinal) {
            vulnerability_id -> Text,
            affected_ordinal -> Int4,
            ordinal -> Int4,
            range_type -> Text,
            repo -> Nullable<Text>,
            database_specific -> Nullable<Jsonb>,
        }
    }

    diesel::table! {
        kb.range_events (vulnerability_id, affected_ordinal, range_ordinal, ordinal) {
            vulnerability_id -> Text,
            affected_ordinal -> Int4,
            range_ordinal -> Int4,
            ordinal -> Int4,
            kind -> Text,
            value -> Text,
        }
    }

    diesel::table! {
        /// A view: the `fixed` events with their package.
        kb.fixed_versions (vulnerability_id, affected_ordinal, range_ordinal, ordinal) {
            vulnerability_id -> Text,
            affected_ordinal -> Int4,
            range_ordinal -> Int4,
            ordinal -> Int4,
            ecosystem -> Text,
            package_name -> Text,
            purl -> Nullable<Text>,
            range_type -> Text,
            fixed_version -> Text,
        }
    }

    diesel::table! {
        kb.cpe_configurations (vulnerability_id, ordinal) {
            vulnerability_id -> Text,
            ordinal -> Int4,
            operator -> Nullable<Text>,
            negate -> Bool,
        }
    }

    diesel::table! {
        kb.cpe_nodes (vulnerability_id, configuration_ordinal, ordinal) {
            vulnerability_id -> Text,
            configuration_ordinal -> Int4,
            ordinal -> Int4,
            operator -> Text,
            negate -> Bool,
        }
    }

    diesel::table! {
        kb.cpe_matches (vulnerability_id, configuration_ordinal, node_ordinal, ordinal) {
            vulnerability_id -> Text,
            configuration_ordinal -> Int4,
            node_ordinal -> Int4,
            ordinal -> Int4,
            vulnerable -> Bool,
            criteria -> Text,
            part -> Text,
            vendor -> Text,
            product -> Text,
            match_criteria_id -> Nullable<Text>,
            version_start_including -> Nullable<Text>,
            version_start_excluding -> Nullable<Text>,
            version_end_including -> Nullable<Text>,
            version_end_excluding -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.cve_records (cve_id) {
            cve_id -> Text,
            state -> Text,
            assigner_short_name -> Nullable<Text>,
            date_published -> Nullable<Timestamptz>,
            date_updated -> Nullable<Timestamptz>,
            record_hash -> Bytea,
            generation -> Int8,
            imported_at -> Timestamptz,
        }
    }

    diesel::table! {
        kb.cve_affected (cve_id, ordinal) {
            cve_id -> Text,
            ordinal -> Int4,
            container -> Text,
            vendor -> Nullable<Text>,
            product -> Nullable<Text>,
            collection_url -> Nullable<Text>,
            package_name -> Nullable<Text>,
            repo -> Nullable<Text>,
            default_status -> Nullable<Text>,
            cpes -> Array<Text>,
            platforms -> Array<Text>,
        }
    }

    diesel::table! {
        kb.cve_affected_versions (cve_id, affected_ordinal, ordinal) {
            cve_id -> Text,
            affected_ordinal -> Int4,
            ordinal -> Int4,
            version -> Text,
            status -> Text,
            less_than -> Nullable<Text>,
            less_than_or_equal -> Nullable<Text>,
            version_type -> Nullable<Text>,
            changes -> Nullable<Jsonb>,
        }
    }

    diesel::table! {
        kb.kev_entries (cve_id) {
            cve_id -> Text,
            vendor_project -> Text,
            product -> Text,
            vulnerability_name -> Text,
            date_added -> Date,
            short_description -> Text,
            required_action -> Text,
            due_date -> Nullable<Date>,
            known_ransomware_use -> Text,
            notes -> Text,
            cwes -> Array<Text>,
            catalog_version -> Nullable<Text>,
            generation -> Int8,
        }
    }

    diesel::table! {
        kb.epss_scores (cve_id, score_date) {
            cve_id -> Text,
            score_date -> Date,
            score -> Float8,
            percentile -> Float8,
            model_version -> Text,
            generation -> Int8,
        }
    }

    diesel::table! {
        kb.csaf_advisories (publisher_namespace, tracking_id) {
            publisher_namespace -> Text,
            tracking_id -> Text,
            publisher_name -> Text,
            title -> Text,
            category -> Text,
            tlp_label -> Nullable<Text>,
            tracking_status -> Text,
            tracking_version -> Text,
            initial_release_date -> Timestamptz,
            current_release_date -> Timestamptz,
            record_hash -> Bytea,
            generation -> Int8,
            imported_at -> Timestamptz,
        }
    }

    diesel::table! {
        kb.csaf_products (publisher_namespace, tracking_id, product_id) {
            publisher_namespace -> Text,
            tracking_id -> Text,
            product_id -> Text,
            name -> Text,
            vendor -> Nullable<Text>,
            product_name -> Nullable<Text>,
            product_version -> Nullable<Text>,
            cpe -> Nullable<Text>,
            purl -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.csaf_product_statuses (publisher_namespace, tracking_id, vulnerability_id, product_id, status) {
            publisher_namespace -> Text,
            tracking_id -> Text,
            vulnerability_id -> Text,
            product_id -> Text,
            status -> Text,
        }
    }

    diesel::table! {
        kb.csaf_remediations (publisher_namespace, tracking_id, vulnerability_id, ordinal) {
            publisher_namespace -> Text,
            tracking_id -> Text,
            vulnerability_id -> Text,
            ordinal -> Int4,
            category -> Text,
            details -> Text,
            url -> Nullable<Text>,
            date -> Nullable<Timestamptz>,
            product_ids -> Array<Text>,
            group_ids -> Array<Text>,
        }
    }

    diesel::table! {
        kb.vulnerability_records (source, id) {
            source -> Text,
            id -> Text,
            modified -> Nullable<Timestamptz>,
            withdrawn -> Nullable<Timestamptz>,
            document -> Jsonb,
            record_hash -> Bytea,
            generation -> Int8,
            imported_at -> Timestamptz,
        }
    }

    diesel::table! {
        kb.ssvc_decisions (source, vulnerability_id, ordinal) {
            source -> Text,
            vulnerability_id -> Text,
            ordinal -> Int4,
            provider -> Nullable<Text>,
            role -> Nullable<Text>,
            version -> Nullable<Text>,
            decided_at -> Nullable<Timestamptz>,
            exploitation -> Nullable<Text>,
            automatable -> Nullable<Text>,
            technical_impact -> Nullable<Text>,
        }
    }

    diesel::table! {
        kb.csaf_documents (publisher_namespace, tracking_id) {
            publisher_namespace -> Text,
            tracking_id -> Text,
            document -> Jsonb,
        }
    }

    diesel::table! {
        kb.cve_summaries (cve_id) {
            cve_id -> Text,
            state -> Text,
            date_published -> Nullable<Timestamptz>,
            date_updated -> Nullable<Timestamptz>,
            cna_short_name -> Nullable<Text>,
            cna_cvss_v31 -> Nullable<Text>,
            cna_cvss_v30 -> Nullable<Text>,
            cna_cvss_v40 -> Nullable<Text>,
            cna_cvss_v2 -> Nullable<Text>,
            adp_cvss_v31 -> Nullable<Text>,
            cna_cwes -> Array<Text>,
            adp_cwes -> Array<Text>,
            ssvc_exploitation -> Nullable<Text>,
            ssvc_automatable -> Nullable<Text>,
            ssvc_technical_impact -> Nullable<Text>,
            in_kev -> Bool,
            kev_date_added -> Nullable<Date>,
            record_hash -> Bytea,
            generation -> Int8,
        }
    }

    diesel::table! {
        kb.ics_advisories (row_id) {
            row_id -> Int4,
            advisory_id -> Text,
            title -> Text,
            vendor -> Text,
            product -> Text,
            products_affected -> Text,
            released -> Date,
            last_updated -> Date,
            cves -> Array<Text>,
            cumulative_cvss -> Nullable<Float8>,
            cvss_severity -> Nullable<Text>,
            cwes -> Array<Text>,
            sectors -> Array<Text>,
            product_distribution -> Nullable<Text>,
            headquarters -> Nullable<Text>,
            medical -> Bool,
            record_hash -> Bytea,
            generation -> Int8,
        }
    }

    diesel::table! {
        kb.kev_epss (cve_id) {
            cve_id -> Text,
            cvss3 -> Nullable<Float8>,
            epss -> Float8,
            percentile -> Float8,
            description -> Text,
            vendor -> Text,
            product -> Text,
            as_of -> Nullable<Date>,
            record_hash -> Bytea,
            generation -> Int8,
        }
    }

    diesel::joinable!(vulnerabilities -> generations (generation));
    diesel::joinable!(severities -> vulnerabilities (vulnerability_id));
    diesel::joinable!(vulnerability_references -> vulnerabilities (vulnerability_id));
    diesel::joinable!(vulnerability_cwes -> vulnerabilities (vulnerability_id));
    diesel::joinable!(affected_packages -> vulnerabilities (vulnerability_id));
    diesel::joinable!(cpe_configurations -> vulnerabilities (vulnerability_id));
    diesel::joinable!(cve_records -> generations (generation));
    diesel::joinable!(cve_affected -> cve_records (cve_id));
    diesel::joinable!(kev_entries -> generations (generation));
    diesel::joinable!(epss_scores -> generations (generation));
    diesel::joinable!(csaf_advisories -> generations (generation));
    diesel::joinable!(vulnerability_records -> generations (generation));
    diesel::joinable!(cve_summaries -> generations (generation));
    diesel::joinable!(ics_advisories -> generations (generation));
    diesel::joinable!(kev_epss -> generations (generation));

    diesel::allow_tables_to_appear_in_same_query!(
        generations,
        vulnerabilities,
        severities,
        vulnerability_references,
        cwes,
        vulnerability_cwes,
        affected_packages,
        affected_ranges,
        range_events,
        fixed_versions,
        cpe_configurations,
        cpe_nodes,
        cpe_matches,
        cve_records,
        cve_affected,
        cve_affected_versions,
        kev_entries,
        epss_scores,
        csaf_advisories,
        csaf_products,
        csaf_product_statuses,
        csaf_remediations,
        vulnerability_records,
        ssvc_decisions,
        csaf_documents,
        cve_summaries,
        ics_advisories,
        kev_epss,
    );
}
