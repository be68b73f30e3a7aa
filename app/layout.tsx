import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { TrpcReactProvider } from '@/components/trpc/provider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Switchboard', template: '%s · Switchboard' },
  description: 'Virtual networking control panel for KVM/libvirt hypervisors',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <TrpcReactProvider>{children}</TrpcReactProvider>
      </body>
    </html>
  );
}
