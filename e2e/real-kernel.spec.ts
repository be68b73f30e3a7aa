// On a real-kernel lab host (kv1, Debian's kernel in a QEMU guest): the admin adds it, sees
// its bond and VLANs in the graph, then creates a bond and a VLAN on that bond from the New
// menu, reviews the commands and applies them; the kernel has them afterwards. Runs after
// first-start.spec.ts (alice exists, the panel's key is authorized on the lab). Last, an internal
// port in a VLAN added to kv1's Open vSwitch bridge from the inspector and taken off again.
import { expect, test } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn, startWithEmptyDraft } from './session';

test.describe.configure({ mode: 'serial' });
// Everything on kv1 runs under software emulation: reads and applies take seconds, not milliseconds.
test.setTimeout(180_000);

const kv1 = labHost('kv1');

const linkOf = async (dev: string) =>
  (JSON.parse((await kv1.exec(['ip', '-j', '-d', 'link', 'show', 'dev', dev])).stdout) as {
    master?: string;
    link?: string;
    linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  }[])[0];

/** kv1's boot file as its image has it (the tests below write to it). */
const IMAGE_INTERFACES_FILE = 'auto lo\niface lo inet loopback\n';

test.afterAll(async () => {
  await kv1.exec(['sh', '-c', 'cat > /etc/network/interfaces; rm -f /etc/network/interfaces.d/switchboard'], { input: IMAGE_INTERFACES_FILE, allowFailure: true });
  await kv1.exec(['ip', 'link', 'del', 'dev', 'bondui.300'], { allowFailure: true });
  await kv1.exec(['ip', 'link', 'del', 'dev', 'bondui'], { allowFailure: true });
  await kv1.exec(['ip', 'link', 'set', 'dev', 'vtrunk-p', 'up'], { allowFailure: true });
  await kv1.exec(['ovs-vsctl', '--timeout=5', '--if-exists', 'del-port', 'ovsui0'], { allowFailure: true });
});

test('the admin adds a real-kernel host and sees its bond, VLANs and VLAN-filtering bridge', async ({ page }) => {
  await signIn(page);
  await page.goto('/hosts');
  await page.getByLabel('Address').fill(kv1.address);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('scanned-fingerprint')).toHaveText(await kv1.hostKeyFingerprint());
  await page.getByLabel('Name').fill('kv1');
  await page.getByRole('button', { name: 'Confirm fingerprint and add host' }).click();
  const row = page.locator('[data-id="host-kv1"]');
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'reachable');

  await row.getByRole('link', { name: 'kv1' }).click();
  const graph = page.getByTestId('topology-graph');
  for (const id of ['if:bond0', 'if:eth4', 'if:eth5', 'if:bond0.100', 'if:eth3.30', 'if:brvf', 'if:vtrunk', 'if:vaccess', 'if:dummy0']) {
    await expect(graph.locator(`.react-flow__node[data-id="${id}"]`), id).toBeVisible();
  }
  await expect(graph.locator('.react-flow__edge[data-id="member:eth4"]')).toHaveCount(1);
  await expect(graph.locator('.react-flow__edge[data-id="parent:bond0.100"]')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screenshots/real-kernel-host.png', fullPage: true });
});

test('create a bond and a VLAN on it from the New menu, review and apply them on the real kernel', async ({ page }) => {
  expect((await kv1.exec(['ip', 'link', 'show', 'dev', 'bondui'], { allowFailure: true })).code).not.toBe(0);
  await signIn(page);
  await page.goto('/hosts');
  await page.locator('[data-id="host-kv1"]').getByRole('link', { name: 'kv1' }).click();
  const graph = page.getByTestId('topology-graph');
  await expect(graph.locator('.react-flow__node[data-id="if:bond0"]')).toBeVisible();
  const draft = page.getByTestId('draft-panel');

  await page.getByTestId('new-menu').locator('summary').click();
  await page.getByTestId('new-menu').getByRole('button', { name: /^Bond/ }).click();
  const bondForm = page.getByTestId('new-form');
  await bondForm.getByLabel('Name').fill('bondui');
  await bondForm.getByLabel('Mode').selectOption('active-backup');
  await bondForm.getByRole('checkbox', { name: /vtrunk-p/ }).check();
  await bondForm.getByRole('button', { name: 'Add bond to draft' }).click();
  await expect(graph.locator('.react-flow__node[data-id="if:bondui"] [data-pending="added"]')).toBeVisible();

  await page.getByTestId('new-menu').locator('summary').click();
  await page.getByTestId('new-menu').getByRole('button', { name: /^VLAN/ }).click();
  const vlanForm = page.getByTestId('new-form');
  await vlanForm.getByLabel('Parent').selectOption('bondui');
  await vlanForm.getByLabel('VLAN id').fill('300');
  await vlanForm.getByRole('button', { name: 'Add VLAN to draft' }).click();
  await expect(draft.getByTestId('draft-op')).toHaveCount(2);
  await expect(graph.locator('.react-flow__node[data-id="if:bondui.300"] [data-pending="added"]')).toBeVisible();

  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  // The review reads the host first (about 6 s on this emulated guest); then, in this order:
  await expect(review.getByTestId('plan-command')).toContainText(
    [/ip link add name bondui .*type bond mode active-backup/, 'ip link set dev vtrunk-p master bondui', /ip link add link bondui name bondui\.300 .*type vlan id 300/],
    { timeout: 60_000 },
  );
  // kv1 boots with ifupdown: the same exec writes the boot file, shown as a diff.
  await expect(review.getByTestId('boot-file-diff')).toContainText('+ iface bondui inet manual');
  await expect(review.getByTestId('boot-file-diff')).toContainText('+     bond-slaves vtrunk-p');
  await review.getByLabel('Reason').fill('Trunk for the new tenant');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied', { timeout: 120_000 });
  await page.screenshot({ path: 'test-results/screenshots/real-kernel-bond-applied.png', fullPage: true });
  await page.keyboard.press('Escape');
  await expect(graph.locator('.react-flow__node[data-id="if:bondui.300"] [data-pending]')).toHaveCount(0);

  // The guest's kernel has them, as planned.
  expect((await linkOf('bondui'))?.linkinfo).toMatchObject({ info_kind: 'bond', info_data: { mode: 'active-backup' } });
  expect((await linkOf('vtrunk-p'))?.master).toBe('bondui');
  expect(await linkOf('bondui.300')).toMatchObject({ link: 'bondui', linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 300 } } });
});

