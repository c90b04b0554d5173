//! Object storage and vector stores (issue 18, item 4): each store of the
//! catalogue renders strict-valid (`tests/fixtures/cluster/stores/`), its
//! variables reach the containers that read them (plain values through the
//! ConfigMaps, credentials as `secretKeyRef`s), its NetworkPolicy edge is
//! in the component graph and the policies allow exactly the graph; each
//! rule of the `stores` check is refused at its line; the day-one topology
//! (`examples/day-one.yaml`) renders and `plan` reports its placement.

use crate::cluster::{objects, plan_of, render_strict};
use crate::security::policies_match_the_graph;
use crate::support::dify_gen;
use serde_json::Value;
use std::collections::BTreeMap;

/// A container's environment as the kubelet builds it: every ConfigMap of
/// `envFrom`, then `env` (a `secretKeyRef` as `secret:<name>/<key>`).
fn env_of(objects: &[&Value], deployment: &str) -> BTreeMap<String, String> {
    let d = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == deployment)
        .unwrap_or_else(|| panic!("no Deployment {deployment}"));
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    let mut out = BTreeMap::new();
    for from in c["envFrom"].as_array().into_iter().flatten() {
        let name = &from["configMapRef"]["name"];
        let cm = objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == *name)
            .unwrap_or_else(|| panic!("no ConfigMap {name}"));
        for (k, v) in cm["data"].as_object().unwrap() {
            out.insert(k.clone(), v.as_str().unwrap().to_string());
        }
    }
    for e in c["env"].as_array().into_iter().flatten() {
        let value = match (&e["value"], &e["valueFrom"]["secretKeyRef"]) {
            (Value::String(v), _) => v.clone(),
            (_, r) if r.is_object() => {
                format!(
                    "secret:{}/{}",
                    r["name"].as_str().unwrap(),
                    r["key"].as_str().unwrap()
                )
            }
            _ => continue,
        };
        out.insert(e["name"].as_str().unwrap().to_string(), value);
    }
    out
}

fn assert_env(env: &BTreeMap<String, String>, want: &[(&str, &str)], what: &str) {
    for (name, value) in want {
        assert_eq!(
            env.get(*name).map(String::as_str),
            Some(*value),
            "{what}: {name} in {env:#?}"
        );
    }
}

