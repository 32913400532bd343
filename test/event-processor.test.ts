import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { EventProcessor, EventProcessorProps } from '../src';

const props: EventProcessorProps = {
  namespace: 'cdc',
  image: 'registry.example.com/processor:1',
  kafka: { bootstrapServers: 'pkc:9092', auth: { mechanism: 'plain', username: 'KEY', passwordSecret: { name: 'ccloud', key: 'api-secret' } } },
  sourceTopicPattern: '^(?:acme)\\.[^.]+\\.[^.]+$',
  sinkTopic: 'cdc.events',
};

function synth(overrides: Partial<EventProcessorProps> = {}) {
  const chart = Testing.chart();
  new EventProcessor(chart, 'Processor', { ...props, ...overrides });
  const objects = Testing.synth(chart);
  return { objects, byKind: (kind: string) => objects.find((o) => o.kind === kind) };
}

function env(deployment: any): Record<string, any> {
  return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('EventProcessor', () => {
  test('synthesizes a Deployment, ServiceAccount, Service and PodDisruptionBudget', () => {
    const { objects } = synth();
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(objects).toMatchSnapshot();
  });

  test('passes contract 2\'s environment, the SASL password from its Secret', () => {
    expect(env(synth().byKind('Deployment'))).toEqual({
      KAFKA_BROKERS: 'pkc:9092',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'KEY',
      KAFKA_SASL_PASSWORD: { secretKeyRef: { name: 'ccloud', key: 'api-secret' } },
      KAFKA_GROUP_ID: 'tenant-cdc-processor',
      KAFKA_CLIENT_ID: 'tenant-cdc-processor',
      SOURCE_TOPIC_PATTERN: '^(?:acme)\\.[^.]+\\.[^.]+$',
      SINK_TOPIC: 'cdc.events',
      DLQ_TOPIC: 'cdc.events.dlq',
      PROCESSING_GUARANTEE: 'at-least-once',
      HTTP_PORT: '8080',
    });
  });

  test('takes an explicit topic list, DLQ, group and exactly-once', () => {
    const result = env(synth({ sourceTopicPattern: undefined, sourceTopics: ['a.b.c', 'a.b.d'], dlqTopic: 'dead', groupId: 'g', processingGuarantee: 'exactly-once' }).byKind('Deployment'));
    expect(result).toMatchObject({ SOURCE_TOPICS: 'a.b.c,a.b.d', DLQ_TOPIC: 'dead', KAFKA_GROUP_ID: 'g', PROCESSING_GUARANTEE: 'exactly-once' });
    expect(result.SOURCE_TOPIC_PATTERN).toBeUndefined();
  });

  test('meets the restricted Pod Security Standard', () => {
    const pod = synth().byKind('Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('probes /healthz and /readyz, and has resources', () => {
    const container = synth().byKind('Deployment').spec.template.spec.containers[0];
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8080 });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '512Mi' } });
  });

  test('selects its pods by a stable label in the Deployment, Service and PodDisruptionBudget', () => {
    const { byKind } = synth({ name: 'proc' });
    const selector = { 'app.kubernetes.io/name': 'proc' };
    expect(byKind('Deployment').spec.selector.matchLabels).toEqual(selector);
    expect(byKind('Deployment').spec.template.metadata.labels).toMatchObject(selector);
    expect(byKind('Service').spec.selector).toEqual(selector);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(selector);
    expect(byKind('ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('runs without SASL for an in-cluster Kafka', () => {
    const result = env(synth({ kafka: { bootstrapServers: 'kafka:9092' } }).byKind('Deployment'));
    expect(Object.keys(result).filter((k) => k.startsWith('KAFKA_SASL'))).toEqual([]);
  });

  test('fails when it would read nothing', () => {
    expect(() => synth({ sourceTopicPattern: undefined })).toThrowError('event processor tenant-cdc-processor reads nothing; set sourceTopics or sourceTopicPattern');
  });
});
