import { useState } from 'react';

/**
 * A modal's open flag and the item it shows. The item stays set while the modal closes, so its title and message
 * do not change mid-animation.
 */
export function useModalState<T>(initial: T) {
  const [state, setState] = useState<{ opened: boolean; value: T }>({ opened: false, value: initial });
  return {
    opened: state.opened,
    value: state.value,
    open: (value: T) => setState({ opened: true, value }),
    close: () => setState((prev) => ({ ...prev, opened: false })),
  };
}
