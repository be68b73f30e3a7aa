// The documents a command reads (libvirt XML, sysctl settings), shown under it in review and
// history: named as the command names them (@doc1), each opened to read in full.
import type { DocumentShape } from '@/server/plan/documents';

const SHAPE_WORDS: Record<DocumentShape, string> = {
  'libvirt-network': 'libvirt network definition',
  'libvirt-dhcp-host': 'DHCP reservation',
  'libvirt-interface': 'VM NIC definition',
  sysctl: 'kernel settings (sysctl)',
  interfaces: 'boot configuration (interfaces)',
};

export function CommandDocuments({ documents }: { documents?: { shape: DocumentShape; text: string }[] | undefined }) {
  if (!documents?.length) return null;
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
