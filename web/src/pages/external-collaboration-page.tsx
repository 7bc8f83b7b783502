import { Alert, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useExternalCollaborationSettings, useUpdateExternalCollaborationSettings } from '../api/invitations.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { ExternalCollaborationForm, externalCollaborationFormKey } from '../components/external-collaboration-form.tsx';

export function ExternalCollaborationPage() {
  const settings = useExternalCollaborationSettings();
  // Lives here rather than in the form: a save changes the settings, which remounts the form.
  const update = useUpdateExternalCollaborationSettings();

  return (
    <Stack>
      <div>
        <Title order={2}>External collaboration</Title>
        <Text c="dimmed">Who may invite guests, whom they may invite, and what guests can do.</Text>
      </div>
      {settings.isPending && (
        <Center>
          <Loader aria-label="Loading settings" />
        </Center>
      )}
      <ErrorAlert error={settings.error} title="Could not load the settings" />
      {settings.data && (
        <Paper withBorder p="md">
          {/* Remount when the saved settings change so the form starts from what the server holds. */}
          <ExternalCollaborationForm
            key={externalCollaborationFormKey(settings.data)}
            settings={settings.data}
            saving={update.isPending}
            onSave={(patch) => update.mutate(patch)}
            onEdit={() => {
              if (update.isSuccess) update.reset();
            }}
          />
        </Paper>
      )}
      {/* Below the form, next to the Save button that caused them. */}
      {update.isSuccess && (
        <Alert color="green" role="status" title="Settings saved" withCloseButton closeButtonLabel="Dismiss" onClose={update.reset}>
          The new settings apply to invitations from now on.
        </Alert>
      )}
      <ErrorAlert error={update.error} title="Could not save the settings" />
    </Stack>
  );
}
