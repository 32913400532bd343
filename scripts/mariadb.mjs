// MariaDB from Debian's packages, as a plain process on 127.0.0.1 (no Docker here), for the end-to-end
// tests: its own data folder and unix socket in `dir`, and the binlog Debezium's MariaDB connector reads
// (ROW events with FULL row images; MariaDB writes GTIDs, `<domain>-<server>-<sequence>`, always).
//
// Tests and the demo import the functions; nothing here reads /etc/mysql (every server runs --no-defaults).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isAlive, stopPidFile } from './stack.mjs';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const CLIENT = '/usr/bin/mariadb';
/** The Debian user the server runs as: mariadbd refuses to run as root unless told to, and should not. */
const SERVER_USER = 'mysql';

/** The last lines of the server's error log: where mariadbd says why it stopped. */
function logTail(log, lines = 20) {
  return existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no error log written)';
}

/**
 * Starts MariaDB on 127.0.0.1:port with its data, socket, pid file and error log in `dir` (initialised with
 * mariadb-install-db on first use, so a second start keeps the data), as the `mysql` user. The binlog is
 * what Debezium needs: `log-bin`, `binlog_format=ROW`, `binlog_row_image=FULL`, a `server_id` (the
 * connectors join as replicas with ids of their own). `root` logs in through the socket only (unix_socket
 * authentication), so nothing needs a password; users that log in over TCP are made by the caller.
 * Installs Debian's mariadb-server with apt-get when missing. Throws with the tail of the error log when
 * the server does not come up.
 * Returns { host, port, dir, socket, sql(statement, database) }: `sql` runs statements as root and returns
 * the rows as tab-separated lines.
 */
export async function startMariaDb({ port, dir, serverId = 1 }) {
  if (!existsSync(MARIADBD) || !existsSync(INSTALL_DB) || !existsSync(CLIENT)) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    // policy-rc.d (as in Debian's container images) keeps the package's own service from starting
    execFileSync('apt-get', ['install', '-y', '-qq', 'mariadb-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  // the server's user must be able to reach the folder (a mkdtemp parent is root-only)
  execFileSync('chmod', ['o+x', dirname(dir)]);
  execFileSync('chown', ['-R', `${SERVER_USER}:${SERVER_USER}`, dir]);
  execFileSync('chmod', ['755', dir]);
  const data = join(dir, 'data');
  const log = join(dir, 'error.log');
  const socket = join(dir, 'mariadb.sock');
  // our own record of the server's pid (mariadbd writes its own only once it is up)
  const pidFile = join(dir, 'server.pid');
  if (existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8')))) {
    throw new Error(`a MariaDB server from ${dir} already runs (pid ${readFileSync(pidFile, 'utf8').trim()}); stop it first`);
  }
  if (!existsSync(join(data, 'mysql'))) {
    try {
      execFileSync(INSTALL_DB, ['--no-defaults', `--user=${SERVER_USER}`, `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db'],
        { stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      throw new Error(`mariadb-install-db could not initialise ${data}: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
  rmSync(log, { force: true });
  const out = openSync(join(dir, 'mariadbd.out'), 'a');
  // started as root with --user, mariadbd drops to that user itself, in the same process (so the pid stays)
  const child = spawn(MARIADBD, [
    '--no-defaults', `--user=${SERVER_USER}`, `--datadir=${data}`, `--socket=${socket}`, `--pid-file=${join(dir, 'mariadb.pid')}`, `--log-error=${log}`,
    '--bind-address=127.0.0.1', `--port=${port}`, '--skip-name-resolve',
    `--server-id=${serverId}`, '--log-bin=mariadb-bin', '--binlog-format=ROW', '--binlog-row-image=FULL',
    '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
  ], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));

  // the statements on stdin, not the command line, where any local user could read the passwords they set
  const sql = (statement, database) => execFileSync(CLIENT, [
    '--no-defaults', `--socket=${socket}`, '--user=root', '--batch', '--skip-column-names', ...(database ? [database] : []),
  ], { encoding: 'utf8', input: statement, stdio: ['pipe', 'pipe', 'pipe'] });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!isAlive(child.pid)) throw new Error(`MariaDB did not start on 127.0.0.1:${port}: mariadbd exited\n${log}:\n${logTail(log)}`);
    try {
      sql('SELECT 1');
      break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await stopMariaDb({ dir });
      throw new Error(`MariaDB did not answer on ${socket} within 60 s\n${log}:\n${logTail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { host: '127.0.0.1', port, dir, socket, sql };
}

/** Stops the server of `dir`: SIGTERM (a clean InnoDB shutdown), then SIGKILL after `graceMs`. */
export async function stopMariaDb({ dir, graceMs = 30_000 }) {
  await stopPidFile(join(resolve(dir), 'server.pid'), graceMs);
}
