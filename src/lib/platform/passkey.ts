/**
 * Passkeys as a way to unlock the memory: the WebAuthn PRF extension turns a
 * passkey plus a stored salt into 32 secret bytes (the memory side wraps the
 * data key with them). The page runs the ceremonies; the memory worker never
 * sees a credential, only the PRF output.
 */
import { AppError } from '../errors';

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const fromB64url = (s: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;
const challenge = () => crypto.getRandomValues(new Uint8Array(32));

interface PrfResults {
  prf?: { enabled?: boolean; results?: { first?: ArrayBuffer } };
}

/**
 * Whether this browser offers the PRF extension: asked through
 * getClientCapabilities where there is one; without it, 'unknown' (the
 * ceremony then tells). Firefox and WebKit without PRF get 'no'.
 */
export async function prfSupport(): Promise<'yes' | 'no' | 'unknown'> {
  const PKC = globalThis.PublicKeyCredential as
    | (typeof PublicKeyCredential & {
        getClientCapabilities?: () => Promise<Record<string, boolean>>;
      })
    | undefined;
  if (!PKC || !navigator.credentials) return 'no';
  try {
    const caps = await PKC.getClientCapabilities?.();
    if (caps && 'extension:prf' in caps) return caps['extension:prf'] ? 'yes' : 'no';
  } catch {
    // fall through: try it
  }
  return 'unknown';
}

const noPrf = () =>
  new AppError(
    'no-prf',
    'This passkey or browser does not offer the PRF extension, so it cannot unlock the memory. Use a passphrase.',
  );

/** PRF output of an existing credential (one of `allowed`) for its salt; null when cancelled. */
export async function passkeyPrf(
  allowed: Array<{ credentialId: string; prfSalt: Uint8Array }>,
): Promise<{ credentialId: string; prfOutput: Uint8Array } | null> {
  const evalByCredential = Object.fromEntries(
    allowed.map((p) => [p.credentialId, { first: buf(p.prfSalt) }]),
  );
  let cred: PublicKeyCredential | null;
  try {
    cred = (await navigator.credentials.get({
      publicKey: {
        challenge: challenge(),
        allowCredentials: allowed.map((p) => ({
          type: 'public-key',
          id: fromB64url(p.credentialId),
        })),
        userVerification: 'required',
        extensions: { prf: { evalByCredential } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential | null;
  } catch (error) {
    if ((error as Error).name === 'NotAllowedError') return null;
    throw error;
  }
  if (!cred) return null;
  const first = (cred.getClientExtensionResults() as PrfResults).prf?.results?.first;
  if (!first) throw noPrf();
  return { credentialId: b64url(new Uint8Array(cred.rawId)), prfOutput: new Uint8Array(first) };
}

/** Creates a passkey for this app and gets its PRF output for `prfSalt`; null when cancelled. */
export async function createPasskey(
  prfSalt: Uint8Array,
  label: string,
): Promise<{
  credentialId: string;
  prfSalt: Uint8Array;
  prfOutput: Uint8Array;
  label: string;
} | null> {
  let cred: PublicKeyCredential | null;
  try {
    cred = (await navigator.credentials.create({
      publicKey: {
        rp: { name: 'Visio Memoria' },
        user: { id: challenge(), name: label, displayName: label },
        challenge: challenge(),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 },
        ],
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        extensions: {
          prf: { eval: { first: buf(prfSalt) } },
        } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential | null;
  } catch (error) {
    if ((error as Error).name === 'NotAllowedError') return null;
    throw error;
  }
  if (!cred) return null;
  const credentialId = b64url(new Uint8Array(cred.rawId));
  const prf = (cred.getClientExtensionResults() as PrfResults).prf;
  if (prf?.enabled === false) throw noPrf();
  // Some browsers evaluate PRF only on a sign-in, not on creation: ask once more.
  let first: Uint8Array | null = prf?.results?.first ? new Uint8Array(prf.results.first) : null;
  if (!first) first = (await passkeyPrf([{ credentialId, prfSalt }]))?.prfOutput ?? null;
  if (!first) return null;
  return { credentialId, prfSalt, prfOutput: first, label };
}
