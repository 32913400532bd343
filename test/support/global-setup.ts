// Fetches helm, kubernetes-validate and the Strimzi CRDs, and builds luacheck and promtool, once, before any
// test file runs, so workers never race for them.
// @ts-expect-error: a plain ES module script shared with npm run import
import { strimziCrdsDir } from '../../scripts/strimzi-crds.mjs';
// @ts-expect-error: a plain ES module script shared with the benchmarks
import { helmPath, kubernetesValidatePath, luacheckPath, promtoolPath } from '../../scripts/tools.mjs';

export default function setup(): void {
  process.env.HELM_BIN = helmPath();
  process.env.KUBERNETES_VALIDATE_BIN = kubernetesValidatePath();
  process.env.PROMTOOL_BIN = promtoolPath();
  process.env.STRIMZI_CRDS_DIR = strimziCrdsDir();
  process.env.LUACHECK_BIN = luacheckPath();
}
