//! Every diagnostic code, in one place, so codes stay unique and stable.
//!
//! Prefixes name the stage that reports them: `L` load, `T` topology
//! (structure and semantic checks), `V` validation of rendered output,
//! `S` the plaintext-secret firewall over rendered output, `O` the output
//! directory (files dify-gen would lose someone's work by writing), `D`
//! `dify-gen diff` (what an upgrade from one render to another breaks in
//! a running deployment, `docs/upgrades.md`), `E` usage and I/O (exit 2).

// load: reading YAML
pub const L_SYNTAX: &str = "L001";
pub const L_DUPLICATE_KEY: &str = "L002";
pub const L_NOT_UTF8: &str = "L003";
pub const L_EMPTY: &str = "L004";
pub const L_ALIAS_LIMIT: &str = "L005";
pub const L_DEPTH_LIMIT: &str = "L006";
pub const L_MULTIPLE_DOCUMENTS: &str = "L007";
pub const L_COMPLEX_KEY: &str = "L008";
pub const L_UNKNOWN_ANCHOR: &str = "L009";

// topology: structure (from the topology's JSON Schema)
pub const T_UNKNOWN_FIELD: &str = "T001";
pub const T_WRONG_TYPE: &str = "T002";
pub const T_MISSING_FIELD: &str = "T003";
pub const T_BAD_VALUE: &str = "T004";
pub const T_OUT_OF_RANGE: &str = "T005";
pub const T_BAD_QUANTITY: &str = "T006";
pub const T_BAD_FORMAT: &str = "T007";
pub const T_UNKNOWN_PROFILE: &str = "T008";
pub const T_BAD_SET: &str = "T009";
pub const T_VERSION: &str = "T010";

// topology: semantic checks
pub const T_IMAGE_NOT_PINNED: &str = "T101";
pub const T_INLINE_SECRET: &str = "T102";
pub const T_SINGLETON: &str = "T103";
pub const T_REQUESTS_ABOVE_LIMITS: &str = "T104";
pub const T_QUANTITY_UNIT: &str = "T105";
pub const T_RESERVED_ENV: &str = "T106";
pub const T_AUTOSCALING_RANGE: &str = "T107";
pub const T_SPREAD_ZONES: &str = "T108";
pub const T_DUPLICATE_ZONE: &str = "T109";
pub const T_ENTRY_TIMEOUT: &str = "T110";
pub const T_CRON: &str = "T124";

// topology: monitoring (rules, selectors, receivers)
pub const T_PROMQL: &str = "T111";
pub const T_ALERT_SELECTOR: &str = "T112";
pub const T_ALERT_FOR: &str = "T113";
pub const T_ALERT_CREDENTIAL: &str = "T114";
pub const T_ALERT_COVERAGE: &str = "T115";
pub const T_OTEL_SWARM: &str = "T116";
pub const T_UNKNOWN_RELEASE: &str = "T117";
pub const T_UNVERIFIED_RELEASE: &str = "T118";
pub const T_IMAGE_CONTRADICTS_RELEASE: &str = "T119";
pub const T_WORKER_QUEUES: &str = "T120";
pub const T_SCHEDULING: &str = "T125";
pub const T_IDENTITY: &str = "T126";
pub const T_EGRESS: &str = "T127";
pub const T_WORKER_POOLS: &str = "T128";

// topology: what breaks a production release (replicas, autoscaling,
// managed variables, probes)
pub const T_ZERO_REPLICAS: &str = "T130";
pub const T_AUTOSCALING_CPU: &str = "T131";
pub const T_MANAGED_ENV: &str = "T132";
pub const T_PROBE_PATH: &str = "T133";

// topology: logging
pub const T_COLLECTOR_NAMESPACE: &str = "T121";
pub const T_UNKNOWN_COMPONENT: &str = "T122";
// topology: values the programs behind the output would refuse
pub const T_PG_UNKNOWN_PARAMETER: &str = "T140";
pub const T_PG_PARAMETER_VALUE: &str = "T141";
pub const T_PG_MANAGED_PARAMETER: &str = "T142";
pub const T_BAD_NAME: &str = "T143";
pub const T_NOT_POSITIVE: &str = "T144";
pub const T_TOO_SMALL: &str = "T145";
pub const T_REDIS_DIRECTIVE: &str = "T146";
pub const T_PG_NO_CATALOGUE: &str = "T147";
pub const T_TIMING_RULE: &str = "T148";
/// A backup repository's field its `type` does not read.
pub const T_REPOSITORY_FIELDS: &str = "T150";
/// An Azure repository's virtual-hosted endpoint without its account.
pub const T_AZURE_ENDPOINT: &str = "T151";
/// The PyPI mirror is at no `network.egress` destination, or not on its ports.
pub const T_PIP_MIRROR: &str = "T170";
/// `plugins.init: image` with an image that has no init.
pub const T_PLUGIN_INIT: &str = "T171";
/// Remote plugin debugging with more than one daemon replica.
pub const T_PLUGIN_DEBUG: &str = "T172";
/// An extra container asks for root, privilege, a writable root or capabilities.
pub const T_EXTRA_SECURITY: &str = "T173";
/// An extra volume or mount that clashes with dify-gen's or names no volume.
pub const T_EXTRA_VOLUME: &str = "T174";
/// An extra container without an image or resources, a taken name, an unreachable port.
pub const T_EXTRA_CONTAINER: &str = "T175";
/// An entry annotation dify-gen sets itself, or an `app.kubernetes.io/*` label.
pub const T_ENTRY_METADATA: &str = "T176";
/// `mail.type` without its section, the other type's section, or an SMTP login half given.
pub const T_MAIL_SECTION: &str = "T177";
/// `mail.smtp.opportunisticTls` without `useTls` (Dify would send in plain text).
pub const T_MAIL_TLS: &str = "T178";
/// OTel export settings that contradict each other (a batch above its queue).
pub const T_OTEL_EXPORT: &str = "T179";

