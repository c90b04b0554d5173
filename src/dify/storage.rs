//! The object stores Dify writes files to and the plugin daemon keeps
//! plugin packages in: for each, Dify's `STORAGE_TYPE` and the plugin
//! daemon's `PLUGIN_STORAGE_TYPE`, and which topology field becomes which
//! variable on each side. S3's settings have a section of their own
//! (`storage.s3`, older than the others), read through the same rows.
//!
//! Read from langgenius/dify `api/configs/middleware/storage/*.py` and
//! `api/extensions/storage/storage_type.py` (the api side, the same
//! variables in 1.13 to 1.17), and from the plugin daemon's
//! `internal/types/app/config.go` with langgenius/dify-cloud-kit
//! `oss/oss.go` (the daemon side, `PLUGIN_*` in Dify's compose file mapped
//! to these names). The renderers, the checks and the graph read this table
//! and nothing else about these stores.

/// A field of `storage.<section>` (`topology::ObjectStore`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Bucket,
    PluginBucket,
    Endpoint,
    Region,
    AccountName,
    Path,
    AccessKey,
    SecretKey,
    AccountKey,
    CredentialsJson,
    PluginConnectionString,
}

impl Field {
    /// The field's key in the topology.
    pub fn key(self) -> &'static str {
        match self {
            Field::Bucket => "bucket",
            Field::PluginBucket => "pluginBucket",
            Field::Endpoint => "endpoint",
            Field::Region => "region",
            Field::AccountName => "accountName",
            Field::Path => "path",
            Field::AccessKey => "accessKey",
            Field::SecretKey => "secretKey",
            Field::AccountKey => "accountKey",
            Field::CredentialsJson => "credentialsJson",
            Field::PluginConnectionString => "pluginConnectionString",
        }
    }

    /// A Secret reference (the others are plain values).
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            Field::AccessKey
                | Field::SecretKey
                | Field::AccountKey
                | Field::CredentialsJson
                | Field::PluginConnectionString
        )
    }
}

/// Where a variable's value comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// A topology field (a Secret reference for secret fields).
    Field(Field),
    /// A fixed value.
    Const(&'static str),
    /// `true` when the store signs in with the pods' cloud identity
    /// (`useWorkloadIdentity`, S3's `useIamRole`), else `false`.
    UsesIdentity,
    /// `true` when no endpoint is set: the cloud's own service (AWS).
    NoEndpoint,
    /// S3's addressing: `auto`, `path` or `virtual`.
    AddressStyle,
    /// `true` with path-style addressing, else `false`.
    PathStyle,
    /// rclone's S3 provider: `AWS` without an endpoint, `Other` with one.
    AwsProvider,
    /// This value when the store signs in with the pods' identity; unset
    /// otherwise.
    WhenIdentity(&'static str),
    /// A URL made of the region: `<prefix><region><suffix>`.
    RegionUrl(&'static str, &'static str),
    /// The region named in the endpoint's host, its second label
    /// (`obs.cn-north-4.myhuaweicloud.com`).
    EndpointRegion,
    /// A Secret field that holds base64 of what rclone wants: decoded in
    /// the pod before rclone starts.
    Base64(Field),
}

/// How rclone, which copies Dify's buckets into the backup repositories,
/// reads the store: a remote of this backend with these options, in
/// `rclone.conf` order. A Secret field becomes the environment variable
/// `RCLONE_CONFIG_<REMOTE>_<OPTION>` instead of a line of the file.
#[derive(Clone, Copy, Debug)]
pub struct Rclone {
    /// rclone's backend type (`s3`, `azureblob`, `google cloud storage`).
    pub backend: &'static str,
    pub options: &'static [(&'static str, Source)],
}

/// How a store signs in with the pods' cloud identity.
#[derive(Clone, Copy, Debug)]
pub struct Identity {
    /// The ServiceAccount annotation that names the cloud identity, which
    /// every pod that reaches the store must carry.
    pub annotation: &'static str,
    /// A pod label the identity webhook selects pods by, if it needs one.
    pub pod_label: Option<(&'static str, &'static str)>,
    /// Credential fields the identity replaces.
    pub replaces: &'static [Field],
    /// Variables set instead on the api side.
    pub api: &'static [(&'static str, &'static str)],
    /// Whether the plugin daemon can use the identity too (otherwise it
    /// keeps its credentials).
    pub plugin_daemon: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Backend {
    /// The topology's `storage.type`, which is also Dify's `STORAGE_TYPE`.
    pub storage_type: &'static str,
    pub plugin_storage_type: &'static str,
    /// The api side's variables (api, worker, beat, websocket server).
    pub api: &'static [(&'static str, Source)],
    /// The plugin daemon's.
    pub plugin: &'static [(&'static str, Source)],
    /// Fields that must be set (credential fields unless the identity
    /// replaces them).
    pub required: &'static [Field],
    pub identity: Option<Identity>,
    pub rclone: Rclone,
}

