import { ChildProcessWithoutNullStreams, spawn } from 'child_process';

/**
 * One long-lived psql, as the postgres superuser over the server's Unix socket, fed SQL on its standard
 * input: a process per statement costs more CPU than the statement itself when hundreds of tenant
 * databases are set up or written to on a busy machine. psql runs what it is given in order; `\c`
 * switches databases. It stops at the first error, and every pending and later call fails with it.
 */
export class PsqlSession {
  private readonly child: ChildProcessWithoutNullStreams;
  /** Output lines of each call still running, oldest first. */
  private readonly pending: Array<{ lines: string[]; resolve: (output: string) => void; reject: (error: Error) => void }> = [];
  private stdoutRest = '';
  private stderr = '';
  private calls = 0;
  private failure: Error | undefined;

  constructor(server: { readonly dir: string; readonly port: number }) {
    this.child = spawn('runuser', ['-u', 'postgres', '--', 'psql', '-h', server.dir, '-p', String(server.port), '-U', 'postgres', '-d', 'postgres',
      '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => { this.stderr = (this.stderr + chunk).slice(-4000); });
    this.child.stdin.on('error', () => undefined); // reported through 'exit'
    this.child.on('exit', (code) => this.fail(new Error(`psql exited (${code}): ${this.stderr.trim() || 'no message'}`)));
  }

  /** Runs SQL (psql meta-commands allowed), in `database` when given; resolves with what it printed. */
  run(sql: string, database?: string): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const marker = `__psql_session_done_${++this.calls}`;
    return new Promise((resolve, reject) => {
      this.pending.push({ lines: [], resolve, reject });
      this.child.stdin.write(`${database ? `\\c ${database}\n` : ''}${sql.trim()}\n\\echo ${marker}\n`);
    });
  }

  /** Ends psql after everything sent so far ran. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }

  private onStdout(chunk: string): void {
    const lines = (this.stdoutRest + chunk).split('\n');
    this.stdoutRest = lines.pop()!;
    for (const line of lines) {
      const call = this.pending[0];
      if (!call) continue;
      if (line.startsWith('__psql_session_done_')) {
        this.pending.shift();
        call.resolve(call.lines.join('\n'));
      } else {
        call.lines.push(line);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const call of this.pending.splice(0)) call.reject(this.failure);
  }
}
