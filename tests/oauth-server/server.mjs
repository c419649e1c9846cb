// The configuration of the real, independent OAuth 2.0 server the end-to-end tests of the
// standard dialect run against: node's oidc-provider (from npm, see package.json), with the
// device authorization grant on. Configuration only: the server is the package.
//
// It listens on 127.0.0.1, on a free port, and prints its issuer on the first line of stdout.
// The tests drive the user's side (the device page, the login, the consent) with plain HTTP:
// oidc-provider's development interactions accept any login and password.

import http from 'node:http';
import Provider from 'oidc-provider';

// stdout carries the issuer line only (the test stops reading it); the provider's own notices
// go to stderr.
console.log = console.error;
console.info = console.error;

const grants = ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'];
const client = (fields) => ({
  grant_types: grants,
  response_types: [],
  redirect_uris: [],
  ...fields,
});

const clients = [
  // A public client (token_endpoint_auth_method "none").
  client({ client_id: 'public-cli', token_endpoint_auth_method: 'none' }),
  // client_secret_post.
  client({
    client_id: 'post-cli',
    client_secret: 'post-secret',
    token_endpoint_auth_method: 'client_secret_post',
  }),
  // client_secret_basic, with characters that RFC 6749 2.3.1's form-encoding must carry.
  client({
    client_id: 'basic cli:1',
    client_secret: 'basic secret:%+',
    token_endpoint_auth_method: 'client_secret_basic',
  }),
  // A public client whose device codes live 2 seconds (expiry tests).
  client({ client_id: 'short-cli', token_endpoint_auth_method: 'none' }),
];

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    features: {
      deviceFlow: { enabled: true },
      devInteractions: { enabled: true },
    },
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
    ttl: {
      DeviceCode: (ctx, token, c) => (c.clientId === 'short-cli' ? 2 : 600),
      AccessToken: 3600,
      RefreshToken: 86400,
    },
    cookies: { keys: ['ssooidc-tests-only'] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${issuer}\n`);
});

// Stop when the test process closes stdin (the test's end), or on a signal.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
