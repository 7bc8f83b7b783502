import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A v4 UUID, the id format of every Graph object. */
export const newId = (): string => randomUUID();

/** URL-safe random token with `bytes` bytes of entropy from the CSPRNG. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Constant-time string comparison (lengths are compared first, which leaks only the length). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);
