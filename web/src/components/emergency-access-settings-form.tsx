import { Alert, Badge, Button, Group, PasswordInput, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useEmergencyAccessSettings, useUpdateEmergencyAccessSettings, type EmergencyAccessSettingsPatch } from '../api/emergency-access.ts';
import { ErrorAlert } from './error-alert.tsx';

const splitEmails = (text: string): string[] =>
  text
    .split(/[\s,;]+/)
    .map((value) => value.trim())
    .filter(Boolean);

/**
 * Where emergency-access alerts go: a webhook (signed with HMAC-SHA256 when a secret is set) and mail. The secret
 * is write-only: the form shows whether one is set and offers to replace or remove it, never its value.
 */
export function EmergencyAccessSettingsForm() {
  const settings = useEmergencyAccessSettings();
  const update = useUpdateEmergencyAccessSettings();
  const [webhookUrl, setWebhookUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [emails, setEmails] = useState('');
  const [saved, setSaved] = useState<string | null>(null);

  const data = settings.data;
  useEffect(() => {
    if (!data) return;
    setWebhookUrl(data.webhookUrl ?? '');
    setEmails(data.notifyEmails.join('\n'));
  }, [data]);

  const save = (patch: EmergencyAccessSettingsPatch, message: string) => {
    setSaved(null);
    update.mutate(patch, {
      onSuccess: () => {
        setSecret('');
        setSaved(message);
      },
    });
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save({ webhookUrl: webhookUrl.trim() || null, notifyEmails: splitEmails(emails), ...(secret ? { webhookSecret: secret } : {}) }, 'Alert settings saved.');
  };

  return (
    <Stack>
      <Title order={3}>Alert settings</Title>
      <ErrorAlert error={settings.error} title="Could not load the alert settings" />
      <form onSubmit={onSubmit} aria-label="Alert settings">
        <Stack maw={640}>
          <TextInput
            label="Webhook URL"
            description="Every alert is posted here as JSON within seconds (retried if it fails). Leave empty for no webhook."
            placeholder="https://siem.example.com/hooks/gatehouse"
            value={webhookUrl}
            onChange={(e) => setWebhookUrl(e.currentTarget.value)}
          />
          <Stack gap={4}>
            <Group gap="xs">
              <Text size="sm" fw={500}>
                Signing secret
              </Text>
              {data &&
                (data.hasWebhookSecret ? (
                  <Badge color="green" variant="light">
                    Set
                  </Badge>
                ) : (
                  <Badge color="gray" variant="light">
                    Not set
                  </Badge>
                ))}
            </Group>
            <Text size="xs" c="dimmed">
              Requests carry X-Gatehouse-Signature: sha256=HMAC(secret, timestamp + "." + body). The secret cannot be read back.
            </Text>
            <Group align="flex-end" wrap="nowrap">
              <PasswordInput
                style={{ flex: 1 }}
                label={data?.hasWebhookSecret ? 'Replace the signing secret' : 'Set a signing secret'}
                description="16 to 256 characters. Leave empty to keep the current one."
                autoComplete="new-password"
                value={secret}
                onChange={(e) => setSecret(e.currentTarget.value)}
              />
              {data?.hasWebhookSecret && (
                <Button variant="subtle" color="red" onClick={() => save({ webhookSecret: null }, 'The signing secret was removed.')} disabled={update.isPending}>
                  Remove secret
                </Button>
              )}
            </Group>
          </Stack>
          <Textarea
            label="Notify email addresses"
            description="One per line (at most 20). Each alert is mailed to all of them."
            autosize
            minRows={2}
            value={emails}
            onChange={(e) => setEmails(e.currentTarget.value)}
          />
          <ErrorAlert error={update.error} title="Settings not saved" />
          {saved && !update.error && (
            <Alert color="green" role="status">
              {saved}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={update.isPending} disabled={!data}>
              Save alert settings
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
