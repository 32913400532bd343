import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { COMMON_LABELS, syncWave } from '../labels';
import type { ArgoCdSettings } from '../tenants/schema';

/** A folder of a split output and what its Application is called and when it syncs. */
export interface OutputFolder {
  /** The folder, relative to the output folder, e.g. `shared` or `clusters/debezium-connect`. */
  readonly folder: string;
  /** The Application's name. */
  readonly name: string;
  /** Its sync wave among the Applications. */
  readonly syncWave: string;
}

export interface FolderApplicationsProps {
  readonly settings: ArgoCdSettings;
  /** The tenants file's namespace: the destination namespace unless the settings name another. */
  readonly namespace: string;
  readonly folders: readonly OutputFolder[];
}

/** Argo CD's defaults for what `output.argocd` leaves out. */
export const ARGOCD_DEFAULTS = {
  targetRevision: 'HEAD',
  path: 'dist',
  project: 'default',
  namespace: 'argocd',
  server: 'https://kubernetes.default.svc',
} as const;

/**
 * One Argo CD Application per folder of a split output (app of apps): each folder syncs, diffs and fails
 * on its own, and the objects inside keep their sync waves. The Applications' own waves order the folders.
 * No `resources-finalizer`: deleting an Application (a Connect cluster removed from the tenants file)
 * leaves its objects in place rather than deleting connectors and their offsets behind the plan's back.
 */
export class FolderApplications extends Construct {
  constructor(scope: Construct, id: string, props: FolderApplicationsProps) {
    super(scope, id);
    const { settings } = props;
    const root = settings.path ?? ARGOCD_DEFAULTS.path;
    const destination = settings.destination ?? { server: ARGOCD_DEFAULTS.server };
    for (const folder of props.folders) {
      new ApiObject(this, folder.folder, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: folder.name,
          namespace: settings.namespace ?? ARGOCD_DEFAULTS.namespace,
          labels: { ...COMMON_LABELS },
          annotations: syncWave(folder.syncWave),
        },
        spec: {
          project: settings.project ?? ARGOCD_DEFAULTS.project,
          source: {
            repoURL: settings.repoURL,
            targetRevision: settings.targetRevision ?? ARGOCD_DEFAULTS.targetRevision,
            path: `${root}/${folder.folder}`,
          },
          destination: {
            ...(destination.server !== undefined ? { server: destination.server } : { name: destination.name }),
            namespace: destination.namespace ?? props.namespace,
          },
          ...(settings.syncPolicy?.automated && {
            syncPolicy: { automated: { prune: settings.syncPolicy.automated.prune ?? false, selfHeal: settings.syncPolicy.automated.selfHeal ?? false } },
          }),
        },
      });
    }
  }
}
