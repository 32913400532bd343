import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { COMMON_LABELS, SyncWave, syncWave } from './labels';

/**
 * The most bytes the Secret names of one Role may take (as the JSON of its `resourceNames`). A Role is one
 * object: kubectl's and Argo CD's default client-side apply copy it into its `last-applied-configuration`
 * annotation, which the API server caps at 256 KiB. A real kube-apiserver refused more than 7,274 names of
 * 33 characters that way, and more than 44,927 with server-side apply (etcd's 1.5 MiB request limit);
 * `npm run bench:rbac` measures both. Half the lower ceiling: about 3,600 names of 33 characters.
 */
export const ROLE_SECRET_NAMES_MAX_BYTES = 128 * 1024;

/** The bytes `names` take in a Role's `resourceNames`, each once: what ROLE_SECRET_NAMES_MAX_BYTES limits. */
export function secretNamesBytes(names: readonly string[]): number {
  return Buffer.byteLength(JSON.stringify([...new Set(names)]));
}

/** Why one Role cannot name all of `names` (their count and size against the limit), or undefined when it can. */
export function secretNamesProblem(names: readonly string[]): string | undefined {
  const bytes = secretNamesBytes(names);
  if (bytes <= ROLE_SECRET_NAMES_MAX_BYTES) return undefined;
  return `${new Set(names).size} Secrets whose names take ${bytes.toLocaleString('en')} bytes, more than the ${ROLE_SECRET_NAMES_MAX_BYTES.toLocaleString('en')} `
    + `(${ROLE_SECRET_NAMES_MAX_BYTES / 1024} KiB) one Role can safely hold `
    + '(the API server refuses a Role of 256 KiB with client-side apply, about 7,000 names of 33 characters)';
}

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
   * Extra labels.
   *
   * @default - only the common labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a Role that may `get` exactly the named Secrets (sorted, each once), and binds it to a ServiceAccount:
 * what the Kubernetes Secret config provider in Connect needs to resolve `${secrets:<namespace>/<secret>:<key>}`.
 * `CdcPlatform` makes one per Connect cluster, naming every Secret that cluster's connectors reference.
 */
export class SecretAccess extends Construct {
  /** The Role's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SecretAccessProps) {
    super(scope, id);
    if (props.secretNames.length === 0) throw new Error(`secret access ${props.name} lists no Secrets; name at least one`);
    const secretNames = [...new Set(props.secretNames)].sort();
    const tooMany = secretNamesProblem(secretNames);
    if (tooMany) throw new Error(`secret access ${props.name} lists ${tooMany}; split the Secrets over several Roles`);
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
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: secretNames, verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccountName, namespace: props.serviceAccountNamespace ?? props.namespace }],
    });
  }
}
