// `npm run lab -- up --hosts N [--vm-hosts M] [--light] [--authorize-key FILE]... | down | status | reboot NAME | capabilities`
import { parseArgs } from 'node:util';
import { authorizeKeys, down, reboot, status, up } from './lab';
import { kernelCapabilities } from './capabilities';

const USAGE = `usage: npm run lab -- <command>
  up --hosts N [--vm-hosts M] [--light] [--authorize-key FILE]...
                 create hosts hv1..hvN (full: sshd + libvirtd + VMs; --light: sshd and interfaces)
                 and real-kernel hosts kv1..kvM (QEMU guests booting Debian's kernel; the first
                 run builds their image, a few minutes)
  down           remove every process, namespace, veth, tap, bridge and mount the lab created
  status         JSON: hosts (address, SSH port, sshd/libvirtd answering, counts; for kv hosts
                 their kernel and its capabilities) and this machine's kernel capabilities
  reboot NAME    reboot a real-kernel host (kvN) for real; returns once SSH answers again
  capabilities [--refresh]
                 JSON: what this kernel can create (link kinds, qdiscs, filters, bridge VLAN filtering)
  authorize --authorize-key FILE...
                 authorize more public keys on all hosts (kept for later \`up\`s)`;

const log = (msg: string) => process.stderr.write(`lab: ${msg}\n`);

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    log('must run as root (it creates network namespaces and starts daemons)');
    return 2;
  }
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      hosts: { type: 'string' },
      'vm-hosts': { type: 'string' },
      light: { type: 'boolean', default: false },
      'authorize-key': { type: 'string', multiple: true },
      refresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'up': {
      const hosts = Number(values.hosts ?? '');
      if (!values.hosts || !Number.isInteger(hosts)) {
        log('up needs --hosts N (an integer)');
        return 2;
      }
      const vmHosts = Number(values['vm-hosts'] ?? '0');
      if (!Number.isInteger(vmHosts)) {
        log('--vm-hosts needs an integer');
        return 2;
      }
      const result = await up({ hosts, vmHosts, light: values.light, authorizeKeys: values['authorize-key'], log });
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    case 'down':
      process.stdout.write(JSON.stringify(await down(log), null, 2) + '\n');
      return 0;
    case 'status':
      process.stdout.write(JSON.stringify(await status(), null, 2) + '\n');
      return 0;
    case 'reboot': {
      const name = positionals[1];
      if (!name) {
        log('reboot needs a host name (kv1, kv2, ...)');
        return 2;
      }
      const seconds = await reboot(name, log);
      process.stdout.write(JSON.stringify({ rebooted: name, seconds }, null, 2) + '\n');
      return 0;
    }
    case 'capabilities':
      process.stdout.write(JSON.stringify(await kernelCapabilities({ refresh: values.refresh }), null, 2) + '\n');
      return 0;
    case 'authorize':
      await authorizeKeys(values['authorize-key'] ?? [], log);
      return 0;
    default:
      log(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