use Field::*;
use Source::{
    AddressStyle, AwsProvider, Base64, Const, EndpointRegion, Field as F, NoEndpoint, PathStyle,
    RegionUrl, UsesIdentity, WhenIdentity,
};

const PLUGIN_BUCKET: (&str, Source) = ("PLUGIN_STORAGE_OSS_BUCKET", F(PluginBucket));

/// AWS S3 or any S3-compatible store (`storage.s3`). Dify's
/// `s3_storage_config.py`; the daemon's `aws_s3` driver takes the
/// `S3_*`/`AWS_*` names of Dify's compose file.
pub const S3: Backend = Backend {
    storage_type: "s3",
    plugin_storage_type: "aws_s3",
    api: &[
        ("S3_ENDPOINT", F(Endpoint)),
        ("S3_REGION", F(Region)),
        ("S3_BUCKET_NAME", F(Bucket)),
        ("S3_ADDRESS_STYLE", AddressStyle),
        ("S3_USE_AWS_MANAGED_IAM", UsesIdentity),
        ("S3_ACCESS_KEY", F(AccessKey)),
        ("S3_SECRET_KEY", F(SecretKey)),
    ],
    plugin: &[
        PLUGIN_BUCKET,
        // AWS itself when no endpoint is given; any other S3 needs the endpoint.
        ("S3_USE_AWS", NoEndpoint),
        ("S3_USE_AWS_MANAGED_IAM", UsesIdentity),
        ("S3_ENDPOINT", F(Endpoint)),
        ("S3_USE_PATH_STYLE", PathStyle),
        ("AWS_REGION", F(Region)),
        ("AWS_ACCESS_KEY", F(AccessKey)),
        ("AWS_SECRET_KEY", F(SecretKey)),
    ],
    required: &[Region, AccessKey, SecretKey],
    // `useIamRole`: the IRSA role (or EKS Pod Identity) of the pods'
    // ServiceAccount; both sides then ignore keys.
    identity: Some(Identity {
        annotation: "eks.amazonaws.com/role-arn",
        pod_label: None,
        replaces: &[AccessKey, SecretKey],
        api: &[],
        plugin_daemon: true,
    }),
    rclone: Rclone {
        backend: "s3",
        options: &[
            ("provider", AwsProvider),
            ("endpoint", F(Endpoint)),
            ("region", F(Region)),
            ("force_path_style", PathStyle),
            ("env_auth", WhenIdentity("true")),
            ("access_key_id", F(AccessKey)),
            ("secret_access_key", F(SecretKey)),
        ],
    },
};

pub const AZURE_BLOB: Backend = Backend {
    storage_type: "azure-blob",
    plugin_storage_type: "azure_blob",
    api: &[
        ("AZURE_BLOB_ACCOUNT_NAME", F(AccountName)),
        ("AZURE_BLOB_ACCOUNT_URL", F(Endpoint)),
        ("AZURE_BLOB_CONTAINER_NAME", F(Bucket)),
        ("AZURE_BLOB_ACCOUNT_KEY", F(AccountKey)),
    ],
    plugin: &[
        ("AZURE_BLOB_STORAGE_CONTAINER_NAME", F(PluginBucket)),
        (
            "AZURE_BLOB_STORAGE_CONNECTION_STRING",
            F(PluginConnectionString),
        ),
    ],
    required: &[AccountName, Endpoint, AccountKey, PluginConnectionString],
    // Dify's Blob storage signs in with `DefaultAzureCredential` when the
    // account key is the word `managedidentity` (`azure_blob_storage.py`),
    // which reads the token the Azure Workload Identity webhook projects
    // into pods labelled `azure.workload.identity/use`.
    identity: Some(Identity {
        annotation: "azure.workload.identity/client-id",
        pod_label: Some(("azure.workload.identity/use", "true")),
        replaces: &[AccountKey],
        api: &[("AZURE_BLOB_ACCOUNT_KEY", "managedidentity")],
        plugin_daemon: false,
    }),
    rclone: Rclone {
        backend: "azureblob",
        options: &[
            ("account", F(AccountName)),
            ("endpoint", F(Endpoint)),
            ("env_auth", WhenIdentity("true")),
            ("key", F(AccountKey)),
        ],
    },
};

