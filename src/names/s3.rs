//! S3 bucket names and regions, by Amazon S3's rules for general purpose
//! buckets (docs.aws.amazon.com, "Bucket naming rules"); S3-compatible
//! stores (MinIO, Ceph, R2, ...) follow the same bucket rules or a subset.

use super::dns;

/// A general purpose bucket name: 3 to 63 characters of lowercase letters,
/// digits, `.` and `-`, starting and ending with a letter or digit, no two
/// adjacent dots, not an IP address, none of the prefixes and suffixes S3
/// reserves.
pub fn bucket(s: &str) -> Result<(), String> {
    if s.len() < 3 || s.len() > 63 {
        return Err("must be 3 to 63 characters".into());
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !s.chars().all(|c| alnum(c) || c == '.' || c == '-') {
        return Err("must contain only lowercase letters, digits, `.` and `-`".into());
    }
    if !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Err("must start and end with a lowercase letter or digit".into());
    }
    if s.contains("..") {
        return Err("must not contain two adjacent `.`".into());
    }
    if dns::ipv4(s).is_ok() {
        return Err("must not be an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if s.starts_with(prefix) {
            return Err(format!("must not start with `{prefix}` (reserved by S3)"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if s.ends_with(suffix) {
            return Err(format!("must not end with `{suffix}` (reserved by S3)"));
        }
    }
    Ok(())
}

/// An AWS region code: `us-east-1`, `eu-central-2`, `us-gov-west-1`,
/// `cn-north-1`, `us-iso-east-1` (a two-letter area, an optional partition
/// word, a direction, a number).
pub fn aws_region(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let lower = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase());
    let ok = parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && lower(parts[0])
        && parts[1..parts.len() - 1].iter().all(|p| lower(p))
        && parts.last().is_some_and(|n| {
            !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err("must be an AWS region code such as `us-east-1` or `eu-central-1`".into())
    }
}

/// A region an S3-compatible store names (`auto`, `garage`, `us-east-1`):
/// 1 to 64 letters, digits, `-` and `_`, as it goes into the request
/// signature's credential scope between `/`s.
pub fn region_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("must contain only letters, digits, `-` and `_`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_regions() {
        assert!(bucket("dify-files").is_ok());
        assert!(bucket("my.bucket.v2").is_ok());
        assert!(bucket("ab").is_err());
        assert!(bucket("Dify").is_err());
        assert!(bucket("a..b").is_err());
        assert!(bucket("192.168.5.4").is_err());
        assert!(bucket("xn--abc").is_err());
        assert!(bucket("files-s3alias").is_err());
        assert!(bucket("-abc").is_err());
        assert!(aws_region("us-east-1").is_ok());
        assert!(aws_region("us-gov-west-1").is_ok());
        assert!(aws_region("ap-southeast-5").is_ok());
        assert!(aws_region("100Ei").is_err());
        assert!(aws_region("us-east").is_err());
        assert!(aws_region("US-EAST-1").is_err());
        assert!(region_name("auto").is_ok());
        assert!(region_name("us-east-1").is_ok());
        assert!(region_name("a/b").is_err());
        assert!(region_name("").is_err());
    }
}
