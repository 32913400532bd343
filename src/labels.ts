/** Labels and annotations every object tenant-cdc writes shares. */

/** The label that names the tenant of every per-tenant object. */
export const TENANT_LABEL = 'tenant-cdc/tenant';

/** The label that names the SQL Server group of a group's shared connector. */
export const GROUP_LABEL = 'tenant-cdc/group';

/**
 * The annotation on a KafkaConnect and on the processor's Deployment that names the Kafka principal its
 * credentials log in as: the principal its ACLs are for (`npm run acls`, KafkaUsers, the plan).
 */
export const KAFKA_PRINCIPAL_ANNOTATION = 'tenant-cdc/kafka-principal';

/** Labels on every object, so `kubectl get -l app.kubernetes.io/part-of=tenant-cdc` finds them all. */
export const COMMON_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/part-of': 'tenant-cdc',
  'app.kubernetes.io/managed-by': 'tenant-cdc',
};

/**
 * Argo CD sync waves: the Secret access (RBAC) and configuration first, then the Connect cluster,
 * then what runs on it, so a connector never starts before Connect can read its credentials.
 */
export const SyncWave = {
  ACCESS: '-1',
  CONNECT: '0',
  CONNECTORS: '1',
  PROCESSOR: '1',
} as const;

/** The Argo CD annotation for a sync wave. */
export function syncWave(wave: string): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': wave };
}
