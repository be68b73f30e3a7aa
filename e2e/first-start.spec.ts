// Issue 3's browser path, in order: first start (setup link, first admin), the panel's key,
// adding a lab host with fingerprint confirmation, a replaced host key, a viewer's view.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { authorizeLabKey, labHost } from '../lab/testing';
import { ADMIN, signIn } from './session';
import { readPanelState } from './panel-server';

test.describe.configure({ mode: 'serial' });

const VIEWER = { username: 'victor', password: 'a long viewer password' };
const hv1 = labHost('hv1');

test('first start: the setup link creates the first admin and then stops working', async ({ page }) => {
  const { setupLink } = readPanelState();
  await page.goto(setupLink);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Repeat password').fill(ADMIN.password);
  await page.getByRole('button', { name: /create/i }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText('alice');
  await expect(page.getByTestId('signed-in-user')).toContainText('admin');

  // The link is spent.
  const again = await page.context().browser()!.newContext();
  const other = await again.newPage();
  await other.goto(setupLink);
  await expect(other.getByText('Setup link not valid')).toBeVisible();
  await expect(other.getByText('The first admin has already been created')).toBeVisible();
  await expect(other.getByLabel('Username')).toHaveCount(0);
  await expect(other.getByTestId('signed-in-user')).toHaveCount(0);
  await again.close();
});

test('the admin adds a lab host after confirming its fingerprint, and it is reachable', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/ssh-key');
  const keyLine = (await page.getByTestId('authorized-keys-line').textContent())!.trim();
  expect(keyLine).toMatch(/^ssh-ed25519 AAAA/);
  await authorizeLabKey(keyLine); // what an admin does on a real host: append to authorized_keys

  await page.goto('/hosts');
  await page.getByLabel('Address').fill(hv1.address);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('scanned-fingerprint')).toHaveText(await hv1.hostKeyFingerprint());
  await page.getByLabel('Name').fill('hv1');
  await page.getByLabel('Labels').fill('lab rack-1');
  await page.getByRole('button', { name: 'Confirm fingerprint and add host' }).click();

  const row = page.locator('[data-id="host-hv1"]');
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'reachable');
  await expect(row).toContainText(await hv1.hostKeyFingerprint());
  await page.screenshot({ path: 'test-results/screenshots/hosts.png', fullPage: true });
});

