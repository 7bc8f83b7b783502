import { Alert, Anchor, Button, Center, Group, List, Loader, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useNavigate, useParams } from 'react-router';
import { useDeletePartner, usePartner, useUpdatePartner, type ConnectedOrganization } from '../api/partners.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { describeSource, PartnerStateBadge } from '../components/partner-badges.tsx';
import { PartnerEditForm, partnerFormKey } from '../components/partner-edit-form.tsx';
import { SponsorsPanel } from '../components/sponsors-panel.tsx';
import { DateTime } from '../components/status-badges.tsx';

export function PartnerDetailPage() {
  const { id = '' } = useParams();
  const partner = usePartner(id);

  return (
    <Stack>
      <Anchor component={Link} to="/partners" size="sm">
        ← Back to partner organizations
      </Anchor>
      {partner.isPending && (
        <Center>
          <Loader aria-label="Loading partner organization" />
        </Center>
      )}
      <ErrorAlert error={partner.error} title="Could not load the partner organization" />
      {partner.data && <PartnerDetail org={partner.data} />}
    </Stack>
  );
}

function PartnerDetail({ org }: { org: ConnectedOrganization }) {
  const navigate = useNavigate();
  // Lives here rather than in the form: a save changes the organization, which remounts the form.
  const update = useUpdatePartner(org.id);
  const remove = useDeletePartner();
  const [confirmOpened, confirm] = useDisclosure(false);

  return (
    <>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{org.displayName}</Title>
          {org.description && <Text>{org.description}</Text>}
          <Text c="dimmed" size="sm">
            Created <DateTime value={org.createdDateTime} /> · changed <DateTime value={org.modifiedDateTime} />
          </Text>
        </div>
        <PartnerStateBadge state={org.state} />
      </Group>

      <Stack gap={4}>
        <Title order={3} size="h4">
          Identity sources
        </Title>
        <List size="sm" aria-label="Identity sources">
          {org.identitySources.map((source, i) => (
            <List.Item key={i}>{describeSource(source)}</List.Item>
          ))}
        </List>
      </Stack>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <SponsorsPanel orgId={org.id} kind="internal" />
        <SponsorsPanel orgId={org.id} kind="external" />
      </SimpleGrid>

      <Paper withBorder p="md">
        <Stack>
          <Title order={3} size="h4">
            Settings
          </Title>
          <PartnerEditForm
            key={partnerFormKey(org)}
            org={org}
            saving={update.isPending}
            onSave={(patch) => update.mutate(patch)}
            onEdit={() => {
              if (update.isSuccess || update.isError) update.reset();
            }}
          />
          {update.isSuccess && (
            <Alert color="green" role="status" title="Partner organization saved" withCloseButton closeButtonLabel="Dismiss" onClose={update.reset} />
          )}
          <ErrorAlert error={update.error} title="Could not save the partner organization" />
        </Stack>
      </Paper>

      <Group>
        <Button
          variant="default"
          component={Link}
          to={`/audit?target=${encodeURIComponent(org.id)}&targetName=${encodeURIComponent(org.displayName)}`}
        >
          View change history
        </Button>
        <Button color="red" variant="outline" onClick={confirm.open}>
          Delete partner organization
        </Button>
      </Group>

      <ConfirmModal
        opened={confirmOpened}
        title="Delete partner organization"
        message={`Delete ${org.displayName}? Its sponsors are unlinked; its guests stay in the directory.`}
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onClose={confirm.close}
        onConfirm={() => remove.mutate(org.id, { onSuccess: () => navigate('/partners', { replace: true }) })}
      />
    </>
  );
}
