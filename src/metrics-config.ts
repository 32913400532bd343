/**
 * Prometheus JMX exporter rules for the Connect workers: Kafka Connect's worker, connector and task
 * metrics, and Debezium's per-connector streaming and snapshot metrics (lag behind the database,
 * queue use, connection state), labelled by connector and tenant so each tenant can be watched on its own.
 *
 * Checked against a real scrape (test/e2e/monitoring.test.ts): the JMX exporter 1.x drops a trailing
 * `_total` from untyped names (Connect's `source-record-poll-total` is `..._source_record_poll`).
 */
export const CONNECT_METRICS_CONFIG = `lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
  - pattern: 'kafka.connect<type=connect-worker-metrics>([^:]+):'
    name: kafka_connect_worker_$1
  - pattern: 'kafka.connect<type=connect-worker-rebalance-metrics>([^:]+):'
    name: kafka_connect_worker_rebalance_$1
  - pattern: 'kafka.connect<type=connector-task-metrics, connector=(.+), task=(.+)><>status: ([a-z-]+)'
    name: kafka_connect_connector_task_status
    value: 1
    labels:
      connector: $1
      task: $2
      status: $3
  - pattern: 'kafka.connect<type=connector-metrics, connector=(.+)><>status: ([a-z-]+)'
    name: kafka_connect_connector_status
    value: 1
    labels:
      connector: $1
      status: $2
  - pattern: 'kafka.connect<type=(source-task|task-error|connector-task)-metrics, connector=(.+), task=(.+)><>([a-z-]+)'
    name: kafka_connect_$1_metrics_$4
    labels:
      connector: $2
      task: $3
  # Debezium's MBeans end with the connector's custom.metric.tags (tenant=<id>), and per-table snapshot
  # metrics with key=<table>; every value is matched up to the next ',' so no label swallows the next property
  - pattern: 'debezium.([^:]+)<type=connector-metrics, context=([^,>]+), server=([^,>]+), tenant=([^,>]+), key=([^>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$6
    labels:
      plugin: $1
      context: $2
      name: $3
      tenant: $4
      table: $5
  - pattern: 'debezium.([^:]+)<type=connector-metrics, context=([^,>]+), server=([^,>]+), tenant=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$5
    labels:
      plugin: $1
      context: $2
      name: $3
      tenant: $4
  # SQL Server's multi-database connectors add task=<n> and, per database, database=<name>
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), context=([^,>]+), database=([^,>]+), tenant=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$7
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
      database: $5
      tenant: $6
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), context=([^,>]+), tenant=([^,>]+), database=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$7
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
      tenant: $5
      database: $6
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), context=([^,>]+), tenant=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$6
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
      tenant: $5
  # connectors without custom.metric.tags (not written by tenant-cdc)
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), context=([^,>]+), database=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$6
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
      database: $5
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=([^,>]+), task=([^,>]+), context=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$5
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
  - pattern: 'debezium.([^:]+)<type=connector-metrics, context=([^,>]+), server=([^,>]+)><>([A-Za-z]+)'
    name: debezium_metrics_$4
    labels:
      plugin: $1
      name: $3
      context: $2
`;
