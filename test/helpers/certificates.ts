import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway self-signed certificate and its private key, made fresh by the openssl CLI for each test run, so
 * no key material is ever committed. RSA by default (what MSAL's certificate credentials use).
 */
export function selfSignedCertificate(commonName: string, options: { days?: number; hostnames?: string[] } = {}): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ghcert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', `/CN=${commonName}`, '-days', String(options.days ?? 2)];
    if (options.hostnames?.length) args.push('-addext', `subjectAltName=${options.hostnames.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`);
    execFileSync('openssl', args, { stdio: 'ignore' });
    return { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
