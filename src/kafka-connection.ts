import type { KafkaAuthSettings } from './tenants/schema';

/**
 * How Connect, the connectors' own Kafka clients and the processor reach Kafka.
 */
export interface KafkaConnection {
  /** Comma list of `host:port`. */
  readonly bootstrapServers: string;
  /**
   * SASL over TLS (e.g. Confluent Cloud API key and secret).
   *
   * @default - PLAINTEXT, for an in-cluster Kafka
   */
  readonly auth?: KafkaAuthSettings;
}

/**
 * The alias under which Connect resolves `${secrets:<namespace>/<secret>:<key>}` placeholders with
 * Strimzi's KubernetesSecretConfigProvider. Strimzi reserves `strimzisecrets` for itself, not this.
 */
export const SECRETS_PROVIDER_ALIAS = 'secrets';

/** A placeholder Connect resolves at run time, so no credential is ever written to a manifest. */
export function secretPlaceholder(namespace: string, secretName: string, key: string): string {
  return `\${${SECRETS_PROVIDER_ALIAS}:${namespace}/${secretName}:${key}}`;
}

/** The Kafka client name of a SASL mechanism. */
export function saslMechanismName(auth: KafkaAuthSettings): string {
  return auth.mechanism === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512';
}

/**
 * Kafka client settings (under `prefix`) that log in with SASL over TLS, the password resolved
 * from its Secret by the config provider. Debezium's schema history clients need these: they do not
 * inherit the Connect worker's security settings.
 */
export function saslClientConfig(prefix: string, auth: KafkaAuthSettings, namespace: string): Record<string, string> {
  const loginModule = auth.mechanism === 'plain'
    ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
    : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  const password = secretPlaceholder(namespace, auth.passwordSecret.name, auth.passwordSecret.key);
  return {
    [`${prefix}security.protocol`]: 'SASL_SSL',
    [`${prefix}sasl.mechanism`]: saslMechanismName(auth),
    [`${prefix}sasl.jaas.config`]: `${loginModule} required username="${auth.username}" password="${password}";`,
  };
}
