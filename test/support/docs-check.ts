import * as fs from 'fs';
import * as path from 'path';
import { closest, distance } from 'fastest-levenshtein';
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';

/**
 * Checks README.md and docs/*.md of a project folder the way a reader would find them broken:
 * - a relative link to a file that does not exist (or that leaves the folder);
 * - a link to an `#anchor` that no heading of the target Markdown file produces, with GitHub's slugs
 *   (github-slugger: lowercase, punctuation dropped, spaces to dashes, `-1`, `-2` for repeated headings);
 * - a docs page that the README does not link;
 * - `npm run <script>` (and `npm test`, `npm start`, ...) in a code block or inline code, naming a script
 *   that package.json does not have.
 * Each problem is one line: `file:line: what is wrong; fix: what to do`.
 *
 * Markdown is parsed with markdown-it (CommonMark, and GitHub's tables): its block tokens carry the source
 * lines they come from, which the messages need, and its inline tokens separate links and code spans from
 * text, so a link inside a code span is not a link and a command in prose is not a command.
 */
export function checkDocs(root: string): string[] {
  const files = docFiles(root);
  const parsed = new Map(files.map((file) => [file, parseFile(root, file)]));
  const scripts = Object.keys(readScripts(root));
  const problems: string[] = [];
  const linkedFromReadme = new Set<string>();
  const anchorsOf = new Map<string, string[]>();
  const anchors = (file: string): string[] => {
    const found = anchorsOf.get(file) ?? parsed.get(file)?.anchors ?? parseFile(root, file).anchors;
    anchorsOf.set(file, found);
    return found;
  };

  for (const file of files) {
    const doc = parsed.get(file)!;
    for (const link of doc.links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.href) || link.href.startsWith('//')) continue;   // https:, mailto:
      const hash = link.href.indexOf('#');
      const target = decodeURIComponent(hash < 0 ? link.href : link.href.slice(0, hash));
      const fragment = hash < 0 ? undefined : decodeURIComponent(link.href.slice(hash + 1));
      const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      const where = `${file}:${link.line}: link "${link.href}"`;
      if (resolved.startsWith('../') || path.posix.isAbsolute(resolved)) {
        problems.push(`${where} leaves the project folder; fix: link a file inside the project, or write the full https:// address`);
        continue;
      }
      if (!fs.existsSync(path.join(root, resolved))) {
        const hint = suggest(path.posix.relative(path.posix.dirname(file), resolved), files.map((f) => path.posix.relative(path.posix.dirname(file), f)));
        problems.push(`${where} points to ${resolved}, which does not exist; fix: link an existing file${hint}`);
        continue;
      }
      if (file === 'README.md') linkedFromReadme.add(resolved);
      if (fragment !== undefined && resolved.endsWith('.md')) {
        const known = anchors(resolved);
        if (!known.includes(fragment)) {
          problems.push(`${where}: no heading of ${resolved} has the anchor #${fragment}; fix: link one of its headings' anchors`
            + `${suggest(fragment, known, '#')}, or add the heading`);
        }
      }
    }
    for (const command of doc.commands) {
      if (!scripts.includes(command.script)) {
        problems.push(`${file}:${command.line}: "${command.text}" names no script of package.json; fix: use one of its scripts`
          + `${suggest(command.script, scripts)}, or drop the command`);
      }
    }
  }
  for (const file of files) {
    if (file !== 'README.md' && !linkedFromReadme.has(file)) {
      problems.push(`${file}:1: the README does not link this page; fix: add a row linking ${file} to the README's "Where to go next" table`);
    }
  }
  return problems;
}

interface ParsedFile {
  readonly anchors: string[];
  readonly links: { readonly href: string; readonly line: number }[];
  readonly commands: { readonly text: string; readonly script: string; readonly line: number }[];
}

const markdown = new MarkdownIt();

/** README.md and every Markdown file under docs/, as paths relative to root with `/`. */
function docFiles(root: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    if (!fs.existsSync(path.join(root, dir))) return;
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files;
}

function readScripts(root: string): Record<string, string> {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
}

function parseFile(root: string, file: string): ParsedFile {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const lines = text.split('\n');
  const slugger = new GithubSlugger();
  const result: ParsedFile = { anchors: [], links: [], commands: [] };
  /** The 1-based line of `needle` within the 0-based [start, end) lines of a block, else the block's first. */
  const lineOf = (needle: string, [start, end]: [number, number]): number => {
    for (let i = start; i < end; i++) if (lines[i]?.includes(needle)) return i + 1;
    return start + 1;
  };
  const tokens = markdown.parse(text, {});
  let block: [number, number] = [0, 1];
  tokens.forEach((token, index) => {
    if (token.map) block = token.map;
    if (token.type === 'heading_open') {
      const inline = tokens[index + 1];
      const title = (inline.children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : c.type === 'softbreak' ? ' ' : '')).join('');
      result.anchors.push(slugger.slug(title));
    }
    if (token.type === 'fence' || token.type === 'code_block') {
      const first = block[0] + (token.type === 'fence' ? 1 : 0);
      token.content.split('\n').forEach((line, i) => {
        for (const command of npmCommands(line)) result.commands.push({ ...command, line: first + i + 1 });
      });
    }
    if (token.type === 'inline') {
      for (const child of token.children ?? []) {
        if (child.type === 'link_open') {
          const href = child.attrGet('href') ?? '';
          result.links.push({ href, line: lineOf(`](${href}`, block) });
        }
        if (child.type === 'code_inline') {
          for (const command of npmCommands(child.content)) result.commands.push({ ...command, line: lineOf(command.text, block) });
        }
      }
    }
  });
  return result;
}

/** `npm run x`, `npm run-script x`, `npm test`, `npm start`, `npm stop`, `npm restart` in one line of code. */
function npmCommands(code: string): { text: string; script: string }[] {
  const found: { text: string; script: string }[] = [];
  for (const match of code.matchAll(/\bnpm\s+(?:(?:run|run-script)\s+([A-Za-z0-9@_.:/-]+)|(test|start|stop|restart)\b)/g)) {
    const script = (match[1] ?? match[2]).replace(/[.,:]+$/, '');
    if (script.startsWith('-')) continue;   // `npm run -- ...`: no script named
    found.push({ text: match[0].replace(/[.,:]+$/, ''), script });
  }
  return found;
}

/** A near miss as "did you mean", else the choices when they are few. */
function suggest(wrong: string, known: readonly string[], prefix = ''): string {
  if (known.length === 0) return '';
  const best = closest(wrong, known as string[]);
  if (distance(wrong, best) <= Math.max(2, Math.floor(wrong.length / 3))) return ` (did you mean ${prefix}${best}?)`;
  return known.length <= 8 ? ` (one of ${known.map((k) => prefix + k).join(', ')})` : '';
}
