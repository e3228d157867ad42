import { buildUi, uiBuildIsFresh } from '../../scripts/build-ui.js';

/**
 * The gateway serves the explorer and the console from ui-build/ (built by `npm start`'s prestart,
 * not committed). Tests that load those pages need it built; building it once here, before any
 * test file runs, keeps two test processes from writing it at the same time.
 */
export default async function setup(): Promise<void> {
  if (!uiBuildIsFresh()) await buildUi();
}
