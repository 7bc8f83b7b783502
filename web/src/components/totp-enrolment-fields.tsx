import { Image, Text, TextInput } from '@mantine/core';

/** The QR code of a new authenticator-app secret, with how to use it. */
export function TotpQrCode({ src, size }: { src: string; size: number }) {
  return (
    <>
      <Text size="sm">Scan this QR code with your authenticator app (Microsoft Authenticator, Google Authenticator, 1Password, …).</Text>
      <Image src={src} alt="QR code for your authenticator app" w={size} h={size} fit="contain" />
    </>
  );
}

/** The first code from a newly set-up authenticator app, which proves it holds the secret. */
export function TotpCodeInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <TextInput
      label="Code from the app"
      description="The 6-digit code the app shows now."
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={7}
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}
