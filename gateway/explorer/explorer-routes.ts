import type { Route } from '../../shared/http.js';
import { sendText } from '../../shared/http.js';
import { bundleRoute, findUiBuildDir, sendPage } from '../ui-assets.js';

/**
 * GET /explorer: GraphiQL from our own bundle (gateway/explorer/browser/, built into
 * ui-build/explorer/), for analysts on machines without internet. The page is static and public,
 * like the Sandbox landing page; every request it makes carries the token typed into it, and the
 * gateway's role rules (introspection for analyst/admin, everyone in development) apply unchanged.
 */
export interface ExplorerOptions {
  /** Development only: a development analyst token prefilled in the token field. */
  devToken?: string;
}

const escapeAttribute = (value: string) => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

export function explorerPage(options: ExplorerOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dialplane explorer</title>
${options.devToken ? `<meta name="dialplane-dev-token" content="${escapeAttribute(options.devToken)}">\n` : ''}<link rel="stylesheet" href="/explorer/assets/explorer.css">
</head>
<body>
<div id="root"></div>
<script type="module" data-dialplane-ui src="/explorer/assets/explorer.js"></script>
</body>
</html>
`;
}

export function explorerRoutes(options: ExplorerOptions): Route[] {
  const html = explorerPage(options);
  return [
    {
      method: 'GET',
      path: '/explorer',
      handler: (_req, res) =>
        findUiBuildDir()
          ? sendPage(res, html)
          : sendText(
              res,
              503,
              'The explorer bundle is not built: run `npm run build:ui` (npm start does it for you).\n',
            ),
    },
    bundleRoute('/explorer/assets', 'explorer'),
  ];
}
