import type { NextConfig } from 'next';

const securityHeaders = [
  // The setup link carries a one-time token in its query string; never leak it via Referer.
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
];

const nextConfig: NextConfig = {
  // Native modules and Prisma's wasm query compiler must be loaded by Node at run time,
  // not bundled by Turbopack.
  serverExternalPackages: [
    'better-sqlite3',
    '@node-rs/argon2',
    'ssh2',
    'pg',
    '@prisma/client',
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-pg',
  ],
  poweredByHeader: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
