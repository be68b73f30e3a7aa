// Issue 11's conflicts in the browser: an address put on hv1 outside Switchboard, inside its
// default network's DHCP range, is marked on the graph (both nodes), explained in the inspector,
// counted and listed on the fleet page; once it is gone and the hosts are read again, so is the
// conflict. Runs after first-start.spec.ts (alice and hv1 exist).
import { expect, test } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
const ADDRESS = '198.19.122.150/32';
const SENTENCE = "On hv1, eth2's address 198.19.122.150 is inside network default's DHCP range 198.19.122.100-198.19.122.200: dnsmasq could hand it to a VM too.";
// The same address also lies in the network's subnet: a second conflict, on the network alone.
const OVERLAP = "On hv1, default's subnet 198.19.122.0/24 overlaps eth2's address 198.19.122.150/32; VMs could not reach that part of the host's network.";

test.afterAll(async () => {
  await hv1.exec(['ip', 'addr', 'del', ADDRESS, 'dev', 'eth2'], { allowFailure: true });
});

test('a host address inside a DHCP range is marked on the graph, explained, and listed on the fleet page until it is gone', async ({ page }) => {
  await hv1.exec(['ip', 'addr', 'add', ADDRESS, 'dev', 'eth2']);
  await signIn(page);
  const graph = await openHost(page, 'hv1', 'net:default');

  // Both sides of the conflict carry the marker; its title says why.
  const marker = (node: string) => graph.locator(`.react-flow__node[data-id="${node}"] [data-testid="node-conflict"]`);
  await expect(marker('if:eth2')).toHaveAttribute('title', SENTENCE);
  await expect(marker('net:default')).toHaveAttribute('title', `${OVERLAP}\n${SENTENCE}`);
  await expect(graph.locator('[data-testid="node-conflict"]')).toHaveCount(2);
  await expect(page.getByTestId('host-conflicts')).toHaveText('2 conflicts: the marked nodes say which');

  await graph.locator('.react-flow__node[data-id="if:eth2"]').click();
  await expect(page.getByTestId('inspector-conflicts')).toContainText(SENTENCE);

  await page.goto('/');
  const row = page.locator('[data-id="fleet-hv1"]');
  await expect(row.getByTestId('count-conflicts')).toHaveText('2');
  const list = page.getByTestId('fleet-conflicts');
  await expect(list).toContainText(SENTENCE);
  await expect(list).toContainText(OVERLAP);
  await expect(list.getByRole('link', { name: 'open hv1' })).toHaveCount(2);

  await hv1.exec(['ip', 'addr', 'del', ADDRESS, 'dev', 'eth2']);
  await page.getByRole('button', { name: 'Refresh all hosts' }).click();
  await expect(page.getByTestId('refresh-all-result')).toBeVisible();
  await expect(row.getByTestId('count-conflicts')).toHaveText('none');
  await expect(list).toHaveCount(0);
});
