//! Object storage for uploaded files and plugin packages.

use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// File storage shared by api, worker and plugin daemon. Only object storage
/// is offered: a node-local volume breaks as soon as there are two nodes.
/// `type` picks the store; its section (`s3`, `googleStorage`, ...) holds
/// the settings, and the sections of other stores are ignored (remove one
/// with `null`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Storage {
    /// The store, by Dify's `STORAGE_TYPE`: `s3` (AWS S3 or any
    /// S3-compatible store), `azure-blob`, `google-storage`, `aliyun-oss`,
    /// `tencent-cos`, `huawei-obs` or `volcengine-tos`.
    #[serde(rename = "type")]
    pub kind: StorageKind,
    /// Settings for `type: s3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3>,
    /// Settings for `type: azure-blob`: `accountName`, `endpoint` (the
    /// account URL), `bucket` and `pluginBucket` (containers), and
    /// `accountKey` or `useWorkloadIdentity`; the plugin daemon always
    /// needs `pluginConnectionString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_blob: Option<ObjectStore>,
    /// Settings for `type: google-storage`: `bucket`, `pluginBucket`, and
    /// `credentialsJson` (a base64 service-account key) or
    /// `useWorkloadIdentity` (GKE Workload Identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_storage: Option<ObjectStore>,
    /// Settings for `type: aliyun-oss`: `endpoint`, `region`, `bucket`,
    /// `pluginBucket`, `accessKey`, `secretKey`, and optionally `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyun_oss: Option<ObjectStore>,
    /// Settings for `type: tencent-cos`: `region`, `bucket`,
    /// `pluginBucket`, `accessKey` (the SecretId) and `secretKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tencent_cos: Option<ObjectStore>,
    /// Settings for `type: huawei-obs`: `endpoint` (the OBS server),
    /// `bucket`, `pluginBucket`, `accessKey` and `secretKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huawei_obs: Option<ObjectStore>,
    /// Settings for `type: volcengine-tos`: `endpoint`, `region`, `bucket`,
    /// `pluginBucket`, `accessKey` and `secretKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volcengine_tos: Option<ObjectStore>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    S3,
    AzureBlob,
    GoogleStorage,
    AliyunOss,
    TencentCos,
    HuaweiObs,
    VolcengineTos,
}

impl StorageKind {
    /// The value in the topology and in Dify's `STORAGE_TYPE`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::S3 => "s3",
            StorageKind::AzureBlob => "azure-blob",
            StorageKind::GoogleStorage => "google-storage",
            StorageKind::AliyunOss => "aliyun-oss",
            StorageKind::TencentCos => "tencent-cos",
            StorageKind::HuaweiObs => "huawei-obs",
            StorageKind::VolcengineTos => "volcengine-tos",
        }
    }

    /// The key of the store's section under `storage`.
    pub fn section(self) -> &'static str {
        match self {
            StorageKind::S3 => "s3",
            StorageKind::AzureBlob => "azureBlob",
            StorageKind::GoogleStorage => "googleStorage",
            StorageKind::AliyunOss => "aliyunOss",
            StorageKind::TencentCos => "tencentCos",
            StorageKind::HuaweiObs => "huaweiObs",
            StorageKind::VolcengineTos => "volcengineTos",
        }
    }
}

impl Storage {
    /// The S3 settings, when S3 is the chosen store.
    pub fn s3(&self) -> Option<&S3> {
        self.s3.as_ref().filter(|_| self.kind == StorageKind::S3)
    }

    /// The settings of the chosen store when it is not S3.
    pub fn object_store(&self) -> Option<&ObjectStore> {
        match self.kind {
            StorageKind::S3 => None,
            StorageKind::AzureBlob => self.azure_blob.as_ref(),
            StorageKind::GoogleStorage => self.google_storage.as_ref(),
            StorageKind::AliyunOss => self.aliyun_oss.as_ref(),
            StorageKind::TencentCos => self.tencent_cos.as_ref(),
            StorageKind::HuaweiObs => self.huawei_obs.as_ref(),
            StorageKind::VolcengineTos => self.volcengine_tos.as_ref(),
        }
    }

