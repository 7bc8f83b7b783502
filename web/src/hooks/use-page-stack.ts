import { useState } from 'react';

/**
 * Previous/next paging over OData `@odata.nextLink`s. The API has no `$skip`, so going back means remembering
 * the links already followed: a stack whose top is the current page. A new first-page URL (e.g. a new search
 * term) starts over.
 */
export function usePageStack(firstUrl: string) {
  const [state, setState] = useState<{ base: string; links: string[] }>({ base: firstUrl, links: [] });
  const links = state.base === firstUrl ? state.links : [];
  return {
    url: links.at(-1) ?? firstUrl,
    /** Zero-based index of the current page. */
    pageIndex: links.length,
    hasPrevious: links.length > 0,
    next: (nextLink: string) => setState({ base: firstUrl, links: [...links, nextLink] }),
    previous: () => setState({ base: firstUrl, links: links.slice(0, -1) }),
    reset: () => setState({ base: firstUrl, links: [] }),
  };
}