/// (fixture, api side, plugin daemon side, variables neither may have).
type StoreCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const OBJECT_STORES: &[StoreCase] = &[
    (
        "azure-blob",
        &[
            ("STORAGE_TYPE", "azure-blob"),
            ("AZURE_BLOB_ACCOUNT_NAME", "difyfiles"),
            (
                "AZURE_BLOB_ACCOUNT_URL",
                "https://difyfiles.blob.core.windows.net",
            ),
            ("AZURE_BLOB_CONTAINER_NAME", "dify-files"),
            // Workload identity: DefaultAzureCredential, no key.
            ("AZURE_BLOB_ACCOUNT_KEY", "managedidentity"),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "azure_blob"),
            ("AZURE_BLOB_STORAGE_CONTAINER_NAME", "dify-plugins"),
            (
                "AZURE_BLOB_STORAGE_CONNECTION_STRING",
                "secret:dify-azure-blob/connection-string",
            ),
        ],
        &["S3_BUCKET_NAME", "S3_ACCESS_KEY", "AWS_ACCESS_KEY"],
    ),
    (
        "google-storage",
        &[
            ("STORAGE_TYPE", "google-storage"),
            ("GOOGLE_STORAGE_BUCKET_NAME", "dify-files"),
            (
                "GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64",
                "secret:dify-gcs/service-account.json.b64",
            ),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "gcs"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins"),
            (
                "GCS_CREDENTIALS",
                "secret:dify-gcs/service-account.json.b64",
            ),
        ],
        &["S3_REGION", "AWS_REGION"],
    ),
    (
        "aliyun-oss",
        &[
            ("STORAGE_TYPE", "aliyun-oss"),
            ("ALIYUN_OSS_BUCKET_NAME", "dify-files"),
            (
                "ALIYUN_OSS_ENDPOINT",
                "https://oss-cn-hangzhou.aliyuncs.com",
            ),
            ("ALIYUN_OSS_REGION", "cn-hangzhou"),
            ("ALIYUN_OSS_AUTH_VERSION", "v4"),
            ("ALIYUN_OSS_PATH", "dify"),
            ("ALIYUN_OSS_ACCESS_KEY", "secret:dify-oss/access-key-id"),
            ("ALIYUN_OSS_SECRET_KEY", "secret:dify-oss/access-key-secret"),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "aliyun_oss"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins"),
            (
                "ALIYUN_OSS_ENDPOINT",
                "https://oss-cn-hangzhou.aliyuncs.com",
            ),
            ("ALIYUN_OSS_ACCESS_KEY_ID", "secret:dify-oss/access-key-id"),
            (
                "ALIYUN_OSS_ACCESS_KEY_SECRET",
                "secret:dify-oss/access-key-secret",
            ),
        ],
        &["S3_ENDPOINT"],
    ),
    (
        "tencent-cos",
        &[
            ("STORAGE_TYPE", "tencent-cos"),
            ("TENCENT_COS_BUCKET_NAME", "dify-files-1250000000"),
            ("TENCENT_COS_REGION", "ap-guangzhou"),
            ("TENCENT_COS_SCHEME", "https"),
            ("TENCENT_COS_SECRET_ID", "secret:dify-cos/secret-id"),
            ("TENCENT_COS_SECRET_KEY", "secret:dify-cos/secret-key"),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "tencent_cos"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins-1250000000"),
            ("TENCENT_COS_REGION", "ap-guangzhou"),
            ("TENCENT_COS_SECRET_ID", "secret:dify-cos/secret-id"),
            ("TENCENT_COS_SECRET_KEY", "secret:dify-cos/secret-key"),
        ],
        &["S3_BUCKET_NAME"],
    ),
    (
        "huawei-obs",
        &[
            ("STORAGE_TYPE", "huawei-obs"),
            ("HUAWEI_OBS_BUCKET_NAME", "dify-files"),
            (
                "HUAWEI_OBS_SERVER",
                "https://obs.cn-north-4.myhuaweicloud.com",
            ),
            ("HUAWEI_OBS_ACCESS_KEY", "secret:dify-obs/access-key"),
            ("HUAWEI_OBS_SECRET_KEY", "secret:dify-obs/secret-key"),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "huawei_obs"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins"),
            (
                "HUAWEI_OBS_SERVER",
                "https://obs.cn-north-4.myhuaweicloud.com",
            ),
            ("HUAWEI_OBS_SECRET_KEY", "secret:dify-obs/secret-key"),
        ],
        &["S3_BUCKET_NAME"],
    ),
    (
        "volcengine-tos",
        &[
            ("STORAGE_TYPE", "volcengine-tos"),
            ("VOLCENGINE_TOS_BUCKET_NAME", "dify-files"),
            (
                "VOLCENGINE_TOS_ENDPOINT",
                "https://tos-cn-beijing.volces.com",
            ),
            ("VOLCENGINE_TOS_REGION", "cn-beijing"),
            ("VOLCENGINE_TOS_ACCESS_KEY", "secret:dify-tos/access-key"),
            ("VOLCENGINE_TOS_SECRET_KEY", "secret:dify-tos/secret-key"),
        ],
        &[
            ("PLUGIN_STORAGE_TYPE", "volcengine_tos"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins"),
            ("VOLCENGINE_TOS_REGION", "cn-beijing"),
            ("VOLCENGINE_TOS_ACCESS_KEY", "secret:dify-tos/access-key"),
        ],
        &["S3_BUCKET_NAME"],
    ),
];