    /// The two buckets (files, plugin packages) of the chosen store.
    pub fn buckets(&self) -> Option<(&str, &str)> {
        match (self.s3(), self.object_store()) {
            (Some(s), _) => Some((&s.bucket, &s.plugin_bucket)),
            (None, Some(o)) => Some((&o.bucket, &o.plugin_bucket)),
            _ => None,
        }
    }

    /// The chosen store's row and settings; none when its section is absent.
    pub fn settings(&self) -> Option<(&'static crate::dify::storage::Backend, StoreSettings<'_>)> {
        let settings = match (self.s3(), self.object_store()) {
            (Some(s), _) => StoreSettings::S3(s),
            (None, Some(o)) => StoreSettings::Other(o),
            _ => return None,
        };
        Some((self.kind.backend()?, settings))
    }

    /// The JSON pointer of the chosen store's section.
    pub fn pointer(&self) -> String {
        format!("/storage/{}", self.kind.section())
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3 {
    /// Endpoint URL; omit for AWS S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: Option<String>,
    pub region: String,
    /// Bucket for Dify's files (also holds per-tenant keys: back it up with the database).
    pub bucket: String,
    /// Bucket for plugin packages.
    pub plugin_bucket: String,
    /// `auto`, `path` or `virtual` addressing.
    pub address_style: S3AddressStyle,
    /// Use the pod's IAM role instead of access keys.
    pub use_iam_role: bool,
    /// Access key id; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<SecretRef>,
    /// Secret access key; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum S3AddressStyle {
    Auto,
    Path,
    Virtual,
}

/// A cloud object store other than S3. Which fields a store reads, and
/// which it needs, is its row in `dify::storage::BACKENDS`; a field the
/// store does not read is refused at its line.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStore {
    /// Bucket (Azure: container) for Dify's files; it also holds the
    /// per-tenant keys, so back it up with the database.
    pub bucket: String,
    /// Bucket (Azure: container) for plugin packages.
    pub plugin_bucket: String,
    /// Endpoint URL: the Azure account URL
    /// (`https://<account>.blob.core.windows.net`), the OSS, OBS or TOS
    /// endpoint of the bucket's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: Option<String>,
    /// Region code (`oss-cn-hangzhou`, `ap-guangzhou`, `cn-beijing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Azure storage account name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Aliyun OSS: a prefix inside the bucket for Dify's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Access key id (Tencent COS: the SecretId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<SecretRef>,
    /// Secret access key (Tencent COS: the SecretKey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
    /// Azure storage account key; not needed with `useWorkloadIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<SecretRef>,
    /// Google Cloud: the service account's JSON key, base64-encoded; not
    /// needed with `useWorkloadIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_json: Option<SecretRef>,
    /// Azure: the storage account's connection string for the plugin
    /// daemon, which has no other way to sign in to Blob storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_connection_string: Option<SecretRef>,
    /// Sign in with the pods' cloud identity instead of keys (GKE Workload
    /// Identity for Google Cloud Storage, Azure Workload Identity for Blob
    /// storage): the identity is the ServiceAccount annotation in
    /// `components.<name>.serviceAccount`. Other stores take keys only.
    #[serde(default)]
    pub use_workload_identity: bool,
}

impl ObjectStore {
    /// The value of a plain field.
    pub fn text(&self, field: crate::dify::storage::Field) -> Option<&str> {
        use crate::dify::storage::Field;
        match field {
            Field::Bucket => Some(&self.bucket),
            Field::PluginBucket => Some(&self.plugin_bucket),
            Field::Endpoint => self.endpoint.as_deref(),
            Field::Region => self.region.as_deref(),
            Field::AccountName => self.account_name.as_deref(),
            Field::Path => self.path.as_deref(),
            _ => None,
        }
    }

