import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (smtp-server, as in test/helpers/smtp.ts) on loopback that accepts every message and counts
 * it, without parsing the MIME. It runs in a worker thread, as a mail server runs beside Gatehouse rather than on
 * its event loop: the benchmark measures Gatehouse. The count is shared memory, so reading it costs nothing.
 */
export interface SmtpSink {
  url: string;
  /** Messages accepted so far. */
  readonly received: number;
  /** Resolves once `count` messages were accepted in total; rejects after `timeoutMs`. */
  waitForCount(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  // The worker runs this same TypeScript file: register the tsx loader in it first (as bin/gatehouse.mjs does).
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { counter } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port));
    worker.once('error', reject);
  });
  const received = () => Atomics.load(counter, 0);
  return {
    url: `smtp://127.0.0.1:${port}`,
    get received() {
      return received();
    },
    async waitForCount(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (received() < count) {
        if (Date.now() > deadline) throw new Error(`only ${received()} of ${count} messages arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const { counter } = workerData as { counter: Int32Array };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        Atomics.add(counter, 0, 1);
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => parentPort?.postMessage({ port: (server.server.address() as AddressInfo).port }));
}
