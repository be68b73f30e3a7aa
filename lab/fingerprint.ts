// The lab reports fingerprints the way the panel computes them: one implementation.
export { fingerprintOfPublicKeyLine as hostKeyFingerprint } from '../server/ssh/fingerprint';