/// (fixture, the backend's variables).
const VECTOR_STORES: &[(&str, &[(&str, &str)])] = &[
    (
        "azure-blob",
        &[
            ("VECTOR_STORE", "elasticsearch"),
            (
                "ELASTICSEARCH_HOST",
                "https://elasticsearch.search.svc.cluster.local",
            ),
            ("ELASTICSEARCH_PORT", "9200"),
            ("ELASTICSEARCH_USERNAME", "elastic"),
            (
                "ELASTICSEARCH_PASSWORD",
                "secret:dify-elasticsearch/password",
            ),
        ],
    ),
    (
        "google-storage",
        &[
            ("VECTOR_STORE", "opensearch"),
            ("OPENSEARCH_HOST", "opensearch.search.svc.cluster.local"),
            ("OPENSEARCH_PORT", "9200"),
            ("OPENSEARCH_SECURE", "false"),
            ("OPENSEARCH_USER", "dify"),
            ("OPENSEARCH_PASSWORD", "secret:dify-opensearch/password"),
        ],
    ),
    (
        "aliyun-oss",
        &[
            ("VECTOR_STORE", "chroma"),
            ("CHROMA_HOST", "chroma.chroma.svc.cluster.local"),
            ("CHROMA_PORT", "8000"),
            ("CHROMA_DATABASE", "dify"),
            (
                "CHROMA_AUTH_PROVIDER",
                "chromadb.auth.token_authn.TokenAuthClientProvider",
            ),
            ("CHROMA_AUTH_CREDENTIALS", "secret:dify-chroma/token"),
        ],
    ),
    (
        "tencent-cos",
        &[
            ("VECTOR_STORE", "tidb_vector"),
            (
                "TIDB_VECTOR_HOST",
                "gateway01.ap-southeast-1.prod.aws.tidbcloud.com",
            ),
            ("TIDB_VECTOR_PORT", "4000"),
            ("TIDB_VECTOR_USER", "dify"),
            ("TIDB_VECTOR_PASSWORD", "secret:dify-tidb/password"),
            ("TIDB_VECTOR_DATABASE", "dify"),
        ],
    ),
    (
        "huawei-obs",
        &[
            ("VECTOR_STORE", "myscale"),
            ("MYSCALE_HOST", "myscale.myscale.svc.cluster.local"),
            ("MYSCALE_PORT", "8123"),
            ("MYSCALE_PASSWORD", "secret:dify-myscale/password"),
            ("MYSCALE_DATABASE", "dify"),
        ],
    ),
    (
        "volcengine-tos",
        &[
            ("VECTOR_STORE", "oceanbase"),
            (
                "OCEANBASE_VECTOR_HOST",
                "oceanbase.oceanbase.svc.cluster.local",
            ),
            ("OCEANBASE_VECTOR_PORT", "2881"),
            ("OCEANBASE_VECTOR_USER", "root@test"),
            (
                "OCEANBASE_VECTOR_PASSWORD",
                "secret:dify-oceanbase/password",
            ),
        ],
    ),
    (
        "s3-couchbase",
        &[
            ("VECTOR_STORE", "couchbase"),
            (
                "COUCHBASE_CONNECTION_STRING",
                "couchbases://cb.couchbase.svc.cluster.local",
            ),
            ("COUCHBASE_BUCKET_NAME", "dify"),
            ("COUCHBASE_SCOPE_NAME", "_default"),
            ("COUCHBASE_PASSWORD", "secret:dify-couchbase/password"),
        ],
    ),
    (
        "pgvector-external",
        &[
            ("VECTOR_STORE", "pgvector"),
            ("PGVECTOR_HOST", "pgvector.vectors.svc.cluster.local"),
            ("PGVECTOR_PORT", "5432"),
            ("PGVECTOR_USER", "dify"),
            ("PGVECTOR_PASSWORD", "secret:dify-pgvector/password"),
            ("PGVECTOR_DATABASE", "dify_vector"),
        ],
    ),
];

fn fixture(name: &str) -> String {
    format!("tests/fixtures/cluster/stores/{name}.yaml")
}

#[test]
fn each_object_store_sets_its_variables_on_dify_and_the_plugin_daemon() {
    for (name, api, plugin, absent) in OBJECT_STORES {
        let artifacts = render_strict(&fixture(name));
        let objects = objects(&artifacts);
        for backend in ["dify-api", "dify-worker", "dify-beat"] {
            let env = env_of(&objects, backend);
            assert_env(&env, api, &format!("{name} {backend}"));
            for var in *absent {
                assert!(!env.contains_key(*var), "{name} {backend}: {var}");
            }
        }
        let daemon = env_of(&objects, "dify-plugin-daemon");
        assert_env(&daemon, plugin, &format!("{name} plugin daemon"));
        for var in *absent {
            assert!(!daemon.contains_key(*var), "{name} plugin daemon: {var}");
        }
        // The plugin daemon never gets the api side's names, nor the other way.
        assert!(!daemon.contains_key("STORAGE_TYPE"), "{name}");
        assert!(!env_of(&objects, "dify-api").contains_key("PLUGIN_STORAGE_TYPE"));
    }
}

