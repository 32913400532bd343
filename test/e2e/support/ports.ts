import * as net from 'net';

/** Two free consecutive ports on 127.0.0.1 (a broker's and its controller's). */
export async function freePortPair(): Promise<number> {
  const isFree = (port: number) => new Promise<boolean>((resolve) => {
    const server = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error('no free port pair on 127.0.0.1');
}
