//! Settings of the Dify processes themselves.

use crate::dify::Feature;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the Dify processes themselves.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DifySettings {
    /// The Dify release to deploy, from dify-gen's release catalogue
    /// (`docs/releases.md`): `1.13.3`, `1.16.1` or `1.17.1`. It decides the
    /// components, their images (`images.*` overrides one), the worker
    /// queues and the entry's routes.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+\.[0-9]+$"))]
    pub version: String,
    /// Workflow collaboration (Dify 1.15 and later): the `api-websocket`
    /// Socket.IO server, `/socket.io/` on the entry, `ENABLE_COLLABORATION_MODE`.
    /// `false` renders none of it and turns the mode off.
    pub collaboration: bool,
    /// The agent v2 runtime (Dify 1.16 and later): `agent-backend`,
    /// `local-sandbox` and `agent-ssrf-proxy`. `false` renders none of them.
    pub agent_runtime: bool,
    /// `LOG_LEVEL` of every Dify process. Logs are always JSON on stdout.
    pub log_level: LogLevel,
    /// Gunicorn worker processes per api pod (`SERVER_WORKER_AMOUNT`).
    #[schemars(range(min = 1, max = 32))]
    pub api_workers: u32,
    /// Gunicorn request timeout (`GUNICORN_TIMEOUT`), in seconds.
    #[schemars(range(min = 30))]
    pub api_timeout_seconds: u32,
    /// Celery worker concurrency per worker pod (`CELERY_WORKER_AMOUNT`).
    #[schemars(range(min = 1, max = 256))]
    pub worker_concurrency: u32,
    /// Longest an app or workflow run may take (`APP_MAX_EXECUTION_TIME`,
    /// `WORKFLOW_MAX_EXECUTION_TIME`), in seconds. The entry route's
    /// timeouts must be at least this long or streams are cut.
    #[schemars(range(min = 1))]
    pub max_execution_seconds: u32,
    /// Celery queues the workers consume; omit to use the release's default
    /// list. A list that leaves out a queue the release routes tasks to is
    /// an error naming the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_queues: Option<Vec<String>>,
}

impl DifySettings {
    /// Whether the topology keeps a part of Dify on.
    pub fn enabled(&self, feature: Feature) -> bool {
        match feature {
            Feature::Collaboration => self.collaboration,
            Feature::AgentRuntime => self.agent_runtime,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}
