//! The AWS partitions as data (botocore 1.44.8 `partitions.json`, spec section 4.3).
//!
//! Partition data changes over time (until September 2025 the ISO partitions had no dual-stack);
//! when AWS publishes a new partition or changes a capability, edit this table and nothing else.

/// One AWS partition: how its region names look and which host names its endpoints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Partition {
    /// Partition id, such as `aws` or `aws-us-gov`.
    pub id: &'static str,
    /// Region ids listed explicitly for this partition; they are checked before any pattern.
    pub regions: &'static [&'static str],
    /// The partition's `regionRegex` is `^(<p1>|<p2>|...)-\w+-\d+$` over these prefixes.
    pub region_prefixes: &'static [&'static str],
    /// DNS suffix of ordinary endpoints.
    pub dns_suffix: &'static str,
    /// DNS suffix of dual-stack endpoints.
    pub dual_stack_dns_suffix: &'static str,
    /// Whether FIPS endpoints exist in this partition.
    pub supports_fips: bool,
    /// Whether dual-stack endpoints exist in this partition.
    pub supports_dual_stack: bool,
}

impl Partition {
    /// Whether `region` matches this partition's `regionRegex`.
    pub fn matches_pattern(&self, region: &str) -> bool {
        self.region_prefixes.iter().any(|prefix| {
            region
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(word_dash_digits)
        })
    }
}

/// `\w+-\d+` with the regex crate's ASCII meaning of `\w` (`[A-Za-z0-9_]`) and `\d`.
fn word_dash_digits(s: &str) -> bool {
    // `\w+` is greedy but cannot contain '-', so the split point is the last '-'.
    let Some((word, digits)) = s.rsplit_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Every partition, in the order botocore lists them. `aws` (the first) is the fallback.
pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        regions: &[
            "aws-global",
            "af-south-1",
            "ap-east-1",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "me-west-1",
            "mx-central-1",
            "sa-east-1",
            "sa-west-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
        region_prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-cn",
        regions: &["aws-cn-global", "cn-north-1", "cn-northwest-1"],
        region_prefixes: &["cn"],
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-us-gov",
        regions: &["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
        region_prefixes: &["us-gov"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso",
        regions: &["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
        region_prefixes: &["us-iso"],
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-b",
        regions: &["aws-iso-b-global", "us-isob-east-1"],
        region_prefixes: &["us-isob"],
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-e",
        regions: &["aws-iso-e-global", "eu-isoe-west-1"],
        region_prefixes: &["eu-isoe"],
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-f",
        regions: &["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
        region_prefixes: &["us-isof"],
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-eusc",
        regions: &["eusc-de-east-1"],
        region_prefixes: &["eusc-de"],
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        supports_fips: true,
        supports_dual_stack: true,
    },
];

/// The partition `region` belongs to: explicit region lists first, then the patterns, then `aws`.
pub fn partition_for(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| PARTITIONS.iter().find(|p| p.matches_pattern(region)))
        .unwrap_or(&PARTITIONS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_the_regexes() {
        assert_eq!(partition_for("us-east-9").id, "aws");
        assert_eq!(partition_for("us-gov-west-9").id, "aws-us-gov");
        assert_eq!(partition_for("us-iso-east-9").id, "aws-iso");
        assert_eq!(partition_for("us-isob-east-9").id, "aws-iso-b");
        assert_eq!(partition_for("us-isof-north-9").id, "aws-iso-f");
        assert_eq!(partition_for("eu-isoe-north-9").id, "aws-iso-e");
        assert_eq!(partition_for("eusc-de-west-9").id, "aws-eusc");
        assert_eq!(partition_for("cn-south-9").id, "aws-cn");
        // `\w` does not match '-', so the `aws` pattern cannot take these:
        let aws = &PARTITIONS[0];
        assert!(!aws.matches_pattern("us-gov-west-1"));
        assert!(!aws.matches_pattern("us-east-"));
        assert!(!aws.matches_pattern("us--1"));
        assert!(!aws.matches_pattern("us-east-1a"));
        assert!(aws.matches_pattern("us-east_x-1"));
    }

    #[test]
    fn unknown_regions_fall_back_to_aws() {
        assert_eq!(partition_for("xx-fake-1").id, "aws");
        assert_eq!(partition_for("").id, "aws");
    }

    #[test]
    fn global_pseudo_regions_come_from_the_lists() {
        assert_eq!(partition_for("aws-us-gov-global").id, "aws-us-gov");
        assert_eq!(partition_for("aws-cn-global").id, "aws-cn");
    }
}