/// A store, the `[source]` remote the bucket copy reads it with, and the
/// Secret-backed variables of the copy's pod.
const BUCKET_COPIES: &[(&str, &str, &[&str])] = &[
    (
        "google-storage",
        "type = google cloud storage\n",
        &["SOURCE_KEY_BASE64=secret:dify-gcs/service-account.json.b64"],
    ),
    (
        "aliyun-oss",
        "type = s3\nprovider = Alibaba\nendpoint = https://oss-cn-hangzhou.aliyuncs.com\n",
        &[
            "RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID=secret:dify-oss/access-key-id",
            "RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY=secret:dify-oss/access-key-secret",
        ],
    ),
    (
        "tencent-cos",
        "type = s3\nprovider = TencentCOS\nendpoint = https://cos.ap-guangzhou.myqcloud.com\n",
        &["RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID=secret:dify-cos/secret-id"],
    ),
    (
        "huawei-obs",
        "type = s3\nprovider = HuaweiOBS\nendpoint = https://obs.cn-north-4.myhuaweicloud.com\nregion = cn-north-4\n",
        &["RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY=secret:dify-obs/secret-key"],
    ),
    (
        "volcengine-tos",
        "type = s3\nprovider = Other\nendpoint = https://tos-s3-cn-beijing.volces.com\nregion = cn-beijing\nforce_path_style = false\n",
        &["RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID=secret:dify-tos/access-key"],
    ),
];

#[test]
fn the_bucket_copy_reads_each_object_store_with_its_keys_by_reference() {
    for (name, source, keys) in BUCKET_COPIES {
        let artifacts = render_strict(&fixture(name));
        let objects = objects(&artifacts);
        let find = |kind: &str, name: &str| {
            objects
                .iter()
                .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
                .unwrap_or_else(|| panic!("no {kind} {name}"))
        };
        let data = &find("ConfigMap", "dify-backup")["data"];
        let conf = data["rclone.conf"].as_str().unwrap();
        assert!(
            conf.contains(&format!("[source]\n{source}\n[repo1]")),
            "{name}: {conf}"
        );
        let pod = &find("CronJob", "dify-backup-files")["spec"]["jobTemplate"]["spec"]["template"]
            ["spec"];
        let env: Vec<String> = pod["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                let r = &e["valueFrom"]["secretKeyRef"];
                r.is_object().then(|| {
                    format!(
                        "{}=secret:{}/{}",
                        e["name"].as_str().unwrap(),
                        r["name"].as_str().unwrap(),
                        r["key"].as_str().unwrap()
                    )
                })
            })
            .collect();
        for key in *keys {
            assert!(env.iter().any(|e| e == key), "{name}: {key} not in {env:?}");
        }
        let script = data["files-copy.sh"].as_str().unwrap();
        let decodes = script.contains("base64 -d");
        assert_eq!(decodes, *name == "google-storage", "{name}: {script}");
    }
}

