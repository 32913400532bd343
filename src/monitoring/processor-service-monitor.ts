import { Construct } from 'constructs';
import { ServiceMonitor } from '../../imports/monitoring-services-monitoring.coreos.com';
import { COMMON_LABELS, SyncWave, syncWave } from '../labels';

export interface ProcessorServiceMonitorProps {
  /** The processor's name (its Deployment); its metrics Service is `<name>-metrics`, port `http`. */
  readonly processorName: string;
  /** The processor's namespace. */
  readonly namespace: string;
  /**
   * Labels for the ServiceMonitor, e.g. the ones a Prometheus' `serviceMonitorSelector` asks for.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a ServiceMonitor (`monitoring.coreos.com/v1`) that scrapes the event processor's `/metrics`
 * through its metrics Service (port `http`, 8080). A ServiceMonitor rather than a PodMonitor: the
 * processor's container port has no name, and that Service exists for exactly this.
 */
export class ProcessorServiceMonitor extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ProcessorServiceMonitorProps) {
    super(scope, id);
    this.name = `${props.processorName}-metrics`;
    new ServiceMonitor(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: { ...COMMON_LABELS, ...props.labels }, annotations: syncWave(SyncWave.PROCESSOR) },
      spec: {
        selector: { matchLabels: { ...COMMON_LABELS, 'app.kubernetes.io/name': props.processorName } },
        endpoints: [{ port: 'http', path: '/metrics' }],
      },
    });
  }
}