pub const GOOGLE_STORAGE: Backend = Backend {
    storage_type: "google-storage",
    plugin_storage_type: "gcs",
    api: &[
        ("GOOGLE_STORAGE_BUCKET_NAME", F(Bucket)),
        (
            "GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64",
            F(CredentialsJson),
        ),
    ],
    plugin: &[PLUGIN_BUCKET, ("GCS_CREDENTIALS", F(CredentialsJson))],
    required: &[CredentialsJson],
    // Without a key both sides use Application Default Credentials, which
    // on GKE is the Google service account the Kubernetes one is bound to.
    identity: Some(Identity {
        annotation: "iam.gke.io/gcp-service-account",
        pod_label: None,
        replaces: &[CredentialsJson],
        api: &[],
        plugin_daemon: true,
    }),
    rclone: Rclone {
        backend: "google cloud storage",
        options: &[
            ("env_auth", WhenIdentity("true")),
            ("service_account_credentials", Base64(CredentialsJson)),
        ],
    },
};

pub const ALIYUN_OSS: Backend = Backend {
    storage_type: "aliyun-oss",
    plugin_storage_type: "aliyun_oss",
    api: &[
        ("ALIYUN_OSS_BUCKET_NAME", F(Bucket)),
        ("ALIYUN_OSS_ENDPOINT", F(Endpoint)),
        ("ALIYUN_OSS_REGION", F(Region)),
        ("ALIYUN_OSS_AUTH_VERSION", Const("v4")),
        ("ALIYUN_OSS_PATH", F(Path)),
        ("ALIYUN_OSS_ACCESS_KEY", F(AccessKey)),
        ("ALIYUN_OSS_SECRET_KEY", F(SecretKey)),
    ],
    plugin: &[
        PLUGIN_BUCKET,
        ("ALIYUN_OSS_ENDPOINT", F(Endpoint)),
        ("ALIYUN_OSS_REGION", F(Region)),
        ("ALIYUN_OSS_AUTH_VERSION", Const("v4")),
        ("ALIYUN_OSS_PATH", F(Path)),
        ("ALIYUN_OSS_ACCESS_KEY_ID", F(AccessKey)),
        ("ALIYUN_OSS_ACCESS_KEY_SECRET", F(SecretKey)),
    ],
    required: &[Endpoint, Region, AccessKey, SecretKey],
    identity: None,
    rclone: Rclone {
        backend: "s3",
        options: &[
            ("provider", Const("Alibaba")),
            ("endpoint", F(Endpoint)),
            ("access_key_id", F(AccessKey)),
            ("secret_access_key", F(SecretKey)),
        ],
    },
};

pub const TENCENT_COS: Backend = Backend {
    storage_type: "tencent-cos",
    plugin_storage_type: "tencent_cos",
    api: &[
        ("TENCENT_COS_BUCKET_NAME", F(Bucket)),
        ("TENCENT_COS_REGION", F(Region)),
        ("TENCENT_COS_SCHEME", Const("https")),
        ("TENCENT_COS_SECRET_ID", F(AccessKey)),
        ("TENCENT_COS_SECRET_KEY", F(SecretKey)),
    ],
    plugin: &[
        PLUGIN_BUCKET,
        ("TENCENT_COS_REGION", F(Region)),
        ("TENCENT_COS_SECRET_ID", F(AccessKey)),
        ("TENCENT_COS_SECRET_KEY", F(SecretKey)),
    ],
    required: &[Region, AccessKey, SecretKey],
    identity: None,
    // COS's S3 API is at `cos.<region>.myqcloud.com`.
    rclone: Rclone {
        backend: "s3",
        options: &[
            ("provider", Const("TencentCOS")),
            ("endpoint", RegionUrl("https://cos.", ".myqcloud.com")),
            ("access_key_id", F(AccessKey)),
            ("secret_access_key", F(SecretKey)),
        ],
    },
};

