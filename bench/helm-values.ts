import { resolveTenantsFile } from '../src/tenants/validate';
import { TenantsFile } from '../src';

/**
 * The values bench/helm-range-chart ranges over: the same tenants, defaults applied as Helm users do by
 * hand. Shared by bench:synth (helm template's time) and bench:apply (applying its output).
 */
export function helmValues(file: TenantsFile) {
  const resolved = resolveTenantsFile(file);
  return {
    namespace: resolved.namespace,
    connectName: resolved.connect.name,
    bootstrapServers: resolved.kafka.bootstrapServers,
    buildImage: resolved.connect.build?.image,
    debeziumVersion: resolved.debeziumVersion,
    tenants: resolved.tenants.map((t) => ({
      id: t.id, kind: t.database.kind, host: t.database.host, port: t.database.port, name: t.database.name,
      secret: t.credentials.secret, usernameKey: t.credentials.usernameKey, passwordKey: t.credentials.passwordKey,
      tables: t.tables, snapshotMode: t.snapshotMode, state: t.state,
    })),
  };
}