test('the host page shows the live graph with the seeded nodes and edges, and the inspector', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/hosts');
  await page.locator('[data-id="host-hv1"]').getByRole('link', { name: 'hv1' }).click();
  const graph = page.getByTestId('topology-graph');
  for (const id of ['if:eth1', 'if:br0', 'if:vxlan100', 'if:mvlan0', 'if:veth-a', 'if:veth-b', 'if:macvtap0', 'vm:web1', 'vm:db1', 'vm:app1', 'vm:build1', 'net:default', 'net:isolated', 'net:routed', 'net:bridged']) {
    await expect(graph.locator(`.react-flow__node[data-id="${id}"]`), id).toBeVisible();
  }
  for (const id of ['member:eth1', 'parent:vxlan100', 'parent:mvlan0', 'parent:macvtap0', 'peer:veth-a:veth-b', 'netbr:default', 'netbr:bridged']) {
    await expect(graph.locator(`.react-flow__edge[data-id="${id}"]`), id).toHaveCount(1);
  }
  await expect(graph.locator('.react-flow__node[data-id="vm:build1"] [data-status]')).toHaveAttribute('data-status', 'idle');
  await graph.locator('.react-flow__node[data-id="if:br0"]').click();
  const inspector = page.getByTestId('inspector');
  await expect(inspector).toContainText('br0');
  await expect(inspector).toContainText('198.18.1.11/24');
  await expect(inspector).toContainText(/Ports\s*eth1, vnet\d/);
  await expect(page.getByTestId('data-age')).toContainText('Data from');
  // Nothing the probe knows configures a namespace host at boot: the page says so (issue 12).
  await expect(page.getByTestId('runtime-only-host')).toContainText("Runtime only: nothing known configures hv1's network at boot");
  await page.screenshot({ path: 'test-results/screenshots/graph.png', fullPage: true });

  // The seeded HTB tree on eth2 in people's units, and its u32 filter (issue 13).
  await graph.locator('.react-flow__node[data-id="if:eth2"]').click();
  await expect(inspector.getByTestId('tc-tree')).toContainText('600 Mbit/s');
  await expect(inspector.getByTestId('tc-filter')).toHaveCount(1);
  await expect(inspector.getByTestId('tc-filter')).toContainText(/dst port 4789.*1:10/);

  // The inspector offers no action the validator would refuse: libvirt's own bridge cannot be
  // deleted here, so its Delete is disabled and says why; veth-a's is offered.
  await graph.locator('.react-flow__node[data-id="if:virbr0"]').click();
  const refused = inspector.getByTestId('action-refused');
  await expect(refused).toContainText('Not possible: virbr0 is managed by libvirt network default');
  await expect(refused.getByRole('button', { name: 'Delete virbr0' })).toBeDisabled();
  // Clicked at its top left: the NAT edge, drawn above the nodes, crosses its right half.
  await graph.locator('.react-flow__node[data-id="if:veth-a"]').click({ position: { x: 12, y: 8 } });
  await expect(inspector.getByRole('button', { name: 'Delete veth-a' })).toBeEnabled();

  // Search finds a node and shows it in the inspector; the kind filter hides a kind.
  await page.getByLabel('Search nodes').fill('vxlan');
  await page.getByLabel('Search nodes').press('Enter');
  await expect(inspector).toContainText('VNI 100');
  await expect(graph.locator('.react-flow__node[data-id="if:vxlan100"] [data-kind]')).not.toHaveClass(/opacity-25/);
  await expect(graph.locator('.react-flow__node [data-kind].opacity-25').first()).toBeVisible(); // the others dim
  await page.getByLabel('Search nodes').fill('');
  await graph.getByRole('button', { name: /fit view/i }).click();
  await expect(graph.locator('.react-flow__node[data-id="vm:web1"]')).toBeVisible();
  await page.getByRole('checkbox', { name: /Virtual machine/ }).uncheck();
  await expect(graph.locator('.react-flow__node[data-id="vm:web1"]')).toBeHidden();
  await page.getByRole('checkbox', { name: /Virtual machine/ }).check();
  await expect(graph.locator('.react-flow__node[data-id="vm:web1"]')).toBeVisible();

  // A refresh updates the graph in place: the user's pan and zoom stay.
  const viewport = graph.locator('.react-flow__viewport');
  await graph.locator('.react-flow__pane').hover();
  await page.mouse.wheel(0, -300);
  await page.mouse.down();
  await page.mouse.move(500, 420, { steps: 5 });
  await page.mouse.up();
  const before = await viewport.getAttribute('style');
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Refresh', exact: true })).toBeEnabled();
  expect(await viewport.getAttribute('style')).toBe(before);

  // A dragged node stays where the user put it, across a reload.
  await graph.getByRole('button', { name: /fit view/i }).click();
  const vm = graph.locator('.react-flow__node[data-id="vm:web1"]');
  const translate = async () => /translate\([^)]*\)/.exec((await vm.getAttribute('style')) ?? '')?.[0];
  const original = await translate();
  const box = (await vm.boundingBox())!;
  const saved = page.waitForResponse((r) => r.url().includes('topology.savePositions'));
  await page.mouse.move(box.x + 40, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + 140, box.y + 90, { steps: 8 });
  await page.mouse.up();
  await saved;
  const moved = await translate();
  expect(moved).not.toBe(original);
  await page.reload();
  await expect(async () => expect(await translate()).toBe(moved)).toPass({ timeout: 15_000 });
});

