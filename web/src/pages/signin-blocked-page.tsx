import { Alert, Anchor, Group, Text } from '@mantine/core';
import { Link, useLocation } from 'react-router';
import { AuthCard } from '../components/auth-card.tsx';

/**
 * Conditional Access refused a sign-in. Only the sign-in log reference (a UUID, to give an administrator) arrives
 * in `?ref=`; the text is fixed, so nobody can put words on Gatehouse's origin through a link.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function SignInBlockedPage() {
  const { search } = useLocation();
  const ref = new URLSearchParams(search).get('ref') ?? '';
  const message = `Your organization's access policy does not allow this sign-in.${UUID.test(ref) ? ` If you think this is wrong, give your administrator this reference: ${ref}.` : ''}`;
  return (
    <AuthCard title="Access blocked">
      <Alert color="red" role="alert" title="Your organization’s access policy blocked this sign-in">
        <Text size="sm" data-testid="blocked-message" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
          {message}
        </Text>
      </Alert>
      <Group gap="md">
        <Anchor component={Link} to="/signin" size="sm">
          Back to sign-in
        </Anchor>
        <Anchor component={Link} to="/signin/guest" size="sm">
          Guest sign-in
        </Anchor>
      </Group>
    </AuthCard>
  );
}
