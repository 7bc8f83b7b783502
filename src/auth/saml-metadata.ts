import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { authError } from './auth.errors.ts';

/**
 * Reading a SAML IdP's metadata document (XML parsing with @xmldom/xmldom and XPath; no protocol logic): the three
 * facts Gatehouse needs to trust it.
 */
/** What SAML IdP metadata says: entity id, the HTTP-Redirect sign-in URL, and the signing certificates. */
export function parseSamlMetadata(xml: string): { entityId: string; ssoUrl: string; certificates: string[] } {
  const select = xpath.useNamespaces({ md: 'urn:oasis:names:tc:SAML:2.0:metadata', ds: 'http://www.w3.org/2000/09/xmldsig#' });
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { error: () => undefined, fatalError: () => undefined } }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch {
    throw authError('INVALID_METADATA', 'The SAML metadata is not well-formed XML.');
  }
  const text = (expr: string) => (select(expr, doc as unknown as Node) as Node[]).map((n) => (n.nodeValue ?? n.textContent ?? '').trim()).filter(Boolean);
  const entityId = text('//md:EntityDescriptor/@entityID')[0];
  const ssoUrl = text("//md:IDPSSODescriptor/md:SingleSignOnService[@Binding='urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect']/@Location")[0];
  const certificates = text("//md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use='signing']//ds:X509Certificate").map((c) => c.replace(/\s+/g, ''));
  if (!entityId) throw authError('INVALID_METADATA', 'The SAML metadata has no EntityDescriptor entityID.');
  if (!ssoUrl) throw authError('INVALID_METADATA', 'The SAML metadata has no IDPSSODescriptor SingleSignOnService with the HTTP-Redirect binding.');
  if (certificates.length === 0) throw authError('INVALID_METADATA', 'The SAML metadata has no signing certificate (KeyDescriptor use="signing").');
  return { entityId, ssoUrl, certificates };
}
