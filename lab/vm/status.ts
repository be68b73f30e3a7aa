// What `status` reports of a running guest, asked through its agent (not over SSH).
import path from 'node:path';
import type { VmHostNames } from '../config';
import type { RunOptions } from '../exec';
import { capabilitiesOf, type KernelCapabilities } from '../capabilities';
import { hostKeyFingerprint } from '../fingerprint';
import { guestExec } from './agent';
import { guestAgentPath } from './guest';

export const guestRunner = (g: VmHostNames) => (argv: readonly string[], opts?: RunOptions) => guestExec(guestAgentPath(g), argv, opts);

export async function guestKernel(g: VmHostNames): Promise<string> {
  return (await guestRunner(g)(['uname', '-r'])).stdout.trim();
}

export async function guestLinkCount(g: VmHostNames): Promise<number> {
  return (JSON.parse((await guestRunner(g)(['ip', '-j', 'link', 'show'])).stdout) as unknown[]).length;
}

/** The fingerprint of the host key the guest's sshd presents now. */
export async function guestHostKeyFingerprint(g: VmHostNames): Promise<string> {
  return hostKeyFingerprint((await guestRunner(g)(['cat', '/run/sbl/ssh_host_ed25519_key.pub'])).stdout);
}

/** What the guest's kernel can create, probed inside it once per guest boot. */
export function guestCapabilities(g: VmHostNames, opts: { refresh?: boolean } = {}): Promise<KernelCapabilities> {
  return capabilitiesOf(guestRunner(g), path.join(g.dir, 'capabilities.json'), opts);
}
