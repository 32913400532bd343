import type { Manifest } from './synth';

/**
 * Debezium 3's rules for connector configs (from Debezium 3.6's connector docs and ConfigDefs), checked
 * on synthesized KafkaConnectors, alone and across connectors. Returns every violation.
 */
export function debeziumProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const connectors = manifests.filter((m) => m.kind === 'KafkaConnector');
  const seen = { prefix: new Map<string, string>(), history: new Map<string, string>(), slot: new Map<string, string>(), serverId: new Map<string, string>() };
  const claim = (map: Map<string, string>, key: string, name: string, what: string) => {
    if (map.has(key)) problems.push(`${name}: ${what} ${key} is also used by ${map.get(key)}`);
    map.set(key, name);
  };

  for (const connector of connectors) {
    const name = connector.metadata.name;
    const config: Record<string, unknown> = connector.spec.config;
    const fail = (message: string) => problems.push(`${name}: ${message}`);
    const kind = { 'io.debezium.connector.sqlserver.SqlServerConnector': 'sqlserver', 'io.debezium.connector.postgresql.PostgresConnector': 'postgres',
      'io.debezium.connector.mysql.MySqlConnector': 'mysql', 'io.debezium.connector.mariadb.MariaDbConnector': 'mariadb' }[connector.spec.class as string];
    const binlog = kind === 'mysql' || kind === 'mariadb';
    if (!kind) fail(`unknown class ${connector.spec.class}`);

    for (const key of Object.keys(config)) {
      if (/^(name|connector\.class|tasks\.max|connector\.plugin\.version)$/.test(key)) fail(`${key} is forbidden in a KafkaConnector's config`);
      if (/^(database\.server\.name|database\.history.*|.*\.(whitelist|blacklist)|heartbeat\.topics\.prefix|database\.(encrypt|trustServerCertificate))$/.test(key)) {
        fail(`${key} is a Debezium 1.x key`);
      }
      if (kind === 'sqlserver' && key === 'database.dbname') fail('SQL Server takes database.names, not database.dbname');
    }
    const prefix = String(config['topic.prefix'] ?? '');
    if (!/^[a-zA-Z0-9_.-]+$/.test(prefix)) fail(`topic.prefix ${JSON.stringify(prefix)} is missing or invalid`);
    claim(seen.prefix, prefix, name, 'topic.prefix');
    if (!/^[a-zA-Z0-9-_.]+$/.test(String(config['database.hostname']))) fail(`database.hostname ${config['database.hostname']} is invalid`);
    for (const key of ['database.user', 'database.password']) {
      if (!/^\$\{secrets:[a-z0-9-]+\/[a-z0-9.-]+:[-._a-zA-Z0-9]+\}$/.test(String(config[key]))) fail(`${key} is not a secrets placeholder: ${config[key]}`);
    }
    if (['schema_only', 'schema_only_recovery', 'never', 'exported'].includes(String(config['snapshot.mode']))) fail(`snapshot.mode ${config['snapshot.mode']} was removed`);
    if (config['decimal.handling.mode'] === 'precise' || config['decimal.handling.mode'] === undefined) fail('decimals would arrive as base64 in JSON');
    if (!(Number(config['heartbeat.interval.ms']) > 0)) fail('no heartbeats');
    for (const key of ['topic.creation.default.replication.factor', 'topic.creation.default.partitions']) {
      if (config[key] === undefined) fail(`${key} is needed for Connect to create topics`);
    }

    if (kind === 'sqlserver' || binlog) {
      const history = String(config['schema.history.internal.kafka.topic'] ?? '');
      if (!history) fail('no schema history topic');
      if (history === prefix) fail('the schema history topic equals topic.prefix');
      claim(seen.history, history, name, 'schema history topic');
      if (!config['schema.history.internal.kafka.bootstrap.servers']) fail('no schema history bootstrap servers');
    }
    if (kind === 'sqlserver') {
      const names = String(config['database.names'] ?? '');
      // a comma list, split without trimming: no spaces, no empty names
      if (!names || /\s/.test(names) || names.split(',').some((n) => n === '')) fail(`database.names ${JSON.stringify(names)} is empty or not a clean list`);
      if (Number(connector.spec.tasksMax) > 1 && names.split(',').length < 2) fail('several tasks need several databases (a task captures whole databases)');
      if (config['driver.encrypt'] === undefined) fail('driver.encrypt is not set');
    }
    if (kind === 'postgres') {
      if (config['plugin.name'] !== 'pgoutput') fail('plugin.name is not pgoutput');
      if (!config['database.dbname']) fail('no database.dbname');
      const slot = String(config['slot.name']);
      if (!/^[a-z0-9_]{1,63}$/.test(slot)) fail(`slot.name ${slot} is invalid`);
      claim(seen.slot, `${config['database.hostname']}:${config['database.port']}/${slot}`, name, 'slot');
    }
    if (binlog) {
      // MySQL and MariaDB tenants of one server share its replica ids
      const id = Number(config['database.server.id']);
      if (!Number.isInteger(id) || id < 1 || id > 4294967295) fail(`database.server.id ${config['database.server.id']} is invalid`);
      claim(seen.serverId, `${config['database.hostname']}:${config['database.port']}/${id}`, name, 'server id');
    }
  }
  return problems;
}