/// Azure Blob and GCS repositories: pgBackRest's options for each type,
/// the Azure key by reference, the GCS key a mounted file in every pod that
/// runs pgBackRest or the bucket copy, and each repository's egress edge.
#[test]
fn azure_and_gcs_repositories_render_their_options_keys_and_edges() {
    let artifacts = render_strict("tests/fixtures/checks/backup_repository_fields.ok.yaml");
    let objects = objects(&artifacts);
    let find = |kind: &str, name: &str| {
        *objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let conf = find("ConfigMap", "dify-postgres-patroni")["data"]["pgbackrest.conf"]
        .as_str()
        .unwrap()
        .to_string();
    for line in [
        "repo1-type=azure",
        "repo1-azure-account=difybackups",
        "repo1-azure-container=dify-backups",
        "repo1-azure-endpoint=blob.core.windows.net",
        "repo1-azure-uri-style=host",
        "repo2-type=gcs",
        "repo2-gcs-bucket=dify-backups-offsite",
        "repo2-gcs-endpoint=storage.googleapis.com",
        "repo2-gcs-key-type=service",
        "repo2-gcs-key=/etc/dify-gen/backup-keys/repo2/key.json",
    ] {
        assert!(conf.lines().any(|l| l == line), "no `{line}` in\n{conf}");
    }
    assert!(!conf.contains("-s3-"), "{conf}");
    let rclone = find("ConfigMap", "dify-backup")["data"]["rclone.conf"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(rclone.contains("[repo1]\ntype = azureblob\naccount = difybackups\nendpoint = https://difybackups.blob.core.windows.net\n"), "{rclone}");
    assert!(rclone.contains("[repo2]\ntype = google cloud storage\nservice_account_file = /etc/dify-gen/backup-keys/repo2/key.json\n"), "{rclone}");
    // Every pod that runs pgBackRest or rclone mounts the GCS key and gets
    // the Azure key by reference.
    let set = find("StatefulSet", "dify-postgres");
    let mut pods: Vec<(&str, &Value)> = vec![("dify-postgres", &set["spec"]["template"]["spec"])];
    for job in [
        "dify-backup-full",
        "dify-backup-incremental",
        "dify-backup-drill",
        "dify-backup-files",
    ] {
        pods.push((
            job,
            &find("CronJob", job)["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        ));
    }
    for (name, pod) in pods {
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "repo2-gcs-key")
            .unwrap_or_else(|| panic!("{name}: no GCS key volume"));
        assert_eq!(volume["secret"]["secretName"], "dify-backup-gcs", "{name}");
        for c in pod["containers"].as_array().unwrap() {
            let cname = c["name"].as_str().unwrap();
            if cname != "postgres" && cname != "pgbackrest" && !name.starts_with("dify-backup") {
                continue;
            }
            let mounted = c["volumeMounts"].as_array().unwrap().iter().any(|m| {
                m["name"] == "repo2-gcs-key" && m["mountPath"] == "/etc/dify-gen/backup-keys/repo2"
            });
            assert!(mounted, "{name}/{cname}: GCS key not mounted");
            let key = c["env"].as_array().unwrap().iter().find(|e| {
                e["name"] == "PGBACKREST_REPO1_AZURE_KEY" || e["name"] == "RCLONE_CONFIG_REPO1_KEY"
            });
            let key = key.unwrap_or_else(|| panic!("{name}/{cname}: no Azure key"));
            assert_eq!(
                key["valueFrom"]["secretKeyRef"]["name"],
                "dify-backup-azure"
            );
        }
    }
    // Each repository is an egress edge of the members and the backup
    // pods, and the policies allow exactly the graph.
    let (egress, _) =
        policies_match_the_graph("tests/fixtures/checks/backup_repository_fields.ok.yaml");
    for from in ["postgres", "backup", "backup-drill", "backup-files"] {
        assert!(
            egress
                .iter()
                .any(|k| k.0 == format!("component:{from}") && k.2 == "TCP" && k.3 == 443),
            "no {from} -> repositories:443 in {egress:?}"
        );
    }
}

#[test]
fn each_vector_store_sets_its_variables_and_its_credentials_by_reference() {
    for (name, want) in VECTOR_STORES {
        let artifacts = render_strict(&fixture(name));
        let objects = objects(&artifacts);
        for backend in ["dify-api", "dify-worker"] {
            let env = env_of(&objects, backend);
            assert_env(&env, want, &format!("{name} {backend}"));
            // The profile's Weaviate settings are gone with their `null`s.
            assert!(!env.contains_key("WEAVIATE_ENDPOINT"), "{name}");
            assert!(!env.contains_key("WEAVIATE_API_KEY"), "{name}");
        }
        assert!(!env_of(&objects, "dify-plugin-daemon").contains_key("VECTOR_STORE"));
    }
}

/// Every store fixture's policies allow exactly its graph, and the graph
/// has the store's edge from the components that call it.
#[test]
fn each_store_is_its_edges_in_the_graph_and_the_policies() {
    /// `(from, to, port)` as the graph names them.
    type Edge<'a> = (&'a str, &'a str, u64);
    let cases: &[(&str, &[Edge])] = &[
        (
            "azure-blob",
            &[
                ("component:api", "namespace:search", 9200),
                // Blob storage at the account's host: outside the cluster.
                ("component:api", "any", 443),
                ("component:plugin-daemon", "any", 443),
            ],
        ),
        (
            "google-storage",
            &[
                ("component:worker", "namespace:search", 9200),
                ("component:worker", "public", 443),
            ],
        ),
        ("aliyun-oss", &[("component:api", "namespace:chroma", 8000)]),
        ("tencent-cos", &[("component:api", "any", 4000)]),
        (
            "huawei-obs",
            &[("component:worker", "namespace:myscale", 8123)],
        ),
        (
            "volcengine-tos",
            &[("component:api", "namespace:oceanbase", 2881)],
        ),
        (
            "s3-couchbase",
            &[
                ("component:api", "namespace:couchbase", 11210),
                ("component:api", "namespace:couchbase", 8094),
                ("component:worker", "namespace:couchbase", 8091),
            ],
        ),
        (
            "pgvector-external",
            &[("component:api", "namespace:vectors", 5432)],
        ),
    ];
    for (name, edges) in cases {
        let (egress, _) = policies_match_the_graph(&fixture(name));
        for (from, to, port) in *edges {
            assert!(
                egress
                    .iter()
                    .any(|k| k.0 == *from && k.1 == *to && k.2 == "TCP" && k.3 == *port),
                "{name}: no {from} -> {to}:{port}"
            );
        }
        // Only Dify's backends and nothing else call the vector store.
        if let Some((_, to, port)) = edges.first() {
            assert!(
                !egress
                    .iter()
                    .any(|k| k.0 == "component:web" && k.1 == *to && k.3 == *port),
                "{name}: web reaches the vector store"
            );
        }
    }
}

/// A topology layered over the ha profile, validated: (status, stderr).
fn validate(yaml: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = dify_gen()
        .args(["validate", "-f", file.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The findings of a text report, one string each.
fn findings(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.split_inclusive('\n') {
        if line.starts_with("error[") || line.starts_with("warning[") {
            out.push(String::new());
        }
        if let Some(last) = out.last_mut() {
            last.push_str(line);
        }
    }
    out
}

const HEAD: &str = "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n";

#[test]
fn each_store_rule_is_refused_at_its_line() {
    // (topology after HEAD, code, line:col, message part).
    let cases: &[(&str, &str, &str, &str)] = &[
        // A store without its section.
        (
            "backup: null\nstorage:\n  type: huawei-obs\n",
            "T003",
            "t.yaml:6:9",
            "missing field `huaweiObs` for this `type`",
        ),
        // A field the store needs.
        (
            "backup: null\nstorage:\n  type: volcengine-tos\n  volcengineTos:\n    bucket: a-b-c\n    pluginBucket: d-e-f\n    endpoint: https://tos-cn-beijing.volces.com\n    accessKey: {name: tos, key: ak}\n    secretKey: {name: tos, key: sk}\n",
            "T003",
            "t.yaml:6:9",
            "missing field `region` for `type: volcengine-tos`",
        ),
        // A field the store does not read.
        (
            "backup: null\nstorage:\n  type: google-storage\n  googleStorage:\n    bucket: a-b-c\n    pluginBucket: d-e-f\n    region: us-central1\n    credentialsJson: {name: gcs, key: json}\n",
            "T222",
            "t.yaml:10:13",
            "`region` is not read by this store (`type: google-storage`)",
        ),
        // A key beside workload identity.
        (
            "backup: null\nstorage:\n  type: google-storage\n  googleStorage:\n    bucket: a-b-c\n    pluginBucket: d-e-f\n    useWorkloadIdentity: true\n    credentialsJson: {name: gcs, key: json}\n",
            "T222",
            "t.yaml:11:22",
            "`credentialsJson` is not read with `useWorkloadIdentity: true`",
        ),
        // Workload identity for a store that has none.
        (
            "backup: null\nstorage:\n  type: tencent-cos\n  tencentCos:\n    bucket: a-b-c\n    pluginBucket: d-e-f\n    region: ap-guangzhou\n    accessKey: {name: cos, key: id}\n    secretKey: {name: cos, key: key}\n    useWorkloadIdentity: true\n",
            "T224",
            "t.yaml:13:26",
            "`tencent-cos` takes keys only",
        ),
        // The bucket copy of `backup` beside a store reached by workload
        // identity alone.
        (
            "storage:\n  type: google-storage\n  googleStorage:\n    bucket: a-b-c\n    pluginBucket: d-e-f\n    useWorkloadIdentity: true\n",
            "T225",
            "t.yaml:9:26",
            "`backup` copies Dify's buckets from the backup pods, which have no cloud identity",
        ),
        // The profile's Weaviate key left under pgvector.
        (
            "vectorStore:\n  type: pgvector\n  endpoint: null\n  grpcEndpoint: null\n  database: dify_vector\n",
            "T223",
            "t.yaml:3:10",
            "`apiKey` is not read by this store (`type: pgvector`)",
        ),
        // A scheme the store does not speak.
        (
            "vectorStore:\n  type: tidb_vector\n  endpoint: http://tidb.db.svc:4000\n  grpcEndpoint: null\n  apiKey: null\n  username: u\n  password: {name: tidb, key: p}\n  database: d\n",
            "T143",
            "t.yaml:6:13",
            "must start with `mysql://`",
        ),
        // A store's own credentials missing.
        (
            "vectorStore:\n  type: opensearch\n  endpoint: http://os.search.svc:9200\n  grpcEndpoint: null\n  apiKey: null\n",
            "T003",
            "t.yaml:5:9",
            "missing field `username` for `type: opensearch`",
        ),
        // pgvector on Patroni takes Dify's own database user.
        (
            "vectorStore:\n  type: pgvector\n  endpoint: null\n  grpcEndpoint: null\n  apiKey: null\n  database: dify_vector\n  username: someone\n",
            "T223",
            "t.yaml:10:13",
            "is Dify's database user's on the Patroni cluster",
        ),
        // pgvector on Patroni needs the image with pgvector in it.
        (
            "images:\n  postgres: ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.4-minimal-1\nvectorStore:\n  type: pgvector\n  endpoint: null\n  grpcEndpoint: null\n  apiKey: null\n  database: dify_vector\n",
            "T226",
            "t.yaml:5:13",
            "has no pgvector",
        ),
    ];
    for (yaml, code, at, message) in cases {
        let (status, stderr) = validate(&format!("{HEAD}{yaml}"));
        assert_eq!(status, Some(1), "{yaml}\n{stderr}");
        let finding = findings(&stderr)
            .into_iter()
            .find(|d| d.contains(message))
            .unwrap_or_else(|| panic!("{yaml}: no `{message}` in\n{stderr}"));
        assert!(finding.contains(&format!("[{code}]")), "{code}: {finding}");
        assert!(finding.contains(at), "{at}: {finding}");
    }
}

/// The "done when": a release pinned, mirrored, with workload
/// identity, GCS, pgvector on Patroni, an in-cluster Ollama and two
/// KEDA-scaled worker pools renders strict-valid, and `plan` tells where
/// the api runs and what each zone's loss leaves of it.
#[test]
fn the_day_one_topology_renders_and_plan_reports_its_placement() {
    let file = "examples/day-one.yaml";
    let artifacts = render_strict(file);
    let objects = objects(&artifacts);

    // GCS through Workload Identity: no key on either side, the Google
    // service account on each ServiceAccount that reaches the buckets.
    let api = env_of(&objects, "dify-api");
    assert_env(
        &api,
        &[
            ("STORAGE_TYPE", "google-storage"),
            ("GOOGLE_STORAGE_BUCKET_NAME", "dify-files"),
        ],
        "api",
    );
    assert!(!api.contains_key("GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64"));
    let daemon = env_of(&objects, "dify-plugin-daemon");
    assert_env(
        &daemon,
        &[
            ("PLUGIN_STORAGE_TYPE", "gcs"),
            ("PLUGIN_STORAGE_OSS_BUCKET", "dify-plugins"),
        ],
        "plugin daemon",
    );
    assert!(!daemon.contains_key("GCS_CREDENTIALS"));
    for (account, gsa) in [
        ("dify-api", "dify-files@"),
        ("dify-worker", "dify-files@"),
        ("dify-plugin-daemon", "dify-plugins@"),
    ] {
        let sa = objects
            .iter()
            .find(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == account)
            .unwrap_or_else(|| panic!("no ServiceAccount {account}"));
        let annotation = sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"]
            .as_str()
            .unwrap_or_default();
        assert!(annotation.starts_with(gsa), "{account}: {sa}");
    }

    // pgvector on the Patroni cluster: through the leader Service, with
    // Dify's user, and the extension created at bootstrap.
    for backend in ["dify-api", "dify-worker-indexing", "dify-worker-workflows"] {
        let env = env_of(&objects, backend);
        assert_env(
            &env,
            &[
                ("VECTOR_STORE", "pgvector"),
                ("PGVECTOR_HOST", env["DB_HOST"].as_str()),
                ("PGVECTOR_PORT", "5432"),
                ("PGVECTOR_USER", env["DB_USERNAME"].as_str()),
                ("PGVECTOR_PASSWORD", env["DB_PASSWORD"].as_str()),
                ("PGVECTOR_DATABASE", "dify_vector"),
            ],
            backend,
        );
        assert!(
            env["DB_HOST"].starts_with("dify-postgres"),
            "{}",
            env["DB_HOST"]
        );
    }
    let bootstrap = objects
        .iter()
        .find_map(|o| o["data"]["post-bootstrap.sh"].as_str())
        .expect("the Patroni ConfigMap has post-bootstrap.sh");
    assert!(
        bootstrap.contains("CREATE DATABASE %I OWNER %I', 'dify_vector'"),
        "{bootstrap}"
    );
    assert!(
        bootstrap.contains("\\connect dify_vector\nCREATE EXTENSION IF NOT EXISTS vector;"),
        "{bootstrap}"
    );

    // The mirror, the pull secret, Ollama's one edge, two ScaledObjects.
    let pod = |name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name)
            .unwrap()["spec"]["template"]["spec"]
            .clone()
    };
    let api_pod = pod("dify-api");
    assert!(api_pod["containers"][0]["image"]
        .as_str()
        .unwrap()
        .starts_with("registry.example.com/mirror/"));
    assert_eq!(api_pod["imagePullSecrets"][0]["name"], "registry-pull");
    assert_eq!(api_pod["nodeSelector"]["dify.example.com/pool"], "api");
    let scaled: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "ScaledObject")
        .map(|o| o["spec"]["scaleTargetRef"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(scaled, ["dify-worker-indexing", "dify-worker-workflows"]);
    // The graph has each edge once per caller; the api's policy allows it.
    let mut sources = dify_gen::source::Sources::default();
    let t = dify_gen::pipeline::checked(&[file.to_string()], &[], &mut sources)
        .unwrap()
        .topology;
    let edges: Vec<(String, String, u16)> = dify_gen::plan::graph::edges(&t)
        .into_iter()
        .map(|e| (format!("{:?}", e.from), format!("{:?}", e.to), e.port))
        .collect();
    for from in ["Component(\"api\")", "Component(\"worker\")"] {
        for (to, port) in [
            ("Egress(\"ollama\")", 11434),
            ("Component(\"postgres\")", 5432),
            ("Internet", 443),
        ] {
            let n = edges
                .iter()
                .filter(|e| e.0 == from && e.1 == to && e.2 == port)
                .count();
            assert_eq!(n, 1, "{from} -> {to}:{port}");
        }
    }
    let policy = objects
        .iter()
        .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "dify-api")
        .unwrap();
    let rules = policy["spec"]["egress"].as_array().unwrap();
    let reaches = |to: &str, port: u64| {
        rules.iter().any(|r| {
            r["to"].to_string().contains(to)
                && r["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["port"] == port)
        })
    };
    assert!(reaches("\"kubernetes.io/metadata.name\":\"ollama\"", 11434));
    assert!(reaches(
        "\"app.kubernetes.io/component\":\"postgres\"",
        5432
    ));

    // The plan: the api on its two-zone pool; losing zone-a or zone-b
    // evicts its pods there and the other zone's pool nodes take them,
    // losing zone-c leaves it untouched.
    let report: Value = serde_json::from_str(&plan_of(file, "json")).unwrap();
    let groups = report["capacity"]["groups"].as_array().unwrap();
    let api_group = groups.iter().find(|g| g["component"] == "api").unwrap();
    assert_eq!(
        api_group["pinned"],
        serde_json::json!({"pools": ["api-a", "api-b"], "zones": ["zone-a", "zone-b"]})
    );
    assert_eq!(report["survivesZoneLoss"], true);
    let losses = report["capacity"]["zoneLosses"].as_array().unwrap();
    let api_after = |zone: &str| {
        let loss = losses.iter().find(|l| l["zone"] == zone).unwrap();
        let o = loss["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["component"] == "api")
            .unwrap();
        (
            o["immediate"].as_u64().unwrap(),
            o["after"].as_u64().unwrap(),
        )
    };
    // Three pods on two zones' nodes: two in zone-a, one in zone-b.
    assert_eq!(api_after("zone-a"), (1, 3));
    assert_eq!(api_after("zone-b"), (2, 3));
    assert_eq!(api_after("zone-c"), (3, 3));
    let text = plan_of(file, "text");
    for line in [
        "api runs only on node pool(s) api-a, api-b: 2 of 3 zone(s) (zone-a, zone-b)",
        "every pod schedules under its spread rules",
        "verdict: survives the loss of any one zone",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

/// `docs/stores.md` names every store of the catalogue.
#[test]
fn the_stores_page_names_every_store() {
    let page = std::fs::read_to_string("docs/stores.md").unwrap();
    for b in dify_gen::dify::storage::BACKENDS {
        for name in [b.storage_type, b.plugin_storage_type] {
            assert!(page.contains(&format!("`{name}`")), "{name}");
        }
    }
    for s in dify_gen::dify::vector::STORES {
        assert!(page.contains(&format!("| `{}` |", s.name)), "{}", s.name);
    }
}
