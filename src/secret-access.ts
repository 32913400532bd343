import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { COMMON_LABELS, SyncWave, syncWave } from './labels';

export interface SecretAccessProps {
  /** Name of the Role and its RoleBinding. Must differ from Strimzi's own `<cluster>-connect` and `<cluster>-connect-role`. */
  readonly name: string;
  /** Namespace of the Secrets (and so of the Role). */
  readonly namespace: string;
  /** The Secrets that may be read. */
  readonly secretNames: readonly string[];
  /** The ServiceAccount that may read them, e.g. the Connect pods' `<cluster>-connect`. */
  readonly serviceAccountName: string;
  /**
   * Namespace of the ServiceAccount.
   *
   * @default - the Secrets' namespace
   */
  readonly serviceAccountNamespace?: string;
  /**
   * Extra labels, e.g. the tenant.
   *
   * @default - only the common labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a Role that may `get` exactly the named Secrets, and binds it to a ServiceAccount: what the
 * Kubernetes Secret config provider in Connect needs to resolve `${secrets:<namespace>/<secret>:<key>}`.
 */
export class SecretAccess extends Construct {
  /** The Role's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SecretAccessProps) {
    super(scope, id);
    if (props.secretNames.length === 0) throw new Error(`secret access ${props.name} lists no Secrets; name at least one`);
    if (props.name === props.serviceAccountName || props.name === `${props.serviceAccountName}-role`) {
      throw new Error(`${props.name} is the name Strimzi gives its own Role or RoleBinding for the Connect pods; choose another name`);
    }
    this.name = props.name;
    const metadata = {
      name: props.name,
      namespace: props.namespace,
      labels: { ...COMMON_LABELS, ...props.labels },
      annotations: syncWave(SyncWave.ACCESS),
    };
    const role = new k8s.KubeRole(this, 'Resource', {
      metadata,
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [...new Set(props.secretNames)].sort(), verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccountName, namespace: props.serviceAccountNamespace ?? props.namespace }],
    });
  }
}
