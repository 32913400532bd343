import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { parseAllDocuments, stringify } from 'yaml';
import type { Manifest } from './synth';

/** Where the pinned Strimzi CRDs are: the global setup generates them (scripts/strimzi-crds.mjs) and sets STRIMZI_CRDS_DIR. */
export function strimziCrdsDir(): string {
  const dir = process.env.STRIMZI_CRDS_DIR;
  if (!dir) throw new Error('STRIMZI_CRDS_DIR is not set: run the tests with vitest, whose global setup generates the CRDs');
  return dir;
}

/**
 * Makes a CRD's OpenAPI schema strict the way the API server prunes: every object with declared
 * properties rejects unknown fields unless it preserves them (`x-kubernetes-preserve-unknown-fields`).
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const result: any = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    result[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strict(v)])) : strict(value);
  }
  if (schema['x-kubernetes-int-or-string']) return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  if (schema.type === 'object' && schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) {
    result.additionalProperties = false;
  }
  return result;
}

/** Validators for every kind in the pinned Strimzi CRDs, by `apiVersion/kind`; only served versions count. */
export function strimziValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map<string, ValidateFunction>();
  for (const file of fs.readdirSync(strimziCrdsDir()).filter((f) => /^04\d-Crd-.*\.yaml$/.test(f))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(strimziCrdsDir(), file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions.filter((v: any) => v.served)) {
        const schema = strict(version.schema.openAPIV3Schema);
        schema.properties.metadata = { type: 'object' };
        validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  if (validators.size === 0) throw new Error(`no Strimzi CRDs in ${strimziCrdsDir()}; set STRIMZI_CRDS_DIR`);
  return validators;
}

/** Every problem of the Strimzi objects, as `Kind/name: path message`. */
export function strimziProblems(manifests: readonly Manifest[], validators = strimziValidators()): string[] {
  const problems: string[] = [];
  for (const m of manifests.filter((o) => o.apiVersion.includes('strimzi.io'))) {
    const validate = validators.get(`${m.apiVersion}/${m.kind}`);
    if (!validate) {
      problems.push(`${m.kind}/${m.metadata.name}: ${m.apiVersion} is not served by the Strimzi CRDs`);
    } else if (!validate(m as unknown)) {
      problems.push(...validate.errors!.map((e) => `${m.kind}/${m.metadata.name}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
    }
  }
  return problems;
}

/**
 * Every problem of the core Kubernetes objects, checked strictly (unknown fields are errors) with
 * kubernetes-validate against Kubernetes 1.30, the oldest version Strimzi 1.2 supports.
 */
export function kubernetesProblems(manifests: readonly Manifest[]): string[] {
  const core = manifests.filter((m) => !m.apiVersion.includes('strimzi.io'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validate-'));
  const file = path.join(dir, 'objects.yaml');
  fs.writeFileSync(file, core.map((m) => stringify(m)).join('---\n'));
  const bin = process.env.KUBERNETES_VALIDATE_BIN;
  if (!bin) throw new Error('KUBERNETES_VALIDATE_BIN is not set: run the tests through vitest (its global setup installs the tool)');
  try {
    const output = execFileSync(bin, ['--strict', '--no-warn', '--quiet', '-k', '1.30.0', file], { encoding: 'utf8' });
    return output.split('\n').filter((line) => /ERROR|failed/i.test(line));
  } catch (error: any) {
    return [`${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error)];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
