import * as fs from 'fs';
import type { TenantsFile } from '../../../src';
// @ts-expect-error: a plain ES module script shared with the demo and the benchmarks
import { jvmTrustOptions } from '../../../scripts/kafka-security.mjs';
import { kafkaInfo, KafkaUser, newKafkaUser } from './kafka';
import { putSecret } from './kubernetes';

/** How a test's tenants file reaches the test broker, and what the harness needs beside it. */
export interface TestKafkaAccess {
  /** The tenants file's `kafka:` block: SASL PLAIN as Connect's own user, and the private CA unless `publicCa`. */
  readonly kafka: TenantsFile['kafka'];
  /** The tenants file's `processor.kafkaAuth`: the processor's own user. */
  readonly processorAuth: NonNullable<NonNullable<TenantsFile['processor']>['kafkaAuth']>;
  readonly connectUser: KafkaUser;
  readonly processorUser: KafkaUser;
  /** JVM options of the Connect worker: with `publicCa`, the test CA is its default truststore, as a public CA is. */
  readonly workerJvmOptions: readonly string[];
  /** Environment of the processor beside its Deployment's: with `publicCa`, the test CA is trusted as Node trusts a public CA. */
  readonly processorEnv: Readonly<Record<string, string>>;
}

/**
 * Users for Connect and the processor on the test broker (API keys made up now), their passwords and the
 * broker's CA in Secrets of `namespace` (named `<prefix>-kafka-...`), and the tenants-file settings that
 * use them. With `publicCa` the file names no CA, as for Confluent Cloud (`trustedCertificates: []`), and
 * the worker and processor trust the test CA the way they trust a public CA.
 */
export function testKafkaAccess(namespace: string, prefix: string, options: { publicCa?: boolean } = {}): TestKafkaAccess {
  const info = kafkaInfo();
  const connectUser = newKafkaUser(`${prefix}-connect`);
  const processorUser = newKafkaUser(`${prefix}-processor`);
  putSecret(namespace, `${prefix}-kafka-connect`, { password: connectUser.password });
  putSecret(namespace, `${prefix}-kafka-processor`, { password: processorUser.password });
  if (!options.publicCa) putSecret(namespace, `${prefix}-kafka-ca`, { 'ca.crt': fs.readFileSync(info.caFile, 'utf8') });
  return {
    kafka: {
      bootstrapServers: info.brokers,
      auth: { mechanism: 'plain', username: connectUser.username, passwordSecret: { name: `${prefix}-kafka-connect`, key: 'password' } },
      ...(!options.publicCa && { tls: { caSecret: { name: `${prefix}-kafka-ca`, key: 'ca.crt' } } }),
    },
    processorAuth: { username: processorUser.username, passwordSecret: { name: `${prefix}-kafka-processor`, key: 'password' } },
    connectUser,
    processorUser,
    workerJvmOptions: options.publicCa ? jvmTrustOptions(info) : [],
    processorEnv: options.publicCa ? { NODE_EXTRA_CA_CERTS: info.caFile } : {},
  };
}
