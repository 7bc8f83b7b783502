import { parseProxyNetworks } from '#src/core/proxies.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { options, type OptionKey, type OptionSpec } from './options.ts';

type ValueOf<S extends OptionSpec> = S['type'] extends 'int'
  ? number
  : S['type'] extends 'bool'
    ? boolean
    : S extends { values: readonly (infer V)[] }
      ? V
      : string;

type Required<K extends OptionKey> = (typeof options)[K] extends { default: unknown } ? K : never;
type RequiredKeys = { [K in OptionKey]: Required<K> }[OptionKey];

/** The validated, frozen configuration. Options without a default may be undefined. */
export type Config = { readonly [K in RequiredKeys]: ValueOf<(typeof options)[K]> } & {
  readonly [K in Exclude<OptionKey, RequiredKeys>]: ValueOf<(typeof options)[K]> | undefined;
} & { readonly publicUrl: string };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigInput {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit config file; else GATEHOUSE_CONFIG, else ./gatehouse.config.json when present. */
  file?: string;
  /** Values that win over everything (tests). */
  overrides?: Partial<Record<OptionKey, string | number | boolean>>;
}

const describe = (key: string, spec: OptionSpec): string => `${key} (${spec.env})`;

function parseValue(key: string, spec: OptionSpec, raw: unknown, source: string): string | number | boolean {
  const name = describe(key, spec);
  const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
  switch (spec.type) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) throw new ConfigError(`${name} from ${source} must be an integer, got ${shown}`);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${name} from ${source} must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${name} from ${source} must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      throw new ConfigError(`${name} from ${source} must be true or false, got ${shown}`);
    }
    case 'enum': {
      const s = String(raw).trim();
      if (!spec.values?.includes(s)) {
        throw new ConfigError(`${name} from ${source} must be one of ${spec.values?.join(', ')}, got ${shown}`);
      }
      return s;
    }
    case 'url': {
      if (typeof raw !== 'string' || raw.trim() === '') throw new ConfigError(`${name} from ${source} must be a URL`);
      try {
        new URL(raw);
      } catch {
        throw new ConfigError(`${name} from ${source} is not a valid URL: ${shown}`);
      }
      return raw.trim();
    }
    case 'string':
    case 'path': {
      if (typeof raw !== 'string' || raw.trim() === '') {
        throw new ConfigError(`${name} from ${source} must be a non-empty string`);
      }
      return raw.trim();
    }
  }
}

function readConfigFile(file: string, required: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must contain a JSON object`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in options)) throw new ConfigError(`config file ${file} has an unknown setting "${key}"`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Load configuration once: defaults < config file < environment < overrides. Throws ConfigError naming the
 * offending setting; the caller prints it and exits.
 */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const explicit = input.file ?? env.GATEHOUSE_CONFIG;
  const file = path.resolve(cwd, explicit ?? 'gatehouse.config.json');
  const fromFile = readConfigFile(file, explicit !== undefined);

  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(options) as [OptionKey, OptionSpec][]) {
    const override = input.overrides?.[key];
    const envValue = env[spec.env];
    let value: string | number | boolean | undefined;
    if (override !== undefined) value = parseValue(key, spec, override, 'overrides');
    else if (envValue !== undefined && envValue !== '') value = parseValue(key, spec, envValue, 'the environment');
    else if (fromFile[key] !== undefined) value = parseValue(key, spec, fromFile[key], path.basename(file));
    else value = spec.default;
    if (spec.type === 'path' && typeof value === 'string') value = path.resolve(cwd, value);
    values[key] = value;
  }

  if ((values.tlsCertFile === undefined) !== (values.tlsKeyFile === undefined)) {
    throw new ConfigError('tlsCertFile (GATEHOUSE_TLS_CERT_FILE) and tlsKeyFile (GATEHOUSE_TLS_KEY_FILE) must be set together');
  }
  const tls = values.tlsCertFile !== undefined;
  if (values.publicUrl === undefined) {
    values.publicUrl = `${tls ? 'https' : 'http'}://localhost:${values.httpPort as number}`;
  } else {
    const url = new URL(values.publicUrl as string);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('publicUrl (GATEHOUSE_PUBLIC_URL) must be an http:// or https:// URL');
    }
    if ((values.publicUrl as string).endsWith('/')) {
      throw new ConfigError('publicUrl (GATEHOUSE_PUBLIC_URL) must not end with a slash');
    }
    if (url.pathname !== '/' || url.search || url.hash) {
      throw new ConfigError('publicUrl (GATEHOUSE_PUBLIC_URL) must be an origin without a path (serving Gatehouse under a path is not supported)');
    }
  }
  if (values.databaseUrl !== undefined) {
    const protocol = new URL(values.databaseUrl as string).protocol;
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      throw new ConfigError('databaseUrl (DATABASE_URL) must start with postgres:// or postgresql://');
    }
  }
  if (values.smtpUrl !== undefined) {
    const protocol = new URL(values.smtpUrl as string).protocol;
    if (protocol !== 'smtp:' && protocol !== 'smtps:') {
      throw new ConfigError('smtpUrl (GATEHOUSE_SMTP_URL) must start with smtp:// or smtps://');
    }
  }
  if (values.masterKey !== undefined && Buffer.from(values.masterKey as string, 'base64').length !== 32) {
    throw new ConfigError('masterKey (GATEHOUSE_MASTER_KEY) must be the base64 encoding of exactly 32 bytes');
  }
  try {
    parseProxyNetworks(String(values.trustedProxies ?? ''));
  } catch (error) {
    throw new ConfigError(`trustedProxies (GATEHOUSE_TRUSTED_PROXIES): ${(error as Error).message}`);
  }
  return Object.freeze(values) as Config;
}

/** Problems that are allowed but unsafe; production start-up logs each as a warning. */
export function insecureSettings(config: Config): string[] {
  const warnings: string[] = [];
  const url = new URL(config.publicUrl);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    warnings.push(`publicUrl ${config.publicUrl} is plain HTTP on a non-loopback host: tokens and session cookies travel unencrypted. Terminate TLS here (tlsCertFile/tlsKeyFile) or at a proxy and set an https publicUrl.`);
  }
  if (config.masterKey !== undefined && config.environment === 'production') {
    warnings.push('GATEHOUSE_MASTER_KEY is set in the environment: child processes and crash dumps can expose it. Prefer the key file or a secrets manager.');
  }
  if (config.smtpUrl !== undefined) {
    const smtp = new URL(config.smtpUrl);
    if (smtp.protocol === 'smtp:' && !['localhost', '127.0.0.1', '[::1]'].includes(smtp.hostname)) {
      warnings.push(`smtpUrl uses smtp:// to ${smtp.hostname}: mail (invitation links, one-time passcodes) is encrypted only if the server offers STARTTLS. Prefer smtps://.`);
    }
  }
  return warnings;
}
