// Free ports for the test servers, the benchmarks and the demo.
import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768 and up): the hundreds of outgoing connections Connect's tasks
// open take ephemeral ports, and one could take a server's port between the check and the start,
// or while a restarted server is down.
const LOWEST = 20000;
const HIGHEST = 32700;

function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports on 127.0.0.1, picked at random below the ephemeral range. */
export async function freePorts(count = 1) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST - count));
    let free = true;
    for (let port = first; free && port < first + count; port++) free = await isFree(port);
    if (free) return first;
  }
  throw new Error(`no ${count} consecutive free ports between ${LOWEST} and ${HIGHEST} on 127.0.0.1`);
}
