//! The public entry's routes, as Dify's own nginx configures them.

use super::{ports, Kind};

/// Path prefixes and the component serving them, most specific first:
/// `/console/api`, `/api`, `/v1`, `/files`, `/mcp`, `/triggers` and
/// `/openapi` to api; `/e/` to the plugin daemon; everything else to web.
pub const ROUTES: [(&str, Kind, u16); 9] = [
    ("/console/api", Kind::Api, ports::API),
    ("/api", Kind::Api, ports::API),
    ("/v1", Kind::Api, ports::API),
    ("/files", Kind::Api, ports::API),
    ("/mcp", Kind::Api, ports::API),
    ("/triggers", Kind::Api, ports::API),
    ("/openapi", Kind::Api, ports::API),
    ("/e/", Kind::PluginDaemon, ports::PLUGIN_DAEMON),
    ("/", Kind::Web, ports::WEB),
];
