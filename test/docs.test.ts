import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTenantsYaml } from '../src';
import { checkDocs } from './support/docs-check';

/**
 * Issue 16: a README a newcomer reads in five minutes, and docs/ pages for the rest. Every page is linked from
 * the README, and no link, anchor or npm command in them is dead.
 */
const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README.md and docs/', () => {
  test('have no dead link or anchor, no page the README does not link, and no npm command package.json lacks', () => {
    expect(checkDocs(root)).toEqual([]);
  });

  test('the README stays short: at most 200 lines and 1,200 words', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme.split(/\s+/).filter((w) => w !== '').length).toBeLessThanOrEqual(1200);
  });

  test('the README\'s tenants file is one the loader takes', () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^tenants:/m.test(b));
    expect(blocks).toHaveLength(1);
    const { resolved } = parseTenantsYaml(blocks[0], 'README.md');
    expect(resolved.tenants.map((t) => [t.id, t.database.kind])).toEqual([['acme', 'sqlserver'], ['globex', 'postgres']]);
  });

  test('each docs page opens with its title and one paragraph saying what it covers', () => {
    for (const page of fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
      const [title, blank, first] = fs.readFileSync(path.join(root, 'docs', page), 'utf8').split('\n');
      expect(title, page).toMatch(/^# \S/);
      expect(blank, page).toBe('');
      expect(first, page).toMatch(/^[A-Z`]/);
    }
  });

  test('the npm package ships the docs the README links', () => {
    const files = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toContain('README.md');
    expect(files).toContain('docs/*.md');
  });
});

describe('checkDocs finds what is broken', () => {
  let dir: string;
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-docs-'));
    write('package.json', JSON.stringify({ name: 'x', scripts: { synth: 'a', 'synth:helm': 'b', test: 'c' } }));
    write('README.md', [
      '# Project',                                                             // 1
      '',
      'Run `npm ci && npm run synth`, then `npm test` and `npm run synth:helm`.', // 3: all fine
      '',
      '| page | |',                                                            // 5
      '| --- | --- |',
      '| [Guide](docs/guide.md) | [its versions](docs/guide.md#versions-and-regenerating-imports) |',  // 7: fine
      '| [Repeated](docs/guide.md#same-1) | [shards](docs/guide.md#fleets-shards-kafka-footprint-sizing) |', // 8: fine
      '',
      'See [a misspelt page](docs/guid.md) and',                            // 10
      '[a heading that is',
      'gone](docs/guide.md#sizing) and [here](#project) and [outside](../elsewhere.md).',   // 12
      '',
      '```sh',                                                                  // 14
      'npm ci',
      'TENANTS_FILE=x.yaml npm run synht -- --allow-removals',                  // 16
      '```',
      '',
      'Also `npm run bench:fleet`, a [web page](https://example.com) and `[not a link](nowhere.md)`.',  // 19
      '',
    ].join('\n'));
    write('docs/guide.md', [
      '# Guide',
      '',
      '## Versions and regenerating `imports/`',
      '',
      '## Fleets: shards, Kafka footprint, sizing',
      '',
      '## Same',
      '',
      '## Same',
      '',
      'Back to the [README](../README.md#projet).',                               // 11
      '',
    ].join('\n'));
    write('docs/orphan.md', '# Orphan\n\nNo one links this page.\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a bad link, a bad anchor, a link out of the folder, unknown scripts and an orphan page, each with file:line and a fix', () => {
    expect(checkDocs(dir)).toEqual([
      'README.md:10: link "docs/guid.md" points to docs/guid.md, which does not exist; fix: link an existing file (did you mean docs/guide.md?)',
      'README.md:12: link "docs/guide.md#sizing": no heading of docs/guide.md has the anchor #sizing; fix: link one of its headings\' anchors (one of #guide, #versions-and-regenerating-imports, #fleets-shards-kafka-footprint-sizing, #same, #same-1), or add the heading',
      'README.md:12: link "../elsewhere.md" leaves the project folder; fix: link a file inside the project, or write the full https:// address',
      'README.md:16: "npm run synht" names no script of package.json; fix: use one of its scripts (did you mean synth?), or drop the command',
      'README.md:19: "npm run bench:fleet" names no script of package.json; fix: use one of its scripts (one of synth, synth:helm, test), or drop the command',
      'docs/guide.md:11: link "../README.md#projet": no heading of README.md has the anchor #projet; fix: link one of its headings\' anchors (did you mean #project?), or add the heading',
      'docs/orphan.md:1: the README does not link this page; fix: add a row linking docs/orphan.md to the README\'s "Where to go next" table',
    ]);
  });

  test('the same folder, repaired, passes', () => {
    const fixed = fs.readFileSync(path.join(dir, 'README.md'), 'utf8')
      .replace('docs/guid.md', 'docs/orphan.md').replace('#sizing', '#same').replace('(../elsewhere.md)', '(https://example.com/elsewhere)')
      .replace('npm run synht', 'npm run synth').replace('npm run bench:fleet', 'npm run synth:helm');
    write('README.md', fixed);
    write('docs/guide.md', fs.readFileSync(path.join(dir, 'docs/guide.md'), 'utf8').replace('#projet', '#project'));
    expect(checkDocs(dir)).toEqual([]);
  });
});
