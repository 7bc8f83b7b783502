import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAppTypeFrom, clientAppUsedLabel, deviceDetailFromUserAgent, platformFromUserAgent, type DevicePlatform } from '#src/policy/index.ts';

// [what, User-Agent, platform, browser, operating system]
const agents: [string, string | null, DevicePlatform | null, string | null, string | null][] = [
  ['Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36', 'windows', 'Chrome 120.0.6099.71', 'Windows 10'],
  ['Edge on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61', 'windows', 'Edge 120.0.2210.61', 'Windows 10'],
  ['Firefox on Windows 7', 'Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0', 'windows', 'Firefox 115.0', 'Windows 7'],
  ['IE 11', 'Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko', 'windows', 'IE 11.0', 'Windows 8.1'],
  ['Safari on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 'macOS', 'Safari 17.1', 'macOS 10.15.7'],
  ['Firefox on Linux', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', 'linux', 'Firefox 121.0', 'Linux'],
  ['headless Chromium on Linux', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36', 'linux', 'Chrome 131.0.6778.33', 'Linux'],
  ['Chrome on Android (claims Linux too)', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36', 'android', 'Chrome 120.0.6099.43', 'Android 14'],
  ['Samsung Internet', 'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36', 'android', 'Samsung Internet 23.0', 'Android 13'],
  ['Safari on iPhone (claims Mac OS X too)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1', 'iOS', 'Safari 17.1.2', 'iOS 17.1.2'],
  ['Chrome on iPad', 'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.101 Mobile/15E148 Safari/604.1', 'iOS', 'Chrome 120.0.6099.101', 'iOS 17.1'],
  ['Windows Phone (claims Android too)', 'Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063', 'windowsPhone', 'Edge 15.15063', 'Windows Phone'],
  ['ChromeOS has no Graph platform', 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', null, 'Chrome 120.0.0.0', 'ChromeOS'],
  ['curl', 'curl/8.5.0', null, null, null],
  ['Node fetch', 'node', null, null, null],
  ['no header', null, null, null, null],
];

describe('User-Agent: platform and device detail', () => {
  for (const [name, ua, platform, browser, os] of agents) {
    it(name, () => {
      assert.equal(platformFromUserAgent(ua), platform);
      const detail = deviceDetailFromUserAgent(ua);
      assert.equal(detail.browser, browser);
      assert.equal(detail.operatingSystem, os);
      assert.equal(detail.isCompliant, false);
      assert.equal(detail.isManaged, false);
    });
  }

  it('reads only the first 512 characters of a huge header', () => {
    const padded = `${'x'.repeat(10_000)} Windows NT 10.0`;
    assert.equal(platformFromUserAgent(padded), null);
  });
});

describe('client app type', () => {
  const cases: [Parameters<typeof clientAppTypeFrom>[0], string][] = [
    [{ channel: 'portal' }, 'browser'],
    [{ channel: 'deviceCode' }, 'mobileAppsAndDesktopClients'],
    [{ channel: 'authorizationCode', publicClient: true }, 'mobileAppsAndDesktopClients'],
    [{ channel: 'authorizationCode', publicClient: false }, 'browser'],
    [{ channel: 'authorizationCode' }, 'browser'],
    [{ channel: 'refreshToken', publicClient: true }, 'mobileAppsAndDesktopClients'],
  ];
  for (const [input, type] of cases) {
    it(`${JSON.stringify(input)} is ${type}`, () => assert.equal(clientAppTypeFrom(input), type));
  }

  it('labels client app types as Graph clientAppUsed does', () => {
    assert.equal(clientAppUsedLabel('browser'), 'Browser');
    assert.equal(clientAppUsedLabel('mobileAppsAndDesktopClients'), 'Mobile Apps and Desktop clients');
    assert.equal(clientAppUsedLabel('exchangeActiveSync'), 'Exchange ActiveSync');
    assert.equal(clientAppUsedLabel('other'), 'Other clients');
  });
});