    /// The value of a Secret field.
    pub fn secret(&self, field: crate::dify::storage::Field) -> Option<&SecretRef> {
        use crate::dify::storage::Field;
        match field {
            Field::AccessKey => self.access_key.as_ref(),
            Field::SecretKey => self.secret_key.as_ref(),
            Field::AccountKey => self.account_key.as_ref(),
            Field::CredentialsJson => self.credentials_json.as_ref(),
            Field::PluginConnectionString => self.plugin_connection_string.as_ref(),
            _ => None,
        }
    }

    pub fn has(&self, field: crate::dify::storage::Field) -> bool {
        self.text(field).is_some() || self.secret(field).is_some()
    }
}

impl StorageKind {
    /// The store's row in the catalogue.
    pub fn backend(self) -> Option<&'static crate::dify::storage::Backend> {
        crate::dify::storage::backend(self.as_str())
    }
}

/// The chosen store's settings, from whichever section holds them, read by
/// the fields of its row in `dify::storage::BACKENDS`.
#[derive(Clone, Copy, Debug)]
pub enum StoreSettings<'a> {
    S3(&'a S3),
    Other(&'a ObjectStore),
}

impl<'a> StoreSettings<'a> {
    /// The value of a plain field.
    pub fn text(self, field: crate::dify::storage::Field) -> Option<&'a str> {
        use crate::dify::storage::Field;
        match self {
            StoreSettings::S3(s) => match field {
                Field::Bucket => Some(&s.bucket),
                Field::PluginBucket => Some(&s.plugin_bucket),
                Field::Endpoint => s.endpoint.as_deref(),
                Field::Region => Some(&s.region),
                _ => None,
            },
            StoreSettings::Other(o) => o.text(field),
        }
    }

    /// The value of a Secret field.
    pub fn secret(self, field: crate::dify::storage::Field) -> Option<&'a SecretRef> {
        use crate::dify::storage::Field;
        match self {
            StoreSettings::S3(s) => match field {
                Field::AccessKey => s.access_key.as_ref(),
                Field::SecretKey => s.secret_key.as_ref(),
                _ => None,
            },
            StoreSettings::Other(o) => o.secret(field),
        }
    }

    /// Whether the pods sign in with their cloud identity.
    pub fn uses_identity(self) -> bool {
        match self {
            StoreSettings::S3(s) => s.use_iam_role,
            StoreSettings::Other(o) => o.use_workload_identity,
        }
    }

    /// S3's addressing (`auto` for the other stores, which have none).
    pub fn address_style(self) -> S3AddressStyle {
        match self {
            StoreSettings::S3(s) => s.address_style,
            StoreSettings::Other(_) => S3AddressStyle::Auto,
        }
    }
}

impl S3AddressStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            S3AddressStyle::Auto => "auto",
            S3AddressStyle::Path => "path",
            S3AddressStyle::Virtual => "virtual",
        }
    }
}

impl Storage {
    /// The chosen store's Secret references, with their JSON pointers.
    pub fn secret_refs(&self) -> Vec<(String, &SecretRef)> {
        let base = self.pointer();
        let mut out = Vec::new();
        if let Some(s3) = self.s3() {
            out.extend(
                s3.access_key
                    .iter()
                    .map(|r| (format!("{base}/accessKey"), r)),
            );
            out.extend(
                s3.secret_key
                    .iter()
                    .map(|r| (format!("{base}/secretKey"), r)),
            );
        }
        if let Some(o) = self.object_store() {
            use crate::dify::storage::Field;
            for f in [
                Field::AccessKey,
                Field::SecretKey,
                Field::AccountKey,
                Field::CredentialsJson,
                Field::PluginConnectionString,
            ] {
                if let Some(r) = o.secret(f) {
                    out.push((format!("{base}/{}", f.key()), r));
                }
            }
        }
        out
    }
}
