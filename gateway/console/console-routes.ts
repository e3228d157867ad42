import type { Route } from '../../shared/http.js';
import { sendText } from '../../shared/http.js';
import type { Identity, IdentityBinding } from '../../shared/identity.js';
import type { Logger } from '../../shared/logger.js';
import type { Authenticator } from '../authenticator.js';
import type { Refusal } from '../demand-control/admission.js';
import { bundleRoute, findUiBuildDir, sendPage } from '../ui-assets.js';
import { pipelineRoute } from './pipeline-route.js';

/**
 * GET /console: the operations console (gateway/console/browser/, built into ui-build/console/).
 * The page is static and public, like /explorer; everything it shows comes from requests carrying
 * the token typed into it: the GraphQL API (write-back queue, dead letters and replay, revocation
 * stream, audit) and GET /console/api/pipeline (CRM pipeline health), each with its own role rule
 * (docs/operations.md#operations-console, docs/access.md).
 */
export interface ConsoleOptions {
  /** Development only: a development token prefilled in the token field. */
  devToken?: string;
  authenticator: Authenticator;
  crms: readonly { name: string; url: string }[];
  signIdentity: (identity: Identity, binding: IdentityBinding) => string;
  admit: (identity: Identity) => Promise<{ release: () => void } | Refusal>;
  log: Logger;
}

const escapeAttribute = (value: string) => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

export function consolePage(devToken: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dialplane operations console</title>
${devToken ? `<meta name="dialplane-dev-token" content="${escapeAttribute(devToken)}">\n` : ''}<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<div id="root"></div>
<script type="module" data-dialplane-ui src="/console/assets/console.js"></script>
</body>
</html>
`;
}

export function consoleRoutes(options: ConsoleOptions): Route[] {
  const html = consolePage(options.devToken);
  return [
    {
      method: 'GET',
      path: '/console',
      handler: (_req, res) =>
        findUiBuildDir()
          ? sendPage(res, html)
          : sendText(
              res,
              503,
              'The console bundle is not built: run `npm run build:ui` (npm start does it for you).\n',
            ),
    },
    bundleRoute('/console/assets', 'console'),
    pipelineRoute({
      authenticator: options.authenticator,
      crms: options.crms,
      signIdentity: options.signIdentity,
      admit: options.admit,
      log: options.log,
    }),
  ];
}
