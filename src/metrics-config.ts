/**
 * Prometheus JMX exporter rules for the Connect workers: Kafka Connect's worker, connector and task
 * metrics, and Debezium's per-connector streaming and snapshot metrics (lag behind the database,
 * queue use, connection state), labelled by connector so each tenant can be watched on its own.
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
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=(.+), task=(.+), context=(.+), database=(.+)><>([A-Za-z]+)'
    name: debezium_metrics_$6
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
      database: $5
  - pattern: 'debezium.([^:]+)<type=connector-metrics, server=(.+), task=(.+), context=(.+)><>([A-Za-z]+)'
    name: debezium_metrics_$5
    labels:
      plugin: $1
      name: $2
      task: $3
      context: $4
  - pattern: 'debezium.([^:]+)<type=connector-metrics, context=(.+), server=(.+)><>([A-Za-z]+)'
    name: debezium_metrics_$4
    labels:
      plugin: $1
      name: $3
      context: $2
`;
