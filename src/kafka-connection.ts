/** SASL credentials of one Kafka client (a Connect cluster, the processor). */
export interface KafkaAuth {
  /** The SASL mechanism; always over TLS. */
  readonly mechanism: 'plain' | 'scram-sha-512';
  /** The SASL user name, e.g. a Confluent Cloud API key. Not a secret. */
  readonly username: string;
  /** The Secret (in the client's namespace) and key holding the password. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
  /**
   * The principal the broker sees, which ACLs name: on Confluent Cloud the API key's service account,
   * e.g. `User:sa-1a2b3c`.
   *
   * @default - `User:<username>`, as Apache Kafka and Strimzi name SASL users
   */
  readonly principal?: string;
}

/** TLS to the brokers. */
export interface KafkaTls {
  /**
   * The CA of the brokers' certificates, when it is a private one (a Strimzi-managed or on-premises Kafka).
   *
   * @default - the public CAs the JVM and Node.js trust (right for Confluent Cloud)
   */
  readonly caSecret?: { readonly name: string; readonly key: string };
}

/**
 * How Connect, the connectors' own Kafka clients and the processor reach Kafka.
 */
export interface KafkaConnection {
  /** Comma list of `host:port`. */
  readonly bootstrapServers: string;
  /**
   * SASL over TLS (e.g. Confluent Cloud API key and secret).
   *
   * @default - no SASL: PLAINTEXT, or TLS alone with `tls`
   */
  readonly auth?: KafkaAuth;
  /**
   * TLS settings; with `auth`, TLS is on anyway.
   *
   * @default - TLS with public CAs when `auth` is set, else PLAINTEXT
   */
  readonly tls?: KafkaTls;
}

/** True when the connection uses TLS: always with SASL, else when `tls` is set. */
export function usesTls(kafka: KafkaConnection): boolean {
  return kafka.auth !== undefined || kafka.tls !== undefined;
}

/** The principal ACLs name for a client's credentials. */
export function principalOf(auth: KafkaAuth): string {
  return auth.principal ?? `User:${auth.username}`;
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
export function saslMechanismName(auth: KafkaAuth): string {
  return auth.mechanism === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512';
}

/**
 * Kafka client settings (under `prefix`) for TLS and SASL as the connection needs them, the password and
 * the private CA resolved from their Secrets by the config provider. Debezium's schema history clients
 * need these: they do not inherit the Connect worker's security settings.
 */
export function kafkaClientConfig(prefix: string, kafka: KafkaConnection, namespace: string): Record<string, string> {
  if (!usesTls(kafka)) return {};
  const config: Record<string, string> = { [`${prefix}security.protocol`]: kafka.auth ? 'SASL_SSL' : 'SSL' };
  const ca = kafka.tls?.caSecret;
  if (ca) {
    // PEM certificates as a value: nothing is mounted, the provider reads them from the Secret
    config[`${prefix}ssl.truststore.type`] = 'PEM';
    config[`${prefix}ssl.truststore.certificates`] = secretPlaceholder(namespace, ca.name, ca.key);
  }
  const auth = kafka.auth;
  if (auth) {
    const loginModule = auth.mechanism === 'plain'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    const password = secretPlaceholder(namespace, auth.passwordSecret.name, auth.passwordSecret.key);
    config[`${prefix}sasl.mechanism`] = saslMechanismName(auth);
    config[`${prefix}sasl.jaas.config`] = `${loginModule} required username="${auth.username}" password="${password}";`;
  }
  return config;
}

/**
 * SASL client settings under `prefix`.
 *
 * @deprecated use `kafkaClientConfig`, which writes the TLS settings of a private CA too
 */
export function saslClientConfig(prefix: string, auth: KafkaAuth, namespace: string): Record<string, string> {
  return kafkaClientConfig(prefix, { bootstrapServers: '', auth }, namespace);
}

/** The Secrets a connection's clients read through the config provider: the password's and the CA's. */
export function kafkaSecretNames(kafka: KafkaConnection): string[] {
  return [...new Set([...(kafka.auth ? [kafka.auth.passwordSecret.name] : []), ...(kafka.tls?.caSecret ? [kafka.tls.caSecret.name] : [])])].sort();
}
