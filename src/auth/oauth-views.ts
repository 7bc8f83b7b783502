/**
 * The few HTML pages the OAuth provider itself renders (device-code entry and confirmation, device success, and
 * protocol errors shown to a browser). The HTTP layer may pass its own renderers with the same signatures to
 * match the portal's look; these defaults load nothing external and run no script.
 *
 * `form` arguments are HTML produced by the provider (a <form> with its anti-forgery field); every other
 * argument is text and must be escaped by the renderer.
 */
export interface OAuthViews {
  /** The page where the user types the code shown by the device (form id `op.deviceInputForm`). */
  deviceCodeInput(input: { form: string; error?: string }): string;
  /** Confirmation before the user signs in the device (form id `op.deviceConfirmForm`; an `abort` button cancels). */
  deviceCodeConfirm(input: { form: string; clientName: string; userCode: string }): string;
  /** Shown once the device flow is approved. */
  deviceSuccess(input: { clientName: string }): string;
  /** A protocol error shown to a person (never a stack trace). */
  error(input: { error: string; description: string }): string;
}

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const page = (title: string, body: string): string => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - Gatehouse</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:48px 16px;color:#1d2129}
main{max-width:380px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:24px 32px}
h1{font-size:1.4em;font-weight:600}p.error{color:#b00020}
input[type=text]{width:100%;box-sizing:border-box;font-size:1.3em;padding:8px;text-align:center;text-transform:uppercase;letter-spacing:.1em}
button{width:100%;font-size:1em;padding:10px;margin-top:12px;border:0;border-radius:4px;background:#1c64f2;color:#fff;cursor:pointer}
button.secondary{background:none;color:#555}
code{font-size:1.6em;letter-spacing:.1em}
</style>
</head>
<body><main>
${body}
</main></body>
</html>`;

/** Plain, self-contained pages. */
export const defaultViews: OAuthViews = {
  deviceCodeInput: ({ form, error }) =>
    page(
      'Sign in a device',
      `<h1>Sign in a device</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : '<p>Enter the code shown on your device or terminal.</p>'}
${form}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
    ),
  deviceCodeConfirm: ({ form, clientName, userCode }) =>
    page(
      'Confirm device sign-in',
      `<h1>Confirm device sign-in</h1>
<p><strong>${escapeHtml(clientName)}</strong> wants to sign in as you. Continue only if your device shows this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel</button>`,
    ),
  deviceSuccess: ({ clientName }) =>
    page('Device signed in', `<h1>Device signed in</h1><p>${escapeHtml(clientName)} is signed in. You can close this page.</p>`),
  error: ({ error, description }) =>
    page('Sign-in error', `<h1>Sign-in error</h1><p>${escapeHtml(description)}</p><p><small>${escapeHtml(error)}</small></p>`),
};

/** The message for a device-code entry that failed (wrong, expired, used or aborted code). */
export function deviceCodeErrorMessage(error: { name?: string; userCode?: unknown } | undefined): string | undefined {
  if (!error) return undefined;
  switch (error.name) {
    case 'NoCodeError':
    case 'NotFoundError':
      return 'That code is not valid. Check it and try again.';
    case 'ExpiredError':
      return 'That code has expired. Start the sign-in again on your device.';
    case 'AlreadyUsedError':
      return 'That code was already used. Start the sign-in again on your device.';
    case 'AbortedError':
      return 'The sign-in was cancelled.';
    default:
      return 'The sign-in could not be completed. Start again on your device.';
  }
}
