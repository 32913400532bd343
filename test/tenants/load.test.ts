import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { loadTenantsFile, parseTenantsYaml, TenantsFileError } from '../../src';

function problemsOf(yaml: string): readonly string[] {
  try {
    parseTenantsYaml(yaml, 'tenants.yaml');
  } catch (error) {
    if (error instanceof TenantsFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the YAML to be rejected');
}

const VALID = `namespace: cdc
kafka:
  bootstrapServers: kafka:9092
tenants:
  - id: acme
    database:
      host: acme-sql
      name: Acme
    credentials: { secret: acme-db }
    tables: [dbo.Orders]
`;

describe('loading a tenants file', () => {
  test('loads the repository\'s default tenants.yaml', () => {
    const file = loadTenantsFile(path.join(__dirname, '..', '..', 'tenants.yaml'));
    expect(file.tenants.length).toBeGreaterThanOrEqual(5);
  });

  test('returns the file as written, the props of CdcPlatform', () => {
    const { file, resolved } = parseTenantsYaml(VALID);
    expect(file.tenants[0]).toEqual({ id: 'acme', database: { host: 'acme-sql', name: 'Acme' }, credentials: { secret: 'acme-db' }, tables: ['dbo.Orders'] });
    expect(resolved.tenants[0].database.port).toBe(1433);
  });

  test('fails with the line and column of each problem', () => {
    const problems = problemsOf(VALID.replace('host: acme-sql', 'host: acme-sql\\PROD').replace('name: Acme', 'name: Acme\n      nmae: x'));
    expect(problems).toEqual([
      expect.stringMatching(/^tenants\[0\]\.database\.host: "acme-sql\\\\PROD" is not a host name .* \(tenants\.yaml:7:13\)$/),
      expect.stringMatching(/^tenants\[0\]\.database\.nmae: unknown field "nmae"; did you mean "name"\? .* \(tenants\.yaml:9:13\)$/),
    ]);
  });

  test('fails on YAML syntax errors with the place', () => {
    expect(problemsOf('namespace: cdc\nkafka: [\n')).toEqual([expect.stringMatching(/^\(file\): not valid YAML at tenants\.yaml:\d+:\d+: /)]);
  });

  test('fails on a key written twice', () => {
    expect(problemsOf(`${VALID}namespace: other\n`)).toEqual([expect.stringMatching(/^\(file\): not valid YAML at tenants\.yaml:11:1: Map keys must be unique/)]);
  });

  test('fails on an empty file', () => {
    expect(problemsOf('')).toEqual(['(file): expected a mapping, got null']);
  });

  test('fails on a missing file, saying how to point at another', () => {
    const missing = path.join(os.tmpdir(), 'no-such-tenants.yaml');
    expect(() => loadTenantsFile(missing)).toThrowError(/cannot read ".*no-such-tenants\.yaml": ENOENT; set TENANTS_FILE/);
  });

  test('reads a file written to disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenants-'));
    fs.writeFileSync(path.join(dir, 'mine.yaml'), VALID);
    expect(loadTenantsFile(path.join(dir, 'mine.yaml')).namespace).toBe('cdc');
  });
});
