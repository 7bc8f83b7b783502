import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator built on node:crypto (ES256, "none" attestation), so the server's ceremonies
 * can be tested end to end without a browser. It does what a real authenticator and browser do together: builds
 * clientDataJSON for an origin, authenticator data for an RP ID with the UP/UV flags and a signature counter, and
 * signs. Tests bend any of these (origin, RP ID, counter, flags) to check the server refuses them.
 */
export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  counter: number;
  userHandle: string | undefined;
}

const b64url = (data: Buffer | Uint8Array): string => Buffer.from(data).toString('base64url');
const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x as string, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y as string, 'base64url'))],
    ]),
  );
}

function counterBytes(counter: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(counter);
  return out;
}

export interface CeremonyOptions {
  origin: string;
  rpId: string;
  /** Default: user verified. */
  userVerified?: boolean;
}

/**
 * navigator.credentials.create() answered by a fresh credential (or, to test duplicates, the id and key of an
 * existing one): the JSON @simplewebauthn/browser would post.
 */
export function createCredential(
  options: { challenge: string; user: { id: string } },
  ceremony: CeremonyOptions,
  reuse?: SoftCredential,
): { credential: SoftCredential; response: Record<string, unknown> } {
  const { privateKey, publicKey } = reuse ? { privateKey: reuse.privateKey, publicKey: createPublicKey(reuse.privateKey) } : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = reuse?.id ?? randomBytes(16);
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: ceremony.origin, crossOrigin: false }));
  const flags = UP | AT | (ceremony.userVerified === false ? 0 : UV);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(id.length);
  const authData = Buffer.concat([sha256(ceremony.rpId), Buffer.from([flags]), counterBytes(0), Buffer.alloc(16), idLength, id, Buffer.from(coseKey(publicKey))]);
  const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, string> | Uint8Array>([['fmt', 'none'], ['attStmt', new Map<string, string>()], ['authData', new Uint8Array(authData)]]));
  return {
    credential: { id, privateKey, counter: 0, userHandle: options.user.id },
    response: {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
    },
  };
}

/**
 * navigator.credentials.get() answered with `credential`: the counter goes up by one unless `counter` says which
 * value to report (a cloned authenticator reports an old one).
 */
export function assertCredential(credential: SoftCredential, options: { challenge: string }, ceremony: CeremonyOptions & { counter?: number }): Record<string, unknown> {
  credential.counter = ceremony.counter ?? credential.counter + 1;
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ceremony.origin, crossOrigin: false }));
  const flags = UP | (ceremony.userVerified === false ? 0 : UV);
  const authenticatorData = Buffer.concat([sha256(ceremony.rpId), Buffer.from([flags]), counterBytes(credential.counter)]);
  const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), credential.privateKey);
  return {
    id: b64url(credential.id),
    rawId: b64url(credential.id),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: {},
    response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature), ...(credential.userHandle ? { userHandle: credential.userHandle } : {}) },
  };
}
