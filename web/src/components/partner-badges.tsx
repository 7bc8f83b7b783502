import { Badge } from '@mantine/core';
import { DOMAIN_SOURCE, FEDERATION_SOURCE, type IdentitySource, type PartnerState } from '../api/partners.ts';
import { PARTNER_STATE_LABELS } from './partner-fields.tsx';

export function PartnerStateBadge({ state }: { state: PartnerState }) {
  return (
    <Badge variant="light" color={state === 'configured' ? 'green' : 'yellow'}>
      {PARTNER_STATE_LABELS[state] ?? state}
    </Badge>
  );
}

/** One identity source in a few words: "vendor.com", "IdP https://login.vendor.com", "Tenant 1234…". */
export function describeSource(source: IdentitySource): string {
  switch (source['@odata.type']) {
    case DOMAIN_SOURCE:
      return source.domainName;
    case FEDERATION_SOURCE:
      return `IdP ${source.issuerUri}${source.domainName ? ` (${source.domainName})` : ''}`;
    default:
      return `Tenant ${source.tenantId}`;
  }
}

export function sourcesSummary(sources: IdentitySource[]): string {
  return sources.map(describeSource).join(', ');
}
