//! Settings of the Dify processes themselves.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the Dify processes themselves.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DifySettings {
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
    /// Celery queues the workers consume; omit to use Dify's own default list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_queues: Option<Vec<String>>,
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
