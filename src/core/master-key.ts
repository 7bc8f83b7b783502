import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const MASTER_KEY_FILE = 'master.key';

/**
 * The master key wraps every secret-encryption key. From GATEHOUSE_MASTER_KEY when set; otherwise from
 * `<dataDir>/master.key` (created on first start with mode 0600, base64 of 32 random bytes). A key file readable
 * by others is tightened back to 0600.
 */
export async function loadOrCreateMasterKey(dataDir: string, fromConfig?: string): Promise<{ key: Buffer; created: boolean; source: string }> {
  if (fromConfig) return { key: Buffer.from(fromConfig, 'base64'), created: false, source: 'GATEHOUSE_MASTER_KEY' };
  const file = path.join(dataDir, MASTER_KEY_FILE);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key`);
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return { key, created: false, source: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  // 'wx' fails if another process created the file meanwhile: never overwrite a key.
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true, source: file };
}
