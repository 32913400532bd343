import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  KafkaUser as KafkaUserResource,
  KafkaUserSpec,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAclsOperations,
  KafkaUserSpecAuthorizationAclsResourcePatternType,
  KafkaUserSpecAuthorizationAclsResourceType,
  KafkaUserSpecAuthorizationAclsType,
  KafkaUserSpecAuthorizationType,
} from '../../imports/strimzi-user-kafka.strimzi.io';
import type { KafkaAuth } from '../kafka-connection';
import { COMMON_LABELS, SyncWave, syncWave } from '../labels';
import type { AclGrant, AclOperation, AclResourceType } from './kafka-acls';

export interface KafkaUserProps {
  /** The Strimzi Kafka cluster (its `metadata.name`) whose User Operator manages the user. */
  readonly kafkaCluster: string;
  /** The namespace the User Operator watches. */
  readonly namespace: string;
  /** The client's credentials: the user name names the KafkaUser; with SCRAM, its password comes from the Secret. */
  readonly auth: KafkaAuth;
  /** The grants of the user's principal, computed when the output is rendered. */
  readonly grants: () => readonly AclGrant[];
}

const OPERATIONS: Record<AclOperation, KafkaUserSpecAuthorizationAclsOperations> = {
  'read': KafkaUserSpecAuthorizationAclsOperations.READ,
  'write': KafkaUserSpecAuthorizationAclsOperations.WRITE,
  'create': KafkaUserSpecAuthorizationAclsOperations.CREATE,
  'describe': KafkaUserSpecAuthorizationAclsOperations.DESCRIBE,
  'describe-configs': KafkaUserSpecAuthorizationAclsOperations.DESCRIBE_CONFIGS,
  'idempotent-write': KafkaUserSpecAuthorizationAclsOperations.IDEMPOTENT_WRITE,
};

const RESOURCE_TYPES: Record<AclResourceType, KafkaUserSpecAuthorizationAclsResourceType> = {
  'topic': KafkaUserSpecAuthorizationAclsResourceType.TOPIC,
  'group': KafkaUserSpecAuthorizationAclsResourceType.GROUP,
  'cluster': KafkaUserSpecAuthorizationAclsResourceType.CLUSTER,
  'transactional-id': KafkaUserSpecAuthorizationAclsResourceType.TRANSACTIONAL_ID,
};

/**
 * Defines a Strimzi KafkaUser (`kafka.strimzi.io/v1`) with `authorization.type: simple` and exactly the
 * ACLs its principal needs, for a Strimzi-managed Kafka. With SCRAM-SHA-512 the User Operator takes the
 * password from the client's own Secret, so Connect or the processor and the broker agree on it; with PLAIN
 * (which Strimzi's listeners do not offer) the KafkaUser carries the ACLs only.
 */
export class KafkaUser extends Construct {
  /** The KafkaUser's name, which is the SASL user name: its principal is `User:<name>`. */
  public readonly name: string;
  private readonly apiObject: KafkaUserResource;

  constructor(scope: Construct, id: string, private readonly props: KafkaUserProps) {
    super(scope, id);
    this.name = props.auth.username;
    this.apiObject = new KafkaUserResource(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: props.namespace,
        labels: { ...COMMON_LABELS, 'strimzi.io/cluster': props.kafkaCluster },
        // before Connect and the processor, which log in as this user
        annotations: syncWave(SyncWave.ACCESS),
      },
      spec: Lazy.any({ produce: () => this._toKube() }) as unknown as KafkaUserSpec,
    });
  }

  /** The generated KafkaUser, for patches this construct has no prop for. */
  public get resource(): ApiObject {
    return this.apiObject;
  }

  /** @internal */
  public _toKube(): KafkaUserSpec {
    const { auth } = this.props;
    return {
      ...(auth.mechanism === 'scram-sha-512' && {
        authentication: {
          type: KafkaUserSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
          password: { valueFrom: { secretKeyRef: { name: auth.passwordSecret.name, key: auth.passwordSecret.key } } },
        },
      }),
      authorization: {
        type: KafkaUserSpecAuthorizationType.SIMPLE,
        acls: this.props.grants().map((grant) => ({
          type: KafkaUserSpecAuthorizationAclsType.ALLOW,
          resource: {
            type: RESOURCE_TYPES[grant.resource.type],
            ...(grant.resource.type !== 'cluster' && {
              name: grant.resource.name,
              patternType: grant.resource.pattern === 'prefixed' ? KafkaUserSpecAuthorizationAclsResourcePatternType.PREFIX : KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL,
            }),
          },
          operations: grant.operations.map((op) => OPERATIONS[op]),
        })),
      },
    };
  }
}