// topology: fleet (environments and clusters as overlays)
/// An environment lists a cluster that `fleet.clusters` does not declare.
pub const T_FLEET_UNKNOWN_CLUSTER: &str = "T160";
/// An overlay sets a field that only the base may set (`fleet`, `apiVersion`, `kind`).
pub const T_FLEET_OVERLAY_FIELD: &str = "T161";
/// An environment or cluster takes a name the output tree reserves (`gitops`).
pub const T_FLEET_RESERVED_NAME: &str = "T162";
/// A `fleet` that declares no environment and no cluster, or an environment in no cluster.
pub const T_FLEET_EMPTY: &str = "T163";
/// A field of an environment that has no effect because `fleet.clusters` is set.
pub const T_FLEET_UNUSED: &str = "T164";
/// `fleet.gitops` lacks a field its kind needs (Argo CD: `repoUrl`, `revision`).
pub const T_FLEET_GITOPS_FIELD: &str = "T165";

// topology: HA semantics (disruption, quorum, zones, timings, capacity)
pub const T_BUDGET_BLOCKS_DRAIN: &str = "T201";
pub const T_QUORUM: &str = "T202";
pub const T_ZONES_FOR_QUORUM: &str = "T203";
pub const T_PROBE_KILLS_START: &str = "T204";
pub const T_GRACE_PERIOD: &str = "T205";
pub const T_CONNECTION_BUDGET: &str = "T206";
pub const T_CAPACITY: &str = "T207";
pub const T_NODE_POOL_ZONE: &str = "T208";
pub const T_FAILOVER: &str = "T220";
pub const T_OUTAGE_SPREAD: &str = "T221";
/// A Deployment back at full capacity after a zone outage later than `recovery.capacityObjectiveSeconds`.
pub const T_CAPACITY_OBJECTIVE: &str = "T214";

// topology: object storage and vector stores (`dify::storage`, `dify::vector`)
pub const T_STORAGE_FIELDS: &str = "T222";
pub const T_VECTOR_FIELDS: &str = "T223";
pub const T_STORE_IDENTITY: &str = "T224";
pub const T_BACKUP_STORAGE: &str = "T225";
pub const T_PGVECTOR_IMAGE: &str = "T226";

// topology: the entry's hosts and its destinations (`ingress.domains`, egress)
pub const T_ENTRY_HOSTS: &str = "T227";
pub const T_ENTRY_DOMAINS: &str = "T228";
pub const T_DESTINATION: &str = "T229";

// topology: backups (3-2-1, recovery objectives, retention)
pub const T_THREE_TWO_ONE: &str = "T209";
pub const T_BACKUP_RPO: &str = "T210";
pub const T_BACKUP_RETENTION: &str = "T211";
pub const T_BACKUP_NEEDS_PATRONI: &str = "T212";
pub const T_BACKUP_RTO: &str = "T213";

// topology: other targets (Swarm, hosts)
pub const T_HOST_ZONE: &str = "T401";
pub const T_DUPLICATE_HOST: &str = "T402";
pub const T_SWARM_MANAGERS: &str = "T403";
pub const T_SWARM_HOSTS: &str = "T404";
pub const T_NO_SWARM_FORM: &str = "T405";
pub const T_SWARM_PLACEMENT: &str = "T406";

// secret firewall (after render)
pub const S_PLAINTEXT_SECRET: &str = "S001";
pub const S_HIGH_ENTROPY: &str = "S002";
pub const S_SECRET_OBJECT: &str = "S003";

// output directory (findings: exit 1)
pub const O_EDITED: &str = "O001";
pub const O_FOREIGN: &str = "O002";
/// `render --check`: the directory differs from the render.
pub const O_DRIFT: &str = "O010";

// usage and I/O (exit 2)
pub const E_IO: &str = "E001";
pub const E_STDIN_TWICE: &str = "E002";
pub const E_INPUT_IN_OUTPUT: &str = "E003";

