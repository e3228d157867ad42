import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from '../config.js';
import { signToken } from '../dev-tokens.js';

/**
 * Apollo Sandbox (loaded from Apollo's CDN, so for online users; /explorer is the offline one).
 * Every request to /graphql needs a token, Sandbox's schema polling included, so Sandbox starts
 * with an Authorization header: in development a development analyst token (introspection is
 * open in development), elsewhere a placeholder that says what to paste.
 */
export function sandboxLandingPage(devToken: string | undefined): ApolloServerPlugin {
  return ApolloServerPluginLandingPageLocalDefault({
    includeCookies: false,
    embed: {
      initialState: { sharedHeaders: { Authorization: `Bearer ${devToken ?? '<paste an analyst or admin token>'}` } },
    },
  }) as ApolloServerPlugin;
}

/** The development analyst token the browser pages start with; none in production or with an external IdP. */
export async function browserDevToken(config: Pick<GatewayConfig, 'development' | 'jwt'>): Promise<string | undefined> {
  if (!config.development || config.jwt.jwksUrl) return undefined;
  return signToken({ sub: 'dev-browser', roles: ['analyst'] }, config.jwt, '12h');
}