pub const HUAWEI_OBS: Backend = Backend {
    storage_type: "huawei-obs",
    plugin_storage_type: "huawei_obs",
    api: &[
        ("HUAWEI_OBS_BUCKET_NAME", F(Bucket)),
        ("HUAWEI_OBS_SERVER", F(Endpoint)),
        ("HUAWEI_OBS_ACCESS_KEY", F(AccessKey)),
        ("HUAWEI_OBS_SECRET_KEY", F(SecretKey)),
    ],
    plugin: &[
        PLUGIN_BUCKET,
        ("HUAWEI_OBS_SERVER", F(Endpoint)),
        ("HUAWEI_OBS_ACCESS_KEY", F(AccessKey)),
        ("HUAWEI_OBS_SECRET_KEY", F(SecretKey)),
    ],
    required: &[Endpoint, AccessKey, SecretKey],
    identity: None,
    rclone: Rclone {
        backend: "s3",
        options: &[
            ("provider", Const("HuaweiOBS")),
            ("endpoint", F(Endpoint)),
            ("region", EndpointRegion),
            ("access_key_id", F(AccessKey)),
            ("secret_access_key", F(SecretKey)),
        ],
    },
};

pub const VOLCENGINE_TOS: Backend = Backend {
    storage_type: "volcengine-tos",
    plugin_storage_type: "volcengine_tos",
    api: &[
        ("VOLCENGINE_TOS_BUCKET_NAME", F(Bucket)),
        ("VOLCENGINE_TOS_ENDPOINT", F(Endpoint)),
        ("VOLCENGINE_TOS_REGION", F(Region)),
        ("VOLCENGINE_TOS_ACCESS_KEY", F(AccessKey)),
        ("VOLCENGINE_TOS_SECRET_KEY", F(SecretKey)),
    ],
    plugin: &[
        PLUGIN_BUCKET,
        ("VOLCENGINE_TOS_ENDPOINT", F(Endpoint)),
        ("VOLCENGINE_TOS_REGION", F(Region)),
        ("VOLCENGINE_TOS_ACCESS_KEY", F(AccessKey)),
        ("VOLCENGINE_TOS_SECRET_KEY", F(SecretKey)),
    ],
    required: &[Endpoint, Region, AccessKey, SecretKey],
    identity: None,
    // rclone has no TOS provider; TOS's S3 API is at
    // `tos-s3-<region>.volces.com` (its native API, Dify's endpoint, at
    // `tos-<region>`), virtual-hosted only.
    rclone: Rclone {
        backend: "s3",
        options: &[
            ("provider", Const("Other")),
            ("endpoint", RegionUrl("https://tos-s3-", ".volces.com")),
            ("region", F(Region)),
            ("force_path_style", Const("false")),
            ("access_key_id", F(AccessKey)),
            ("secret_access_key", F(SecretKey)),
        ],
    },
};

/// Every store, S3 first.
pub const BACKENDS: &[Backend] = &[
    S3,
    AZURE_BLOB,
    GOOGLE_STORAGE,
    ALIYUN_OSS,
    TENCENT_COS,
    HUAWEI_OBS,
    VOLCENGINE_TOS,
];

/// The row of a `storage.type`.
pub fn backend(storage_type: &str) -> Option<&'static Backend> {
    BACKENDS.iter().find(|b| b.storage_type == storage_type)
}

impl Backend {
    /// Whether the store reads `field` (on either side).
    pub fn reads(&self, field: Field) -> bool {
        matches!(field, Field::Bucket | Field::PluginBucket)
            || self
                .api
                .iter()
                .chain(self.plugin)
                .any(|(_, s)| matches!(s, F(f) if *f == field))
    }
}

/// Whether `value` is the fixed word a store's identity sign-in sets in
/// `name` (the secret firewall lets it through).
pub fn is_sign_in_word(name: &str, value: &str) -> bool {
    BACKENDS
        .iter()
        .filter_map(|b| b.identity)
        .flat_map(|i| i.api)
        .any(|(n, v)| *n == name && *v == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_field_is_read() {
        for b in BACKENDS {
            for f in b.required {
                assert!(b.reads(*f), "{} requires unread {:?}", b.storage_type, f);
            }
            if let Some(i) = b.identity {
                for f in i.replaces {
                    assert!(b.required.contains(f), "{}", b.storage_type);
                }
            }
        }
    }

    #[test]
    fn rclone_decodes_one_option_at_most() {
        // The bucket copy decodes it from one variable, `SOURCE_KEY_BASE64`.
        for b in BACKENDS {
            let n = b
                .rclone
                .options
                .iter()
                .filter(|(_, s)| matches!(s, Base64(_)))
                .count();
            assert!(n <= 1, "{}", b.storage_type);
        }
    }

    #[test]
    fn types_are_distinct() {
        let mut names: Vec<&str> = BACKENDS.iter().map(|b| b.storage_type).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BACKENDS.len());
    }
}
