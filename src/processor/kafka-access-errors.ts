/**
 * What the broker's refusals mean for whoever runs the processor: a wrong password, or an ACL that is
 * missing, said in one line that names the principal, the broker, its answer and the fix. Without this a
 * managed Kafka's refusals reach the log as kafkajs's protocol errors, one TOPIC_AUTHORIZATION_FAILED at a
 * time, with nothing that says which ACL to add.
 */
import type { ProcessorConfig } from './config';
import { processorSlotTransactionalIdPrefix } from './slots';

/** What the processor was doing when the broker refused, when it knows (its own sends mark their errors). */
export type KafkaAction = 'produce' | 'commit';

/** A refusal explained: the log line and, for a missing ACL, the ACL to add. */
export interface AccessProblem {
  readonly kind: 'authentication' | 'authorization';
  readonly message: string;
}

const ACTION = Symbol('tenant-cdc.kafka-action');

/** Marks an error of the processor's own sends, so a refusal later says which ACL they need. */
export function markAction<T>(error: T, action: KafkaAction): T {
  if (typeof error === 'object' && error !== null && !(ACTION in error)) Object.defineProperty(error, ACTION, { value: action });
  return error;
}

/** The principal the processor logs in as, as ACLs name it. */
export function processorPrincipal(config: ProcessorConfig): string {
  return config.principal ?? (config.sasl ? `User:${config.sasl.username}` : 'User:ANONYMOUS');
}

/** Explains a Kafka error that is a refused login or a missing ACL; undefined for anything else. */
export function accessProblem(error: unknown, config: ProcessorConfig): AccessProblem | undefined {
  const principal = processorPrincipal(config);
  const brokers = config.brokers.join(',');
  const chain = causes(error);
  const login = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (login) {
    const mechanism = config.sasl ? `SASL ${config.sasl.mechanism === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512'} user ${config.sasl.username}` : 'no SASL';
    return {
      kind: 'authentication',
      message: `Kafka at ${brokers} refused the processor's login as ${principal} (${mechanism}): ${login.message}. `
        + 'Check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (the processor\'s Kafka credentials Secret, processor.kafkaAuth); '
        + 'a new Confluent Cloud API key can take a few minutes to work. The processor keeps trying and resumes from its committed offsets.',
    };
  }
  // kafkajs answers GROUP_AUTHORIZATION_FAILED to FindCoordinator with this error and drops the broker's (cluster/index.js)
  if (chain.some((e) => e.name === 'KafkaJSGroupCoordinatorNotFound')) {
    return {
      kind: 'authorization',
      message: `Kafka at ${brokers} gave ${principal} no coordinator for its group ${config.groupId} (kafkajs: "Failed to find group coordinator"), `
        + `which on a Kafka with ACLs is GROUP_AUTHORIZATION_FAILED. Add the ACL: ${missingAcl('GROUP_AUTHORIZATION_FAILED', undefined, config)}; `
        + '`npm run acls` prints every ACL the processor needs.',
    };
  }
  const refused = chain.find((e) => typeof e.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED'));
  if (!refused) return undefined;
  const action = chain.map((e) => e[ACTION]).find((a) => a !== undefined) as KafkaAction | undefined;
  const acl = missingAcl(refused.type, action, config);
  return {
    kind: 'authorization',
    message: `Kafka at ${brokers} refused ${principal}: ${refused.type} (${refused.message}). Add the ACL: ${acl}; `
      + '`npm run acls` prints every ACL the processor needs.',
  };
}

/** The ACL a refusal asks for, in `kafka-acls`'s words. */
function missingAcl(type: string, action: KafkaAction | undefined, config: ProcessorConfig): string {
  const principal = processorPrincipal(config);
  switch (type) {
    case 'GROUP_AUTHORIZATION_FAILED':
      return `ALLOW ${principal} READ on group ${config.groupId}`;
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      return `ALLOW ${principal} WRITE, DESCRIBE on transactional ids prefixed ${processorSlotTransactionalIdPrefix(config.groupId)}`;
    case 'CLUSTER_AUTHORIZATION_FAILED':
      // an idempotent producer's InitProducerId: brokers since 2.8 take WRITE on any topic instead
      return `ALLOW ${principal} WRITE, DESCRIBE on topics ${config.sinkTopic} and ${config.dlqTopic} (which it needs anyway), or IDEMPOTENT_WRITE on the cluster`;
    case 'TOPIC_AUTHORIZATION_FAILED':
      if (action === 'produce') return `ALLOW ${principal} WRITE, DESCRIBE on topics ${config.sinkTopic} and ${config.dlqTopic}`;
      // fetching, or committing offsets: the source topics (a removed tenant's, whose ACLs went, are dropped by themselves)
      return `ALLOW ${principal} READ, DESCRIBE on the source topics (${describeSources(config)}); `
        + 'if the topic belongs to a tenant that was removed, nothing: the processor stops reading it';
    default:
      return `the ${type.replace(/_AUTHORIZATION_FAILED$/, '').toLowerCase()} ACL this request needs`;
  }
}

function describeSources(config: ProcessorConfig): string {
  const parts = [...config.sourceTopics];
  if (config.sourceTopicPattern) parts.push(`those matching ${config.sourceTopicPattern.source}, e.g. prefixed <topic.prefix>.`);
  return parts.join(', ');
}

/** The error and every error it wraps (kafkajs wraps protocol errors in retry and crash errors). */
function causes(error: unknown): any[] {
  const chain: any[] = [];
  for (let e: any = error; e && !chain.includes(e); e = e.cause ?? e.originalError) chain.push(e);
  return chain;
}