// validate: rendered or user-supplied manifests (schemas, then semantic checks)
pub const V_UNKNOWN_FIELD: &str = "V001";
pub const V_WRONG_TYPE: &str = "V002";
pub const V_MISSING_FIELD: &str = "V003";
pub const V_BAD_VALUE: &str = "V004";
pub const V_BAD_QUANTITY: &str = "V005";
pub const V_UNKNOWN_KIND: &str = "V006";
pub const V_NO_KIND: &str = "V007";
pub const V_NOT_AN_OBJECT: &str = "V008";
pub const V_SCHEMA_BUG: &str = "V009";
pub const V_CEL_RULE: &str = "V010";
pub const V_SELECTOR_MISMATCH: &str = "V101";
pub const V_TARGET_PORT: &str = "V102";
pub const V_TRAFFIC_POLICY: &str = "V103";
pub const V_PDB_SELECTOR: &str = "V104";
pub const V_BAD_NAME: &str = "V105";
pub const V_TOO_LARGE: &str = "V106";
pub const V_DUPLICATE_OBJECT: &str = "V107";
pub const V_OUT_OF_RANGE: &str = "V108";
pub const V_BAD_PORT: &str = "V109";
pub const V_ONE_OF: &str = "V110";
pub const V_BAD_SCHEDULE: &str = "V111";
pub const V_BAD_METADATA: &str = "V112";
pub const V_BAD_DATA_KEY: &str = "V113";
pub const V_REQUEST_ABOVE_LIMIT: &str = "V114";
pub const V_BAD_REFERENCE: &str = "V115";
pub const V_SERVICE: &str = "V116";
pub const V_INGRESS: &str = "V117";
pub const V_NETWORK_POLICY: &str = "V118";
pub const V_RBAC: &str = "V119";
pub const V_STORAGE: &str = "V120";
pub const V_RESTART_POLICY: &str = "V121";
pub const V_BUDGET: &str = "V122";

// diff: what applying NEW over a running OLD breaks (docs/upgrades.md)
/// A workload's or Job's `spec.selector` changed (immutable).
pub const D_SELECTOR: &str = "D001";
/// A StatefulSet's `serviceName` changed (immutable).
pub const D_SERVICE_NAME: &str = "D002";
/// A StatefulSet's `volumeClaimTemplates` changed (immutable).
pub const D_CLAIM_TEMPLATES: &str = "D003";
/// A StatefulSet's `podManagementPolicy` changed (immutable).
pub const D_POD_MANAGEMENT: &str = "D004";
/// A Job's `spec.template` changed (immutable).
pub const D_JOB_TEMPLATE: &str = "D005";
/// A Service's `clusterIP` changed (immutable once set).
pub const D_CLUSTER_IP: &str = "D006";
/// A PersistentVolumeClaim's spec changed beyond its storage request.
pub const D_CLAIM_SPEC: &str = "D007";
/// A volume request got smaller (claims can only grow).
pub const D_VOLUME_SHRINK: &str = "D008";
/// Claims left behind by a renamed or removed StatefulSet or claim template.
pub const D_ORPHANED_CLAIM: &str = "D009";
/// A PersistentVolumeClaim is no longer rendered (a prune deletes it).
pub const D_CLAIM_REMOVED: &str = "D010";
/// A pod template change replaces every pod of a workload at once.
pub const D_RESTART_ALL: &str = "D011";
/// Replicas drop below a disruption budget's `minAvailable`.
pub const D_BELOW_BUDGET: &str = "D012";
/// A scale-down takes a consensus system below its quorum.
pub const D_BELOW_QUORUM: &str = "D013";
/// The Dify version step skips a release whose migration must run first.
pub const D_SKIPPED_RELEASE: &str = "D014";
/// The Dify version goes back.
pub const D_DOWNGRADE: &str = "D015";
/// The release step adds components.
pub const D_COMPONENTS_ADDED: &str = "D016";
/// The release step removes components.
pub const D_COMPONENTS_REMOVED: &str = "D017";
/// An immutable ConfigMap's or Secret's data changed.
pub const D_IMMUTABLE_DATA: &str = "D018";

/// Every `diff` hazard code, for `--allow`.
pub const DIFF: &[&str] = &[
    D_SELECTOR,
    D_SERVICE_NAME,
    D_CLAIM_TEMPLATES,
    D_POD_MANAGEMENT,
    D_JOB_TEMPLATE,
    D_CLUSTER_IP,
    D_CLAIM_SPEC,
    D_VOLUME_SHRINK,
    D_ORPHANED_CLAIM,
    D_CLAIM_REMOVED,
    D_RESTART_ALL,
    D_BELOW_BUDGET,
    D_BELOW_QUORUM,
    D_SKIPPED_RELEASE,
    D_DOWNGRADE,
    D_COMPONENTS_ADDED,
    D_COMPONENTS_REMOVED,
    D_IMMUTABLE_DATA,
];
