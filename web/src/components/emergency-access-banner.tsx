import { Alert, Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useOpenEmergencyAccessAlerts } from '../api/emergency-access.ts';
import { useSession } from '../api/session.ts';

/**
 * A red banner on every admin page while an emergency-access alert is unacknowledged (polled every 30 s). Asked
 * only for people with a directory role (no one else can read alerts); a 403 shows nothing.
 */
export function EmergencyAccessBanner() {
  const session = useSession();
  const open = useOpenEmergencyAccessAlerts((session.data?.roles.length ?? 0) > 0);
  const alerts = open.data?.value ?? [];
  if (alerts.length === 0) return null;
  const accounts = [...new Set(alerts.map((alert) => alert.userPrincipalName))];
  return (
    <Alert color="red" variant="filled" role="alert" mb="md" title="Emergency-access account activity" data-testid="emergency-access-banner">
      <Text size="sm">
        {alerts.length} unacknowledged alert{alerts.length === 1 ? '' : 's'} for {accounts.join(', ')}.{' '}
        <Anchor component={Link} to="/emergency-access" c="white" underline="always" fw={600}>
          Review emergency access
        </Anchor>
      </Text>
    </Alert>
  );
}
