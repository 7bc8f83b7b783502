/**
 * What a sign-in's User-Agent header says: the device platform Conditional Access conditions on, and the browser
 * and operating system the sign-in log shows (Graph `deviceDetail`). A User-Agent is whatever the client chooses
 * to send, so nothing here is a security boundary: a policy that *blocks* a platform can be dodged by lying, and
 * Entra documents the same. Also: which Conditional Access client app type a sign-in is.
 */
import type { ClientAppType, DevicePlatform } from './conditional-access.types.ts';

/** Longer headers are cut before matching (a User-Agent is a few hundred characters at most in practice). */
const MAX_LENGTH = 512;

/**
 * The platform of a User-Agent, or null when it cannot be told (curl, the CLI's HTTP client, ChromeOS — which
 * Graph's devicePlatform has no value for). Order matters: Windows Phone claims Android, Android claims Linux,
 * iOS claims Mac OS X.
 */
export function platformFromUserAgent(userAgent: string | null | undefined): DevicePlatform | null {
  if (!userAgent) return null;
  const ua = userAgent.slice(0, MAX_LENGTH);
  if (/Windows Phone|Windows Mobile|IEMobile/i.test(ua)) return 'windowsPhone';
  if (/Android/i.test(ua)) return 'android';
  if (/iPhone|iPad|iPod|\biOS\b|CFNetwork\/.*Darwin/i.test(ua)) return 'iOS';
  if (/CrOS/.test(ua)) return null;
  if (/Windows NT|Win64|Win32|Windows/i.test(ua)) return 'windows';
  if (/Macintosh|Mac OS X|macOS|Darwin/i.test(ua)) return 'macOS';
  if (/Linux|X11|Ubuntu|Fedora|Debian/i.test(ua)) return 'linux';
  return null;
}

/** How a sign-in reached Gatehouse, as the pipeline knows it. */
export type SignInChannel =
  /** The Gatehouse portal's own sign-in pages (password, guest, partner IdP). */
  | 'portal'
  /** OAuth authorization code (+ PKCE) for an app; `publicClient` apps (the CLI, desktop apps) count as clients. */
  | 'authorizationCode'
  /** The device authorization grant (`gatehouse login` on a machine without a browser). */
  | 'deviceCode'
  /** A refresh token: the same client app type as the sign-in it continues. */
  | 'refreshToken';

/**
 * The Conditional Access client app type of a sign-in, as Entra classifies it: browser-based sign-ins (the portal,
 * web apps with a client secret) are `browser`; public clients using modern authentication (the CLI, native and
 * desktop apps, the device code flow) are `mobileAppsAndDesktopClients`.
 */
export function clientAppTypeFrom(input: { channel: SignInChannel; publicClient?: boolean }): ClientAppType {
  switch (input.channel) {
    case 'portal':
      return 'browser';
    case 'deviceCode':
      return 'mobileAppsAndDesktopClients';
    case 'authorizationCode':
    case 'refreshToken':
      return input.publicClient ? 'mobileAppsAndDesktopClients' : 'browser';
  }
}

/** Graph `signIn.clientAppUsed` for a client app type, as Entra writes it. */
export function clientAppUsedLabel(type: ClientAppType): string {
  switch (type) {
    case 'browser':
      return 'Browser';
    case 'mobileAppsAndDesktopClients':
      return 'Mobile Apps and Desktop clients';
    case 'exchangeActiveSync':
      return 'Exchange ActiveSync';
    case 'other':
      return 'Other clients';
  }
}

/** Graph `deviceDetail` of a sign-in (Gatehouse knows no managed devices: id, name and trust stay empty). */
export interface DeviceDetail {
  browser: string | null;
  operatingSystem: string | null;
  deviceId: string | null;
  displayName: string | null;
  /** False: Gatehouse manages no devices (a partner's compliant-device claim is a sign-in fact, not a device property). */
  isCompliant: boolean;
  isManaged: boolean;
  trustType: string | null;
}

const BROWSERS: [name: string, pattern: RegExp][] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/([\d.]+)/],
  ['Opera', /\bOPR\/([\d.]+)/],
  ['Samsung Internet', /\bSamsungBrowser\/([\d.]+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/([\d.]+)/],
  ['Chrome', /\b(?:Chrome|CriOS|HeadlessChrome)\/([\d.]+)/],
  ['Safari', /\bVersion\/([\d.]+).*Safari\//],
  ['IE', /Trident\/.*\brv:([\d.]+)|MSIE ([\d.]+)/],
];

function browserOf(ua: string): string | null {
  for (const [name, pattern] of BROWSERS) {
    const match = pattern.exec(ua);
    if (match) return `${name} ${match[1] ?? match[2] ?? ''}`.trim();
  }
  return null;
}

const WINDOWS_VERSIONS: Record<string, string> = { '10.0': 'Windows 10', '6.3': 'Windows 8.1', '6.2': 'Windows 8', '6.1': 'Windows 7' };

function operatingSystemOf(ua: string): string | null {
  const platform = platformFromUserAgent(ua);
  const version = (pattern: RegExp): string | undefined => pattern.exec(ua)?.[1]?.replace(/_/g, '.');
  switch (platform) {
    case 'windows': {
      const nt = version(/Windows NT ([\d.]+)/);
      return (nt && WINDOWS_VERSIONS[nt]) ?? 'Windows';
    }
    case 'windowsPhone':
      return 'Windows Phone';
    case 'android': {
      const v = version(/Android ([\d.]+)/);
      return v ? `Android ${v}` : 'Android';
    }
    case 'iOS': {
      const v = version(/OS ([\d_]+) like Mac OS X/);
      return v ? `iOS ${v}` : 'iOS';
    }
    case 'macOS': {
      const v = version(/Mac OS X ([\d_.]+)/);
      return v ? `macOS ${v}` : 'macOS';
    }
    case 'linux':
      return 'Linux';
    case null:
      return /CrOS/.test(ua) ? 'ChromeOS' : null;
  }
}

/** The browser ("Chrome 120.0.6099.71") and operating system ("Windows 10") of a User-Agent, for the sign-in log. */
export function deviceDetailFromUserAgent(userAgent: string | null | undefined): DeviceDetail {
  const ua = (userAgent ?? '').slice(0, MAX_LENGTH);
  return {
    browser: ua ? browserOf(ua) : null,
    operatingSystem: ua ? operatingSystemOf(ua) : null,
    deviceId: null,
    displayName: null,
    isCompliant: false,
    isManaged: false,
    trustType: null,
  };
}
