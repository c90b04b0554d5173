//! References to Secrets: the topology names them, never holds a value.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A key in an existing Secret. dify-gen never sees secret values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    /// Secret name.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
}

/// References to the Secrets holding Dify's own keys.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secrets {
    /// `SECRET_KEY`: signs sessions and encrypts data; identical on api, worker and beat.
    pub secret_key: SecretRef,
    /// Shared key between api and sandbox (`CODE_EXECUTION_API_KEY` / `API_KEY`).
    pub sandbox_api_key: SecretRef,
    /// Key api uses to call the plugin daemon (`PLUGIN_DAEMON_KEY` / `SERVER_KEY`).
    pub plugin_daemon_key: SecretRef,
    /// Key the plugin daemon uses to call api (`INNER_API_KEY_FOR_PLUGIN` / `DIFY_INNER_API_KEY`).
    pub plugin_inner_api_key: SecretRef,
    /// Secret the agent backend derives the encryption key of its sandbox
    /// tokens from (`DIFY_AGENT_SERVER_SECRET_KEY`); required with the agent
    /// runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_server_secret_key: Option<SecretRef>,
    /// Bearer token api and worker present to the agent backend
    /// (`AGENT_BACKEND_API_TOKEN` / `DIFY_AGENT_API_TOKEN`); required with
    /// the agent runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_api_token: Option<SecretRef>,
    /// Bearer token the agent backend presents to the local sandbox
    /// (`SHELLCTL_AUTH_TOKEN`); required with the agent runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_sandbox_token: Option<SecretRef>,
    /// Initial admin password (`INIT_PASSWORD`); omit to set it in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_password: Option<SecretRef>,
    /// Have the External Secrets Operator create every Secret this topology
    /// references, from a secret store; omit when the Secrets exist already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_secrets: Option<ExternalSecrets>,
}

/// One `ExternalSecret` per referenced Secret: each key of the Secret is
/// read from remote key `<remoteKeyPrefix><secret name>`, property `<key>`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecrets {
    /// `SecretStore` (in the release's namespace) or `ClusterSecretStore`.
    pub store_kind: SecretStoreKind,
    /// Name of the store.
    pub store_name: String,
    /// Prefix of every remote key (`dify/prod/`).
    #[serde(default)]
    pub remote_key_prefix: String,
    /// How often the operator re-reads the store (`1h`, `15m`).
    #[schemars(regex(pattern = r"^([0-9]+(s|m|h))+$"))]
    pub refresh_interval: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum SecretStoreKind {
    SecretStore,
    ClusterSecretStore,
}
