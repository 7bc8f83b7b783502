import { Badge, Button, Checkbox, Modal, MultiSelect, SegmentedControl, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import {
  COUNTRY_LOCATION,
  IP_LOCATION,
  useDeleteNamedLocation,
  useNamedLocations,
  useSaveNamedLocation,
  type NamedLocation,
} from '../api/conditional-access.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { EditDeleteButtons, ResourceTable } from '../components/resource-table.tsx';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';
import { useModalState } from '../hooks/use-modal-state.ts';

/** ISO 3166-1 alpha-2 codes with their English names, for the country picker (names from the browser's Intl data). */
const COUNTRY_CODES =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'.split(' ');
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
export const COUNTRIES = COUNTRY_CODES.map((code) => ({ value: code, label: `${regionNames.of(code) ?? code} (${code})` })).sort((a, b) => a.label.localeCompare(b.label));

export function NamedLocationsPage() {
  const locations = useNamedLocations();
  const remove = useDeleteNamedLocation();
  const editing = useModalState<NamedLocation | null>(null);
  const deleting = useConfirmMutation(remove, (location: NamedLocation) => location.id);

  return (
    <Stack>
      <PageHeader
        title="Named locations"
        description="IP ranges and countries that Conditional Access policies include or exclude. Countries come from an offline GeoIP database."
        action={<Button onClick={() => editing.open(null)}>New location</Button>}
      />
      <ResourceTable
        query={locations}
        label="Named locations"
        errorTitle="Could not load the named locations"
        loadingLabel="Loading named locations"
        columns={['Name', 'Type', 'Ranges or countries', 'Trusted', 'Actions']}
        empty="No named locations yet."
        row={(location) => (
          <Table.Tr key={location.id}>
            <Table.Td>{location.displayName}</Table.Td>
            <Table.Td>
              <Badge variant="light" color={location['@odata.type'] === IP_LOCATION ? 'indigo' : 'grape'}>
                {location['@odata.type'] === IP_LOCATION ? 'IP ranges' : 'Countries'}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                {location['@odata.type'] === IP_LOCATION
                  ? location.ipRanges.map((r) => r.cidrAddress).join(', ')
                  : [...location.countriesAndRegions, ...(location.includeUnknownCountriesAndRegions ? ['unknown'] : [])].join(', ')}
              </Text>
            </Table.Td>
            <Table.Td>{location['@odata.type'] === IP_LOCATION && location.isTrusted ? 'Yes' : 'No'}</Table.Td>
            <Table.Td>
              <EditDeleteButtons name={location.displayName} onEdit={() => editing.open(location)} onDelete={() => deleting.ask(location)} />
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Modal opened={editing.opened} onClose={editing.close} title={editing.value ? 'Edit named location' : 'New named location'} size="lg" centered>
        <LocationForm key={editing.value?.id ?? 'new'} location={editing.value} onDone={editing.close} />
      </Modal>
      <ConfirmModal
        {...deleting.modalProps}
        title="Delete named location"
        message={`Delete ${deleting.target?.displayName ?? ''}? A location a policy still uses cannot be deleted.`}
        confirmLabel="Delete"
      />
    </Stack>
  );
}

function LocationForm({ location, onDone }: { location: NamedLocation | null; onDone: () => void }) {
  const save = useSaveNamedLocation();
  const [type, setType] = useState<string>(location?.['@odata.type'] ?? IP_LOCATION);
  const [name, setName] = useState(location?.displayName ?? '');
  const [ranges, setRanges] = useState(location?.['@odata.type'] === IP_LOCATION ? location.ipRanges.map((r) => r.cidrAddress).join('\n') : '');
  const [trusted, setTrusted] = useState(location?.['@odata.type'] === IP_LOCATION ? location.isTrusted : false);
  const [countries, setCountries] = useState<string[]>(location?.['@odata.type'] === COUNTRY_LOCATION ? location.countriesAndRegions : []);
  const [unknown, setUnknown] = useState(location?.['@odata.type'] === COUNTRY_LOCATION ? location.includeUnknownCountriesAndRegions : false);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> =
      type === IP_LOCATION
        ? {
            '@odata.type': IP_LOCATION,
            displayName: name,
            isTrusted: trusted,
            ipRanges: ranges
              .split(/[\s,]+/)
              .filter(Boolean)
              .map((cidrAddress) => ({ '@odata.type': cidrAddress.includes(':') ? '#microsoft.graph.iPv6CidrRange' : '#microsoft.graph.iPv4CidrRange', cidrAddress })),
          }
        : { '@odata.type': COUNTRY_LOCATION, displayName: name, countriesAndRegions: countries, includeUnknownCountriesAndRegions: unknown, countryLookupMethod: 'clientIpAddress' };
    save.mutate({ id: location?.id ?? null, body }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={onSubmit} aria-label="Named location">
      <Stack>
        <TextInput label="Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <SegmentedControl
          disabled={location !== null}
          value={type}
          onChange={setType}
          data={[
            { value: IP_LOCATION, label: 'IP ranges' },
            { value: COUNTRY_LOCATION, label: 'Countries' },
          ]}
        />
        {type === IP_LOCATION ? (
          <>
            <Textarea label="IP ranges" description="CIDR ranges, one per line, e.g. 203.0.113.0/24 or 2001:db8::/48" autosize minRows={3} value={ranges} onChange={(event) => setRanges(event.currentTarget.value)} />
            <Checkbox label="Mark as trusted location" checked={trusted} onChange={(event) => setTrusted(event.currentTarget.checked)} />
          </>
        ) : (
          <>
            <MultiSelect label="Countries and regions" data={COUNTRIES} searchable value={countries} onChange={setCountries} />
            <Checkbox label="Include unknown countries and regions" description="Addresses GeoIP cannot place (and private addresses)" checked={unknown} onChange={(event) => setUnknown(event.currentTarget.checked)} />
          </>
        )}
        <ErrorAlert error={save.error} title="The location was not saved" />
        <FormActions submitLabel={location ? 'Save' : 'Create'} busy={save.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}