test('the fleet flags a change made outside Switchboard; its badge opens the change on the graph, whose undo is drafted, applied and acknowledged', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/');
  const row = page.locator('[data-id="fleet-hv1"]');
  await expect(row.getByTestId('count-vms')).toHaveText('3 / 4');
  await expect(row.getByTestId('count-networks')).toHaveText('4');
  await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1400']);
  try {
    await page.getByRole('button', { name: 'Refresh all hosts' }).click();
    await expect(page.getByTestId('refresh-all-result')).toContainText('Read 1 of 1 hosts');
    await expect(row.getByTestId('observed-changes-badge')).toContainText('1 change outside Switchboard');
    await page.screenshot({ path: 'test-results/screenshots/fleet.png', fullPage: true });
    // The badge opens the host with the list of what changed, and the graph marks veth-b.
    await row.getByTestId('observed-changes-badge').click();
    const outside = page.getByTestId('outside-changes');
    await expect(outside.getByTestId('outside-change')).toHaveCount(1);
    await expect(outside.getByTestId('outside-change')).toContainText('veth-b: MTU 1500 → 1400');
    await expect(page.getByTestId('topology-graph').locator('.react-flow__node[data-id="if:veth-b"] [data-pending="changed"]')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/outside-change.png' });
    // "Draft undo" drafts what puts it back; reviewed and applied, veth-b has its MTU again.
    await outside.getByRole('button', { name: 'Draft undo' }).click();
    await expect(outside.getByTestId('outside-undo-result')).toContainText('1 operation drafted to undo it');
    await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('set MTU of veth-b to 1500');
    await page.getByRole('button', { name: 'Review changes' }).click();
    const review = page.getByTestId('review-dialog');
    await expect(review.getByTestId('plan-command')).toHaveText(['ip link set dev veth-b mtu 1500']);
    await review.getByLabel('Reason').fill('Undo the hand edit of veth-b');
    await review.getByRole('button', { name: 'Apply' }).click();
    await expect(review.getByTestId('change-status')).toHaveText('applied');
    await review.getByRole('button', { name: 'Done' }).click();
    expect((await hv1.exec(['cat', '/sys/class/net/veth-b/mtu'])).stdout.trim()).toBe('1500');
    // Acknowledged from the list, it leaves the fleet's count.
    await outside.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(outside.getByTestId('outside-change')).toHaveAttribute('data-acknowledged', 'true');
    await page.goto('/');
    await expect(row.getByTestId('observed-changes-badge')).toHaveCount(0);
  } finally {
    await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1500']);
  }
});

test('a replaced host key shows "key mismatch" and no command runs', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/hosts');
  const row = page.locator('[data-id="host-hv1"]');
  const pinned = await hv1.hostKeyFingerprint();
  // sshd logs every accepted key; the panel must not get that far with a different host key.
  const accepted = () => readFileSync(`${hv1.names.dir}/ssh/sshd.log`, 'utf8').split('Accepted publickey').length - 1;
  try {
    const impostor = await hv1.replaceHostKey();
    // The panel holds a pooled connection made with the old key; a real reinstall drops it.
    await hv1.exec(['pkill', '-f', '^sshd: root']);
    const acceptedBefore = accepted();
    await row.getByRole('button', { name: 'Test' }).click();
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'key_mismatch');
    expect(accepted()).toBe(acceptedBefore);
    await expect(row.getByTestId('host-status-message')).toContainText(`expected ${pinned}, got ${impostor}`);
    await page.screenshot({ path: 'test-results/screenshots/key-mismatch.png', fullPage: true });
    // The fleet page makes it stand out, with the next step to take.
    await page.goto('/');
    const fleetRow = page.locator('[data-id="fleet-hv1"]');
    await expect(fleetRow).toHaveAttribute('data-attention', 'danger');
    await expect(fleetRow.getByTestId('host-attention')).toContainText('Its host key is not the one pinned');
    await expect(fleetRow.getByTestId('host-next-step')).toContainText('only if they match, re-pin it');
  } finally {
    await hv1.restoreHostKey();
  }
  // Tested again from another tab, the host is reachable, and this tab's list says so by itself.
  await page.goto('/hosts');
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'key_mismatch');
  const other = await page.context().newPage();
  await other.goto('/hosts');
  await other.locator('[data-id="host-hv1"]').getByRole('button', { name: 'Test' }).click();
  await expect(other.locator('[data-id="host-hv1"] [data-status]')).toHaveAttribute('data-status', 'reachable');
  await other.close();
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'reachable', { timeout: 12_000 });
});