test('a hand edit to the boot file shows as drift on the graph; writing the live state back settles it', async ({ page }) => {
  // By hand, as an admin would: the boot file gives bondui.300 an MTU it does not have live.
  await kv1.exec(['sed', '-i', 's/^iface bondui\\.300 inet manual$/&\\n    mtu 1400/', '/etc/network/interfaces']);
  expect((await kv1.exec(['cat', '/etc/network/interfaces'])).stdout).toContain('iface bondui.300 inet manual\n    mtu 1400\n');
  await signIn(page);
  await page.goto('/hosts');
  await page.locator('[data-id="host-kv1"]').getByRole('link', { name: 'kv1' }).click();
  const graph = page.getByTestId('topology-graph');
  await page.getByRole('button', { name: 'Refresh' }).click();
  const vlan = graph.locator('.react-flow__node[data-id="if:bondui.300"]');
  const sentence = 'MTU of bondui.300: 1500 now, 1400 after a reboot.';
  await expect(vlan.getByTestId('node-runtime-only')).toHaveAttribute('title', new RegExp(sentence.replace(/[.]/g, '\\.')), { timeout: 60_000 });
  await expect(page.getByTestId('boot-drift-list')).toContainText(sentence);
  // bondui itself is as its stanza says: not marked.
  await expect(graph.locator('.react-flow__node[data-id="if:bondui"]').getByTestId('node-runtime-only')).toHaveCount(0);

  await vlan.click();
  const inspectorDrift = page.getByTestId('inspector-drift');
  await expect(inspectorDrift).toContainText(sentence);
  await inspectorDrift.getByTestId('persist-live-state').click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveText([/write the current state of bondui\.300 to the boot configuration/]);
  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('boot-file-diff')).toContainText('-     mtu 1400', { timeout: 60_000 });
  await review.getByLabel('Reason').fill('Boot file back to what runs');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied', { timeout: 120_000 });
  await page.keyboard.press('Escape');
  await expect(vlan.getByTestId('node-runtime-only')).toHaveCount(0, { timeout: 60_000 });
  expect((await kv1.exec(['cat', '/etc/network/interfaces'])).stdout).not.toContain('mtu 1400');
});

test("add an internal port in VLAN 30 to kv1's Open vSwitch bridge from the inspector, then take it off again", async ({ page }) => {
  const tagOf = async () => (await kv1.exec(['ovs-vsctl', '--timeout=5', 'get', 'port', 'ovsui0', 'tag'], { allowFailure: true })).stdout.trim();
  expect(await tagOf()).toBe('');
  await signIn(page);
  const graph = await openHost(page, 'kv1', 'if:ovsbr0');
  await startWithEmptyDraft(page);
  await graph.locator('.react-flow__node[data-id="if:ovsbr0"]').click();
  const editor = page.getByTestId('ovs-bridge-editor');
  await editor.getByLabel('Port', { exact: true }).selectOption({ label: 'new internal port…' });
  await editor.getByLabel('Internal port name').fill('ovsui0');
  await editor.getByLabel('VLAN tag').first().fill('30');
  await editor.getByRole('button', { name: 'Add' }).first().click();
  const draft = page.getByTestId('draft-panel').getByTestId('draft-op');
  await expect(draft).toContainText('add internal port ovsui0 to ovsbr0');

  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('plan-command').first()).toContainText(/^ovs-vsctl --timeout=5 add-port ovsbr0 ovsui0 tag=30/, { timeout: 60_000 });
  await review.getByLabel('Reason').fill('A port for the VLAN 30 guests');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied', { timeout: 120_000 });
  expect(await tagOf()).toBe('30');
  await page.keyboard.press('Escape');
  const port = graph.locator('.react-flow__node[data-id="if:ovsui0"]');
  await expect(port).toContainText('VLAN 30', { timeout: 60_000 });

  // Found by name, as a person would on kv1's crowded graph (the minimap covers where it lands).
  await page.getByLabel('Search nodes').fill('ovsui0');
  await page.getByLabel('Search nodes').press('Enter');
  await page.getByTestId('ovs-port-editor').getByRole('button', { name: 'Remove from bridge' }).click();
  await expect(draft).toContainText('ovsui0');
  await page.getByRole('button', { name: 'Review changes' }).click();
  await review.getByLabel('Reason').fill('No VLAN 30 guests after all');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied', { timeout: 120_000 });
  expect(await tagOf()).toBe('');
});
