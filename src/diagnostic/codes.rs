//! Every diagnostic code, in one place, so codes stay unique and stable.
//!
//! Prefixes name the stage that reports them: `L` load, `T` topology
//! (structure and semantic checks), `V` validation of rendered output,
//! `E` emit and I/O.

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

// emit
pub const E_IO: &str = "E001";