test('a viewer sees hosts without add or edit controls, and the mutation is refused', async ({ page, request }) => {
  await signIn(page, ADMIN);
  await page.goto('/users');
  // The roles table says what each role may do in words, not procedure names.
  const applyRow = page.getByTestId('permission-row').filter({ hasText: /^apply changes/ });
  await expect(applyRow.getByRole('cell')).toHaveText(['apply changes', 'yes', 'yes', 'no', 'no']);
  await expect(page.getByTestId('permission-row').filter({ hasText: /\w\.\w/ })).toHaveCount(0);
  await page.getByLabel('Username').fill(VIEWER.username);
  await page.getByLabel('Initial password').fill(VIEWER.password);
  await page.locator('select[name="new-role"]').selectOption('viewer');
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('cell', { name: VIEWER.username })).toBeVisible();
  // A password reset is a dialog: the password typed twice, problems said in words, then done.
  await page.getByTestId(`user-${VIEWER.username}`).getByRole('button', { name: 'Reset password' }).click();
  const reset = page.getByTestId('reset-password-dialog');
  await reset.getByLabel('New password').fill('too short');
  await reset.getByLabel('The same password again').fill('too short');
  await reset.getByRole('button', { name: 'Set the new password' }).click();
  await expect(reset.getByRole('alert')).toHaveText('Use at least 12 characters (this one has 9).');
  await reset.getByLabel('New password').fill(VIEWER.password);
  await reset.getByLabel('The same password again').fill(`${VIEWER.password}!`);
  await reset.getByRole('button', { name: 'Set the new password' }).click();
  await expect(reset.getByRole('alert')).toHaveText('The two passwords differ; type the same one twice.');
  await reset.getByLabel('The same password again').fill(VIEWER.password);
  await reset.getByRole('button', { name: 'Set the new password' }).click();
  await expect(reset).toHaveCount(0);
  await expect(page.getByTestId('user-notice')).toHaveText(`Password of ${VIEWER.username} changed; they were signed out everywhere.`);
  await page.getByRole('button', { name: /sign out/i }).click();
  // Signing out finishes on the sign-in page; going there earlier races the cookie's removal.
  await expect(page.getByLabel('Username')).toBeVisible();

  await signIn(page, VIEWER);
  await page.goto('/hosts');
  await expect(page.locator('[data-id="host-hv1"]')).toBeVisible();
  await expect(page.getByRole('button', { name: /Edit|Remove|Re-pin|Test/ })).toHaveCount(0);
  await expect(page.getByText('Add a hypervisor')).toHaveCount(0);
  // On the graph: no handles to drag a connection from, and no "New" menu.
  await page.locator('[data-id="host-hv1"]').getByRole('link', { name: 'hv1' }).click();
  const graph = page.getByTestId('topology-graph');
  await expect(graph.locator('.react-flow__node[data-id="if:br0"]')).toBeVisible();
  const handles = await graph.locator('.react-flow__handle').evaluateAll((hs) => hs.map((h) => getComputedStyle(h).visibility));
  expect(handles.length).toBeGreaterThan(0);
  expect(handles.filter((v) => v !== 'hidden')).toEqual([]);
  await expect(page.getByTestId('new-menu')).toHaveCount(0);

  // Calling the mutation directly, with the viewer's session cookie, is refused by the server.
  const cookies = await page.context().cookies();
  const { baseURL } = readPanelState();
  const reply = await request.post(`${baseURL}/api/trpc/hosts.remove`, {
    headers: {
      'content-type': 'application/json',
      origin: baseURL,
      cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    },
    data: { id: 'anything' },
  });
  expect(reply.status()).toBe(403);
  expect(await reply.text()).toContain('FORBIDDEN');
  await page.goto('/hosts');
  await expect(page.locator('[data-id="host-hv1"]')).toBeVisible();

  // Pages for other roles say so plainly, the same way, instead of a frame of failing requests.
  for (const [path, who] of [
    ['/users', 'Only admins manage users'],
    ['/history', 'Admins, operators and auditors read the change history'],
    ['/audit', 'Admins and auditors verify and read the audit trail'],
  ]) {
    await page.goto(path!);
    await expect(page.getByTestId('not-for-role')).toHaveText(`${who}; you are signed in as a viewer. Ask an admin if you need a different role.`);
    await expect(page.locator('main [role="alert"]')).toHaveCount(0);
  }
});

