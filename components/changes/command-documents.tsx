// The documents a command reads (libvirt XML, sysctl settings), shown under it in review and
// history: named as the command names them (@doc1), each opened to read in full.
import { diffLines } from 'diff';
import { BOOT_FILE_SHAPES, type DocumentShape } from '@/server/plan/documents';

const SHAPE_WORDS: Record<DocumentShape, string> = {
  'libvirt-network': 'libvirt network definition',
  'libvirt-dhcp-host': 'DHCP reservation',
  'libvirt-interface': 'VM NIC definition',
  sysctl: 'kernel settings (sysctl)',
  interfaces: 'boot configuration (interfaces)',
  networkd: 'boot configuration (systemd-networkd unit)',
  netplan: 'boot configuration (netplan YAML)',
  nft: "Switchboard's NAT table (nftables)",
  'iptables-rules': 'port-forward accepts kept for boot (iptables-restore)',
  'nft-accepts': "port-forward accepts on top of libvirt's nft chain",
  'tc-batch': 'traffic control kept for boot (tc batch)',
  'systemd-unit': "Switchboard's boot unit (systemd)",
};

type Doc = { shape: DocumentShape; text: string };

/**
 * A boot file the command writes, as a diff against what the host has now (the way Proxmox
 * shows its pending interfaces file): `sb-write-file` with @doc1 the new content and, when the
 * file exists, @doc2 the old one (its inverse); `sb-remove-file` with @doc1 the old content.
 */
function BootFileDiff({ argv, documents }: { argv: readonly string[]; documents: Doc[] }) {
  const [verb, path] = argv;
  const before = verb === 'sb-remove-file' ? documents[0]!.text : (documents[1]?.text ?? '');
  const after = verb === 'sb-remove-file' ? '' : documents[0]!.text;
  return <DocumentDiff title={`${path}: ${verb === 'sb-remove-file' ? 'removed' : documents.length === 1 ? 'created' : 'changed'}`} before={before} after={after} />;
}

/** `nft -f @doc1` with the table as it was in @doc2 (its inverse): the rules that change, as a diff. */
const NftTableDiff = ({ documents }: { documents: Doc[] }) => (
  <DocumentDiff title="Switchboard's NAT table (nftables inet switchboard), replaced in one transaction" before={documents[1]?.text ?? ''} after={documents[0]!.text} />
);

function DocumentDiff({ title, before, after }: { title: string; before: string; after: string }) {
  const parts = diffLines(before, after);
  return (
    <div data-testid="boot-file-diff" className="pl-3 text-xs">
      <div className="text-slate-600">{title}, sent as data, not on the command line</div>
      <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] leading-snug">
        {parts.flatMap((p, i) =>
          p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <div key={`${i}-${j}`} data-change={p.added ? 'added' : p.removed ? 'removed' : 'same'} className={p.added ? 'bg-emerald-50 text-emerald-800' : p.removed ? 'bg-red-50 text-red-800' : 'text-slate-500'}>
                {p.added ? '+ ' : p.removed ? '- ' : '  '}
                {line}
              </div>
            )),
        )}
      </pre>
    </div>
  );
}

export function CommandDocuments({ documents, argv }: { documents?: Doc[] | undefined; argv?: readonly string[] }) {
  if (!documents?.length) return null;
  if (argv && (BOOT_FILE_SHAPES as readonly string[]).includes(documents[0]!.shape)) return <BootFileDiff argv={argv} documents={documents} />;
  if (argv?.[0] === 'nft' && documents[0]!.shape === 'nft') return <NftTableDiff documents={documents} />;
  return (
    <ul className="space-y-1 pl-3" aria-label="Documents the command reads">
      {documents.map((d, i) => (
        <li key={i}>
          <details data-testid="command-document" className="text-xs">
            <summary className="cursor-pointer text-slate-600">
              <code className="font-mono">@doc{i + 1}</code>: {SHAPE_WORDS[d.shape]} ({d.text.split('\n').filter(Boolean).length} lines), sent as data, not on the command line
            </summary>
            <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] leading-snug text-slate-800">{d.text}</pre>
          </details>
        </li>
      ))}
    </ul>
  );
}