test('a viewer watches the dashboard and the kiosk page with moving rates while the host carries traffic', async ({ page }) => {
  await signIn(page, VIEWER);
  // Traffic inside the lab host: ping hv2 across the VXLAN overlay for a while.
  await hv1.exec(['sh', '-c', 'ping -q -i 0.005 -w 25 198.18.100.12 >/dev/null 2>&1 &']);
  try {
    await page.goto('/dashboard?every=2');
    const row = page.locator('[data-id="dash-hv1"] [data-id="iface-vxlan100"]');
    await expect(row.getByTestId('tx')).toContainText(/[kM]bit\/s/, { timeout: 20_000 });
    // Live: the server reads the host every 2 s and says so; the page polls no more (issue 15),
    // so the figures that move next come by the live events.
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-live', 'yes');
    const first = await row.getByTestId('tx').textContent();
    await expect(async () => expect(await row.getByTestId('tx').textContent()).not.toBe(first)).toPass({ timeout: 15_000 });
    // The lab's VMs are paused: their taps have no carrier, which is normal, not an alarm.
    const paused = page.locator('[data-id="dash-hv1"] [data-id="iface-macvtap0"]');
    await expect(paused).toHaveAttribute('data-state', 'idle');
    await expect(paused.getByTestId('quiet-because')).toHaveText('app1 is paused');
    await expect(page.locator('[data-id="dash-hv1"] tr.bg-red-50')).toHaveCount(0);
    // Every sparkline of a host on one labelled scale.
    await expect(page.locator('[data-id="dash-hv1"]').getByTestId('sparkline-scale')).toHaveText(/^\(rx\+tx, 0–\d+(\.\d)? [kMG]?bit\/s\)$/); // "0–1.0 Mbit/s" on a slower machine
    // The host picker narrows the dashboard to one host, in the URL.
    await page.getByLabel('Host').selectOption({ label: 'hv1' });
    await expect(page).toHaveURL(/[?&]host=/);
    await expect(page.locator('[data-id="dash-hv1"]')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/dashboard.png', fullPage: true });

    // The kiosk fits a 1920×1080 wall screen with large type.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto('/kiosk?every=2');
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await expect(page.getByRole('navigation')).toHaveCount(0); // no panel chrome
    const kioskRow = page.locator('[data-id="dash-hv1"] [data-id="iface-vxlan100"]');
    await expect(kioskRow.getByTestId('tx')).toContainText(/[kM]bit\/s/, { timeout: 20_000 });
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-live', 'yes');
    const k1 = await kioskRow.getByTestId('tx').textContent();
    await expect(async () => expect(await kioskRow.getByTestId('tx').textContent()).not.toBe(k1)).toPass({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollHeight), 'kiosk height').toBeLessThanOrEqual(1080);
    const nameSize = await kioskRow.locator('td').first().evaluate((td) => parseFloat(getComputedStyle(td).fontSize));
    expect(nameSize, 'kiosk interface names (px)').toBeGreaterThanOrEqual(18);
    await page.screenshot({ path: 'test-results/screenshots/kiosk.png', fullPage: true });
  } finally {
    await hv1.exec(['pkill', '-f', 'ping -q -i 0.005'], { allowFailure: true });
  }
});


test('a page opened while signed out is where signing in returns, and only a page of this panel', async ({ page }) => {
  await page.goto('/hosts/hv1');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fhosts%2Fhv1$/);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/hosts\/hv1$/);

  // A "next" naming another site is ignored: signing in lands on the panel's start page.
  await page.context().clearCookies();
  await page.goto('/sign-in?next=%2F%2Fevil.example%2F');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(ADMIN.username);
  expect(page.url()).not.toContain('evil.example');
});
